//! Assistive downloads between sellers (spec §19.13), the driver around
//! `bitwrk_protocol::c2c::assist`:
//!
//! * **source** ([`Source`], [`serve`]): a sell that accepted a SyncInfo
//!   hands out two 128-bit tickets in its wishlist answer and serves
//!   `/<key>/assist/<ticket>`: `GET` the SyncInfo of its chunks in stream
//!   order, `POST` a wishlist for it and get the chunk data, chunk by
//!   chunk as they arrive from its buyer (BW-C2C-36, BW-C2C-37);
//! * **target** ([`fetch`]): a sell told by its own buyer (`assisturl` with
//!   a valid `buyersecret`) fetches from an admitted URL into the store,
//!   every chunk verified (BW-C2C-38, BW-C2C-39);
//! * **buyer** ([`BuyerNode`]): the pool of tickets over the buyer's live
//!   chunked transfers and the `assisturl` requests it sends (BW-C2C-41,
//!   BW-C2C-42).
//!
//! `/tickets` on the local port reports the [`Counters`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bitwrk_protocol::Hash256;
use bitwrk_protocol::c2c::assist::{
    AssistUrl, Grant, Handprint, TICKET_HEADER, TICKETS_PER_TRANSFER, Ticket, TicketPool, admit,
    assist_syncinfo, own_class, parse_assist_url, parse_ticket_header, takes_secret_with_ticket,
    ticket_header,
};
use bitwrk_protocol::c2c::chunkstream::{ChunkDataReader, entry_header};
use bitwrk_protocol::c2c::syncinfo::MAX_SYNCINFO_JSON;
use bitwrk_protocol::c2c::{C2cError, ChunkInfo, SyncInfo, parts, timeouts, wishlist};
use bitwrk_protocol::hash::sha256;
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

use super::Daemon;
use super::external::EndpointRequest;
use super::http_util::{Body, Timeouts, USER_AGENT, channel_body, open, raw, text};
use super::streams::{BodyStream, boundary, multipart_end, part_header};

/// The ticket header's name (`X-AssistiveDownloadTicket`).
pub const TICKET_HEADER_NAME: http::HeaderName =
    http::HeaderName::from_static("x-assistivedownloadticket");

/// How often a served download looks for a chunk that has not arrived
/// yet (BitWrk 0.7: 100 ms).
const POLL: Duration = Duration::from_millis(100);

/// The longest a served download or a fetch lasts (BW-C2C-32).
const TOTAL: Duration = Duration::from_secs(timeouts::REQUEST);

/// Connecting for a fetch or an `assisturl` request (BW-C2C-32).
const CONNECT: Duration = Duration::from_secs(timeouts::CONNECT);

/// The answer's headers of a fetch (BW-C2C-32).
const HEADERS: Duration = Duration::from_secs(timeouts::ASSIST_HEADERS);

/// How long a buyer waits for a seller's fetch before its request A.
pub const BUYER_WAIT: Duration = Duration::from_secs(5 * 60);

/// Verified fetched chunks collected before one store transaction.
const BATCH: usize = 1 << 20;

/// Event counts of this client's assistive downloads (`/tickets`).
#[derive(Debug, Default)]
pub struct Counters {
    /// Tickets handed out as a source.
    pub tickets_issued: AtomicU64,
    /// Requests for a ticket that is unknown or spent (404).
    pub bad_tickets: AtomicU64,
    /// Downloads served (ticket `POST`s).
    pub downloads_served: AtomicU64,
    /// Chunks served.
    pub chunks_served: AtomicU64,
    /// `assisturl` requests without a valid buyer secret (nothing fetched).
    pub urls_without_secret: AtomicU64,
    /// `assisturl` requests whose URL was refused (nothing fetched).
    pub urls_refused: AtomicU64,
    /// Fetches started.
    pub fetches: AtomicU64,
    /// Fetches that failed.
    pub fetches_failed: AtomicU64,
    /// Chunks fetched and verified.
    pub chunks_fetched: AtomicU64,
    /// Bytes of chunks fetched and verified.
    pub bytes_fetched: AtomicU64,
    /// Tickets received from sellers as a buyer.
    pub tickets_received: AtomicU64,
    /// Tickets granted to sellers as a buyer.
    pub tickets_granted: AtomicU64,
}

fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// The client's assistive-download state: the buyer's ticket pool and the
/// counters.
#[derive(Debug, Default)]
pub struct Assist {
    pool: Mutex<TicketPool<String>>,
    /// Node (worker URL) → the buyer secret of its transfer.
    secrets: Mutex<HashMap<String, String>>,
    /// Counters.
    pub counters: Counters,
}

impl Assist {
    /// The `/tickets` report.
    pub fn report(&self) -> serde_json::Value {
        let c = &self.counters;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        serde_json::json!({
            "TicketsIssued": g(&c.tickets_issued),
            "BadTickets": g(&c.bad_tickets),
            "DownloadsServed": g(&c.downloads_served),
            "ChunksServed": g(&c.chunks_served),
            "UrlsWithoutSecret": g(&c.urls_without_secret),
            "UrlsRefused": g(&c.urls_refused),
            "Fetches": g(&c.fetches),
            "FetchesFailed": g(&c.fetches_failed),
            "ChunksFetched": g(&c.chunks_fetched),
            "BytesFetched": g(&c.bytes_fetched),
            "TicketsReceived": g(&c.tickets_received),
            "TicketsGranted": g(&c.tickets_granted),
            "PooledTickets": pool.pooled(),
            "Nodes": pool.nodes(),
        })
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, TicketPool<String>> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }
}

// ---------------------------------------------------------------- source

#[derive(Debug)]
struct Offered {
    /// Ticket → unspent.
    tickets: HashMap<Ticket, bool>,
    sync: Arc<SyncInfo>,
}

/// One sell's side as a source of assistive downloads.
#[derive(Debug, Default)]
pub struct Source {
    offered: Mutex<Option<Offered>>,
    closed: AtomicBool,
    /// One fetch at a time as a target.
    fetching: AtomicBool,
}

impl Source {
    /// The sell accepted `sync` (SyncInfo mode): draws the tickets and
    /// returns the header value announcing them (BW-C2C-36).
    pub fn offer(&self, daemon: &Daemon, worker_url: &str, sync: &SyncInfo) -> Option<HeaderValue> {
        let served = assist_syncinfo(sync).ok()?;
        let mut rng = rand::rng();
        let tickets: Vec<Ticket> = (0..TICKETS_PER_TRANSFER)
            .map(|_| Ticket::generate(&mut rng))
            .collect();
        let value = ticket_header(worker_url, &tickets, &mut rng);
        *self.offered.lock().unwrap_or_else(|p| p.into_inner()) = Some(Offered {
            tickets: tickets.iter().map(|t| (*t, true)).collect(),
            sync: Arc::new(served),
        });
        bump(&daemon.assist.counters.tickets_issued, tickets.len() as u64);
        HeaderValue::from_str(&value).ok()
    }

    /// The sell ended: downloads in progress stop.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// The SyncInfo of an unspent ticket, spending it if `spend`.
    fn take(&self, ticket: &str, spend: bool) -> Option<Arc<SyncInfo>> {
        let ticket = Ticket::parse(ticket).ok()?;
        let mut g = self.offered.lock().unwrap_or_else(|p| p.into_inner());
        let o = g.as_mut()?;
        let unspent = o.tickets.get_mut(&ticket)?;
        if !*unspent {
            return None;
        }
        if spend {
            *unspent = false;
        }
        Some(o.sync.clone())
    }
}

fn refusal(status: StatusCode, e: &C2cError) -> Response<Body> {
    text(
        status,
        format!("{}: {e}", bitwrk_protocol::ErrorCode::code(e)),
    )
}

/// Answers `/<key>/assist/<ticket>` for `source` (BW-C2C-37): `GET` the
/// SyncInfo, `POST` (with `Connection: close`) a wishlist for it, answered
/// by the chunk data; an unknown or spent ticket is 404 `c2c.bad-ticket`.
pub fn serve(
    daemon: Arc<Daemon>,
    source: Arc<Source>,
    ticket: &str,
    req: EndpointRequest,
) -> Response<Body> {
    let post = req.method == Method::POST;
    if !post && req.method != Method::GET {
        return text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
    }
    let close = req
        .headers
        .get(header::CONNECTION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("close"));
    if post && !close {
        return text(StatusCode::BAD_REQUEST, "Connection: close required");
    }
    let Some(sync) = source.take(ticket, post) else {
        bump(&daemon.assist.counters.bad_tickets, 1);
        return refusal(StatusCode::NOT_FOUND, &C2cError::BadTicket);
    };
    if !post {
        let mut r = raw(StatusCode::OK, sync.to_json());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return r;
    }
    bump(&daemon.assist.counters.downloads_served, 1);
    // One chunk waits in the channel while the next is read (BW-C2C-37).
    let gzip = req
        .headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let (out, body) = channel_body(1);
    tokio::spawn(async move {
        let run = send_requested(&daemon, &source, &sync, req.body, gzip, &out);
        let outcome = tokio::time::timeout(TOTAL, run)
            .await
            .unwrap_or_else(|_| Err("the download took too long".to_owned()));
        if let Err(e) = outcome {
            tracing::info!(reason = %e, "assistive download ended early");
            let _ = out.send(Err(e.into())).await;
        }
    });
    let mut r = Response::new(body);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(parts::OCTET_STREAM),
    );
    r
}

/// Reads the wishlist as it arrives and sends every requested chunk, once
/// it is in the store.
async fn send_requested(
    daemon: &Daemon,
    source: &Source,
    sync: &SyncInfo,
    body: Incoming,
    gzip: bool,
    out: &tokio::sync::mpsc::Sender<Result<Bytes, super::http_util::BoxError>>,
) -> Result<(), String> {
    let chunks = sync.chunks();
    let limit = wishlist::byte_len(chunks.len());
    let mut stream = BodyStream::new(body, gzip, TOTAL);
    let mut slot = 0usize;
    let mut read = 0usize;
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|e| e.to_string())?;
        read += piece.len();
        if read > limit {
            return Err("the wishlist is too long".to_owned());
        }
        for byte in piece.iter() {
            for bit in 0..8 {
                let wanted = byte & (0x80 >> bit) != 0;
                let Some(c) = chunks.get(slot) else {
                    if wanted {
                        return Err("the wishlist's padding is not zero".to_owned());
                    }
                    continue;
                };
                slot += 1;
                if wanted {
                    let data = wait_for_chunk(daemon, source, c).await?;
                    let mut entry = entry_header(c.size);
                    entry.extend_from_slice(&data);
                    out.send(Ok(Bytes::from(entry)))
                        .await
                        .map_err(|_| "the fetcher went away".to_owned())?;
                    bump(&daemon.assist.counters.chunks_served, 1);
                }
            }
        }
    }
    Ok(())
}

async fn wait_for_chunk(daemon: &Daemon, source: &Source, c: &ChunkInfo) -> Result<Bytes, String> {
    loop {
        if source.closed.load(Ordering::Relaxed) {
            return Err("the sell ended".to_owned());
        }
        if let Some(data) = daemon.store.chunk(&c.key).map_err(|e| e.to_string())? {
            return Ok(data);
        }
        tokio::time::sleep(POLL).await;
    }
}

// ---------------------------------------------------------------- target

/// What an `assisturl` request (with the request's checked buyer secret,
/// or `None`) makes this seller do: nothing, or a fetch (BW-C2C-38). The
/// answer is always 200 and empty; the outcome is only counted and logged.
pub async fn assist_url(daemon: &Daemon, source: &Source, field: &[u8], secret_ok: bool) {
    let c = &daemon.assist.counters;
    if !secret_ok {
        bump(&c.urls_without_secret, 1);
        return;
    }
    let own = daemon
        .ext_prefix
        .read()
        .ok()
        .and_then(|p| p.clone())
        .map(|p| own_class(&p));
    let url = match (parse_assist_url(field), own) {
        (Ok(url), Some(own)) => match admit(&url, own) {
            Ok(()) => url,
            Err(e) => {
                bump(&c.urls_refused, 1);
                tracing::info!(reason = %e, "assistive-download URL refused");
                return;
            }
        },
        (Err(e), _) => {
            bump(&c.urls_refused, 1);
            tracing::info!(reason = %e, "assistive-download URL refused");
            return;
        }
        (Ok(_), None) => return,
    };
    if source.fetching.swap(true, Ordering::AcqRel) {
        return;
    }
    bump(&c.fetches, 1);
    let outcome = tokio::time::timeout(TOTAL, fetch(daemon, &url))
        .await
        .unwrap_or_else(|_| Err("the fetch took too long".to_owned()));
    source.fetching.store(false, Ordering::Release);
    match outcome {
        Ok((n, bytes)) => {
            tracing::info!(chunks = n, bytes, "assistive download done");
        }
        Err(e) => {
            bump(&c.fetches_failed, 1);
            tracing::info!(reason = %e, "assistive download failed");
        }
    }
}

fn assist_request(method: Method, url: &str, body: Bytes) -> Result<Request<Full<Bytes>>, String> {
    let mut b = Request::builder()
        .method(method.clone())
        .uri(url)
        .header(header::USER_AGENT, USER_AGENT);
    if method == Method::POST {
        // BitWrk 0.7's source wants it (BW-C2C-37).
        b = b.header(header::CONNECTION, "close");
    }
    b.body(Full::new(body)).map_err(|e| e.to_string())
}

async fn open_within(req: Request<Full<Bytes>>) -> Result<Response<Incoming>, String> {
    let t = Timeouts {
        connect: CONNECT,
        total: TOTAL,
    };
    let resp = tokio::time::timeout(HEADERS, open(req, t, "fetching for assistance"))
        .await
        .map_err(|_| "no answer headers within 30 s".to_owned())?
        .map_err(|e| e.to_string())?;
    if resp.status() != StatusCode::OK {
        // Redirects are answers like any other: not followed.
        return Err(format!("status {}", resp.status().as_u16()));
    }
    Ok(resp)
}

/// Fetches from `url` every chunk of its SyncInfo that the store lacks,
/// verifying each (BW-C2C-39). Returns the chunks and bytes stored.
pub async fn fetch(daemon: &Daemon, url: &AssistUrl) -> Result<(u64, u64), String> {
    let resp = open_within(assist_request(Method::GET, &url.url, Bytes::new())?).await?;
    let doc = Limited::new(resp.into_body(), MAX_SYNCINFO_JSON)
        .collect()
        .await
        .map_err(|e| format!("reading the SyncInfo: {e}"))?
        .to_bytes();
    let sync = SyncInfo::from_json(&doc).map_err(|e| e.to_string())?;
    let empty = sha256(b"");
    let mut seen: std::collections::HashSet<Hash256> = std::collections::HashSet::new();
    let mut requested = Vec::new();
    let mut bits = Vec::new();
    for slot in sync.shuffled_indices() {
        let want = match slot {
            Some(i) => {
                let c = sync.chunks()[i];
                let want = c.key != empty
                    && seen.insert(c.key)
                    && !daemon.store.has_chunk(&c.key).map_err(|e| e.to_string())?;
                if want {
                    requested.push(c);
                }
                want
            }
            None => false,
        };
        bits.push(want);
    }
    if requested.is_empty() {
        return Ok((0, 0));
    }
    let body = Bytes::from(wishlist::encode(&bits));
    let resp = open_within(assist_request(Method::POST, &url.url, body)?).await?;
    let mut reader = ChunkDataReader::new(requested);
    let mut batch: Vec<(Hash256, Vec<u8>)> = Vec::new();
    let (mut batch_bytes, mut chunks, mut bytes) = (0usize, 0u64, 0u64);
    let mut body = resp.into_body();
    let c = &daemon.assist.counters;
    let outcome = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| format!("reading chunk data: {e}"))?;
            let Ok(d) = frame.into_data() else { continue };
            reader
                .push(&d, &mut |c, data| {
                    batch_bytes += data.len();
                    batch.push((c.key, data.to_vec()));
                })
                .map_err(|e| e.to_string())?;
            if batch_bytes >= BATCH {
                store_batch(daemon, &mut batch, &mut chunks, &mut bytes)?;
                batch_bytes = 0;
            }
        }
        reader.finish().map_err(|e| e.to_string())
    }
    .await;
    // Verified chunks are kept even if the stream failed later.
    store_batch(daemon, &mut batch, &mut chunks, &mut bytes)?;
    bump(&c.chunks_fetched, chunks);
    bump(&c.bytes_fetched, bytes);
    outcome.map(|()| (chunks, bytes))
}

fn store_batch(
    daemon: &Daemon,
    batch: &mut Vec<(Hash256, Vec<u8>)>,
    chunks: &mut u64,
    bytes: &mut u64,
) -> Result<(), String> {
    daemon.store.put_chunks(batch).map_err(|e| e.to_string())?;
    *chunks += batch.len() as u64;
    *bytes += batch.iter().map(|(_, d)| d.len() as u64).sum::<u64>();
    batch.clear();
    Ok(())
}

// ---------------------------------------------------------------- buyer

/// One of the buyer's chunked transfers as a node of the ticket pool
/// (BW-C2C-41); leaves the pool when dropped.
#[derive(Debug)]
pub struct BuyerNode {
    daemon: Arc<Daemon>,
    url: String,
}

impl BuyerNode {
    /// Registers the transfer to the seller at `url` (SyncInfo mode) of
    /// `chunks` with buyer secret `secret`, and sends the pooled tickets
    /// granted to it now. A grant to a seller that takes the secret along
    /// is awaited (at most [`BUYER_WAIT`]): that seller fetches before its
    /// wishlist, so the chunks it gets need not come from this buyer.
    pub async fn join(
        daemon: &Arc<Daemon>,
        url: &str,
        chunks: &[ChunkInfo],
        secret: &str,
    ) -> BuyerNode {
        daemon
            .assist
            .secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(url.to_owned(), secret.to_owned());
        let grants = daemon
            .assist
            .pool()
            .init_node(url.to_owned(), Handprint::of(chunks));
        let node = BuyerNode {
            daemon: daemon.clone(),
            url: url.to_owned(),
        };
        for g in grants {
            let _ = tokio::time::timeout(BUYER_WAIT, send_grant(daemon, g)).await;
        }
        node
    }

    /// The wishlist answer's headers arrived: pools its tickets and sends
    /// those granted now (in the background).
    pub fn tickets(&self, headers: &http::HeaderMap) {
        let Some(v) = headers.get(TICKET_HEADER) else {
            return;
        };
        let Ok(urls) = parse_ticket_header(v.as_bytes()) else {
            return;
        };
        let a = &self.daemon.assist;
        bump(&a.counters.tickets_received, urls.len() as u64);
        let grants: Vec<Grant<String>> = {
            let mut pool = a.pool();
            urls.into_iter()
                .filter_map(|t| pool.new_ticket(t, self.url.clone()))
                .collect()
        };
        for g in grants {
            let d = self.daemon.clone();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(TOTAL, send_grant(&d, g)).await;
            });
        }
    }

    /// The chunk data is sent: no more tickets for this node.
    pub fn chunk_data_sent(&self) {
        self.daemon.assist.pool().set_interested(&self.url, false);
    }
}

impl Drop for BuyerNode {
    fn drop(&mut self) {
        self.daemon.assist.pool().exit_node(&self.url);
        self.daemon
            .assist
            .secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.url);
    }
}

/// Sends a granted ticket to the node's seller (BW-C2C-42): `assisturl`
/// alone, exactly as BitWrk 0.7 sends it, or with the transfer's
/// `buyersecret` first for a seller with a 128-bit endpoint key.
async fn send_grant(daemon: &Daemon, g: Grant<String>) {
    let secret = if takes_secret_with_ticket(&g.node) {
        daemon
            .assist
            .secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&g.node)
            .cloned()
    } else {
        None
    };
    let b = boundary();
    let mut body = Vec::new();
    let mut first = true;
    if let Some(s) = &secret {
        body.extend_from_slice(&part_header(&b, parts::BUYER_SECRET, None, true));
        body.extend_from_slice(s.as_bytes());
        first = false;
    }
    body.extend_from_slice(&part_header(&b, parts::ASSIST_URL, None, first));
    body.extend_from_slice(g.ticket.as_bytes());
    body.extend_from_slice(&multipart_end(&b));
    let req = Request::builder()
        .method(Method::POST)
        .uri(&g.node)
        .header(header::USER_AGENT, USER_AGENT)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .body(Full::new(Bytes::from(body)));
    let Ok(req) = req else { return };
    bump(&daemon.assist.counters.tickets_granted, 1);
    let t = Timeouts {
        connect: CONNECT,
        total: TOTAL,
    };
    match open(req, t, "sending a ticket").await {
        Ok(resp) => {
            let _ = resp.into_body().collect().await;
        }
        Err(e) => tracing::info!(error = %e, "sending an assistive-download ticket failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitwrk_protocol::c2c::Permutation;

    #[test]
    fn a_ticket_serves_until_its_post_spends_it() {
        // BW-C2C-36, BW-C2C-37
        let chunks = vec![ChunkInfo {
            key: sha256(b"x"),
            size: 1,
        }];
        let sync = SyncInfo::new(chunks, Permutation::trivial()).expect("sync");
        let t = Ticket::generate(&mut rand::rng());
        let s = Source::default();
        *s.offered.lock().expect("lock") = Some(Offered {
            tickets: [(t, true)].into_iter().collect(),
            sync: Arc::new(sync),
        });
        let hex = t.to_string();
        assert_eq!(hex.len(), 32, "128 bits");
        assert!(s.take(&"00".repeat(16), false).is_none(), "unknown");
        assert!(s.take("00000000", false).is_none(), "0.7's constant");
        assert!(s.take(&hex, false).is_some(), "GET does not spend");
        assert!(s.take(&hex, false).is_some());
        assert!(s.take(&hex, true).is_some(), "the POST spends");
        assert!(s.take(&hex, false).is_none(), "spent");
        assert!(s.take(&hex, true).is_none(), "spent");
    }
}
