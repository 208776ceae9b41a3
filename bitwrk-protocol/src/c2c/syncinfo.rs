//! SyncInfo: what buyer and seller agree on before chunks flow (spec §19.3),
//! as JSON (`syncinfojson`, BitWrk 0.7's modern mode) and as the legacy
//! `a32chunks` stream.

use core::str::FromStr;

use serde::Deserialize;

use super::C2cError;
use super::chunking::{ChunkInfo, MAX_CHUNK};
use super::shuffle::{self, Permutation};
use super::varint;
use crate::hash::Hash256;

/// The most chunks of a work file in a chunked transfer (BW-C2C-4):
/// 262 144, room for about 2 GiB at the chunker's 8 KiB average. BitWrk
/// 0.7 stops at [`MAX_CHUNKS`](super::chunking::MAX_CHUNKS) (98 304, about
/// 800 MiB); a 0.7 seller refuses more, which ends the transfer as a
/// refusal by the buyer would have (DEP-408).
pub const MAX_TRANSFER_CHUNKS: usize = 262_144;

/// Read limit of a `syncinfojson` part: room for [`MAX_TRANSFER_CHUNKS`]
/// entries of at most 100 bytes plus 64 KiB (BitWrk 0.7's rule, applied
/// to its 98 304 chunks).
pub const MAX_SYNCINFO_JSON: usize = 100 * MAX_TRANSFER_CHUNKS + 65_536;

/// Read limit of an `a32chunks` part (256 KiB, as BitWrk 0.7).
pub const MAX_LEGACY_STREAM: usize = 256 * 1024;

/// The chunks of a work file in file order and the permutation of the
/// transfer (BW-C2C-8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncInfo {
    chunks: Vec<ChunkInfo>,
    perm: Permutation,
}

#[derive(Deserialize)]
struct JsonSyncInfo {
    #[serde(rename = "Chunks")]
    chunks: Option<Vec<JsonChunk>>,
    #[serde(rename = "Perm")]
    perm: Option<Vec<u64>>,
}

#[derive(Deserialize)]
struct JsonChunk {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Size")]
    size: u64,
}

fn check_chunk(key: Hash256, size: u64) -> Result<ChunkInfo, C2cError> {
    if size == 0 || size > MAX_CHUNK as u64 {
        return Err(C2cError::BadChunkSize { size });
    }
    Ok(ChunkInfo {
        key,
        size: size as u32,
    })
}

fn check_count(n: usize) -> Result<(), C2cError> {
    if n > MAX_TRANSFER_CHUNKS {
        return Err(C2cError::TooManyChunks {
            limit: MAX_TRANSFER_CHUNKS,
        });
    }
    if n == 0 {
        return Err(C2cError::BadSyncInfo {
            reason: "no chunks".into(),
        });
    }
    Ok(())
}

impl SyncInfo {
    /// Checks the chunk count (1 ..= [`MAX_TRANSFER_CHUNKS`]) and sizes.
    pub fn new(chunks: Vec<ChunkInfo>, perm: Permutation) -> Result<SyncInfo, C2cError> {
        check_count(chunks.len())?;
        for c in &chunks {
            check_chunk(c.key, u64::from(c.size))?;
        }
        Ok(SyncInfo { chunks, perm })
    }

    /// The chunks in file order.
    pub fn chunks(&self) -> &[ChunkInfo] {
        &self.chunks
    }

    /// The permutation.
    pub fn perm(&self) -> &Permutation {
        &self.perm
    }

    /// The file's length: the sum of the chunk sizes.
    pub fn total_size(&self) -> u64 {
        self.chunks.iter().map(|c| u64::from(c.size)).sum()
    }

    /// Indices (into [`chunks`](Self::chunks)) of the shuffled stream,
    /// `None` for placeholders: `n + k − 1` slots (BW-C2C-12).
    pub fn shuffled_indices(&self) -> Vec<Option<usize>> {
        shuffle::shuffle(&self.perm, 0..self.chunks.len())
    }

    /// The JSON document exactly as BitWrk 0.7 writes it:
    /// `{"Chunks":[{"Key":"<hex>","Size":<n>},…],"Perm":[…]}` and a line
    /// feed (BW-C2C-9).
    pub fn to_json(&self) -> Vec<u8> {
        let mut s = String::with_capacity(self.chunks.len() * 90 + self.perm.len() * 4 + 32);
        s.push_str("{\"Chunks\":[");
        for (i, c) in self.chunks.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str("{\"Key\":\"");
            s.push_str(&c.key.to_string());
            s.push_str("\",\"Size\":");
            s.push_str(&c.size.to_string());
            s.push('}');
        }
        s.push_str("],\"Perm\":[");
        for (i, p) in self.perm.as_slice().iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&p.to_string());
        }
        s.push_str("]}\n");
        s.into_bytes()
    }

    /// Parses a `syncinfojson` part (BW-C2C-9, BW-C2C-10): at most
    /// [`MAX_SYNCINFO_JSON`] bytes; keys of 64 lower-case hex characters,
    /// sizes 1 ..= 131072, 1 ..= [`MAX_TRANSFER_CHUNKS`] chunks, a valid `Perm`.
    /// Unknown fields are ignored, as BitWrk 0.7 does.
    pub fn from_json(bytes: &[u8]) -> Result<SyncInfo, C2cError> {
        if bytes.len() > MAX_SYNCINFO_JSON {
            return Err(C2cError::TooLarge {
                what: "syncinfojson",
                limit: MAX_SYNCINFO_JSON as u64,
            });
        }
        let doc: JsonSyncInfo =
            serde_json::from_slice(bytes).map_err(|e| C2cError::BadSyncInfo {
                reason: e.to_string(),
            })?;
        let chunks = doc.chunks.unwrap_or_default();
        check_count(chunks.len())?;
        let chunks = chunks
            .into_iter()
            .map(|c| {
                let key = Hash256::from_str(&c.key).map_err(|_| C2cError::BadChunkKey)?;
                check_chunk(key, c.size)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let perm = doc
            .perm
            .ok_or(C2cError::BadPermutation { reason: "missing" })?;
        let perm = perm
            .into_iter()
            .map(|p| {
                u32::try_from(p).map_err(|_| C2cError::BadPermutation {
                    reason: "entry out of range",
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SyncInfo {
            chunks,
            perm: Permutation::new(perm)?,
        })
    }

    /// The legacy `a32chunks` stream: per chunk the 32 key bytes and the
    /// size as a zig-zag varint (BW-C2C-16). The permutation is not sent.
    pub fn to_legacy(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.chunks.len() * 35);
        for c in &self.chunks {
            out.extend_from_slice(c.key.as_bytes());
            varint::encode(i64::from(c.size), &mut out);
        }
        out
    }

    /// Parses an `a32chunks` part; the permutation is the trivial one
    /// (BW-C2C-16). At most [`MAX_LEGACY_STREAM`] bytes, whole entries only.
    pub fn from_legacy(mut bytes: &[u8]) -> Result<SyncInfo, C2cError> {
        if bytes.len() > MAX_LEGACY_STREAM {
            return Err(C2cError::TooLarge {
                what: "a32chunks",
                limit: MAX_LEGACY_STREAM as u64,
            });
        }
        let mut chunks = Vec::new();
        while !bytes.is_empty() {
            let Some((key, rest)) = bytes.split_first_chunk::<32>() else {
                return Err(C2cError::Truncated {
                    what: "a chunk key",
                });
            };
            let (size, used) = varint::decode(rest)?;
            let size = u64::try_from(size).map_err(|_| C2cError::BadChunkSize { size: 0 })?;
            chunks.push(check_chunk(Hash256::from_byte_array(*key), size)?);
            bytes = &rest[used..];
        }
        check_count(chunks.len())?;
        Ok(SyncInfo {
            chunks,
            perm: Permutation::trivial(),
        })
    }
}
