//! Chunk-data streams (spec §19.7): the body of the `chunkdata` part, and
//! the wishlist check that decides which chunks it carries.
//!
//! The sender walks the shuffled stream; for every slot whose wishlist bit
//! is 1 it writes the chunk's length as a zig-zag varint, then the chunk's
//! bytes (BW-C2C-17). The receiver checks every chunk's length and SHA-256
//! against the requested entry and refuses anything after the last one
//! (BW-C2C-18). Both sides need at most one chunk in memory.

use sha2::{Digest, Sha256};

use super::C2cError;
use super::chunking::{ChunkInfo, MAX_CHUNK};
use super::varint;
use crate::hash::Hash256;

/// The chunks (indices into the file's chunk list) that `bits` requests,
/// in stream order. A request for a placeholder slot is refused
/// (BW-C2C-15).
pub fn requested(shuffled: &[Option<usize>], bits: &[bool]) -> Result<Vec<usize>, C2cError> {
    if shuffled.len() != bits.len() {
        return Err(C2cError::WishlistLength {
            expected: shuffled.len().div_ceil(8),
            got: bits.len().div_ceil(8),
        });
    }
    let mut out = Vec::new();
    for (position, (slot, &bit)) in shuffled.iter().zip(bits).enumerate() {
        match (slot, bit) {
            (None, true) => return Err(C2cError::WishlistPlaceholder { position }),
            (Some(i), true) => out.push(*i),
            _ => {}
        }
    }
    Ok(out)
}

/// The bytes written before a chunk's data: its length as a varint.
pub fn entry_header(size: u32) -> Vec<u8> {
    varint::to_vec(i64::from(size))
}

/// A whole chunk-data stream for `chunks` held in memory (tests, vectors;
/// a driver streams [`entry_header`] and the chunk bytes instead).
pub fn encode<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks {
        out.extend_from_slice(&entry_header(c.len() as u32));
        out.extend_from_slice(c);
    }
    out
}

#[derive(Clone, Debug)]
enum Phase {
    Header(varint::Decoder),
    Body { need: usize },
}

/// Incremental receiver of a chunk-data stream.
#[derive(Clone, Debug)]
pub struct ChunkDataReader {
    expected: Vec<ChunkInfo>,
    next: usize,
    phase: Phase,
    buf: Vec<u8>,
}

impl ChunkDataReader {
    /// A reader expecting `expected` (the requested chunks, in stream order).
    pub fn new(expected: Vec<ChunkInfo>) -> ChunkDataReader {
        ChunkDataReader {
            expected,
            next: 0,
            phase: Phase::Header(varint::Decoder::new()),
            buf: Vec::new(),
        }
    }

    /// Chunks received and verified so far.
    pub fn received(&self) -> usize {
        self.next
    }

    /// Feeds stream bytes; `on_chunk` is called with every chunk once its
    /// length and SHA-256 are verified.
    pub fn push(
        &mut self,
        mut data: &[u8],
        on_chunk: &mut dyn FnMut(&ChunkInfo, &[u8]),
    ) -> Result<(), C2cError> {
        while !data.is_empty() {
            match &mut self.phase {
                Phase::Header(dec) => {
                    let Some(want) = self.expected.get(self.next) else {
                        return Err(C2cError::UnsolicitedData);
                    };
                    let b = data[0];
                    data = &data[1..];
                    if let Some(len) = dec.push(b)? {
                        if len < 0 || len > MAX_CHUNK as i64 {
                            return Err(C2cError::BadChunkSize {
                                size: len.unsigned_abs(),
                            });
                        }
                        if len as u64 != u64::from(want.size) {
                            return Err(C2cError::UnexpectedChunk { index: self.next });
                        }
                        self.buf.clear();
                        self.phase = Phase::Body {
                            need: want.size as usize,
                        };
                    }
                }
                Phase::Body { need } => {
                    let take = (*need - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.buf.len() == *need {
                        let want = self.expected[self.next];
                        let mut key = [0u8; 32];
                        key.copy_from_slice(&Sha256::digest(&self.buf));
                        if Hash256::from_byte_array(key) != want.key {
                            return Err(C2cError::UnexpectedChunk { index: self.next });
                        }
                        on_chunk(&want, &self.buf);
                        self.next += 1;
                        self.phase = Phase::Header(varint::Decoder::new());
                    }
                }
            }
        }
        Ok(())
    }

    /// The end of the stream: every requested chunk must have arrived.
    pub fn finish(&self) -> Result<(), C2cError> {
        match &self.phase {
            Phase::Header(d) if d.is_empty() && self.next == self.expected.len() => Ok(()),
            Phase::Header(d) if d.is_empty() => Err(C2cError::Truncated {
                what: "chunk data (requested chunks missing)",
            }),
            Phase::Header(_) => Err(C2cError::Truncated { what: "a varint" }),
            Phase::Body { .. } => Err(C2cError::Truncated { what: "a chunk" }),
        }
    }
}
