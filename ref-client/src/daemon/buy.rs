//! The buyer's side of the client-to-client transfer, driven by
//! [`BuyerTransfer`]: probe (chunked files only), work (linear, or request
//! A with the SyncInfo / chunk list and request B with the chunk data,
//! concurrently), the encrypted result into the store, the receipt.
//!
//! Everything streams: the work is read from the store chunk by chunk, the
//! chunks the seller asks for are sent as its wishlist arrives, and the
//! ciphertext goes into the store as it arrives.

use std::sync::Arc;
use std::time::Duration;

use bitwrk_protocol::Hash256;
use bitwrk_protocol::c2c::probe::{Capabilities, MAX_PROBE_BODY};
use bitwrk_protocol::c2c::{
    BuyerRequest, BuyerTransfer, ChunkedWork, ResultCipher, check_status, chunkstream, parts,
    wishlist,
};
use bitwrk_protocol::client::ActivityKey;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::Daemon;
use super::http_util::{Body, Timeouts, full, open};
use super::packs::{Location, READ_SPAN};
use super::pieces::Pieces;
use super::streams::{BodyWriter, boundary, gzip_pays, multipart_end, part_header};
use super::trade::{RESULT_LIMIT, TRADE_PIN};

/// BitWrk 0.7's buyer-to-seller client: 10 s to connect, 15 min per
/// request (BW-C2C-32).
const C2C_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(10),
    total: Duration::from_secs(15 * 60),
};

/// Bytes of work read from the store per piece of a linear upload.
const PIECE: usize = 1 << 20;

fn request(
    method: Method,
    url: &str,
    content_type: Option<&str>,
    gzip: bool,
    body: Body,
) -> Result<Request<Body>, String> {
    let mut b = Request::builder().method(method).uri(url).header(
        header::USER_AGENT,
        HeaderValue::from_static(super::http_util::USER_AGENT),
    );
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    if gzip {
        b = b.header(header::CONTENT_ENCODING, "gzip");
    }
    b.body(body).map_err(|e| e.to_string())
}

async fn send(req: Request<Body>) -> Result<Response<Incoming>, String> {
    open(req, C2C_TIMEOUTS, "talking to the seller")
        .await
        .map_err(|e| e.to_string())
}

/// Reads a whole small answer body.
async fn small_body(resp: Response<Incoming>, limit: usize) -> Result<Bytes, String> {
    super::http_util::read_body(resp.into_body(), limit)
        .await
        .map_err(|e| e.to_string())
}

/// Fails on a status other than 200, with up to 1 KiB of the body
/// (BW-C2C-28).
async fn check(resp: Response<Incoming>) -> Result<Response<Incoming>, String> {
    if resp.status() == StatusCode::OK {
        return Ok(resp);
    }
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut b = resp.into_body();
    while body.len() < 1024 {
        match b.frame().await {
            Some(Ok(f)) => {
                if let Ok(d) = f.into_data() {
                    body.extend_from_slice(&d);
                }
            }
            _ => break,
        }
    }
    body.truncate(1024);
    let e = check_status(status)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    Err(format!("{e}: {}", String::from_utf8_lossy(&body)))
}

/// The buyer's side of one transfer. Returns the ciphertext's hash; the
/// transfer and the ciphertext's key in the store are kept for the
/// decryption (see [`decrypt`]).
pub async fn transfer(
    daemon: &Arc<Daemon>,
    key: ActivityKey,
    url: &str,
    secret: Hash256,
) -> Result<Option<Hash256>, String> {
    let work_hash = daemon
        .trades
        .work_of(key)
        .ok_or_else(|| "the work is not at hand".to_owned())?;
    let file = daemon
        .store
        .file(&work_hash)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the work is not in the store".to_owned())?;
    let chunks = daemon
        .store
        .chunk_list(file.id)
        .map_err(|e| e.to_string())?;
    let work = ChunkedWork {
        chunks,
        key: work_hash,
        size: file.size,
    };
    let mut t = BuyerTransfer::new(work, secret, RESULT_LIMIT).map_err(|e| e.to_string())?;
    let mut next = t.start().map_err(|e| e.to_string())?;
    let mut gzip = false;
    if next == BuyerRequest::Probe {
        let probe = match request(Method::OPTIONS, url, None, false, full(Bytes::new())) {
            Ok(req) => match send(req).await {
                Ok(r) if r.status() == StatusCode::OK => small_body(r, MAX_PROBE_BODY).await.ok(),
                _ => None,
            },
            Err(_) => None,
        };
        gzip = daemon.config.c2c_gzip
            && probe
                .as_deref()
                .and_then(|b| Capabilities::parse(b).ok())
                .is_some_and(|c| c.gzip);
        next = t
            .handle_probe(probe.as_deref(), &mut rand::rng())
            .map_err(|e| e.to_string())?;
    }
    let total = file.size;
    daemon.trades.set_progress(key, total, total, 0);
    let answer = match next {
        BuyerRequest::Linear { buyer_secret } => tokio::time::timeout(
            C2C_TIMEOUTS.total,
            linear(daemon, key, url, file.id, total, &buyer_secret),
        )
        .await
        .map_err(|_| "the seller took too long".to_owned())??,
        BuyerRequest::Chunked {
            part,
            filename,
            body,
            buyer_secret,
        } => tokio::time::timeout(
            C2C_TIMEOUTS.total,
            chunked(
                daemon,
                key,
                &mut t,
                url,
                gzip,
                (part, filename, body, buyer_secret),
            ),
        )
        .await
        .map_err(|_| "the seller took too long".to_owned())??,
        other => return Err(format!("unexpected first request {other:?}")),
    };
    let answer = check(answer).await?;
    // The ciphertext, into the store as it arrives.
    let owner = format!("{TRADE_PIN}{}", daemon.trades.public_key(key));
    let mut w = daemon
        .store
        .writer(Some(&owner))
        .map_err(|e| e.to_string())?;
    let mut body = answer.into_body();
    let read = tokio::time::timeout(C2C_TIMEOUTS.total, async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| format!("reading the result: {e}"))?;
            if let Ok(d) = frame.into_data() {
                t.handle_result(&d).map_err(|e| e.to_string())?;
                w.write(&d).map_err(|e| e.to_string())?;
            }
        }
        Ok::<(), String>(())
    })
    .await
    .map_err(|_| "the seller took too long".to_owned())
    .and_then(|r| r);
    if let Err(e) = read {
        w.abort();
        return Err(e);
    }
    let (cipher_hash, _) = w.finish(Some(&owner)).map_err(|e| e.to_string())?;
    let identity = daemon.api.identity().clone();
    let BuyerRequest::Receipt { form } =
        t.handle_result_end(&identity).map_err(|e| e.to_string())?
    else {
        return Err("expected a receipt to send".to_owned());
    };
    let receipt = match request(Method::POST, url, Some(parts::FORM), false, full(form)) {
        Ok(req) => send(req).await.ok().map(|r| r.status().as_u16()),
        Err(_) => None,
    };
    let hash = t.ciphertext_hash();
    // The receipt's answer is informative: the key comes from the server.
    if let Some(status) = receipt {
        let _ = t.handle_receipt_status(status);
    }
    daemon.trades.set_transfer(key, t, cipher_hash);
    Ok(hash)
}

/// Linear mode: one request, part `work` streamed from the store, then the
/// secret (BW-C2C-7).
async fn linear(
    daemon: &Arc<Daemon>,
    key: ActivityKey,
    url: &str,
    file: i64,
    total: u64,
    buyer_secret: &str,
) -> Result<Response<Incoming>, String> {
    let b = boundary();
    let (mut w, body) = BodyWriter::new(false);
    let req = request(
        Method::POST,
        url,
        Some(&format!("multipart/form-data; boundary={b}")),
        false,
        body,
    )?;
    let d = daemon.clone();
    let secret = buyer_secret.to_owned();
    let writer = tokio::spawn(async move {
        w.send(&[&part_header(
            &b,
            parts::WORK,
            Some(parts::WORK_FILENAME),
            true,
        )])
        .await?;
        let mut sent = 0u64;
        let mut file = Pieces::new(d.store.clone(), file);
        while let Some(chunks) = file.next().await.map_err(|e| e.to_string())? {
            let pieces: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
            w.send(&pieces).await?;
            sent += pieces.iter().map(|p| p.len() as u64).sum::<u64>();
            d.trades.set_progress(key, total, total, sent);
        }
        w.send(&[
            &part_header(&b, parts::BUYER_SECRET, None, false),
            secret.as_bytes(),
            &multipart_end(&b),
        ])
        .await?;
        w.finish().await
    });
    let resp = send(req).await;
    // A seller may answer before it has read everything (a refusal).
    if resp.is_ok() {
        writer.await.map_err(|e| e.to_string())??;
    }
    resp
}

/// Chunked mode: request A (SyncInfo or chunk list, secret), then request B
/// with the chunk data while A's wishlist still arrives (BW-C2C-8,
/// BW-C2C-35). Returns B's answer.
async fn chunked(
    daemon: &Arc<Daemon>,
    key: ActivityKey,
    t: &mut BuyerTransfer,
    url: &str,
    gzip: bool,
    (part, filename, doc, buyer_secret): (&'static str, &'static str, Vec<u8>, String),
) -> Result<Response<Incoming>, String> {
    // A node of the assistive-download pool, SyncInfo mode only; granted
    // tickets go to the seller before request A (BW-C2C-41).
    let node = match part {
        parts::SYNCINFO => {
            Some(super::assist::BuyerNode::join(daemon, url, &t.work().chunks, &buyer_secret).await)
        }
        _ => None,
    };
    // Where the chunks are, looked up while the seller answers request A.
    let locating = locate_chunks(daemon, t);
    // Request A.
    let b = boundary();
    let ct = format!("multipart/form-data; boundary={b}");
    let (mut wa, body) = BodyWriter::new(gzip);
    let req = request(Method::POST, url, Some(&ct), gzip, body)?;
    let writer = tokio::spawn(async move {
        wa.queue(&[&part_header(&b, part, Some(filename), true)])
            .await?;
        // The document (about 90 bytes a chunk) is not copied.
        wa.queue_owned(doc).await?;
        wa.send(&[
            &part_header(&b, parts::BUYER_SECRET, None, false),
            buyer_secret.as_bytes(),
            &multipart_end(&b),
        ])
        .await?;
        wa.finish().await
    });
    let a = check(send(req).await?).await?;
    if let Some(n) = &node {
        n.tickets(a.headers());
    }
    writer.await.map_err(|e| e.to_string())??;
    // Request B, started as soon as A's headers are in; gzipped only if
    // gzip shrinks the work's first chunks (DEP-509).
    let gzip = gzip && gzip_pays_for(daemon, t)?;
    let b = boundary();
    let ct = format!("multipart/form-data; boundary={b}");
    let (mut wb, body) = BodyWriter::new(gzip);
    let req = request(Method::POST, url, Some(&ct), gzip, body)?;
    let answer = tokio::spawn(send(req));
    wb.send(&[&part_header(
        &b,
        parts::CHUNKDATA,
        Some(parts::CHUNKDATA_FILENAME),
        true,
    )])
    .await?;
    let total = t.work().size;
    let limit = wishlist::byte_len(t.work().chunks.len() + 1024) + 1;
    let locs = locating.await.map_err(|e| e.to_string())??;
    let mut sent_chunks = 0usize;
    let mut sent = 0u64;
    let mut wl = a.into_body();
    let mut read = 0usize;
    while let Some(frame) = wl.frame().await {
        let frame = frame.map_err(|e| format!("reading the wishlist: {e}"))?;
        let Ok(d) = frame.into_data() else { continue };
        read += d.len();
        if read > limit {
            return Err("the wishlist is too long".to_owned());
        }
        let wanted = t.handle_wishlist_streaming(&d).map_err(|e| e.to_string())?;
        send_chunks(daemon, t, &locs, &mut wb, &wanted, |n| {
            sent += n;
            daemon.trades.set_progress(key, total, total, sent);
        })
        .await?;
        sent_chunks += wanted.len();
        // Nothing waits in the queue while the next wishlist bytes are
        // awaited.
        wb.flush().await?;
    }
    let BuyerRequest::ChunkData { chunks } = t.handle_wishlist_end().map_err(|e| e.to_string())?
    else {
        return Err("expected the chunk-data request".to_owned());
    };
    let to_send = t.bytes_to_transfer(&chunks);
    daemon.trades.set_progress(key, total, to_send, sent);
    let rest = chunks.get(sent_chunks..).unwrap_or_default();
    send_chunks(daemon, t, &locs, &mut wb, rest, |n| {
        sent += n;
        daemon.trades.set_progress(key, total, to_send, sent);
    })
    .await?;
    wb.send(&[&multipart_end(&b)]).await?;
    wb.finish().await?;
    if let Some(n) = &node {
        n.chunk_data_sent();
    }
    answer.await.map_err(|e| e.to_string())?
}

/// Bytes of the work's first chunks that [`gzip_pays_for`] compresses.
const GZIP_SAMPLE: u64 = 1 << 20;

/// Whether gzip shrinks the first chunks of `t`'s work (about
/// [`GZIP_SAMPLE`] bytes of them).
fn gzip_pays_for(daemon: &Daemon, t: &BuyerTransfer) -> Result<bool, String> {
    let mut samples = Vec::new();
    let mut bytes = 0u64;
    for c in &t.work().chunks {
        if bytes >= GZIP_SAMPLE {
            break;
        }
        let data = daemon
            .store
            .chunk(&c.key)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("chunk {} is not in the store", c.key))?;
        bytes += data.len() as u64;
        samples.push(data);
    }
    let pieces: Vec<&[u8]> = samples.iter().map(|s| &s[..]).collect();
    Ok(gzip_pays(&pieces))
}

/// Where each chunk of `t`'s work is stored (file order), looked up under
/// one lock of the store on a blocking thread.
fn locate_chunks(
    daemon: &Daemon,
    t: &BuyerTransfer,
) -> tokio::task::JoinHandle<Result<Vec<Location>, String>> {
    let keys: Vec<Hash256> = t.work().chunks.iter().map(|c| c.key).collect();
    let store = daemon.store.clone();
    tokio::task::spawn_blocking(move || {
        let probe = store.probe();
        keys.iter()
            .map(|key| {
                probe
                    .locate(key)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("chunk {key} is not in the store"))
            })
            .collect()
    })
}

/// Queues chunks `wanted` of the work (indices; each its varint length and
/// bytes), read at `locs` a group of about half [`READ_SPAN`] at a time
/// under one lock of the store, the next group read (on a blocking thread)
/// while the current one is sent. `sent` learns the bytes of each group.
async fn send_chunks(
    daemon: &Daemon,
    t: &BuyerTransfer,
    locs: &[Location],
    w: &mut BodyWriter,
    wanted: &[usize],
    mut sent: impl FnMut(u64),
) -> Result<(), String> {
    let chunks = &t.work().chunks;
    let mut groups = Vec::new();
    let mut group = Vec::new();
    let mut bytes = 0u64;
    for &i in wanted {
        let (c, l) = chunks
            .get(i)
            .zip(locs.get(i))
            .ok_or_else(|| format!("no chunk {i}"))?;
        group.push((c.key, *l));
        bytes += u64::from(c.size);
        if bytes >= READ_SPAN / 2 {
            groups.push(std::mem::take(&mut group));
            bytes = 0;
        }
    }
    if !group.is_empty() {
        groups.push(group);
    }
    let read = |group: Vec<(Hash256, Location)>| {
        let store = daemon.store.clone();
        tokio::task::spawn_blocking(move || {
            let data = store.chunks_at(&group);
            (group, data)
        })
    };
    let mut groups = groups.into_iter();
    let mut ahead = groups.next().map(read);
    while let Some(reading) = ahead.take() {
        let (group, data) = reading.await.map_err(|e| e.to_string())?;
        let data = data.map_err(|e| e.to_string())?;
        ahead = groups.next().map(read);
        let mut n = 0u64;
        for ((key, _), d) in group.iter().zip(data) {
            let d = d.ok_or_else(|| format!("chunk {key} is not in the store"))?;
            let size = u32::try_from(d.len()).map_err(|_| format!("chunk {key} is too long"))?;
            w.queue(&[&chunkstream::entry_header(size), &d]).await?;
            n += u64::from(size);
        }
        sent(n);
    }
    Ok(())
}

/// Decrypts the stored ciphertext `cipher` with `cipher_fn` into a new
/// file, pinned until the application fetches it. Runs off the async
/// threads: it reads and writes the whole result.
pub fn decrypt(daemon: &Daemon, cipher: &Hash256, mut c: ResultCipher) -> Result<Hash256, String> {
    let file = daemon
        .store
        .file(cipher)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the ciphertext is not in the store".to_owned())?;
    let mut w = daemon.store.writer(None).map_err(|e| e.to_string())?;
    let mut next = 0u64;
    loop {
        let chunks = match daemon.store.read_chunks(file.id, next, PIECE) {
            Ok(c) => c,
            Err(e) => {
                w.abort();
                return Err(e.to_string());
            }
        };
        if chunks.is_empty() {
            break;
        }
        next += chunks.len() as u64;
        for chunk in chunks {
            let mut piece = chunk.to_vec();
            c.apply(&mut piece);
            if let Err(e) = w.write_bytes(piece.into()) {
                w.abort();
                return Err(e.to_string());
            }
        }
    }
    w.finish(Some(super::store::UNFETCHED))
        .map(|(h, _)| h)
        .map_err(|e| e.to_string())
}
