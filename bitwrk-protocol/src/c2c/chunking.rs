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
/// It keeps the Adler-32 sums of the window *exactly* (`s1 ≤ 1 + 48·255`
/// and `s2 ≤ 48 + 255·48·49/2` both fit in `u32` without reduction), so the
/// rolling update needs no modular arithmetic; only the boundary test
/// reduces.
#[derive(Clone, Debug)]
pub struct Chunker {
    s1: u32,
    s2: u32,
    /// Bytes scanned in the current chunk.
    n: usize,
    /// The last `WINDOW` bytes; the oldest at `pos` once full.
    ring: [u8; WINDOW],
    pos: usize,
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
            s1: 1,
            s2: 0,
            n: 0,
            ring: [0; WINDOW],
            pos: 0,
        }
    }

    /// The Adler-32 value of the current window (equal to zlib's `adler32`
    /// over the last `WINDOW` bytes once the window is full).
    pub fn checksum(&self) -> u32 {
        ((self.s2 % ADLER_MOD) << 16) | self.s1
    }

    /// Scans `data`, the continuation of the current chunk. Returns
    /// `Some(i)` when a boundary lies before `data[i]` (the bytes before it
    /// end the chunk; the scanner has been reset and `data[i..]` must be
    /// scanned next), or `None` when all of `data` belongs to the chunk.
    #[inline]
    pub fn scan(&mut self, data: &[u8]) -> Option<usize> {
        let mut start = 0;
        if self.n < WINDOW {
            let take = (WINDOW - self.n).min(data.len());
            for &x in &data[..take] {
                self.s1 += u32::from(x);
                self.s2 += self.s1;
            }
            self.ring[self.n..self.n + take].copy_from_slice(&data[..take]);
            self.n += take;
            start = take;
            if start == data.len() {
                return None;
            }
        }
        let rest = &data[start..];
        let head = WINDOW.min(rest.len());
        for (i, &x) in rest[..head].iter().enumerate() {
            let out = self.ring[(self.pos + i) % WINDOW];
            if self.step(x, out) {
                *self = Chunker::new();
                return Some(start + i);
            }
        }
        if let Some(i) = self.scan_tail(rest) {
            *self = Chunker::new();
            return Some(start + i);
        }
        if rest.len() >= WINDOW {
            self.ring.copy_from_slice(&rest[rest.len() - WINDOW..]);
            self.pos = 0;
        } else {
            for &x in rest {
                self.ring[self.pos] = x;
                self.pos = (self.pos + 1) % WINDOW;
            }
        }
        None
    }

    /// The hot loop: bytes whose outgoing byte lies in `rest` itself.
    #[inline]
    fn scan_tail(&mut self, rest: &[u8]) -> Option<usize> {
        let (mut s1, mut s2, mut n) = (self.s1, self.s2, self.n);
        for i in WINDOW..rest.len() {
            let (x, out) = (u32::from(rest[i]), u32::from(rest[i - WINDOW]));
            s1 = s1 + x - out;
            s2 = s2 + s1 - WINDOW as u32 * out - 1;
            n += 1;
            if (n > MIN_CHUNK && boundary(s1, s2)) || n > MAX_CHUNK {
                return Some(i);
            }
        }
        (self.s1, self.s2, self.n) = (s1, s2, n);
        None
    }

    #[inline(always)]
    fn step(&mut self, x: u8, out: u8) -> bool {
        let (x, out) = (u32::from(x), u32::from(out));
        self.s1 = self.s1 + x - out;
        self.s2 = self.s2 + self.s1 - WINDOW as u32 * out - 1;
        self.n += 1;
        (self.n > MIN_CHUNK && boundary(self.s1, self.s2)) || self.n > MAX_CHUNK
    }
}

#[inline(always)]
fn boundary(s1: u32, s2: u32) -> bool {
    (((s2 % ADLER_MOD) << 16) | s1) % BOUNDARY_MODULUS == BOUNDARY_RESIDUE
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

/// Streams a file through the chunker and both hashes in bounded memory.
#[derive(Clone, Debug, Default)]
pub struct FileChunker {
    chunker: Chunker,
    chunk_hash: Sha256,
    file_hash: Sha256,
    chunk_len: u32,
    size: u64,
    chunks: Vec<ChunkInfo>,
}

impl FileChunker {
    /// At the start of a file.
    pub fn new() -> FileChunker {
        FileChunker::default()
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, mut data: &[u8]) {
        self.file_hash.update(data);
        self.size += data.len() as u64;
        while !data.is_empty() {
            match self.chunker.scan(data) {
                Some(i) => {
                    self.chunk_hash.update(&data[..i]);
                    self.chunk_len += i as u32;
                    self.end_chunk();
                    data = &data[i..];
                }
                None => {
                    self.chunk_hash.update(data);
                    self.chunk_len += data.len() as u32;
                    data = &[];
                }
            }
        }
    }

    /// Chunks completed so far.
    pub fn chunks(&self) -> &[ChunkInfo] {
        &self.chunks
    }

    fn end_chunk(&mut self) {
        let key = hash256(core::mem::take(&mut self.chunk_hash));
        self.chunks.push(ChunkInfo {
            key,
            size: self.chunk_len,
        });
        self.chunk_len = 0;
    }

    /// Ends the file: the last chunk (if any bytes remain) and the key.
    pub fn finish(mut self) -> ChunkedWork {
        if self.chunk_len > 0 {
            self.end_chunk();
        }
        ChunkedWork {
            chunks: self.chunks,
            key: hash256(self.file_hash),
            size: self.size,
        }
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
