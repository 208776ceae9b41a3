//! The one place the server chooses how signed documents are verified, and
//! the verification pipeline.
//!
//! Every bid, transaction message, deposit and relation the server accepts
//! is checked in [`MODE`]: here for the documents the server verifies
//! itself, and by the market (through `MarketConfig::verify_mode`, set from
//! [`MODE`]) for deposits and on replay. The server serves unmodified
//! BitWrk 0.7 clients, so it verifies in 0.7-compatible mode (BW-SIG-13).
//!
//! Transaction messages and relations are verified by the [`Pipeline`]
//! before they reach the market: a thread that takes every document
//! waiting at the time and verifies them together with the batch
//! [`Verifier`] and its key cache (informative section 5.A); the hand-off
//! to that thread and back is [`batch`] (model-checked with loom). Bids are
//! verified on the market thread, since parsing a bid reads the nonce
//! registry; the bids of one market batch are verified together
//! ([`verify_many`]).
//!
//! A [`Claim`] is the signed part of a document known before the market
//! sees it (signer, document text, signature): what a replay verifies in
//! batches ahead of the events, and what a follower of a cluster verifies
//! before it hands an input to the leader (`cluster::attest`).

mod batch;

use bitwrk_protocol::address::Address;
use bitwrk_protocol::relation::SignedRelation;
use bitwrk_protocol::signature::{
    SignatureError, SignedDocument, Verified, Verifier, VerifyMode, verify_document_in,
    verify_documents,
};
use bitwrk_protocol::tx::document::TxMessage;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::oneshot;

use crate::http::errors::ApiError;

/// The verification mode of this server.
pub const MODE: VerifyMode = VerifyMode::Compat07;

/// Signers whose keys the verifiers remember.
pub const KEY_CACHE: usize = 4096;

/// Documents verified together at most.
const MAX_BATCH: usize = 256;

/// The signed part of a document, known before the market reaches it: the
/// signer, the document text and the signature as received or logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The claimed signer.
    pub signer: Address,
    /// The signed text.
    pub document: String,
    /// The signature, base64 as received.
    pub signature: String,
}

impl SignedDocument for Claim {
    fn document(&self) -> String {
        self.document.clone()
    }
    fn signer(&self) -> &Address {
        &self.signer
    }
    fn signature(&self) -> &str {
        &self.signature
    }
}

impl Claim {
    /// The claim of a signed document.
    pub fn of(doc: &impl SignedDocument) -> Claim {
        Claim {
            signer: *doc.signer(),
            document: doc.document(),
            signature: doc.signature().to_owned(),
        }
    }

    /// SHA-256 over the three parts, each preceded by its length (so no two
    /// claims share a digest unless they are the same).
    pub fn digest(signer: &Address, document: &str, signature: &str) -> [u8; 32] {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for part in [
            signer.to_string().as_bytes(),
            document.as_bytes(),
            signature.as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.finalize().into()
    }
}

/// Verifies `doc`'s signature over its document in [`MODE`].
pub fn verify<T: SignedDocument>(doc: T) -> Result<Verified<T>, SignatureError> {
    #[cfg(feature = "conformance-faults")]
    if crate::faults::any_signer() {
        return bitwrk_protocol::signature::verified::verify_document_any_signer(MODE, doc);
    }
    verify_document_in(MODE, doc)
}

/// A verifier in [`MODE`] with a key cache.
pub fn new_verifier() -> Verifier {
    Verifier::with_mode(KEY_CACHE, MODE)
}

/// A cryptographically secure generator for batch weights, seeded by the
/// operating system.
pub fn new_rng() -> StdRng {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the operating system provides randomness");
    StdRng::from_seed(seed)
}

/// Verifies `docs` together (same verdicts as [`verify`] one by one).
pub fn verify_many<T: SignedDocument>(
    verifier: &mut Verifier,
    rng: &mut StdRng,
    docs: Vec<T>,
) -> Vec<Result<Verified<T>, SignatureError>> {
    debug_assert_eq!(verifier.mode(), MODE);
    #[cfg(feature = "conformance-faults")]
    if crate::faults::any_signer() {
        return docs.into_iter().map(verify).collect();
    }
    verify_documents(verifier, docs, rng)
}

/// What the pipeline verifies.
enum Doc {
    Tx(TxMessage),
    Relation(SignedRelation),
    Claim(Claim),
}

/// A document's verdict, of the same kind as the document.
enum Verdict {
    Tx(Result<Verified<TxMessage>, SignatureError>),
    Relation(Result<Verified<SignedRelation>, SignatureError>),
    Claim(Result<Verified<Claim>, SignatureError>),
}

/// Verifies one document here.
fn verify_doc(doc: Doc) -> Verdict {
    match doc {
        Doc::Tx(m) => Verdict::Tx(verify(m)),
        Doc::Relation(r) => Verdict::Relation(verify(r)),
        Doc::Claim(c) => Verdict::Claim(verify(c)),
    }
}

/// Verifies a batch, each kind together; the verdicts come in the order of
/// `docs`. Should a verdict be missing, the list ends before it, so that
/// document and the later ones are answered as lost (see [`batch`]), never
/// with another document's verdict.
fn verify_batch(verifier: &mut Verifier, rng: &mut StdRng, docs: Vec<Doc>) -> Vec<Verdict> {
    let mut kinds = Vec::with_capacity(docs.len());
    let (mut txs, mut rels, mut claims) = (Vec::new(), Vec::new(), Vec::new());
    for doc in docs {
        kinds.push(match doc {
            Doc::Tx(m) => {
                txs.push(m);
                0
            }
            Doc::Relation(r) => {
                rels.push(r);
                1
            }
            Doc::Claim(c) => {
                claims.push(c);
                2
            }
        });
    }
    let mut txs = verify_many(verifier, rng, txs).into_iter();
    let mut rels = verify_many(verifier, rng, rels).into_iter();
    let mut claims = verify_many(verifier, rng, claims).into_iter();
    kinds
        .into_iter()
        .map_while(|kind| match kind {
            0 => txs.next().map(Verdict::Tx),
            1 => rels.next().map(Verdict::Relation),
            _ => claims.next().map(Verdict::Claim),
        })
        .collect()
}

/// The verification thread; cheap to clone. It stops when every handle is
/// dropped, after verifying what is queued.
#[derive(Debug, Clone)]
pub struct Pipeline {
    queue: batch::Submitter<Doc, oneshot::Sender<Verdict>>,
}

fn lost() -> ApiError {
    ApiError::new("http.internal", "the verification thread is gone")
}

impl Pipeline {
    /// Starts the verification thread.
    pub fn start() -> Pipeline {
        let (queue, worker) = batch::batch_queue(MAX_BATCH);
        std::thread::Builder::new()
            .name("bitwrk-verify".into())
            .spawn(move || {
                let mut verifier = new_verifier();
                let mut rng = new_rng();
                worker.run(|docs| verify_batch(&mut verifier, &mut rng, docs));
            })
            .expect("spawning the verification thread");
        Pipeline { queue }
    }

    /// Hands `doc` to the thread; if the thread is gone (it stops only when
    /// every handle is dropped, or if it panicked), verifies here.
    async fn run(&self, doc: Doc) -> Result<Verdict, ApiError> {
        let (reply, rx) = oneshot::channel();
        match self.queue.submit(doc, reply) {
            Ok(()) => rx.await.map_err(|_| lost()),
            Err((doc, _)) => Ok(verify_doc(doc)),
        }
    }

    /// Verifies a transaction message.
    pub async fn tx_message(&self, m: TxMessage) -> Result<Verified<TxMessage>, ApiError> {
        match self.run(Doc::Tx(m)).await? {
            Verdict::Tx(v) => v.map_err(|e| ApiError::from_core(&e)),
            _ => Err(lost()),
        }
    }

    /// Verifies a relation.
    pub async fn relation(&self, r: SignedRelation) -> Result<Verified<SignedRelation>, ApiError> {
        match self.run(Doc::Relation(r)).await? {
            Verdict::Relation(v) => v.map_err(|e| ApiError::from_core(&e)),
            _ => Err(lost()),
        }
    }

    /// Verifies a claim (a follower's check before it forwards an input);
    /// the signature's own error on refusal.
    pub async fn claim(
        &self,
        c: Claim,
    ) -> Result<Result<Verified<Claim>, SignatureError>, ApiError> {
        match self.run(Doc::Claim(c)).await? {
            Verdict::Claim(v) => Ok(v),
            _ => Err(lost()),
        }
    }
}
