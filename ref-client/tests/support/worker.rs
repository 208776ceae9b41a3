//! A worker program and funding for trade tests (shared by `trade.rs` and
//! `browser.rs`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use super::post_form;

/// What the worker does to its input.
pub fn transform(input: &[u8]) -> Vec<u8> {
    let mut out = b"rendered:".to_vec();
    out.extend(input.iter().rev());
    out
}

/// A worker's listener on loopback, registered at `client` as `id` for
/// `article`; returns it and the registration form (sent again when the
/// worker is idle).
pub fn listen_and_register(
    client: std::net::SocketAddr,
    article: &str,
    id: &str,
) -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("worker listens");
    let port = listener.local_addr().expect("addr").port();
    let push_url = format!("http://127.0.0.1:{port}/work");
    let form = format!(
        "id={id}&article={article}&pushurl={}",
        bitwrk_protocol::document::query_escape(&push_url)
    );
    assert_eq!(post_form(client, "/registerworker", &form).status, 200);
    (listener, form)
}

/// Reads a body in chunked transfer encoding.
pub fn read_chunked(r: &mut impl BufRead) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size).expect("chunk size");
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
            .expect("chunk size in hex");
        if size == 0 {
            let mut end = String::new();
            r.read_line(&mut end).expect("last line");
            return body;
        }
        let at = body.len();
        body.resize(at + size, 0);
        r.read_exact(&mut body[at..]).expect("chunk");
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf).expect("chunk end");
    }
}

/// A worker program: serves `POST /work` with [`transform`], then tells
/// the client it is idle again by registering anew (BitWrk 0.7's worker
/// protocol). The channel gets the work of each job.
pub fn start_worker(
    client: std::net::SocketAddr,
    article: &'static str,
    id: &'static str,
) -> std::sync::mpsc::Receiver<Vec<u8>> {
    start_worker_with(client, article, id, Mode::Transform)
}

/// How a worker of [`start_worker_with`] answers.
pub enum Mode {
    /// 200 with [`transform`] of the work.
    Transform,
    /// 500, as Blender's worker does when rendering fails.
    Fail,
    /// Reports the work through the channel first, then waits for the
    /// test's go (or for the sender to be dropped) before answering 200.
    Hold(std::sync::mpsc::Receiver<()>),
}

/// [`start_worker`] with a chosen [`Mode`]; the channel gets each job's
/// work as soon as it has arrived.
pub fn start_worker_with(
    client: std::net::SocketAddr,
    article: &'static str,
    id: &'static str,
    mode: Mode,
) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (listener, form) = listen_and_register(client, article, id);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut r = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let mut len = 0usize;
            let mut chunked = false;
            let mut content_type = String::new();
            loop {
                let mut h = String::new();
                r.read_line(&mut h).expect("header");
                let h = h.trim_end().to_owned();
                if h.is_empty() {
                    break;
                }
                let lower = h.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().expect("length");
                }
                if let Some(v) = lower.strip_prefix("content-type:") {
                    content_type = v.trim().to_owned();
                }
                if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                    chunked = true;
                }
            }
            // BitWrk 0.7 pushes work with chunked encoding, as the
            // reference client does.
            let body = if chunked {
                read_chunked(&mut r)
            } else {
                let mut body = vec![0; len];
                r.read_exact(&mut body).expect("work body");
                body
            };
            let mut w = stream;
            if !line.starts_with("POST /work ") || content_type != "application/octet-stream" {
                let _ = w.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            }
            let result = transform(&body);
            let _ = tx.send(body);
            let status = match &mode {
                Mode::Transform => "200 OK",
                Mode::Fail => "500 Internal Server Error",
                Mode::Hold(go) => {
                    let _ = go.recv();
                    "200 OK"
                }
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                result.len()
            );
            let _ = w.write_all(head.as_bytes());
            let _ = w.write_all(&result);
            drop(w);
            // Idle again.
            post_form(client, "/registerworker", &form);
        }
    });
    rx
}

pub fn fund(server_url: &str, account: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let ctx = conformance::context::Ctx::new(server_url, false)
            .await
            .expect("context");
        ctx.fund(account, "mBTC 10").await.expect("funded");
    });
}
