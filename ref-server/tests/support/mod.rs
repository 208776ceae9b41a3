//! Runs the real `bitwrk-server` binary on loopback (ephemeral port, fresh
//! database) and talks raw HTTP/1.1 to it.

#![allow(dead_code)]

pub mod load;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running server process.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
    /// The database file.
    pub db: std::path::PathBuf,
}

impl Server {
    /// Starts the server with extra flags.
    pub fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("test.db");
        Server::start_with_db(dir, db, extra)
    }

    /// Starts the server on an existing (or new) database file in `dir`.
    pub fn start_with_db(dir: tempfile::TempDir, db: std::path::PathBuf, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bitwrk-server"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(&db)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("server prints its URL");
        let url = line
            .trim()
            .strip_prefix("bitwrk-server listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let addr = url.trim_end_matches('/').parse().expect("address in URL");
        Server {
            child,
            addr,
            _dir: dir,
            db,
        }
    }

    /// Starts the server on the database `url` (`postgres://…`).
    pub fn start_url(url: &str, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        Server::start_with_db(dir, url.into(), extra)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal (`STOP`, `CONT`, …) with `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits at most `timeout` for the process to exit by itself; whether
    /// it did.
    pub fn exited_within(&mut self, timeout: Duration) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < timeout {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Stops the server with SIGTERM and waits; returns whether it exited 0.
    pub fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait().expect("wait");
        status.success()
    }

    /// Kills the server with SIGKILL (no shutdown at all) and hands back
    /// its directory and database.
    pub fn kill_hard(mut self) -> (tempfile::TempDir, std::path::PathBuf) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().expect("temp dir"));
        (dir, self.db.clone())
    }

    /// Stops the server with SIGTERM and starts it again on the same database.
    pub fn restart(mut self, extra: &[&str]) -> Server {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().expect("temp dir"));
        Server::start_with_db(dir, self.db.clone(), extra)
    }

    /// A connection to the server.
    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }

    /// Sends raw bytes on a new connection and reads the response.
    pub fn raw(&self, request: &[u8]) -> Response {
        let mut s = self.connect();
        s.write_all(request).expect("write");
        read_response_to(&mut s, request.starts_with(b"HEAD "))
    }

    /// A request with `Connection: close`.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes)
    }

    /// GET with headers.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        self.request("GET", path, headers, b"")
    }

    /// POST of a urlencoded form.
    pub fn post_form(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Response {
        let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
        h.extend_from_slice(headers);
        self.request("POST", path, &h, body.as_bytes())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The error code header.
    pub fn code(&self) -> Option<&str> {
        self.header("x-bitwrk-error")
    }
}

/// Reads one response (until the connection closes or the body is complete).
pub fn read_response(s: &mut TcpStream) -> Response {
    read_response_to(s, false)
}

/// Reads one response; `head` for the answer to a HEAD (no body).
pub fn read_response_to(s: &mut TcpStream, is_head: bool) -> Response {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).expect("read response head");
        assert!(
            n > 0,
            "connection closed before a response: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).expect("head is text");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = buf[head_end + 4..].to_vec();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    match length {
        _ if is_head => body.clear(),
        Some(n) => {
            while body.len() < n {
                let k = s.read(&mut chunk).expect("read body");
                assert!(k > 0, "body cut short");
                body.extend_from_slice(&chunk[..k]);
            }
            body.truncate(n);
        }
        None if status == 304 || status == 204 => {}
        None => {
            let _ = s.read_to_end(&mut body);
        }
    }
    Response {
        status,
        headers,
        body,
    }
}

/// A deposit of `amount` to `account`, signed by the trusted account
/// (must be accepted: 302).
pub fn deposit(
    server: &Server,
    trusted: &bitwrk_protocol::key::PrivateKey,
    account: &str,
    amount: &str,
    uid: &str,
) {
    use bitwrk_protocol::document::{normalize, query_escape};
    let n = server.get("/nonce", &[]).text();
    let doc = format!(
        "account={account}&amount={}&nonce={n}&ref=&type=1&uid={uid}",
        normalize(amount)
    );
    let sig = bitwrk_protocol::signature::sign_message(trusted, doc.as_bytes()).to_base64();
    let body = format!(
        "type=1&account={account}&amount={}&nonce={n}&uid={uid}&ref=&signature={}",
        query_escape(amount),
        query_escape(&sig)
    );
    let r = server.post_form("/deposit", &[], &body);
    assert_eq!(r.status, 302, "{}", r.text());
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
