//! One transfer on the buyer's side (spec §19.10.1): probe → linear or
//! chunked upload → encrypted result → receipt → key from the server.
//!
//! The driver performs each [`BuyerRequest`] and feeds the answer back with
//! the matching `handle_*` call. A call the current state does not allow is
//! refused with `c2c.unexpected` and changes nothing.

use rand_core::CryptoRng;

use super::chunking::ChunkedWork;
use super::crypt::{ResultCipher, ResultKey};
use super::probe::{Capabilities, Mode};
use super::shuffle::{BUYER_PERMUTATION, Permutation};
use super::syncinfo::{MAX_TRANSFER_CHUNKS, SyncInfo};
use super::{C2cError, MAX_LINEAR_WORK, StreamDigest, chunkstream, wishlist};
use crate::hash::Hash256;
use crate::key::PrivateKey;

/// Where a buyer's transfer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuyerState {
    /// The capability probe is due or under way.
    Probe,
    /// The work request (linear, or SyncInfo / a32chunks) is under way.
    Upload,
    /// The chunk-data request is under way; its answer is the result.
    ChunkData,
    /// The encrypted result is arriving.
    Result,
    /// The receipt request is under way.
    Receipt,
    /// Waiting for the result key to appear in the transaction.
    Key,
    /// The result key is known.
    Done,
}

impl BuyerState {
    fn name(self) -> &'static str {
        match self {
            BuyerState::Probe => "probe",
            BuyerState::Upload => "upload",
            BuyerState::ChunkData => "chunk-data",
            BuyerState::Result => "result",
            BuyerState::Receipt => "receipt",
            BuyerState::Key => "key",
            BuyerState::Done => "done",
        }
    }
}

/// What the driver sends next, to the worker URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuyerRequest {
    /// `OPTIONS <WorkerURL>`; answer with [`BuyerTransfer::handle_probe`].
    Probe,
    /// `POST` multipart: part `work` (the whole work file), then field
    /// `buyersecret`. The answer body is the result.
    Linear {
        /// The `buyersecret` field.
        buyer_secret: String,
    },
    /// `POST` multipart: the part `part` with file name `filename` and body
    /// `body`, then field `buyersecret`. The answer body is the wishlist.
    Chunked {
        /// [`parts::SYNCINFO`](super::parts::SYNCINFO) or [`parts::A32CHUNKS`](super::parts::A32CHUNKS).
        part: &'static str,
        /// The part's file name.
        filename: &'static str,
        /// The part's body.
        body: Vec<u8>,
        /// The `buyersecret` field.
        buyer_secret: String,
    },
    /// `POST` multipart with one part `chunkdata`: for every index (into
    /// the work's chunks), [`chunkstream::entry_header`] and the chunk's
    /// bytes. The answer body is the result.
    ChunkData {
        /// Requested chunks in stream order.
        chunks: Vec<usize>,
    },
    /// `POST` with `Content-Type: application/x-www-form-urlencoded`.
    Receipt {
        /// The form body.
        form: String,
    },
}

/// A buyer's side of one transfer.
#[derive(Debug)]
pub struct BuyerTransfer {
    work: ChunkedWork,
    secret: Hash256,
    state: BuyerState,
    mode: Option<Mode>,
    shuffled: Vec<Option<usize>>,
    wishlist: Vec<u8>,
    released: usize,
    result: Option<StreamDigest>,
    result_limit: u64,
    receipt_hash: Option<Hash256>,
}

impl BuyerTransfer {
    /// A transfer of `work` (chunked by the buyer) under `buyer_secret`,
    /// accepting a result of at most `result_limit` bytes. Refused if the
    /// work can travel in no mode: unchunked and 16 MiB or more, or more
    /// than [`MAX_TRANSFER_CHUNKS`] chunks.
    pub fn new(
        work: ChunkedWork,
        buyer_secret: Hash256,
        result_limit: u64,
    ) -> Result<BuyerTransfer, C2cError> {
        if work.chunks.len() > MAX_TRANSFER_CHUNKS {
            return Err(C2cError::TooManyChunks {
                limit: MAX_TRANSFER_CHUNKS,
            });
        }
        if !work.is_chunked() && work.size > MAX_LINEAR_WORK {
            return Err(C2cError::TooLarge {
                what: "linear work",
                limit: MAX_LINEAR_WORK,
            });
        }
        Ok(BuyerTransfer {
            work,
            secret: buyer_secret,
            state: BuyerState::Probe,
            mode: None,
            shuffled: Vec::new(),
            wishlist: Vec::new(),
            released: 0,
            result: None,
            result_limit,
            receipt_hash: None,
        })
    }

    /// The current state.
    pub fn state(&self) -> BuyerState {
        self.state
    }

    /// The chosen mode, once known.
    pub fn mode(&self) -> Option<Mode> {
        self.mode
    }

    /// The work being sent.
    pub fn work(&self) -> &ChunkedWork {
        &self.work
    }

    fn expect(&self, state: BuyerState, got: &'static str) -> Result<(), C2cError> {
        if self.state == state {
            Ok(())
        } else {
            Err(C2cError::Unexpected {
                state: self.state.name(),
                got,
            })
        }
    }

    /// The first request: a probe for a chunked file, else the linear
    /// upload (BW-C2C-6).
    pub fn start(&mut self) -> Result<BuyerRequest, C2cError> {
        self.expect(BuyerState::Probe, "start")?;
        if self.work.is_chunked() {
            return Ok(BuyerRequest::Probe);
        }
        self.begin(Mode::Linear, None)
    }

    /// The probe's answer: the body of a 200 answer, or `None` if the
    /// request failed or the status was not 200. A body that does not parse
    /// means linear mode, as in BitWrk 0.7. `rng` draws the permutation.
    pub fn handle_probe<R: CryptoRng + ?Sized>(
        &mut self,
        answer: Option<&[u8]>,
        rng: &mut R,
    ) -> Result<BuyerRequest, C2cError> {
        self.expect(BuyerState::Probe, "probe answer")?;
        let caps = answer.and_then(|b| Capabilities::parse(b).ok());
        let mode = Mode::choose(self.work.is_chunked(), caps.as_ref());
        if mode == Mode::Linear && self.work.size > MAX_LINEAR_WORK {
            return Err(C2cError::TooLarge {
                what: "linear work",
                limit: MAX_LINEAR_WORK,
            });
        }
        let perm = (mode == Mode::SyncInfo).then(|| Permutation::random(BUYER_PERMUTATION, rng));
        self.begin(mode, perm)
    }

    fn begin(&mut self, mode: Mode, perm: Option<Permutation>) -> Result<BuyerRequest, C2cError> {
        let buyer_secret = self.secret.to_string();
        if mode == Mode::Linear {
            self.mode = Some(mode);
            self.state = BuyerState::Upload;
            self.result = Some(StreamDigest::new("result", self.result_limit));
            return Ok(BuyerRequest::Linear { buyer_secret });
        }
        let perm = perm.unwrap_or_else(Permutation::trivial);
        let sync = SyncInfo::new(self.work.chunks.clone(), perm)?;
        self.mode = Some(mode);
        self.state = BuyerState::Upload;
        self.shuffled = sync.shuffled_indices();
        let (part, filename, body) = if mode == Mode::SyncInfo {
            (
                super::parts::SYNCINFO,
                super::parts::SYNCINFO_FILENAME,
                sync.to_json(),
            )
        } else {
            (
                super::parts::A32CHUNKS,
                super::parts::A32CHUNKS_FILENAME,
                sync.to_legacy(),
            )
        };
        Ok(BuyerRequest::Chunked {
            part,
            filename,
            body,
            buyer_secret,
        })
    }

    fn chunked_upload(&self, got: &'static str) -> Result<(), C2cError> {
        self.expect(BuyerState::Upload, got)?;
        if self.mode == Some(Mode::Linear) {
            return Err(C2cError::Unexpected {
                state: "upload (linear)",
                got,
            });
        }
        Ok(())
    }

    /// Bytes of the wishlist answer (status 200 and content type checked by
    /// the driver with [`check_status`](super::check_status)).
    pub fn handle_wishlist(&mut self, bytes: &[u8]) -> Result<(), C2cError> {
        self.chunked_upload("wishlist bytes")?;
        let expected = wishlist::byte_len(self.shuffled.len());
        if self.wishlist.len() + bytes.len() > expected {
            return Err(C2cError::WishlistLength {
                expected,
                got: self.wishlist.len() + bytes.len(),
            });
        }
        self.wishlist.extend_from_slice(bytes);
        Ok(())
    }

    /// Bytes of the wishlist answer, as they arrive: the chunks (indices
    /// into the work's chunks, in stream order) that the wishlist's
    /// complete bytes so far newly request. A driver sends them at once: a
    /// BitWrk 0.7 seller writes its wishlist only a window ahead of the
    /// chunk data it has received (BW-C2C-8, BW-C2C-35). All or nothing;
    /// [`handle_wishlist_end`](Self::handle_wishlist_end) still checks
    /// length and padding and lists every requested chunk.
    pub fn handle_wishlist_streaming(&mut self, bytes: &[u8]) -> Result<Vec<usize>, C2cError> {
        self.handle_wishlist(bytes)?;
        let mut out = Vec::new();
        let slots = self.shuffled.len();
        for (at, &byte) in self.wishlist.iter().enumerate().skip(self.released) {
            for bit in 0..8 {
                let position = at * 8 + bit;
                if position >= slots || byte & (0x80 >> bit) == 0 {
                    continue;
                }
                match self.shuffled[position] {
                    Some(i) => out.push(i),
                    None => {
                        // Nothing released from this call: drop its bytes.
                        self.wishlist.truncate(self.wishlist.len() - bytes.len());
                        return Err(C2cError::WishlistPlaceholder { position });
                    }
                }
            }
        }
        self.released = self.wishlist.len();
        Ok(out)
    }

    /// The end of the wishlist: the chunk-data request (BW-C2C-15,
    /// BW-C2C-17).
    pub fn handle_wishlist_end(&mut self) -> Result<BuyerRequest, C2cError> {
        self.chunked_upload("wishlist end")?;
        let bits = wishlist::decode(&self.wishlist, self.shuffled.len())?;
        let chunks = chunkstream::requested(&self.shuffled, &bits)?;
        self.state = BuyerState::ChunkData;
        self.result = Some(StreamDigest::new("result", self.result_limit));
        Ok(BuyerRequest::ChunkData { chunks })
    }

    /// Bytes to upload in total: the work's size, less every chunk not
    /// requested (once the wishlist is in).
    pub fn bytes_to_transfer(&self, requested: &[usize]) -> u64 {
        requested
            .iter()
            .map(|&i| u64::from(self.work.chunks[i].size))
            .sum()
    }

    /// Bytes of the encrypted result (the answer to the linear or
    /// chunk-data request, status 200).
    pub fn handle_result(&mut self, bytes: &[u8]) -> Result<(), C2cError> {
        let ok = (self.mode == Some(Mode::Linear) && self.state == BuyerState::Upload)
            || self.state == BuyerState::ChunkData
            || self.state == BuyerState::Result;
        if !ok {
            return Err(C2cError::Unexpected {
                state: self.state.name(),
                got: "result bytes",
            });
        }
        let digest = self.result.as_mut().ok_or(C2cError::Unexpected {
            state: "upload",
            got: "result bytes",
        })?;
        digest.update(bytes)?;
        self.state = BuyerState::Result;
        Ok(())
    }

    /// The end of the result: the receipt to send, signed by `identity`,
    /// the transaction's buyer (BW-C2C-22).
    pub fn handle_result_end(&mut self, identity: &PrivateKey) -> Result<BuyerRequest, C2cError> {
        if self.state != BuyerState::Result {
            // An empty result is still a result.
            self.handle_result(&[])?;
        }
        let digest = self.result.take().ok_or(C2cError::Unexpected {
            state: self.state.name(),
            got: "result end",
        })?;
        let hash = digest.finish().hash;
        let receipt = super::Receipt::sign(identity, hash);
        self.receipt_hash = Some(hash);
        self.state = BuyerState::Receipt;
        Ok(BuyerRequest::Receipt {
            form: receipt.to_form(),
        })
    }

    /// The receipt request's status.
    pub fn handle_receipt_status(&mut self, status: u16) -> Result<(), C2cError> {
        self.expect(BuyerState::Receipt, "receipt status")?;
        super::check_status(status)?;
        self.state = BuyerState::Key;
        Ok(())
    }

    /// The hash the receipt signed (of the ciphertext as received).
    pub fn ciphertext_hash(&self) -> Option<Hash256> {
        self.receipt_hash
    }

    /// The `ResultDecryptionKey` from the transaction on the server (never
    /// from the seller, BW-C2C-24): the cipher to decrypt the stored
    /// ciphertext with. Allowed once the receipt is sent, even if its
    /// answer was lost.
    pub fn handle_key(&mut self, key: &ResultKey) -> Result<ResultCipher, C2cError> {
        if !matches!(self.state, BuyerState::Receipt | BuyerState::Key) {
            return Err(C2cError::Unexpected {
                state: self.state.name(),
                got: "result key",
            });
        }
        self.state = BuyerState::Done;
        Ok(key.cipher())
    }
}
