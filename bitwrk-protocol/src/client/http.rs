//! What the client asks the server and what it makes of the answers
//! (spec sections 20.2 and 20.3): requests the driver performs, and answers
//! the driver hands back, parsed from BitWrk 0.7's HTTP forms.

use core::fmt;

use crate::document::query_escape;
use crate::wire::from_go_json;
use crate::wire::{BidJson, TransactionJson};

use super::ActivityKey;

/// The `User-Agent` the client sends (BW-CLIENT-12): BitWrk 0.7's product
/// token, so that a server's `/motd` recognises a current client.
pub const USER_AGENT: &str = "BitWrkGoClient/0.7.0";

/// Identifies one request: the activity it belongs to and a sequence
/// number within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId {
    /// The activity.
    pub activity: ActivityKey,
    /// The number of the request within the activity.
    pub seq: u64,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` with an `application/x-www-form-urlencoded` body.
    Post,
}

impl Method {
    /// The method's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What a request is for; it decides how its answer is read
/// ([`Answer::from_http`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// `GET nonce`.
    Nonce,
    /// `POST bid`.
    PlaceBid,
    /// `GET bid/<id>`.
    FetchBid,
    /// `GET tx/<id>`.
    FetchTx,
    /// `POST tx/<id>`, a signed transaction message.
    TxMessage,
}

/// A request for the driver to send to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerRequest {
    /// Hand this back with the answer.
    pub id: RequestId,
    /// What the request is for.
    pub kind: RequestKind,
    /// The method.
    pub method: Method,
    /// The path relative to the server's base URL, without a leading
    /// slash (`nonce`, `bid`, `bid/41`, `tx/42`).
    pub path: String,
    /// Headers to send besides `Host` and `Content-Length`.
    pub headers: Vec<(&'static str, String)>,
    /// The form fields of a `POST`, in order.
    pub form: Vec<(String, String)>,
}

impl ServerRequest {
    pub(crate) fn new(id: RequestId, kind: RequestKind, path: String) -> ServerRequest {
        let mut headers = vec![("User-Agent", USER_AGENT.to_owned())];
        let method = match kind {
            RequestKind::PlaceBid | RequestKind::TxMessage => Method::Post,
            RequestKind::Nonce | RequestKind::FetchBid | RequestKind::FetchTx => Method::Get,
        };
        if method == Method::Post {
            headers.push((
                "Content-Type",
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        if kind != RequestKind::Nonce {
            headers.push(("Accept", "application/json".to_owned()));
        }
        ServerRequest {
            id,
            kind,
            method,
            path,
            headers,
            form: Vec::new(),
        }
    }

    /// The URL-encoded body of a `POST` (empty for a `GET`): each field as
    /// `escape(name)=escape(value)`, in order, joined with `&`.
    pub fn body(&self) -> String {
        self.form
            .iter()
            .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(self.headers.iter().map(|(k, v)| (*k, v.as_str())), name)
    }
}

fn header_in<'a>(
    mut headers: impl Iterator<Item = (&'a str, &'a str)>,
    name: &str,
) -> Option<&'a str> {
    headers
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A server's answer, as the driver hands it to the client: parsed with
/// [`Answer::from_http`], or built directly by a test harness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The text of a fresh nonce.
    Nonce(String),
    /// The bid was admitted under this identifier (`303`, `X-Bid-Key`).
    BidAccepted {
        /// The bid's identifier, opaque (BW-HTTP-5).
        bid: String,
    },
    /// A bid's JSON form and entity tag (`200`).
    Bid {
        /// The tag, if the answer carried a valid one.
        etag: Option<String>,
        /// The bid.
        bid: Box<BidJson>,
        /// Whether the server applied the poll's wait (BW-CLIENT-37).
        paced: bool,
    },
    /// A transaction's JSON form and entity tag (`200`).
    Tx {
        /// The tag, if the answer carried a valid one.
        etag: Option<String>,
        /// The transaction.
        tx: Box<TransactionJson>,
        /// Whether the server applied the poll's wait (BW-CLIENT-37).
        paced: bool,
    },
    /// Unchanged since the tag sent (`304`).
    NotModified {
        /// Whether the server applied the poll's wait (BW-CLIENT-37).
        paced: bool,
    },
    /// The transaction message was accepted (`302` or `303`).
    MessageAccepted,
    /// The server refused the request.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The code of `X-BitWrk-Error`, if any.
        code: Option<String>,
        /// The body's text, cut to 1024 bytes.
        message: String,
    },
    /// The answer does not have the form its request calls for.
    Malformed {
        /// What was wrong.
        reason: String,
    },
    /// No answer: the connection failed or timed out.
    Unreachable {
        /// What the driver saw.
        reason: String,
    },
}

/// The longest part of an error body kept.
const MAX_ERROR_BODY: usize = 1024;

/// Whether a `Preference-Applied` header value names the `wait`
/// preference (RFC 7240 §3), whatever its value (BW-CLIENT-37).
pub fn applies_wait(value: &str) -> bool {
    value.split(',').any(|p| {
        p.split(['=', ';'])
            .next()
            .is_some_and(|name| name.trim().eq_ignore_ascii_case("wait"))
    })
}

/// Whether `tag` is an entity tag the client keeps (BW-CLIENT-8): 2 to
/// 1023 characters, in double quotes, the closing quote not escaped.
pub fn is_valid_etag(tag: &str) -> bool {
    let b = tag.as_bytes();
    (2..=1023).contains(&b.len())
        && b[0] == b'"'
        && b[b.len() - 1] == b'"'
        && (b.len() == 2 || b[b.len() - 2] != b'\\')
}

impl Answer {
    /// Reads an HTTP answer to a request of `kind` (BW-CLIENT-12): the
    /// status, the headers (any case) and the body.
    pub fn from_http(
        kind: RequestKind,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Answer {
        let header =
            |name: &str| header_in(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), name);
        let text = String::from_utf8_lossy(body);
        let refused = || Answer::Refused {
            status,
            code: header("X-BitWrk-Error").map(str::to_owned),
            message: cut(&text, MAX_ERROR_BODY).to_owned(),
        };
        let paced = header("Preference-Applied").is_some_and(applies_wait);
        let etag = || {
            header("ETag")
                .filter(|t| is_valid_etag(t))
                .or_else(|| header("X-ETag").filter(|t| is_valid_etag(t)))
                .map(str::to_owned)
        };
        match kind {
            // 0.7 reads the body whatever the status; a refusal's text can
            // never pass as a nonce, so status 200 is required here.
            RequestKind::Nonce if status == 200 => {
                Answer::Nonce(cut(text.trim_end(), 80).to_owned())
            }
            RequestKind::PlaceBid if status == 303 => match header("X-Bid-Key") {
                Some(bid) if !bid.is_empty() => Answer::BidAccepted {
                    bid: bid.to_owned(),
                },
                _ => Answer::Malformed {
                    reason: "303 without X-Bid-Key".to_owned(),
                },
            },
            RequestKind::FetchBid | RequestKind::FetchTx if status == 304 => {
                Answer::NotModified { paced }
            }
            RequestKind::FetchBid if status == 200 => match from_go_json::<BidJson>(&text) {
                Ok(bid) => Answer::Bid {
                    etag: etag(),
                    bid: Box::new(bid),
                    paced,
                },
                Err(e) => Answer::Malformed {
                    reason: e.to_string(),
                },
            },
            RequestKind::FetchTx if status == 200 => match from_go_json::<TransactionJson>(&text) {
                Ok(tx) => Answer::Tx {
                    etag: etag(),
                    tx: Box::new(tx),
                    paced,
                },
                Err(e) => Answer::Malformed {
                    reason: e.to_string(),
                },
            },
            RequestKind::TxMessage if status == 302 || status == 303 => Answer::MessageAccepted,
            _ if (300..400).contains(&status) || status < 200 => Answer::Malformed {
                reason: format!("unexpected status {status}"),
            },
            _ if status >= 400 => refused(),
            _ => Answer::Malformed {
                reason: format!("unexpected status {status}"),
            },
        }
    }

    /// A short description for error messages.
    pub(crate) fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Nonce(n) => write!(f, "nonce {n}"),
            Answer::BidAccepted { bid } => write!(f, "bid {bid} accepted"),
            Answer::Bid { bid, .. } => write!(f, "bid in state {}", bid.state.as_str()),
            Answer::Tx { tx, .. } => write!(f, "transaction in phase {}", tx.phase),
            Answer::NotModified { .. } => f.write_str("304 not modified"),
            Answer::MessageAccepted => f.write_str("message accepted"),
            Answer::Refused { status, code, .. } => {
                write!(
                    f,
                    "refusal {status} {}",
                    code.as_deref().unwrap_or("(no code)")
                )
            }
            Answer::Malformed { reason } => write!(f, "malformed answer: {reason}"),
            Answer::Unreachable { reason } => write!(f, "no answer: {reason}"),
        }
    }
}

/// `s` cut to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
