//! The one error type of the client-to-client protocol (spec §19, codes
//! `c2c.*` in appendix A).

use crate::error::error_codes;

/// Why a client-to-client message, stream or step was refused.
///
/// Every variant says what was expected and what arrived. A refusal changes
/// nothing in the state machine that returned it (BW-C2C-30).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum C2cError {
    /// A permutation is empty, longer than allowed, or not a permutation.
    BadPermutation {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A SyncInfo document is not the JSON shape of BW-C2C-9.
    BadSyncInfo {
        /// What is wrong with it.
        reason: String,
    },
    /// A chunk key is not 64 lower-case hex characters (JSON) or 32 bytes.
    BadChunkKey,
    /// A chunk size is 0 or above the maximum chunk size.
    BadChunkSize {
        /// The size that arrived.
        size: u64,
    },
    /// More chunks than a work file may have.
    TooManyChunks {
        /// The limit.
        limit: usize,
    },
    /// A body or document is longer than its limit.
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit in bytes.
        limit: u64,
    },
    /// A varint does not fit in 64 bits or encodes a negative length.
    BadVarint,
    /// A stream ended in the middle of an entry.
    Truncated {
        /// What was being read.
        what: &'static str,
    },
    /// A wishlist has the wrong number of bytes.
    WishlistLength {
        /// Expected bytes.
        expected: usize,
        /// Bytes that arrived.
        got: usize,
    },
    /// The padding bits of a wishlist's last byte are not zero.
    WishlistPadding,
    /// A wishlist asks for a placeholder slot.
    WishlistPlaceholder {
        /// Position in the shuffled stream.
        position: usize,
    },
    /// A chunk of a chunk-data stream has another key or size than announced.
    UnexpectedChunk {
        /// Index of the requested entry in the stream.
        index: usize,
    },
    /// A chunk-data stream goes on after the last requested chunk.
    UnsolicitedData,
    /// The reconstructed or received work does not hash to the work hash.
    WorkHashMismatch,
    /// The buyer secret does not match the transaction's work secret hash.
    NotBuyer,
    /// A buyer secret is not 64 lower-case hex characters.
    BadBuyerSecret,
    /// The capability document (OPTIONS answer) is not understood.
    BadProbe,
    /// A receipt form is malformed.
    BadReceipt {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The receipt's hash is not the hash of the seller's ciphertext.
    ReceiptHashMismatch,
    /// The receipt's signature is not the transaction buyer's.
    ReceiptSignature,
    /// A part or message that may arrive only once arrived again.
    Duplicate {
        /// What arrived twice.
        what: &'static str,
    },
    /// A step that the current state does not allow.
    Unexpected {
        /// The state the machine was in.
        state: &'static str,
        /// What arrived.
        got: &'static str,
    },
    /// The seller answered with a status other than 200.
    BadStatus {
        /// The status.
        status: u16,
    },
    /// A request path names no endpoint of this seller.
    BadEndpoint,
    /// An assistive-download URL is refused.
    BadAssistUrl {
        /// Why.
        reason: &'static str,
    },
    /// An assistive-download ticket is unknown, spent or malformed.
    BadTicket,
}

error_codes!(C2cError {
    C2cError::BadPermutation { reason } => "c2c.bad-permutation", ("bad permutation: {reason}");
    C2cError::BadSyncInfo { reason } => "c2c.bad-syncinfo", ("bad SyncInfo document: {reason}");
    C2cError::BadChunkKey => "c2c.bad-chunk-key", ("chunk key must be 32 bytes (64 lower-case hex characters)");
    C2cError::BadChunkSize { size } => "c2c.bad-chunk-size", ("chunk size must be 1 to 131072 bytes, found {size}");
    C2cError::TooManyChunks { limit } => "c2c.too-many-chunks", ("a work file has at most {limit} chunks");
    C2cError::TooLarge { what, limit } => "c2c.too-large", ("{what} exceeds its limit of {limit} bytes");
    C2cError::BadVarint => "c2c.bad-varint", ("varint overflows 64 bits or encodes a negative length");
    C2cError::Truncated { what } => "c2c.truncated", ("stream ended inside {what}");
    C2cError::WishlistLength { expected, got } => "c2c.wishlist-length", ("wishlist must be {expected} bytes, found {got}");
    C2cError::WishlistPadding => "c2c.wishlist-padding", ("padding bits of the wishlist's last byte must be zero");
    C2cError::WishlistPlaceholder { position } => "c2c.wishlist-placeholder", ("wishlist requests placeholder slot {position}");
    C2cError::UnexpectedChunk { index } => "c2c.unexpected-chunk", ("chunk data entry {index} has another key or size than requested");
    C2cError::UnsolicitedData => "c2c.unsolicited-data", ("chunk data continues after the last requested chunk");
    C2cError::WorkHashMismatch => "c2c.work-hash-mismatch", ("work does not hash to the transaction's work hash");
    C2cError::NotBuyer => "c2c.not-buyer", ("buyer secret does not match the transaction's work secret hash");
    C2cError::BadBuyerSecret => "c2c.bad-buyer-secret", ("buyer secret must be 64 lower-case hex characters");
    C2cError::BadProbe => "c2c.bad-probe", ("capability document is not the JSON object of BW-C2C-5");
    C2cError::BadReceipt { reason } => "c2c.bad-receipt", ("bad receipt: {reason}");
    C2cError::ReceiptHashMismatch => "c2c.receipt-hash-mismatch", ("receipt hash is not the hash of the encrypted result");
    C2cError::ReceiptSignature => "c2c.receipt-signature", ("receipt signature is not the transaction buyer's");
    C2cError::Duplicate { what } => "c2c.duplicate", ("{what} arrived twice");
    C2cError::Unexpected { state, got } => "c2c.unexpected", ("in state {state}, did not expect {got}");
    C2cError::BadStatus { status } => "c2c.bad-status", ("seller answered status {status}, expected 200");
    C2cError::BadEndpoint => "c2c.bad-endpoint", ("path names no endpoint of this seller");
    C2cError::BadAssistUrl { reason } => "c2c.bad-assist-url", ("assistive-download URL refused: {reason}");
    C2cError::BadTicket => "c2c.bad-ticket", ("no unspent assistive-download ticket of this endpoint");
});
