//! The seller's endpoint for one sell: what a buyer's requests to the
//! worker URL do, driven by the protocol library's [`SellerTransfer`].
//!
//! * `OPTIONS`: the capabilities this driver serves (linear transfers
//!   only for now: chunking, gzip and SyncInfo are advertised `false`, so
//!   BitWrk 0.7 buyers and this client's buyers send linear work).
//! * `POST` multipart with `work` and `buyersecret`: checked against the
//!   transaction, handed to the trading core ([`work_received`]), which
//!   publishes the secret and pushes the work to the worker; the answer is
//!   the encrypted result.
//! * `POST` urlencoded: the receipt; on success the trading core releases
//!   the key through the server.
//!
//! A refused request changes nothing and leaves the endpoint open
//! (BW-C2C-30), unlike BitWrk 0.7, which disposes itself on any error.
//!
//! [`work_received`]: bitwrk_protocol::client::ActivityManager::work_received

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bitwrk_protocol::c2c::{ResultKey, SellerAnswer, SellerTransfer, TxView, WorkRequest, parts};
use bitwrk_protocol::client::ActivityKey;
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode, header};
use tokio::sync::oneshot;

use super::Daemon;
use super::external::{Answer, Endpoint, EndpointRequest};
use super::http_util::{Body, multipart_boundary, multipart_part, raw, text};
use super::trade::RESULT_LIMIT;

/// How long the work request waits for the worker's result.
const RESULT_WAIT: Duration = Duration::from_secs(15 * 60);

/// The capabilities this seller offers (see the module docs).
const CAPABILITIES: &str =
    "{\"Adler32Chunking\": false, \"GZIPCompression\": false, \"SyncInfo\": false}";

/// One sell's endpoint.
#[derive(Debug)]
pub struct SellEndpoint {
    daemon: Weak<Daemon>,
    key: ActivityKey,
    tx: String,
    transfer: Mutex<SellerTransfer>,
    result: Mutex<Option<oneshot::Sender<Bytes>>>,
}

impl SellEndpoint {
    /// The endpoint of sell `key` in transaction `tx`, encrypting under
    /// `result_key`.
    pub fn new(
        daemon: Weak<Daemon>,
        key: ActivityKey,
        tx: String,
        result_key: ResultKey,
    ) -> SellEndpoint {
        SellEndpoint {
            daemon,
            key,
            tx,
            transfer: Mutex::new(SellerTransfer::new(result_key, RESULT_LIMIT)),
            result: Mutex::new(None),
        }
    }

    /// The worker's result is there: encrypt it and answer the buyer's
    /// waiting work request.
    pub fn send_result(&self, plain: Bytes) {
        if let Some(tx) = self.result.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(plain);
        }
    }

    fn transfer(&self) -> std::sync::MutexGuard<'_, SellerTransfer> {
        self.transfer.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn tx_view(&self, daemon: &Daemon) -> Result<TxView, String> {
        // The buyer writes only after the server has its work hash, so the
        // server's current transaction has what the check needs.
        let tx = daemon
            .api
            .fetch_tx(&self.tx)
            .await
            .map_err(|e| e.to_string())?;
        match (tx.work_hash, tx.work_secret_hash) {
            (Some(work_hash), Some(work_secret_hash)) => Ok(TxView {
                buyer: tx.buyer,
                work_hash,
                work_secret_hash,
            }),
            _ => Err("the buyer has not established the transaction yet".to_owned()),
        }
    }

    async fn work(&self, daemon: &Daemon, req: &EndpointRequest) -> Result<Response<Body>, String> {
        let ct = req
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let boundary = multipart_boundary(ct)
            .ok_or_else(|| format!("expected a multipart body, got {ct:?}"))?;
        for unsupported in [
            parts::SYNCINFO,
            parts::A32CHUNKS,
            parts::CHUNKDATA,
            parts::ASSIST_URL,
        ] {
            if multipart_part(&req.body, &boundary, unsupported).is_some() {
                return Err(format!(
                    "part {unsupported:?} is not served by this seller (linear transfers only)"
                ));
            }
        }
        let secret = multipart_part(&req.body, &boundary, parts::BUYER_SECRET);
        let work =
            multipart_part(&req.body, &boundary, parts::WORK).ok_or("expected a part \"work\"")?;
        let tx = self.tx_view(daemon).await?;
        let mut digest = SellerTransfer::linear_digest();
        digest.update(&work).map_err(|e| e.to_string())?;
        let (answer_tx, answer_rx) = oneshot::channel();
        {
            let mut t = self.transfer();
            let answer = t
                .handle_work_request(
                    &tx,
                    WorkRequest {
                        // 0.7 reads exactly the first 64 bytes of the field.
                        buyer_secret: secret.as_ref().map(|s| &s[..s.len().min(64)]),
                        work: Some(digest.finish()),
                        ..WorkRequest::default()
                    },
                    &mut |_| false,
                )
                .map_err(|e| e.to_string())?;
            if answer != SellerAnswer::Work {
                return Err("expected the linear work to be accepted".to_owned());
            }
            let secret = t.buyer_secret().ok_or("no buyer secret")?;
            *self.result.lock().unwrap_or_else(|p| p.into_inner()) = Some(answer_tx);
            daemon.trades.set_sell_work(self.key, work);
            let now = daemon.now();
            daemon
                .trades
                .with(|m| m.work_received(now, self.key, tx.work_hash, secret))
                .map_err(|e| e.to_string())?;
        }
        let plain = tokio::time::timeout(RESULT_WAIT, answer_rx)
            .await
            .map_err(|_| "the worker took too long".to_owned())?
            .map_err(|_| "the sell ended without a result".to_owned())?;
        let mut cipher = plain.to_vec();
        {
            let mut t = self.transfer();
            let mut enc = t.encryptor().map_err(|e| e.to_string())?;
            enc.apply(&mut cipher).map_err(|e| e.to_string())?;
            t.handle_result_sent(enc).map_err(|e| e.to_string())?;
        }
        let mut r = raw(StatusCode::OK, cipher);
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(parts::OCTET_STREAM),
        );
        Ok(r)
    }

    async fn receipt(
        &self,
        daemon: &Daemon,
        req: &EndpointRequest,
    ) -> Result<Response<Body>, String> {
        let tx = self.tx_view(daemon).await?;
        let release = self
            .transfer()
            .handle_receipt(&tx, &req.body)
            .map_err(|e| e.to_string())?;
        let now = daemon.now();
        daemon
            .trades
            .with(|m| m.receipt(now, self.key, release.hash, release.signature))
            .map_err(|e| e.to_string())?;
        Ok(raw(StatusCode::OK, Bytes::new()))
    }

    async fn answer(self: Arc<Self>, req: EndpointRequest) -> Response<Body> {
        let Some(daemon) = self.daemon.upgrade() else {
            return text(StatusCode::NOT_FOUND, "404 page not found");
        };
        if req.method == Method::OPTIONS {
            let mut r = raw(StatusCode::OK, CAPABILITIES);
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            return r;
        }
        if req.method != Method::POST {
            return text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
        }
        let is_form = req
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes() == parts::FORM.as_bytes());
        let outcome = if is_form {
            self.receipt(&daemon, &req).await
        } else {
            self.work(&daemon, &req).await
        };
        outcome.unwrap_or_else(|e| text(StatusCode::INTERNAL_SERVER_ERROR, e))
    }
}

impl Endpoint for SellEndpoint {
    fn handle(self: Arc<Self>, req: EndpointRequest) -> Answer {
        Box::pin(self.answer(req))
    }
}
