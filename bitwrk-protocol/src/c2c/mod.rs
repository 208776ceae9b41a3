//! The client-to-client transfer protocol (spec §19), wire-compatible with
//! BitWrk 0.7: how a buyer hands its work to the seller of a transaction,
//! receives the encrypted result and signs a receipt for it.
//!
//! Sans-IO like the rest of the crate: the functions take byte slices and
//! hand back what to send; randomness comes from a caller-supplied
//! [`rand_core::CryptoRng`]; HTTP, multipart framing, gzip, storage of
//! chunks and timeouts belong to the driver. Every stream is processed
//! incrementally, so a driver moves a 1 GiB work file in bounded memory
//! (one chunk, ≤ 128 KiB, plus per-chunk bookkeeping).
//!
//! | module | spec | what |
//! |---|---|---|
//! | [`probe`] | §19.1 | the `OPTIONS` answer and the choice of mode |
//! | [`endpoint`] | §19.1 | endpoint keys and request routing |
//! | [`chunking`] | §19.2 | the Adler-32 chunker, chunk keys, file key |
//! | [`syncinfo`] | §19.3 | SyncInfo JSON and the legacy `a32chunks` stream |
//! | [`shuffle`] | §19.4 | permutations, the shuffle and its inverse |
//! | [`varint`] | §19.5 | zig-zag varints |
//! | [`wishlist`] | §19.6 | wishlist bits |
//! | [`chunkstream`] | §19.7 | chunk-data streams |
//! | [`crypt`] | §19.8 | AES-256-OFB result encryption |
//! | [`receipt`] | §19.9 | the receipt and the key-release rule |
//! | [`buyer`], [`seller`] | §19.10 | one transfer on each side |
//! | [`assist`] | §19.13 | assistive downloads between sellers |

pub mod assist;
pub mod buyer;
pub mod chunking;
pub mod chunkstream;
pub mod crypt;
pub mod endpoint;
mod error;
pub mod probe;
pub mod receipt;
pub mod seller;
pub mod shuffle;
pub mod syncinfo;
pub mod varint;
pub mod wishlist;

pub use buyer::{BuyerRequest, BuyerState, BuyerTransfer};
pub use chunking::{ChunkHasher, ChunkInfo, ChunkedWork, Chunker, FileChunker, FileKeyHasher};
pub use crypt::{ResultCipher, ResultKey};
pub use endpoint::{EndpointKey, Route};
pub use error::C2cError;
pub use probe::{Capabilities, Mode};
pub use receipt::Receipt;
pub use seller::{KeyRelease, SellerAnswer, SellerState, SellerTransfer, TxView, WorkRequest};
pub use shuffle::Permutation;
pub use syncinfo::SyncInfo;

use sha2::{Digest, Sha256};

use crate::hash::Hash256;

/// Linear work must be shorter than 16 MiB (BitWrk 0.7's limit, BW-C2C-7).
pub const MAX_LINEAR_WORK: u64 = (1 << 24) - 1;

/// Names, file names and content types of the multipart parts and bodies
/// (BW-C2C-7, BW-C2C-8, BW-C2C-17), as BitWrk 0.7 writes them.
pub mod parts {
    /// Linear work.
    pub const WORK: &str = "work";
    /// File name of the `work` part.
    pub const WORK_FILENAME: &str = "workfile.bin";
    /// The buyer secret, a plain field of 64 lower-case hex characters.
    pub const BUYER_SECRET: &str = "buyersecret";
    /// SyncInfo JSON.
    pub const SYNCINFO: &str = "syncinfojson";
    /// File name of the `syncinfojson` part.
    pub const SYNCINFO_FILENAME: &str = "syncinfo.json";
    /// The legacy chunk list.
    pub const A32CHUNKS: &str = "a32chunks";
    /// File name of the `a32chunks` part.
    pub const A32CHUNKS_FILENAME: &str = "a32chunks.bin";
    /// Chunk data.
    pub const CHUNKDATA: &str = "chunkdata";
    /// File name of the `chunkdata` part.
    pub const CHUNKDATA_FILENAME: &str = "chunkdata.bin";
    /// An assistive-download ticket URL.
    pub const ASSIST_URL: &str = "assisturl";
    /// Content type of file parts and of the result.
    pub const OCTET_STREAM: &str = "application/octet-stream";
    /// Content type of the wishlist answer.
    pub const WISHLIST: &str = "application/x-wishlist";
    /// Content type of the receipt form; BitWrk 0.7 sellers want it exactly.
    pub const FORM: &str = "application/x-www-form-urlencoded";
}

/// Timeouts a driver applies (BW-C2C-32), in seconds.
pub mod timeouts {
    /// Connecting to the counterpart.
    pub const CONNECT: u64 = 10;
    /// The answer's headers of an assistive-download fetch.
    pub const ASSIST_HEADERS: u64 = 30;
    /// One request, start to end (and a stalled body on the seller).
    pub const REQUEST: u64 = 900;
}

/// The kind of a request body, by its `Content-Type` (BW-C2C-34).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/x-www-form-urlencoded` (parameters allowed): a receipt.
    Form,
    /// `multipart/form-data` with this boundary: a work or chunk request.
    Multipart {
        /// The boundary parameter.
        boundary: String,
    },
}

/// Classifies a request's `Content-Type` (BW-C2C-34); anything else, or
/// multipart without a boundary, is `c2c.unexpected`.
pub fn body_kind(content_type: &str) -> Result<BodyKind, C2cError> {
    let refuse = C2cError::Unexpected {
        state: "request",
        got: "a content type other than a form or multipart/form-data",
    };
    let mut it = content_type.split(';').map(str::trim);
    let media = it.next().unwrap_or("").to_ascii_lowercase();
    match media.as_str() {
        parts::FORM => Ok(BodyKind::Form),
        "multipart/form-data" => {
            let boundary = it
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
                .map(|(_, v)| v.trim().trim_matches('"').to_owned())
                .filter(|b| !b.is_empty() && b.len() <= 70)
                .ok_or(refuse.clone())?;
            Ok(BodyKind::Multipart { boundary })
        }
        _ => Err(refuse),
    }
}

/// SHA-256 and length of a stream, with a length limit: how the seller
/// checks linear or assembled work, and how the buyer hashes the result.
#[derive(Clone, Debug)]
pub struct StreamDigest {
    hasher: Sha256,
    len: u64,
    limit: u64,
    what: &'static str,
}

/// The SHA-256 and length of a complete stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digested {
    /// SHA-256 of the bytes.
    pub hash: Hash256,
    /// Their number.
    pub len: u64,
}

impl StreamDigest {
    /// A digest of a stream `what` of at most `limit` bytes.
    pub fn new(what: &'static str, limit: u64) -> StreamDigest {
        StreamDigest {
            hasher: Sha256::new(),
            len: 0,
            limit,
            what,
        }
    }

    /// Feeds the next bytes; refused beyond the limit.
    pub fn update(&mut self, data: &[u8]) -> Result<(), C2cError> {
        let len = self.len.saturating_add(data.len() as u64);
        if len > self.limit {
            return Err(C2cError::TooLarge {
                what: self.what,
                limit: self.limit,
            });
        }
        self.len = len;
        self.hasher.update(data);
        Ok(())
    }

    /// The hash and length.
    pub fn finish(self) -> Digested {
        let mut a = [0u8; 32];
        a.copy_from_slice(&self.hasher.finalize());
        Digested {
            hash: Hash256::from_byte_array(a),
            len: self.len,
        }
    }
}

/// A status other than 200 from the seller is an error (BW-C2C-28).
pub fn check_status(status: u16) -> Result<(), C2cError> {
    if status == 200 {
        Ok(())
    } else {
        Err(C2cError::BadStatus { status })
    }
}

#[cfg(test)]
mod tests;
