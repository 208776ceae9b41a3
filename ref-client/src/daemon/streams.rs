//! Streaming plumbing of the client-to-client transfer and the local API:
//! request bodies read piece by piece (gunzipped when they say so, with a
//! stall timeout), multipart framing written and read incrementally, and
//! a writer that feeds a streamed body (gzip with a sync flush per write,
//! as BitWrk 0.7's buyer does).

use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::{GzDecoder, GzEncoder};
use futures_util::Stream;
use hyper::body::Body as _;
use hyper::body::Incoming;
use tokio::sync::mpsc::Sender;

use super::http_util::{Body, BoxError, channel_body};

/// A request's body as a stream of data pieces, gunzipped if `gzip`.
pub struct BodyStream {
    body: Incoming,
    gunzip: Option<GzDecoder<Vec<u8>>>,
    stall: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    done: bool,
}

impl BodyStream {
    /// Reads `body`; a body that sends nothing for `stall` ends in an
    /// error.
    pub fn new(body: Incoming, gzip: bool, stall: Duration) -> BodyStream {
        BodyStream {
            body,
            gunzip: gzip.then(|| GzDecoder::new(Vec::new())),
            stall,
            sleep: None,
            done: false,
        }
    }
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl Stream for BodyStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let stall = this.stall;
            let sleep = this
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
            let frame = match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Pending => {
                    if sleep.as_mut().poll(cx).is_ready() {
                        this.done = true;
                        return Poll::Ready(Some(Err(io_error("the body stalled"))));
                    }
                    return Poll::Pending;
                }
                Poll::Ready(f) => f,
            };
            this.sleep = None;
            match frame {
                None => {
                    this.done = true;
                    let Some(mut dec) = this.gunzip.take() else {
                        return Poll::Ready(None);
                    };
                    if let Err(e) = dec.try_finish() {
                        return Poll::Ready(Some(Err(io_error(format!("bad gzip body: {e}")))));
                    }
                    let rest = std::mem::take(dec.get_mut());
                    if rest.is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(Bytes::from(rest))));
                }
                Some(Err(e)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(io_error(e))));
                }
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    let Some(dec) = this.gunzip.as_mut() else {
                        return Poll::Ready(Some(Ok(data)));
                    };
                    if let Err(e) = dec.write_all(&data) {
                        this.done = true;
                        return Poll::Ready(Some(Err(io_error(format!("bad gzip body: {e}")))));
                    }
                    let out = std::mem::take(dec.get_mut());
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(Bytes::from(out))));
                    }
                }
            }
        }
    }
}

/// Writes a streamed request body: plain, or gzip-compressed with a sync
/// flush after every [`BodyWriter::send`] so that the receiver can act on
/// every piece (BW-C2C-17).
pub struct BodyWriter {
    tx: Sender<Result<Bytes, BoxError>>,
    gzip: Option<GzEncoder<Vec<u8>>>,
    /// Queued uncompressed bytes (without gzip).
    queued: Vec<u8>,
    /// Bytes queued since the last frame (before compression).
    queued_len: usize,
    /// Uncompressed bytes written.
    pub written: u64,
}

/// Queued bytes that make a frame on their own.
const FRAME_BYTES: usize = 256 << 10;

impl BodyWriter {
    /// A writer and the body it feeds.
    pub fn new(gzip: bool) -> (BodyWriter, Body) {
        let (tx, body) = channel_body(8);
        let w = BodyWriter {
            tx,
            gzip: gzip.then(|| GzEncoder::new(Vec::new(), Compression::fast())),
            queued: Vec::new(),
            queued_len: 0,
            written: 0,
        };
        (w, body)
    }

    /// Sends the pieces (compressed together, then flushed) after what is
    /// queued.
    pub async fn send(&mut self, pieces: &[&[u8]]) -> Result<(), String> {
        self.append(pieces)?;
        self.flush().await
    }

    /// Queues the pieces; once [`FRAME_BYTES`] are queued they go out as
    /// one frame (with gzip: compressed, then flushed).
    pub async fn queue(&mut self, pieces: &[&[u8]]) -> Result<(), String> {
        self.append(pieces)?;
        if self.queued_len >= FRAME_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    /// [`BodyWriter::queue`] for bytes handed over whole: without gzip, a
    /// long piece goes out as a frame of its own, not copied.
    pub async fn queue_owned(&mut self, piece: Vec<u8>) -> Result<(), String> {
        if self.gzip.is_some() || piece.len() < FRAME_BYTES {
            return self.queue(&[&piece]).await;
        }
        self.flush().await?;
        self.written += piece.len() as u64;
        self.tx
            .send(Ok(Bytes::from(piece)))
            .await
            .map_err(|_| "the connection closed".to_owned())
    }

    fn append(&mut self, pieces: &[&[u8]]) -> Result<(), String> {
        for p in pieces {
            match self.gzip.as_mut() {
                None => self.queued.extend_from_slice(p),
                Some(enc) => enc.write_all(p).map_err(|e| e.to_string())?,
            }
            self.queued_len += p.len();
            self.written += p.len() as u64;
        }
        Ok(())
    }

    /// Sends what is queued as one frame (a gzip sync flush first).
    pub async fn flush(&mut self) -> Result<(), String> {
        if self.queued_len == 0 {
            return Ok(());
        }
        self.queued_len = 0;
        let out = match self.gzip.as_mut() {
            None => std::mem::take(&mut self.queued),
            Some(enc) => {
                enc.flush().map_err(|e| e.to_string())?;
                std::mem::take(enc.get_mut())
            }
        };
        self.tx
            .send(Ok(Bytes::from(out)))
            .await
            .map_err(|_| "the connection closed".to_owned())
    }

    /// Ends the body (what is queued, the gzip trailer).
    pub async fn finish(mut self) -> Result<(), String> {
        self.flush().await?;
        if let Some(enc) = self.gzip.take() {
            let out = enc.finish().map_err(|e| e.to_string())?;
            self.tx
                .send(Ok(Bytes::from(out)))
                .await
                .map_err(|_| "the connection closed".to_owned())?;
        }
        Ok(())
    }
}

/// Whether gzip shrinks `samples` enough to be worth its cost: compressed
/// (fast level, as [`BodyWriter`] does) they must come to at most 90 % of
/// their length. Incompressible data (already compressed or encrypted
/// work) costs the sender and receiver gzip's time and saves nothing.
pub fn gzip_pays(samples: &[&[u8]]) -> bool {
    let raw: usize = samples.iter().map(|s| s.len()).sum();
    if raw == 0 {
        return true;
    }
    let mut enc = GzEncoder::new(Vec::with_capacity(raw / 2), Compression::fast());
    for s in samples {
        if enc.write_all(s).is_err() {
            return true;
        }
    }
    match enc.finish() {
        Ok(out) => out.len().saturating_mul(10) <= raw.saturating_mul(9),
        Err(_) => true,
    }
}

/// The header of a multipart part: a file part when `filename` is given
/// (`application/octet-stream`), else a plain field. The first part's
/// header has no leading line break.
pub fn part_header(boundary: &str, name: &str, filename: Option<&str>, first: bool) -> Vec<u8> {
    let lead = if first { "" } else { "\r\n" };
    match filename {
        Some(f) => format!(
            "{lead}--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: {}\r\n\r\n",
            bitwrk_protocol::c2c::parts::OCTET_STREAM
        )
        .into_bytes(),
        None => format!(
            "{lead}--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
        )
        .into_bytes(),
    }
}

/// The end of a multipart body.
pub fn multipart_end(boundary: &str) -> Vec<u8> {
    format!("\r\n--{boundary}--\r\n").into_bytes()
}

/// A fresh multipart boundary (random hex).
pub fn boundary() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b);
    bitwrk_protocol::encoding::hex::encode(&b)
}

/// Reads a whole multipart field of at most `limit` bytes.
pub async fn read_field(
    field: &mut multer::Field<'_>,
    limit: usize,
    what: &str,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(piece) = field.chunk().await.map_err(|e| e.to_string())? {
        if out.len() + piece.len() > limit {
            return Err(format!("{what}: more than {limit} bytes"));
        }
        out.extend_from_slice(&piece);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_pays_only_where_it_shrinks_the_sample() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..256 * 1024)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(!gzip_pays(&[&noise[..100_000], &noise[100_000..]]));
        let text = b"BitWrk work package line\n".repeat(10_000);
        assert!(gzip_pays(&[&text, &noise[..10_000]]));
        assert!(gzip_pays(&[]), "nothing to judge: the offer stands");
    }
}
