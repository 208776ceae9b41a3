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
//! [`Verifier`] and its key cache (informative section 5.A). Bids are
//! verified on the market thread, since parsing a bid reads the nonce
//! registry; the bids of one market batch are verified together
//! ([`verify_many`]).

use std::sync::mpsc;

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

type Reply<T> = oneshot::Sender<Result<Verified<T>, SignatureError>>;

enum Job {
    Tx(TxMessage, Reply<TxMessage>),
    Relation(SignedRelation, Reply<SignedRelation>),
}

/// The verification thread; cheap to clone. It stops when every handle is
/// dropped.
#[derive(Debug, Clone)]
pub struct Pipeline {
    tx: mpsc::Sender<Job>,
}

/// Sends each verdict to its reply channel.
fn reply_all<T: SignedDocument>(
    verifier: &mut Verifier,
    rng: &mut StdRng,
    jobs: Vec<(T, Reply<T>)>,
) {
    let (docs, replies): (Vec<T>, Vec<Reply<T>>) = jobs.into_iter().unzip();
    for (verdict, reply) in verify_many(verifier, rng, docs).into_iter().zip(replies) {
        let _ = reply.send(verdict);
    }
}

impl Pipeline {
    /// Starts the verification thread.
    pub fn start() -> Pipeline {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("bitwrk-verify".into())
            .spawn(move || {
                let mut verifier = new_verifier();
                let mut rng = new_rng();
                while let Ok(first) = rx.recv() {
                    let mut txs = Vec::new();
                    let mut rels = Vec::new();
                    let mut next = Some(first);
                    while let Some(job) = next {
                        match job {
                            Job::Tx(m, r) => txs.push((m, r)),
                            Job::Relation(m, r) => rels.push((m, r)),
                        }
                        next = if txs.len() + rels.len() < MAX_BATCH {
                            rx.try_recv().ok()
                        } else {
                            None
                        };
                    }
                    reply_all(&mut verifier, &mut rng, txs);
                    reply_all(&mut verifier, &mut rng, rels);
                }
            })
            .expect("spawning the verification thread");
        Pipeline { tx }
    }

    /// Hands `doc` to the thread; if the thread is gone (it stops only when
    /// every handle is dropped, or if it panicked), verifies here.
    async fn run<T: SignedDocument>(
        &self,
        doc: T,
        job: fn(T, Reply<T>) -> Job,
        back: fn(Job) -> Option<T>,
    ) -> Result<Verified<T>, ApiError> {
        let lost = || ApiError::new("http.internal", "the verification thread is gone");
        let (reply, rx) = oneshot::channel();
        let verdict = match self.tx.send(job(doc, reply)) {
            Ok(()) => rx.await.map_err(|_| lost())?,
            Err(mpsc::SendError(job)) => verify(back(job).ok_or_else(lost)?),
        };
        verdict.map_err(|e| ApiError::from_core(&e))
    }

    /// Verifies a transaction message.
    pub async fn tx_message(&self, m: TxMessage) -> Result<Verified<TxMessage>, ApiError> {
        self.run(m, Job::Tx, |j| match j {
            Job::Tx(m, _) => Some(m),
            Job::Relation(..) => None,
        })
        .await
    }

    /// Verifies a relation.
    pub async fn relation(&self, r: SignedRelation) -> Result<Verified<SignedRelation>, ApiError> {
        self.run(r, Job::Relation, |j| match j {
            Job::Relation(r, _) => Some(r),
            Job::Tx(..) => None,
        })
        .await
    }
}
