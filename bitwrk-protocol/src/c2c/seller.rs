//! One transfer on the seller's side (spec §19.10.2): work request (linear,
//! or SyncInfo / a32chunks and then chunk data) → work checked against the
//! transaction → result encrypted → receipt checked → key released.
//!
//! Every request that carries work must prove that it comes from the
//! transaction's buyer with the buyer secret: SHA-256(WorkHash ‖ secret)
//! must equal the transaction's WorkSecretHash (BW-C2C-29). A refused
//! request changes nothing, so a stranger who knows the worker URL cannot
//! end the transfer (BW-C2C-30).

use std::collections::HashSet;

use super::chunking::ChunkInfo;
use super::chunkstream::ChunkDataReader;
use super::crypt::{ResultCipher, ResultKey};
use super::receipt::Receipt;
use super::syncinfo::SyncInfo;
use super::{C2cError, Digested, MAX_LINEAR_WORK, StreamDigest, wishlist};
use crate::address::Address;
use crate::hash::{Hash256, sha256, sha256_concat};
use crate::signature::Signature;

/// What the seller knows of the transaction from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxView {
    /// The buyer's address (`Buyer`).
    pub buyer: Address,
    /// `WorkHash`.
    pub work_hash: Hash256,
    /// `WorkSecretHash`.
    pub work_secret_hash: Hash256,
}

/// The parts of one work request, collected by the driver in order.
#[derive(Clone, Copy, Debug, Default)]
pub struct WorkRequest<'a> {
    /// The `buyersecret` field.
    pub buyer_secret: Option<&'a [u8]>,
    /// The `syncinfojson` part.
    pub syncinfo: Option<&'a [u8]>,
    /// The `a32chunks` part.
    pub a32chunks: Option<&'a [u8]>,
    /// The `work` part, digested while it was stored
    /// ([`SellerTransfer::linear_digest`]).
    pub work: Option<Digested>,
}

/// What the seller answers a work request with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SellerAnswer {
    /// `200`, `Content-Type: application/x-wishlist`, these bytes; then
    /// wait for the chunk-data request.
    Wishlist(Vec<u8>),
    /// The work is complete and checked: publish `buyersecret`, run the
    /// worker, and answer this request with the encrypted result.
    Work,
}

/// The transaction message fields that release the key (BW-C2C-24):
/// `encresulthash`, `encresulthashsig`, `encresultkey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRelease {
    /// `encresulthash`.
    pub hash: Hash256,
    /// `encresulthashsig`, the buyer's receipt signature.
    pub signature: Signature,
    /// `encresultkey`.
    pub key: ResultKey,
}

/// Where a seller's transfer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SellerState {
    /// No work request accepted yet.
    AwaitingWork,
    /// The wishlist is out; chunk data is due.
    AwaitingChunks,
    /// All chunks are in; the driver assembles the file in chunk order.
    Assembling,
    /// The work is checked; the worker runs and its result is encrypted.
    Working,
    /// The encrypted result is out; the receipt is due.
    AwaitingReceipt,
    /// The key was released.
    Released,
}

impl SellerState {
    fn name(self) -> &'static str {
        match self {
            SellerState::AwaitingWork => "awaiting-work",
            SellerState::AwaitingChunks => "awaiting-chunks",
            SellerState::Assembling => "assembling",
            SellerState::Working => "working",
            SellerState::AwaitingReceipt => "awaiting-receipt",
            SellerState::Released => "released",
        }
    }
}

/// Encrypts the result as it streams out and hashes the ciphertext.
#[derive(Debug)]
pub struct ResultEncryptor {
    cipher: ResultCipher,
    digest: StreamDigest,
}

impl ResultEncryptor {
    /// Encrypts the next plaintext bytes in place; the ciphertext goes to
    /// the buyer.
    pub fn apply(&mut self, buf: &mut [u8]) -> Result<(), C2cError> {
        self.cipher.apply(buf);
        self.digest.update(buf)
    }
}

/// A seller's side of one transfer.
#[derive(Debug)]
pub struct SellerTransfer {
    key: ResultKey,
    state: SellerState,
    secret: Option<Hash256>,
    sync: Option<SyncInfo>,
    requested: Vec<ChunkInfo>,
    reader: Option<ChunkDataReader>,
    ciphertext: Option<Hash256>,
    result_limit: u64,
}

impl SellerTransfer {
    /// A transfer whose result will be encrypted under `key` (fresh from a
    /// CSPRNG, BW-C2C-20) and may be at most `result_limit` bytes.
    pub fn new(key: ResultKey, result_limit: u64) -> SellerTransfer {
        SellerTransfer {
            key,
            state: SellerState::AwaitingWork,
            secret: None,
            sync: None,
            requested: Vec::new(),
            reader: None,
            ciphertext: None,
            result_limit,
        }
    }

    /// The current state.
    pub fn state(&self) -> SellerState {
        self.state
    }

    /// The checked buyer secret, for the `buyersecret` message.
    pub fn buyer_secret(&self) -> Option<Hash256> {
        self.secret
    }

    /// The digest a driver feeds the `work` part into while storing it.
    pub fn linear_digest() -> StreamDigest {
        StreamDigest::new("linear work", MAX_LINEAR_WORK)
    }

    fn expect(&self, state: SellerState, got: &'static str) -> Result<(), C2cError> {
        if self.state == state {
            Ok(())
        } else {
            Err(C2cError::Unexpected {
                state: self.state.name(),
                got,
            })
        }
    }

    /// Checks a `buyersecret` field against the transaction (BW-C2C-29).
    pub fn check_buyer_secret(tx: &TxView, field: &[u8]) -> Result<Hash256, C2cError> {
        let text = core::str::from_utf8(field).map_err(|_| C2cError::BadBuyerSecret)?;
        let secret: Hash256 = text.parse().map_err(|_| C2cError::BadBuyerSecret)?;
        if sha256_concat(&[tx.work_hash.as_bytes(), secret.as_bytes()]) != tx.work_secret_hash {
            return Err(C2cError::NotBuyer);
        }
        Ok(secret)
    }

    /// A work request: exactly one of `work`, `syncinfo`, `a32chunks`, and
    /// the buyer secret. `have` says which chunks the driver's store holds
    /// already (they are not requested, BW-C2C-15). All or nothing.
    pub fn handle_work_request(
        &mut self,
        tx: &TxView,
        req: WorkRequest<'_>,
        have: &mut dyn FnMut(&Hash256) -> bool,
    ) -> Result<SellerAnswer, C2cError> {
        self.expect(SellerState::AwaitingWork, "work request")?;
        let secret = Self::check_buyer_secret(
            tx,
            req.buyer_secret.ok_or(C2cError::Unexpected {
                state: "awaiting-work",
                got: "work request without buyersecret",
            })?,
        )?;
        match (req.work, req.syncinfo, req.a32chunks) {
            (Some(work), None, None) => {
                check_work(tx, &work, None)?;
                self.secret = Some(secret);
                self.state = SellerState::Working;
                Ok(SellerAnswer::Work)
            }
            (None, Some(json), None) => {
                self.begin_chunked(SyncInfo::from_json(json)?, secret, have)
            }
            (None, None, Some(a32)) => {
                self.begin_chunked(SyncInfo::from_legacy(a32)?, secret, have)
            }
            _ => Err(C2cError::Unexpected {
                state: "awaiting-work",
                got: "not exactly one of work, syncinfojson, a32chunks",
            }),
        }
    }

    fn begin_chunked(
        &mut self,
        sync: SyncInfo,
        secret: Hash256,
        have: &mut dyn FnMut(&Hash256) -> bool,
    ) -> Result<SellerAnswer, C2cError> {
        let empty = sha256(b"");
        let mut seen: HashSet<Hash256> = HashSet::new();
        let mut requested = Vec::new();
        let bits: Vec<bool> = sync
            .shuffled_indices()
            .into_iter()
            .map(|slot| {
                let Some(i) = slot else { return false };
                let c = sync.chunks()[i];
                if c.key == empty || !seen.insert(c.key) || have(&c.key) {
                    return false;
                }
                requested.push(c);
                true
            })
            .collect();
        self.secret = Some(secret);
        self.reader = Some(ChunkDataReader::new(requested.clone()));
        self.requested = requested;
        self.sync = Some(sync);
        self.state = SellerState::AwaitingChunks;
        Ok(SellerAnswer::Wishlist(wishlist::encode(&bits)))
    }

    /// The work's chunks in file order, from the accepted SyncInfo or
    /// chunk list (empty before one): the list a driver's store keeps
    /// while the chunks arrive.
    pub fn work_chunks(&self) -> &[ChunkInfo] {
        self.sync.as_ref().map(SyncInfo::chunks).unwrap_or_default()
    }

    /// The accepted SyncInfo or chunk list (`None` before one); a driver
    /// serves assistive downloads from it (BW-C2C-37).
    pub fn sync_info(&self) -> Option<&SyncInfo> {
        self.sync.as_ref()
    }

    /// The work's length by the accepted SyncInfo (0 before one).
    pub fn work_size(&self) -> u64 {
        self.sync.as_ref().map_or(0, SyncInfo::total_size)
    }

    /// The chunks the wishlist requested, in stream order.
    pub fn requested(&self) -> &[ChunkInfo] {
        &self.requested
    }

    /// Bytes of the `chunkdata` part; `on_chunk` receives every verified
    /// chunk for the driver's store (BW-C2C-18). A refused stream is
    /// forgotten: the next chunk-data request starts from the first
    /// requested chunk again (BW-C2C-30).
    pub fn handle_chunk_data(
        &mut self,
        bytes: &[u8],
        on_chunk: &mut dyn FnMut(&ChunkInfo, &[u8]),
    ) -> Result<(), C2cError> {
        self.expect(SellerState::AwaitingChunks, "chunk data")?;
        let reader = self
            .reader
            .get_or_insert_with(|| ChunkDataReader::new(self.requested.clone()));
        let r = reader.push(bytes, on_chunk);
        if r.is_err() {
            self.reader = None;
        }
        r
    }

    /// The end of the `chunkdata` part: the chunks in file order, which the
    /// driver concatenates from its store into the work file while feeding
    /// [`Self::assembly_digest`].
    pub fn handle_chunk_data_end(&mut self) -> Result<&[ChunkInfo], C2cError> {
        self.expect(SellerState::AwaitingChunks, "chunk data end")?;
        let done = self.reader.as_ref().map(ChunkDataReader::finish);
        match done {
            Some(Ok(())) => {}
            Some(Err(e)) => {
                self.reader = None;
                return Err(e);
            }
            None => {
                return Err(C2cError::Truncated {
                    what: "chunk data (nothing arrived)",
                });
            }
        }
        self.reader = None;
        self.state = SellerState::Assembling;
        Ok(self.sync.as_ref().map(SyncInfo::chunks).unwrap_or_default())
    }

    /// The digest a driver feeds the assembled work into.
    pub fn assembly_digest(&self) -> StreamDigest {
        let size = self.sync.as_ref().map_or(0, SyncInfo::total_size);
        StreamDigest::new("assembled work", size)
    }

    /// The assembled work's digest: it must be the transaction's work hash
    /// and the SyncInfo's total size.
    pub fn handle_assembled(&mut self, tx: &TxView, work: Digested) -> Result<(), C2cError> {
        self.expect(SellerState::Assembling, "assembled work")?;
        check_work(tx, &work, self.sync.as_ref().map(SyncInfo::total_size))?;
        self.state = SellerState::Working;
        Ok(())
    }

    /// The encryptor for the worker's result (BW-C2C-19).
    pub fn encryptor(&self) -> Result<ResultEncryptor, C2cError> {
        self.expect(SellerState::Working, "result")?;
        Ok(ResultEncryptor {
            cipher: self.key.cipher(),
            digest: StreamDigest::new("result", self.result_limit),
        })
    }

    /// The whole result has been encrypted and sent.
    pub fn handle_result_sent(&mut self, enc: ResultEncryptor) -> Result<Hash256, C2cError> {
        self.expect(SellerState::Working, "result sent")?;
        let hash = enc.digest.finish().hash;
        self.ciphertext = Some(hash);
        self.state = SellerState::AwaitingReceipt;
        Ok(hash)
    }

    /// A receipt form (BW-C2C-23, BW-C2C-24): on success, the fields of the
    /// transaction message that releases the key.
    pub fn handle_receipt(&mut self, tx: &TxView, form: &[u8]) -> Result<KeyRelease, C2cError> {
        if self.state == SellerState::Released {
            return Err(C2cError::Duplicate { what: "receipt" });
        }
        self.expect(SellerState::AwaitingReceipt, "receipt")?;
        let hash = self.ciphertext.ok_or(C2cError::Unexpected {
            state: "awaiting-receipt",
            got: "receipt",
        })?;
        let accepted = Receipt::from_form(form)?.verify(&tx.buyer, &hash)?;
        self.state = SellerState::Released;
        Ok(KeyRelease {
            hash,
            signature: accepted.get().signature,
            key: self.key.clone(),
        })
    }
}

fn check_work(tx: &TxView, work: &Digested, size: Option<u64>) -> Result<(), C2cError> {
    if work.hash != tx.work_hash || size.is_some_and(|s| s != work.len) {
        return Err(C2cError::WorkHashMismatch);
    }
    Ok(())
}
