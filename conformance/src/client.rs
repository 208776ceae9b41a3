//! A small HTTP/1.1 client on hyper: one connection per request, the
//! response read whole. The suite sees a server only through this.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-case, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl Resp {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_slice(&self.body)
            .map_err(|e| format!("a JSON body, got {:?} ({e})", short(&self.text())))
    }

    /// `status code` as text for messages, with the error code if any.
    pub fn summary(&self) -> String {
        match self.header("x-bitwrk-error") {
            Some(code) => format!("{} {code}", self.status),
            None => format!("{} (body {:?})", self.status, short(&self.text())),
        }
    }
}

/// At most 160 characters of `s`.
pub fn short(s: &str) -> String {
    if s.chars().count() <= 160 {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(160).collect();
        format!("{cut}…")
    }
}

/// A server's address: `host:port`.
#[derive(Debug, Clone)]
pub struct Client {
    authority: String,
}

/// An `application/x-www-form-urlencoded` body of `pairs`.
pub fn form(pairs: &[(impl AsRef<str>, impl AsRef<str>)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k.as_ref(), v.as_ref());
    }
    s.finish()
}

impl Client {
    /// A client for `http://host:port/` (the path must be `/`).
    pub fn new(base_url: &str) -> Result<Client, String> {
        let rest = base_url
            .strip_prefix("http://")
            .ok_or_else(|| format!("expected an http:// URL, got {base_url:?}"))?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            return Err(format!(
                "expected http://host:port/ with the root path, got {base_url:?}"
            ));
        }
        Ok(Client {
            authority: authority.to_owned(),
        })
    }

    /// The `host:port` the client talks to.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Sends a request and reads the whole response.
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Resp, String> {
        tokio::time::timeout(
            REQUEST_TIMEOUT,
            self.send_inner(method, target, headers, body),
        )
        .await
        .map_err(|_| format!("{method} {target}: no answer within {REQUEST_TIMEOUT:?}"))?
    }

    async fn send_inner(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Resp, String> {
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|e| format!("connecting to {}: {e}", self.authority))?;
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut builder = http::Request::builder()
            .method(method)
            .uri(target)
            .header("host", &self.authority);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|e| format!("building {method} {target}: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("{method} {target}: {e}"))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the body of {method} {target}: {e}"))?
            .to_bytes();
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// `GET`s each target in turn on one connection (HTTP/1.1 keep-alive).
    pub async fn send_on_one_connection(&self, targets: &[&str]) -> Result<Vec<Resp>, String> {
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|e| format!("connecting to {}: {e}", self.authority))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut out = Vec::new();
        for target in targets {
            sender
                .ready()
                .await
                .map_err(|e| format!("connection closed before GET {target}: {e}"))?;
            let request = http::Request::builder()
                .uri(*target)
                .header("host", &self.authority)
                .body(Full::new(Bytes::new()))
                .map_err(|e| format!("building GET {target}: {e}"))?;
            let response = tokio::time::timeout(REQUEST_TIMEOUT, sender.send_request(request))
                .await
                .map_err(|_| format!("GET {target}: no answer"))?
                .map_err(|e| format!("GET {target} on the reused connection: {e}"))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("reading GET {target}: {e}"))?
                .to_bytes();
            out.push(Resp {
                status,
                headers: Vec::new(),
                body,
            });
        }
        Ok(out)
    }

    /// `GET target` with `Accept: application/json`.
    pub async fn get_json(&self, target: &str) -> Result<Resp, String> {
        self.send("GET", target, &[("accept", "application/json")], b"")
            .await
    }

    /// `POST target` with a form body and `Accept: application/json`.
    pub async fn post_form(&self, target: &str, body: &str) -> Result<Resp, String> {
        self.send(
            "POST",
            target,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json"),
            ],
            body.as_bytes(),
        )
        .await
    }
}
