//! The one place the server chooses how signed documents are verified.
//!
//! Every bid, transaction message, deposit and relation the server accepts
//! is checked in [`MODE`]: by [`verify`] for the documents the HTTP
//! handlers verify concurrently, and by the market itself (through
//! `MarketConfig::verify_mode`, set from [`MODE`]) for the inputs it parses
//! and for replay. The server serves unmodified BitWrk 0.7 clients, so it
//! verifies in 0.7-compatible mode (BW-SIG-13).

use bitwrk_protocol::signature::{
    SignatureError, SignedDocument, Verified, VerifyMode, verify_document_in,
};

/// The verification mode of this server.
pub const MODE: VerifyMode = VerifyMode::Compat07;

/// Verifies `doc`'s signature over its document in [`MODE`].
pub fn verify<T: SignedDocument>(doc: T) -> Result<Verified<T>, SignatureError> {
    verify_document_in(MODE, doc)
}
