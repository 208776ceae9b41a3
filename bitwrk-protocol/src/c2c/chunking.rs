//! Content-defined chunking exactly as BitWrk 0.7 (cafs' Adler-32 chunker),
//! chunk keys and the whole-file key (spec §19.2).
//!
//! A boundary is placed before byte `j` of a chunk (byte `j` becomes the
//! first byte of the next chunk) when, counting `n` bytes from the start of
//! the chunk up to and including `j`, either `n > MIN_CHUNK` and the
//! Adler-32 checksum of the 48 bytes ending at `j` is `BOUNDARY_RESIDUE`
//! modulo `BOUNDARY_MODULUS`, or `n > MAX_CHUNK` (BW-C2C-1). The scan then
//! starts afresh at `j`. Boundaries do not depend on how the input is split
//! into calls.

use sha2::{Digest, Sha256};

use crate::hash::Hash256;

mod scan;

use scan::{find_candidate, window_sums};
#[cfg(test)]
use scan::{is_boundary, may_be_boundary, may_be_boundary_mod};

/// Bytes in the rolling window.
pub const WINDOW: usize = 48;
/// A boundary needs more than this many bytes scanned in the chunk.
pub const MIN_CHUNK: usize = 128;
/// The largest chunk.
pub const MAX_CHUNK: usize = 131_072;
/// The checksum is taken modulo this prime …
pub const BOUNDARY_MODULUS: u32 = 8191;
/// … and a boundary needs this residue.
pub const BOUNDARY_RESIDUE: u32 = 4159;
/// The most chunks a work file may have in a chunked transfer (BW-C2C-4).
pub const MAX_CHUNKS: usize = 98_304;

/// Adler-32's modulus.
const ADLER_MOD: u32 = 65_521;

/// The incremental boundary scanner.
///
/// The checksum of a full window depends on the window's 48 bytes alone,
/// not on where the chunk started, so the scanner keeps only the number of
/// bytes scanned in the current chunk and the last (up to) 48 of them; the
/// candidate search (module `scan`) runs over the caller's slice itself,
/// never tests the first 128 bytes of a chunk (no boundary can fall there)
/// and never looks past the forced cut at [`MAX_CHUNK`].
#[derive(Clone, Debug)]
pub struct Chunker {
    /// Bytes scanned in the current chunk.
    n: usize,
    /// The last `min(n, WINDOW)` bytes of the chunk, right-aligned (the
    /// newest byte last).
    tail: [u8; WINDOW],
}

impl Default for Chunker {
    fn default() -> Self {
        Self::new()
    }
}

impl Chunker {
    /// A scanner at the start of a chunk.
    pub const fn new() -> Chunker {
        Chunker {
            n: 0,
            tail: [0; WINDOW],
        }
    }

    /// The Adler-32 value of the current window (equal to zlib's `adler32`
    /// over the last `WINDOW` bytes once the window is full, over the bytes
    /// of the chunk so far before).
    pub fn checksum(&self) -> u32 {
        let (s1, s2) = window_sums(&self.tail[WINDOW - self.n.min(WINDOW)..]);
        ((s2 % ADLER_MOD) << 16) | s1
    }

    /// Scans `data`, the continuation of the current chunk. Returns
    /// `Some(i)` when a boundary lies before `data[i]` (the bytes before it
    /// end the chunk; the scanner has been reset and `data[i..]` must be
    /// scanned next), or `None` when all of `data` belongs to the chunk.
    pub fn scan(&mut self, data: &[u8]) -> Option<usize> {
        // `data[i]` is byte number `self.n + i + 1` of the chunk: it may be
        // a boundary from `lo` on and is one at `cut` at the latest.
        let lo = (MIN_CHUNK - self.n.min(MIN_CHUNK)).min(data.len());
        let cut = MAX_CHUNK - self.n;
        let end = cut.min(data.len());
        let found = self
            .find_across(data, lo, end)
            .or_else(|| find_candidate(data, lo.max(WINDOW - 1), end))
            .or((cut < data.len()).then_some(cut));
        match found {
            Some(i) => {
                *self = Chunker::new();
                Some(i)
            }
            None => {
                self.push_tail(data);
                self.n += data.len();
                None
            }
        }
    }

    /// Candidates in `lo..end` below `WINDOW - 1`, whose windows reach back
    /// into the previous call's bytes.
    fn find_across(&self, data: &[u8], lo: usize, end: usize) -> Option<usize> {
        let end = end.min(WINDOW - 1);
        if lo >= end {
            return None;
        }
        // Testable positions have more than `MIN_CHUNK` bytes before them in
        // the chunk, so `tail` is full.
        debug_assert!(self.n >= WINDOW);
        let mut buf = [0u8; 2 * WINDOW];
        buf[..WINDOW].copy_from_slice(&self.tail);
        buf[WINDOW..WINDOW + end].copy_from_slice(&data[..end]);
        find_candidate(&buf[..WINDOW + end], WINDOW + lo, WINDOW + end).map(|i| i - WINDOW)
    }

    fn push_tail(&mut self, data: &[u8]) {
        if data.len() >= WINDOW {
            self.tail.copy_from_slice(&data[data.len() - WINDOW..]);
        } else {
            self.tail.copy_within(data.len().., 0);
            self.tail[WINDOW - data.len()..].copy_from_slice(data);
        }
    }
}

/// A chunk's key (SHA-256 of its bytes) and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChunkInfo {
    /// SHA-256 of the chunk's bytes (BW-C2C-2).
    pub key: Hash256,
    /// Its length in bytes, 1 ..= [`MAX_CHUNK`].
    pub size: u32,
}

/// A work file's chunks, in file order, and its whole-file key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkedWork {
    /// The chunks in file order; empty for the empty file.
    pub chunks: Vec<ChunkInfo>,
    /// SHA-256 of the whole file: the work hash (BW-C2C-3).
    pub key: Hash256,
    /// The file's length.
    pub size: u64,
}

impl ChunkedWork {
    /// Chunks and key of `data`, held in memory.
    pub fn of(data: &[u8]) -> ChunkedWork {
        let mut c = FileChunker::new();
        c.update(data);
        c.finish()
    }

    /// Whether the file has at least one boundary; only such files go in
    /// chunked mode (BW-C2C-6).
    pub fn is_chunked(&self) -> bool {
        self.chunks.len() > 1
    }

    /// Byte offset of every chunk in the file.
    pub fn offsets(&self) -> Vec<u64> {
        let mut at = 0u64;
        self.chunks
            .iter()
            .map(|c| {
                let o = at;
                at += u64::from(c.size);
                o
            })
            .collect()
    }
}

/// Streams a file through the chunker and the chunk hash in bounded memory:
/// boundaries (BW-C2C-1) and chunk keys (BW-C2C-2), every byte hashed once.
///
/// The whole-file key (BW-C2C-3) is left to the caller, so that a driver
/// can compute it on another core with a [`FileKeyHasher`] fed the same
/// bytes and hand it to [`ChunkHasher::finish`]; [`FileChunker`] does both
/// on one.
#[derive(Clone, Debug, Default)]
pub struct ChunkHasher {
    chunker: Chunker,
    chunk_hash: Sha256,
    chunk_len: u32,
    size: u64,
    chunks: Vec<ChunkInfo>,
}

impl ChunkHasher {
    /// At the start of a file.
    pub fn new() -> ChunkHasher {
        ChunkHasher::default()
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, mut data: &[u8]) {
        self.size += data.len() as u64;
        while !data.is_empty() {
            let (now, rest, ends) = match self.chunker.scan(data) {
                Some(i) => (&data[..i], &data[i..], true),
                None => (data, &[][..], false),
            };
            self.chunk_hash.update(now);
            self.chunk_len += now.len() as u32;
            if ends {
                self.end_chunk();
            }
            data = rest;
        }
    }

    /// Chunks completed so far.
    pub fn chunks(&self) -> &[ChunkInfo] {
        &self.chunks
    }

    /// Bytes fed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn end_chunk(&mut self) {
        let key = hash256(core::mem::take(&mut self.chunk_hash));
        self.chunks.push(ChunkInfo {
            key,
            size: self.chunk_len,
        });
        self.chunk_len = 0;
    }

    /// Ends the file: the last chunk (if any bytes remain), with `key`, the
    /// SHA-256 of all bytes fed (BW-C2C-3; the caller computed it, e.g. by a
    /// [`FileKeyHasher`] fed the same bytes).
    pub fn finish(mut self, key: Hash256) -> ChunkedWork {
        if self.chunk_len > 0 {
            self.end_chunk();
        }
        ChunkedWork {
            chunks: self.chunks,
            key,
            size: self.size,
        }
    }
}

/// The whole-file key (BW-C2C-3), streamed: SHA-256 of every byte fed.
#[derive(Clone, Debug, Default)]
pub struct FileKeyHasher(Sha256);

impl FileKeyHasher {
    /// At the start of a file.
    pub fn new() -> FileKeyHasher {
        FileKeyHasher::default()
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The key of the bytes fed.
    pub fn finish(self) -> Hash256 {
        hash256(self.0)
    }
}

/// Streams a file through the chunker and both hashes in bounded memory,
/// on one core ([`ChunkHasher`] and [`FileKeyHasher`] together).
#[derive(Clone, Debug, Default)]
pub struct FileChunker {
    chunks: ChunkHasher,
    file_key: FileKeyHasher,
}

impl FileChunker {
    /// At the start of a file.
    pub fn new() -> FileChunker {
        FileChunker::default()
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, data: &[u8]) {
        self.file_key.update(data);
        self.chunks.update(data);
    }

    /// Chunks completed so far.
    pub fn chunks(&self) -> &[ChunkInfo] {
        self.chunks.chunks()
    }

    /// Ends the file: the last chunk (if any bytes remain) and the key.
    pub fn finish(self) -> ChunkedWork {
        self.chunks.finish(self.file_key.finish())
    }
}

fn hash256(h: Sha256) -> Hash256 {
    let mut a = [0u8; 32];
    a.copy_from_slice(&h.finalize());
    Hash256::from_byte_array(a)
}

/// Chunk boundaries of `data`: the end offset of every chunk but the last.
pub fn boundaries(data: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut c = Chunker::new();
    let mut at = 0;
    while let Some(i) = c.scan(&data[at..]) {
        at += i;
        out.push(at);
    }
    out
}

#[cfg(test)]
mod tests;
