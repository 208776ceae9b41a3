//! The client side of the server's HTTP binding (§2 of the 0.7 notes,
//! spec §16): the trading core's requests (nonces, bids, bid and
//! transaction polls, signed messages — built and read by the core), the
//! deposit-address request, `myip`, and plain relays. Each call is one
//! request on a fresh connection; redirects are answers.

use bitwrk_protocol::client::{Answer, Method as CoreMethod, RequestKind, ServerRequest};
use bitwrk_protocol::deposit_address::DepositAddressRequest;
use bitwrk_protocol::wire::TransactionJson;
use bitwrk_protocol::{Address, PrivateKey};
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
}

fn body_excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(1024)]).into_owned()
}

impl ServerApi {
    /// A client of the server at `base` (ending in `/`) acting as `key`.
    pub fn new(base: String, key: PrivateKey) -> ServerApi {
        let address = key.public_key().address(key.network());
        ServerApi { base, key, address }
    }

    /// This client's key.
    pub fn identity(&self) -> &PrivateKey {
        &self.key
    }

    /// This client's address.
    pub fn address(&self) -> &Address {
        &self.address
    }

    fn request(
        &self,
        method: Method,
        rel: &str,
        body: Bytes,
    ) -> Result<Request<Full<Bytes>>, DaemonError> {
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

    async fn exchange(
        &self,
        req: Request<Full<Bytes>>,
        limit: usize,
        action: &str,
    ) -> Result<Fetched, DaemonError> {
        send(req, limit, SERVER_TIMEOUTS, action).await
    }

    fn status_error(action: &str, f: &Fetched) -> DaemonError {
        DaemonError::ServerStatus {
            action: action.to_owned(),
            status: f.status.as_u16(),
            body: body_excerpt(&f.body),
        }
    }

    /// POSTs a urlencoded `body` to `rel`, asking for JSON.
    pub async fn post_form(
        &self,
        rel: &str,
        body: String,
        action: &str,
    ) -> Result<Fetched, DaemonError> {
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
    async fn small_text(
        &self,
        rel: &str,
        limit: usize,
        action: &str,
    ) -> Result<String, DaemonError> {
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
        Ok(self
            .small_text("myip", 120, "asking the server for my IP")
            .await?
            .trim()
            .to_owned())
    }

    /// Performs one of the trading core's requests and reads the answer
    /// as the core wants it.
    pub async fn execute(&self, r: &ServerRequest) -> Answer {
        let method = match r.method {
            CoreMethod::Get => Method::GET,
            CoreMethod::Post => Method::POST,
        };
        let req = self.request(method, &r.path, Bytes::from(r.body()));
        let req = req.map(|mut req| {
            for (k, v) in &r.headers {
                if let (Ok(name), Ok(value)) = (
                    header::HeaderName::from_bytes(k.as_bytes()),
                    HeaderValue::from_str(v),
                ) {
                    req.headers_mut().insert(name, value);
                }
            }
            req
        });
        let fetched = match req {
            Ok(req) => self.exchange(req, ANSWER_LIMIT, "trading").await,
            Err(e) => Err(e),
        };
        match fetched {
            Ok(f) => {
                let headers: Vec<(String, String)> = f
                    .headers
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect();
                Answer::from_http(r.kind, f.status.as_u16(), &headers, &f.body)
            }
            Err(e) => Answer::Unreachable {
                reason: e.to_string(),
            },
        }
    }

    /// The transaction `id` as the server has it now.
    pub async fn fetch_tx(&self, id: &str) -> Result<TransactionJson, DaemonError> {
        let action = "fetching a transaction";
        let mut req = self.request(Method::GET, &format!("tx/{id}"), Bytes::new())?;
        req.headers_mut()
            .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let f = self.exchange(req, ANSWER_LIMIT, action).await?;
        let headers: Vec<(String, String)> = Vec::new();
        match Answer::from_http(RequestKind::FetchTx, f.status.as_u16(), &headers, &f.body) {
            Answer::Tx { tx, .. } => Ok(*tx),
            Answer::Malformed { reason } => Err(DaemonError::ServerBody {
                action: action.to_owned(),
                detail: reason,
            }),
            _ => Err(Self::status_error(action, &f)),
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
        self.exchange(req, ANSWER_LIMIT, "relaying to the server")
            .await
    }
}

#[cfg(test)]
mod tests {
    use bitwrk_protocol::client::ClientConfig;

    use super::super::http_util::SERVER_TIMEOUTS;

    // BW-CLIENT-39: a poll the server holds for the wait it asked for is
    // not cut off by the client's own timeout (the same for every server
    // request: 0.7's 15 minutes).
    #[test]
    fn the_server_timeout_outlasts_a_waiting_poll() {
        let wait = ClientConfig::default().poll_wait;
        assert!(!wait.is_zero(), "the daemon's polls ask for a wait");
        assert!(
            SERVER_TIMEOUTS.total >= wait + std::time::Duration::from_secs(10),
            "{:?} against a wait of {wait:?}",
            SERVER_TIMEOUTS.total
        );
    }
}
