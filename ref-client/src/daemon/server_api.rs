//! The client side of the server's HTTP binding (§2 of the 0.7 notes,
//! spec §16): nonces, bids, bid and transaction polling, signed
//! transaction messages, the deposit-address request, and plain relays.
//! Each call is one request on a fresh connection; redirects are answers.

use bitwrk_protocol::bid::{BidType, bid_document};
use bitwrk_protocol::deposit_address::DepositAddressRequest;
use bitwrk_protocol::document::query_escape;
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::tx::document::canonical_document;
use bitwrk_protocol::wire::{BidJson, TransactionJson};
use bitwrk_protocol::{Address, Money, PrivateKey};
use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::Full;

use super::error::DaemonError;
use super::http_util::{Fetched, SERVER_TIMEOUTS, USER_AGENT, send};

/// Largest answer read from the server (bids, transactions, relayed pages).
const ANSWER_LIMIT: usize = 4 * 1024 * 1024;

/// The server, as this client's identity sees it.
#[derive(Debug)]
pub struct ServerApi {
    base: String,
    key: PrivateKey,
    address: Address,
    /// BitWrk 0.7 places one bid at a time (the nonce is single-use).
    bid_lock: tokio::sync::Mutex<()>,
}

/// The outcome of a bid poll.
#[derive(Debug)]
pub enum Polled<T> {
    /// The resource, with its entity tag if the server sent a valid one.
    Fresh(T, Option<String>),
    /// `304 Not Modified`.
    Unchanged,
}

/// Whether `tag` is an entity tag BitWrk 0.7 accepts: 2..=1023 characters,
/// quoted, the closing quote not escaped.
pub fn valid_etag(tag: &str) -> bool {
    let b = tag.as_bytes();
    (2..=1023).contains(&b.len())
        && b[0] == b'"'
        && b[b.len() - 1] == b'"'
        && (b.len() == 2 || b[b.len() - 2] != b'\\')
}

fn etag_of(headers: &http::HeaderMap) -> Option<String> {
    [header::ETAG.as_str(), "x-etag"]
        .iter()
        .filter_map(|h| headers.get(*h)?.to_str().ok())
        .find(|t| valid_etag(t))
        .map(str::to_owned)
}

fn body_excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(1024)]).into_owned()
}

impl ServerApi {
    /// A client of the server at `base` (ending in `/`) acting as `key`.
    pub fn new(base: String, key: PrivateKey) -> ServerApi {
        let address = key.public_key().address(key.network());
        ServerApi {
            base,
            key,
            address,
            bid_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// This client's address.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, rel: &str, body: Bytes) -> Result<Request<Full<Bytes>>, DaemonError> {
        let url = format!("{}{}", self.base, rel);
        Request::builder()
            .method(method)
            .uri(&url)
            .header(header::USER_AGENT, USER_AGENT)
            .body(Full::new(body))
            .map_err(|e| DaemonError::ServerTransport {
                action: format!("request {url}"),
                detail: e.to_string(),
            })
    }

    async fn exchange(&self, req: Request<Full<Bytes>>, limit: usize, action: &str) -> Result<Fetched, DaemonError> {
        send(req, limit, SERVER_TIMEOUTS, action).await
    }

    fn status_error(action: &str, f: &Fetched) -> DaemonError {
        DaemonError::ServerStatus {
            action: action.to_owned(),
            status: f.status.as_u16(),
            body: body_excerpt(&f.body),
        }
    }

    async fn post_form(&self, rel: &str, body: String, action: &str) -> Result<Fetched, DaemonError> {
        let mut req = self.request(Method::POST, rel, Bytes::from(body))?;
        req.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        req.headers_mut()
            .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        self.exchange(req, ANSWER_LIMIT, action).await
    }

    /// A plain-text resource of at most `limit` bytes (`nonce`, `myip`).
    async fn small_text(&self, rel: &str, limit: usize, action: &str) -> Result<String, DaemonError> {
        let req = self.request(Method::GET, rel, Bytes::new())?;
        let f = self.exchange(req, ANSWER_LIMIT, action).await?;
        if f.status != StatusCode::OK {
            return Err(Self::status_error(action, &f));
        }
        let body = &f.body[..f.body.len().min(limit)];
        String::from_utf8(body.to_vec()).map_err(|e| DaemonError::ServerBody {
            action: action.to_owned(),
            detail: e.to_string(),
        })
    }

    /// `GET nonce`: the body verbatim (at most 80 bytes).
    pub async fn nonce(&self) -> Result<String, DaemonError> {
        self.small_text("nonce", 80, "fetching a nonce").await
    }

    /// `GET myip`: the address the server sees (at most 120 bytes).
    pub async fn myip(&self) -> Result<String, DaemonError> {
        Ok(self.small_text("myip", 120, "asking the server for my IP").await?.trim().to_owned())
    }

    /// Places a bid; returns its id (the `X-Bid-Key` of the 303).
    pub async fn place_bid(&self, bid_type: BidType, article: &str, price: Money) -> Result<String, DaemonError> {
        let action = "placing a bid";
        let _one_at_a_time = self.bid_lock.lock().await;
        let nonce = self.nonce().await?;
        let address = self.address.to_string();
        let document = bid_document(article, bid_type.as_str(), &price.to_string(), &address, &nonce);
        let signature = sign_message(&self.key, document.as_bytes()).to_base64();
        let body = format!("{document}&signature={}", query_escape(&signature));
        let f = self.post_form("bid", body, action).await?;
        let key = f
            .headers
            .get("x-bid-key")
            .and_then(|v| v.to_str().ok())
            .filter(|k| !k.is_empty());
        match (f.status, key) {
            (StatusCode::SEE_OTHER, Some(k)) => Ok(k.to_owned()),
            _ => Err(Self::status_error(action, &f)),
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        rel: &str,
        etag: Option<&str>,
        action: &str,
    ) -> Result<Polled<T>, DaemonError> {
        let mut req = self.request(Method::GET, rel, Bytes::new())?;
        req.headers_mut()
            .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(tag) = etag
            && let Ok(v) = HeaderValue::from_str(tag)
        {
            req.headers_mut().insert(header::IF_NONE_MATCH, v);
        }
        let f = self.exchange(req, ANSWER_LIMIT, action).await?;
        match f.status {
            StatusCode::NOT_MODIFIED => Ok(Polled::Unchanged),
            StatusCode::OK => {
                let value = serde_json::from_slice(&f.body).map_err(|e| DaemonError::ServerBody {
                    action: action.to_owned(),
                    detail: e.to_string(),
                })?;
                Ok(Polled::Fresh(value, etag_of(&f.headers)))
            }
            _ => Err(Self::status_error(action, &f)),
        }
    }

    /// `GET bid/<id>`, conditional on `etag` when known.
    pub async fn bid(&self, id: &str, etag: Option<&str>) -> Result<Polled<BidJson>, DaemonError> {
        self.get_json(&format!("bid/{id}"), etag, "fetching a bid").await
    }

    /// `GET tx/<id>`, conditional on `etag` when known (BitWrk 0.7 never
    /// sends If-None-Match for transactions; this client does, DEP-507).
    pub async fn tx(&self, id: &str, etag: Option<&str>) -> Result<Polled<TransactionJson>, DaemonError> {
        self.get_json(&format!("tx/{id}"), etag, "fetching a transaction").await
    }

    /// Sends a signed transaction message with `args` (besides `txid`).
    pub async fn tx_message(&self, txid: &str, args: &[(&str, &str)]) -> Result<(), DaemonError> {
        let action = format!("sending a message to transaction {txid}");
        let mut pairs: Vec<(&str, &str)> = args.to_vec();
        pairs.push(("txid", txid));
        let document = canonical_document(pairs.iter().copied());
        let signature = sign_message(&self.key, document.as_bytes()).to_base64();
        let body = format!(
            "{document}&signature={}&address={}",
            query_escape(&signature),
            query_escape(&self.address.to_string())
        );
        let f = self.post_form(&format!("tx/{txid}"), body, &action).await?;
        match f.status {
            StatusCode::FOUND | StatusCode::SEE_OTHER => Ok(()),
            _ => Err(Self::status_error(&action, &f)),
        }
    }

    /// Asks the server for a deposit address for this account.
    pub async fn request_deposit_address(&self) -> Result<(), DaemonError> {
        let action = "requesting a deposit address";
        let nonce = self.nonce().await?;
        let request = DepositAddressRequest::signed(&self.key, self.address, &nonce);
        let mut pairs = request.to_form();
        pairs.sort();
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let f = self
            .post_form(&format!("account/{}", self.address), body, action)
            .await?;
        match f.status {
            StatusCode::FOUND | StatusCode::SEE_OTHER => Ok(()),
            _ => Err(Self::status_error(action, &f)),
        }
    }

    /// Forwards a request to `rel` (path and query, no leading `/`) with
    /// the given method, headers to keep and body; returns the answer as
    /// it came.
    pub async fn relay(
        &self,
        method: Method,
        rel: &str,
        headers: &[(header::HeaderName, HeaderValue)],
        body: Bytes,
    ) -> Result<Fetched, DaemonError> {
        let mut req = self.request(method, rel, body)?;
        for (k, v) in headers {
            req.headers_mut().insert(k.clone(), v.clone());
        }
        self.exchange(req, ANSWER_LIMIT, "relaying to the server").await
    }
}

#[cfg(test)]
mod tests {
    use super::valid_etag;

    #[test]
    fn etag_acceptance_follows_bitwrk_07() {
        assert!(valid_etag("\"sPLACED-c16\""));
        assert!(valid_etag("\"\""));
        assert!(!valid_etag("\""));
        assert!(!valid_etag("sPLACED"));
        assert!(!valid_etag("\"abc\\\""));
        assert!(!valid_etag(&format!("\"{}\"", "x".repeat(1022))));
    }
}
