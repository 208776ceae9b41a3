//! The seller's endpoint for one sell: what a buyer's requests to the
//! worker URL do, driven by the protocol library's [`SellerTransfer`].
//! Bodies stream: no part of a request, and no result, is held whole.
//!
//! * `OPTIONS`: the capabilities offered, by default all three, byte for
//!   byte BitWrk 0.7's answer (BW-C2C-5); `--c2c-offer` narrows them for
//!   tests against older peers (DEP-509).
//! * `POST` multipart, gunzipped first if `Content-Encoding: gzip`
//!   (BW-C2C-33):
//!   * `work` + `buyersecret` (linear): the work goes into the store as it
//!     arrives, is checked against the transaction, handed to the trading
//!     core ([`work_received`]); the answer is the encrypted result;
//!   * `syncinfojson` or `a32chunks` + `buyersecret` (request A): the
//!     answer is the wishlist; chunks already in the store are not asked
//!     for (the store is content-addressed by the same chunks);
//!   * `chunkdata` (request B): every chunk is verified and stored; the
//!     work is assembled from the store, checked, worked on, and the
//!     answer is the encrypted result.
//! * `POST` urlencoded: the receipt; on success the trading core releases
//!   the key through the server.
//!
//! A refused request changes nothing and leaves the endpoint open
//! (BW-C2C-30), unlike BitWrk 0.7, which disposes itself on any error.
//!
//! [`work_received`]: bitwrk_protocol::client::ActivityManager::work_received

use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use bitwrk_protocol::c2c::probe::OPTIONS_BODY;
use bitwrk_protocol::c2c::syncinfo::{MAX_LEGACY_STREAM, MAX_SYNCINFO_JSON};
use bitwrk_protocol::c2c::{
    BodyKind, C2cError, Digested, ResultKey, SellerAnswer, SellerTransfer, TxView, WorkRequest,
    body_kind, parts, timeouts,
};
use bitwrk_protocol::client::ActivityKey;
use bitwrk_protocol::{ErrorCode, Hash256};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderValue, Method, Response, StatusCode, header};

use super::Daemon;
use super::assembler::{Assembler, Batch};
use super::assist::{self, Source};
use super::external::{Answer, Endpoint, EndpointRequest};
use super::http_util::{Body, channel_body, raw, text};
use super::pieces::Pieces;
use super::streams::{BodyStream, read_field};
use super::trade::{RESULT_LIMIT, TRADE_PIN};
use super::writer::FileWriter;

/// How long the work request waits for the worker's result.
const RESULT_WAIT: Duration = Duration::from_secs(15 * 60);

/// Longest receipt form (BW-C2C-31).
const RECEIPT_LIMIT: usize = 512;

/// Longest `buyersecret` or `assisturl` field read.
const FIELD_LIMIT: usize = 1024;

/// Verified chunks collected before they go to the assembly thread.
const CHUNK_BATCH: usize = 1 << 20;

/// What a seller offers in its `OPTIONS` answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Offer {
    /// All three capabilities, as BitWrk 0.7.
    #[default]
    All,
    /// Chunking and gzip without SyncInfo: buyers send `a32chunks`.
    Legacy,
    /// Nothing: buyers send linear work.
    Linear,
}

impl Offer {
    /// The `OPTIONS` body (never chunking without gzip, BW-C2C-5).
    pub fn body(self) -> &'static str {
        match self {
            Offer::All => OPTIONS_BODY,
            Offer::Legacy => {
                "{\"Adler32Chunking\": true, \"GZIPCompression\": true, \"SyncInfo\": false}"
            }
            Offer::Linear => {
                "{\"Adler32Chunking\": false, \"GZIPCompression\": false, \"SyncInfo\": false}"
            }
        }
    }

    /// Parses `all`, `legacy` or `linear`.
    pub fn parse(s: &str) -> Option<Offer> {
        match s {
            "all" => Some(Offer::All),
            "legacy" => Some(Offer::Legacy),
            "linear" => Some(Offer::Linear),
            _ => None,
        }
    }
}

/// A refusal: status and text (with the code first when it has one).
type Refusal = (StatusCode, String);

fn refuse_c2c(e: C2cError) -> Refusal {
    let status = match e.code() {
        "c2c.not-buyer" => StatusCode::FORBIDDEN,
        "c2c.unexpected" | "c2c.duplicate" => StatusCode::CONFLICT,
        "c2c.too-large" => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, format!("{}: {e}", e.code()))
}

fn internal(e: impl std::fmt::Display) -> Refusal {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

fn malformed(e: impl std::fmt::Display) -> Refusal {
    (StatusCode::BAD_REQUEST, e.to_string())
}

/// One sell's endpoint.
#[derive(Debug)]
pub struct SellEndpoint {
    daemon: Weak<Daemon>,
    key: ActivityKey,
    tx: String,
    offer: Offer,
    transfer: Mutex<SellerTransfer>,
    result: Mutex<Option<tokio::sync::oneshot::Sender<Hash256>>>,
    /// The store's pending file of chunked work (its chunk list).
    listed: Mutex<Option<i64>>,
    /// The digest of the chunked work, once a chunk-data stream ended.
    assembled: Mutex<Option<Digested>>,
    /// The worker URL, once the endpoint is open.
    url: OnceLock<String>,
    /// Assistive downloads from and to this sell (§19.13).
    assist: Arc<Source>,
}

/// What a work request carried.
#[derive(Default)]
struct Parts {
    secret: Option<Vec<u8>>,
    syncinfo: Option<Vec<u8>>,
    a32chunks: Option<Vec<u8>>,
    work: Option<(FileWriter, bitwrk_protocol::c2c::StreamDigest)>,
    chunkdata: bool,
    assist_url: Option<Vec<u8>>,
}

impl SellEndpoint {
    /// The endpoint of sell `key` in transaction `tx`, encrypting under
    /// `result_key`, offering `offer`.
    pub fn new(
        daemon: Weak<Daemon>,
        key: ActivityKey,
        tx: String,
        result_key: ResultKey,
        offer: Offer,
    ) -> SellEndpoint {
        SellEndpoint {
            daemon,
            key,
            tx,
            offer,
            transfer: Mutex::new(SellerTransfer::new(result_key, RESULT_LIMIT)),
            result: Mutex::new(None),
            listed: Mutex::new(None),
            assembled: Mutex::new(None),
            url: OnceLock::new(),
            assist: Arc::default(),
        }
    }

    /// The worker's result is in the store under `hash`: encrypt it and
    /// answer the buyer's waiting work request.
    pub fn send_result(&self, hash: Hash256) {
        if let Some(tx) = self.result.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(hash);
        }
    }

    /// The pending chunked work's file, to drop when the sell ends.
    pub fn pending_file(&self) -> Option<i64> {
        *self.listed.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn transfer(&self) -> std::sync::MutexGuard<'_, SellerTransfer> {
        self.transfer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn pin(&self, daemon: &Daemon) -> String {
        format!("{TRADE_PIN}{}", daemon.trades.public_key(self.key))
    }

    async fn tx_view(&self, daemon: &Daemon) -> Result<TxView, Refusal> {
        // The buyer writes only after the server has its work hash, so the
        // server's current transaction has what the check needs.
        let tx = daemon.api.fetch_tx(&self.tx).await.map_err(internal)?;
        match (tx.work_hash, tx.work_secret_hash) {
            (Some(work_hash), Some(work_secret_hash)) => Ok(TxView {
                buyer: tx.buyer,
                work_hash,
                work_secret_hash,
            }),
            _ => Err((
                StatusCode::CONFLICT,
                "the buyer has not established the transaction yet".to_owned(),
            )),
        }
    }

    async fn work(
        self: &Arc<Self>,
        daemon: &Arc<Daemon>,
        req: EndpointRequest,
        boundary: String,
    ) -> Result<Response<Body>, Refusal> {
        let gzip = req
            .headers
            .get(header::CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let stream = BodyStream::new(req.body, gzip, Duration::from_secs(timeouts::REQUEST));
        let mut mp = multer::Multipart::new(stream, boundary);
        let mut got = Parts::default();
        let read = self.read_parts(daemon, &mut mp, &mut got).await;
        let outcome = match read {
            Ok(()) => self.act(daemon, &mut got).await,
            Err(e) => Err(e),
        };
        if let Some((w, _)) = got.work.take() {
            w.abort();
        }
        outcome
    }

    async fn read_parts(
        &self,
        daemon: &Daemon,
        mp: &mut multer::Multipart<'_>,
        got: &mut Parts,
    ) -> Result<(), Refusal> {
        while let Some(mut field) = mp.next_field().await.map_err(malformed)? {
            let name = field.name().unwrap_or("").to_owned();
            let dup = || {
                refuse_c2c(C2cError::Duplicate {
                    what: "multipart part",
                })
            };
            match name.as_str() {
                parts::WORK => {
                    if got.work.is_some() || got.syncinfo.is_some() || got.a32chunks.is_some() {
                        return Err(dup());
                    }
                    let mut w = daemon
                        .store
                        .writer(Some(&self.pin(daemon)))
                        .map_err(internal)?;
                    let mut digest = SellerTransfer::linear_digest();
                    daemon.trades.set_progress(self.key, 0, 0, 0);
                    let r = async {
                        while let Some(piece) = field.chunk().await.map_err(malformed)? {
                            digest.update(&piece).map_err(refuse_c2c)?;
                            w.write_bytes(piece).map_err(internal)?;
                            let n = w.len();
                            daemon.trades.set_progress(self.key, n, n, n);
                        }
                        Ok::<(), Refusal>(())
                    }
                    .await;
                    if let Err(e) = r {
                        w.abort();
                        return Err(e);
                    }
                    got.work = Some((w, digest));
                }
                parts::BUYER_SECRET => {
                    if got.secret.is_some() {
                        return Err(dup());
                    }
                    got.secret = Some(
                        read_field(&mut field, FIELD_LIMIT, &name)
                            .await
                            .map_err(malformed)?,
                    );
                }
                parts::SYNCINFO | parts::A32CHUNKS => {
                    if got.work.is_some() || got.syncinfo.is_some() || got.a32chunks.is_some() {
                        return Err(dup());
                    }
                    let limit = if name == parts::SYNCINFO {
                        MAX_SYNCINFO_JSON
                    } else {
                        MAX_LEGACY_STREAM
                    };
                    let body = read_field(&mut field, limit, &name)
                        .await
                        .map_err(|e| (StatusCode::PAYLOAD_TOO_LARGE, e))?;
                    if name == parts::SYNCINFO {
                        got.syncinfo = Some(body);
                    } else {
                        got.a32chunks = Some(body);
                    }
                }
                parts::CHUNKDATA => {
                    if got.chunkdata {
                        return Err(dup());
                    }
                    self.chunk_data(daemon, &mut field).await?;
                    got.chunkdata = true;
                }
                parts::ASSIST_URL => {
                    if got.assist_url.is_some() {
                        return Err(dup());
                    }
                    got.assist_url = Some(
                        read_field(&mut field, FIELD_LIMIT, &name)
                            .await
                            .map_err(malformed)?,
                    );
                }
                other => {
                    return Err(malformed(format!("unknown multipart part {other:?}")));
                }
            }
        }
        Ok(())
    }

    /// Streams a `chunkdata` part into the core and, through the assembly
    /// thread, into the store and the work's digest.
    async fn chunk_data(
        &self,
        daemon: &Daemon,
        field: &mut multer::Field<'_>,
    ) -> Result<(), Refusal> {
        let mut batch: Batch = Vec::new();
        let mut batch_bytes = 0usize;
        let (total, to_send, assembler) = {
            let t = self.transfer();
            let to_send: u64 = t.requested().iter().map(|c| u64::from(c.size)).sum();
            let assembler = Assembler::start(
                daemon.store.clone(),
                t.work_chunks().to_vec(),
                t.assembly_digest(),
            );
            (t.work_size(), to_send, assembler)
        };
        let mut assembler = assembler.map_err(internal)?;
        let mut received = 0u64;
        daemon.trades.set_progress(self.key, total, to_send, 0);
        let outcome = async {
            while let Some(piece) = field.chunk().await.map_err(malformed)? {
                self.transfer()
                    .handle_chunk_data(&piece, &mut |c, data| {
                        batch_bytes += data.len();
                        received += u64::from(c.size);
                        batch.push((c.key, data.to_vec()));
                    })
                    .map_err(refuse_c2c)?;
                if batch_bytes >= CHUNK_BATCH {
                    assembler
                        .push(std::mem::take(&mut batch))
                        .map_err(internal)?;
                    batch_bytes = 0;
                    daemon
                        .trades
                        .set_progress(self.key, total, to_send, received);
                }
            }
            Ok::<(), Refusal>(())
        }
        .await;
        // Verified chunks are kept even if the stream was refused later
        // (they are addressed by content, BW-C2C-30).
        let pushed = assembler.push(batch).map_err(internal);
        daemon
            .trades
            .set_progress(self.key, total, to_send, received);
        outcome?;
        pushed?;
        // The digest is complete once every chunk is there; a missing one
        // is reported by the core when the stream's end is checked.
        let digest = tokio::task::block_in_place(|| assembler.finish());
        *self.assembled.lock().unwrap_or_else(|p| p.into_inner()) = digest.ok();
        Ok(())
    }

    /// What the request's parts make the transfer do.
    async fn act(
        self: &Arc<Self>,
        daemon: &Arc<Daemon>,
        got: &mut Parts,
    ) -> Result<Response<Body>, Refusal> {
        if got.chunkdata {
            let tx = self.tx_view(daemon).await?;
            // Reads the whole work from the store: off the async threads.
            let hash = tokio::task::block_in_place(|| self.assemble(daemon, &tx))?;
            return self.run_work(daemon, &tx, hash).await;
        }
        if got.work.is_none() && got.syncinfo.is_none() && got.a32chunks.is_none() {
            // An `assisturl` (with or without a secret), or nothing: 200,
            // empty; a fetch only for the proven buyer (BW-C2C-38).
            if let Some(url) = &got.assist_url {
                let proven = match &got.secret {
                    Some(s) => self.tx_view(daemon).await.is_ok_and(|tx| {
                        SellerTransfer::check_buyer_secret(&tx, &s[..s.len().min(64)]).is_ok()
                    }),
                    None => false,
                };
                assist::assist_url(daemon, &self.assist, url, proven).await;
            }
            return Ok(raw(StatusCode::OK, Bytes::new()));
        }
        let tx = self.tx_view(daemon).await?;
        let digest = got.work.as_ref().map(|(_, d)| d.clone().finish());
        let store = &daemon.store;
        let mut store_error = None;
        let answer = {
            let probe = store.probe();
            self.transfer().handle_work_request(
                &tx,
                WorkRequest {
                    // 0.7 reads exactly the first 64 bytes of the field.
                    buyer_secret: got.secret.as_deref().map(|s| &s[..s.len().min(64)]),
                    syncinfo: got.syncinfo.as_deref(),
                    a32chunks: got.a32chunks.as_deref(),
                    work: digest,
                },
                &mut |key| match probe.has(key) {
                    Ok(b) => b,
                    Err(e) => {
                        store_error = Some(e);
                        false
                    }
                },
            )
        };
        let answer = answer.map_err(refuse_c2c)?;
        if let Some(e) = store_error {
            tracing::warn!(error = %e, "store lookup failed while writing the wishlist");
        }
        match answer {
            SellerAnswer::Work => {
                let (w, _) = got.work.take().ok_or_else(|| internal("no work part"))?;
                let (hash, _) = w.finish(Some(&self.pin(daemon))).map_err(internal)?;
                self.run_work(daemon, &tx, hash).await
            }
            SellerAnswer::Wishlist(bits) => {
                let chunks = self.transfer().work_chunks().to_vec();
                let id = store
                    .begin_listed(&chunks, Some(&self.pin(daemon)))
                    .map_err(internal)?;
                *self.listed.lock().unwrap_or_else(|p| p.into_inner()) = Some(id);
                let mut r = raw(StatusCode::OK, bits);
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(parts::WISHLIST),
                );
                // Tickets for other sellers of this buyer (BW-C2C-36).
                if got.syncinfo.is_some()
                    && let (Some(url), Some(sync)) = (self.url.get(), self.transfer().sync_info())
                    && let Some(v) = self.assist.offer(daemon, url, sync)
                {
                    r.headers_mut().insert(assist::TICKET_HEADER_NAME, v);
                }
                Ok(r)
            }
        }
    }

    /// All chunks are in: checks the work's digest (fed by the assembly
    /// thread in chunk order) and makes the work a complete file.
    fn assemble(&self, daemon: &Daemon, tx: &TxView) -> Result<Hash256, Refusal> {
        self.transfer()
            .handle_chunk_data_end()
            .map_err(refuse_c2c)?;
        let id = self
            .pending_file()
            .ok_or_else(|| internal("no chunk list stored"))?;
        let work = self
            .assembled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| internal("the work was not assembled"))?;
        self.transfer()
            .handle_assembled(tx, work)
            .map_err(refuse_c2c)?;
        daemon
            .store
            .complete(id, &work.hash, work.len, Some(&self.pin(daemon)))
            .map_err(internal)?;
        *self.listed.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(work.hash)
    }

    /// Hands the checked work to the trading core, waits for the worker's
    /// result and streams it back encrypted.
    async fn run_work(
        self: &Arc<Self>,
        daemon: &Arc<Daemon>,
        tx: &TxView,
        work: Hash256,
    ) -> Result<Response<Body>, Refusal> {
        let (answer_tx, answer_rx) = tokio::sync::oneshot::channel();
        {
            let t = self.transfer();
            let secret = t
                .buyer_secret()
                .ok_or_else(|| internal("no buyer secret"))?;
            *self.result.lock().unwrap_or_else(|p| p.into_inner()) = Some(answer_tx);
            daemon.trades.set_sell_work(self.key, work);
            let now = daemon.now();
            daemon
                .trades
                .with(|m| m.work_received(now, self.key, tx.work_hash, secret))
                .map_err(internal)?;
        }
        let result = tokio::time::timeout(RESULT_WAIT, answer_rx)
            .await
            .map_err(|_| internal("the worker took too long"))?
            .map_err(|_| internal("the sell ended without a result"))?;
        let file = daemon
            .store
            .file(&result)
            .map_err(internal)?
            .ok_or_else(|| internal("the result is not in the store"))?;
        let mut enc = self.transfer().encryptor().map_err(refuse_c2c)?;
        let (out, body) = channel_body(4);
        let me = self.clone();
        let d = daemon.clone();
        tokio::spawn(async move {
            let mut pieces = Pieces::new(d.store.clone(), file.id);
            let mut held: Option<Vec<u8>> = None;
            loop {
                let chunks = match pieces.next().await {
                    Ok(Some(c)) => c,
                    Ok(None) => break,
                    Err(e) => {
                        let _ = out.send(Err(e.to_string().into())).await;
                        return;
                    }
                };
                let mut piece = Vec::with_capacity(chunks.iter().map(Bytes::len).sum());
                for c in &chunks {
                    piece.extend_from_slice(c);
                }
                if enc.apply(&mut piece).is_err() {
                    let _ = out.send(Err("result too large".into())).await;
                    return;
                }
                if let Some(h) = held.replace(piece)
                    && out.send(Ok(Bytes::from(h))).await.is_err()
                {
                    return;
                }
            }
            // The ciphertext's hash is settled before its last bytes go
            // out, so a receipt can never overtake it.
            let sent = me.transfer().handle_result_sent(enc);
            if let Err(e) = sent {
                let _ = out.send(Err(e.to_string().into())).await;
                return;
            }
            if let Some(h) = held {
                let _ = out.send(Ok(Bytes::from(h))).await;
            }
        });
        let mut r = Response::new(body);
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(parts::OCTET_STREAM),
        );
        Ok(r)
    }

    async fn receipt(
        &self,
        daemon: &Daemon,
        req: EndpointRequest,
    ) -> Result<Response<Body>, Refusal> {
        let mut stream = BodyStream::new(req.body, false, Duration::from_secs(timeouts::REQUEST));
        let mut form = Vec::new();
        while let Some(piece) = stream.next().await {
            let piece = piece.map_err(malformed)?;
            if form.len() + piece.len() > RECEIPT_LIMIT {
                return Err(refuse_c2c(C2cError::TooLarge {
                    what: "receipt form",
                    limit: RECEIPT_LIMIT as u64,
                }));
            }
            form.extend_from_slice(&piece);
        }
        let tx = self.tx_view(daemon).await?;
        let release = self
            .transfer()
            .handle_receipt(&tx, &form)
            .map_err(refuse_c2c)?;
        let now = daemon.now();
        daemon
            .trades
            .with(|m| m.receipt(now, self.key, release.hash, release.signature))
            .map_err(internal)?;
        Ok(raw(StatusCode::OK, Bytes::new()))
    }

    async fn answer(self: Arc<Self>, req: EndpointRequest) -> Response<Body> {
        let Some(daemon) = self.daemon.upgrade() else {
            return text(StatusCode::NOT_FOUND, "404 page not found");
        };
        if req.method == Method::OPTIONS {
            let mut r = raw(StatusCode::OK, self.offer.body());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            return r;
        }
        if req.method != Method::POST {
            return text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
        }
        let ct = req
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let outcome = match body_kind(&ct) {
            Ok(BodyKind::Form) => self.receipt(&daemon, req).await,
            Ok(BodyKind::Multipart { boundary }) => self.work(&daemon, req, boundary).await,
            Err(e) => Err(refuse_c2c(e)),
        };
        outcome.unwrap_or_else(|(status, e)| {
            tracing::info!(sell = %self.key, %status, reason = %e, "c2c request refused");
            text(status, e)
        })
    }
}

impl Endpoint for SellEndpoint {
    fn handle(self: Arc<Self>, req: EndpointRequest) -> Answer {
        Box::pin(self.answer(req))
    }

    fn assist(self: Arc<Self>, ticket: String, req: EndpointRequest) -> Answer {
        Box::pin(async move {
            match self.daemon.upgrade() {
                Some(d) => assist::serve(d, self.assist.clone(), &ticket, req),
                None => text(StatusCode::NOT_FOUND, "404 page not found"),
            }
        })
    }

    fn opened(&self, url: &str) {
        let _ = self.url.set(url.to_owned());
    }

    fn closed(&self) {
        self.assist.close();
    }
}
