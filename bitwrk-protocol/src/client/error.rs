//! The client's typed errors (spec section 20.9): why a trade failed, or
//! why the driver's input did not fit the trade's state.

use crate::bid::BidType;
use crate::tx::Phase;

use super::ActivityKey;

/// Why a trade failed, or why an input was refused. Every variant has a
/// stable `client.*` code (appendix A).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The server refused the bid (BW-CLIENT-6).
    BidRefused {
        /// The HTTP status.
        status: u16,
        /// The server's error code, if it sent one.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// The bid expired without a match (BW-CLIENT-7).
    BidExpired,
    /// The server refused a transaction message and the transaction does
    /// not show its effect (BW-CLIENT-10).
    MessageRefused {
        /// Which message.
        message: &'static str,
        /// The HTTP status.
        status: u16,
        /// The server's error code, if it sent one.
        code: Option<String>,
    },
    /// The transaction was retired before the trade reached the phase it
    /// waited for (BW-CLIENT-11).
    TxInactive {
        /// The phase the trade waited for.
        awaited: Phase,
        /// The phase the transaction was retired in.
        phase: Phase,
    },
    /// The transaction reached a phase the trade does not pass through on
    /// the way to the awaited one (BW-CLIENT-11).
    UnexpectedPhase {
        /// The phase the trade waited for.
        awaited: Phase,
        /// The phase the transaction is in.
        phase: Phase,
    },
    /// An answer of the server did not have the form its request calls
    /// for (BW-CLIENT-12).
    BadAnswer {
        /// What was expected.
        expected: &'static str,
        /// What arrived.
        found: String,
    },
    /// No request to the server succeeded for longer than the configured
    /// patience (BW-CLIENT-13).
    ServerUnreachable {
        /// The last failure.
        last: String,
    },
    /// The work received does not match the hashes the buyer committed to
    /// (BW-CLIENT-19).
    WorkMismatch {
        /// Which hash disagrees: `workhash` or `worksecrethash`.
        which: &'static str,
    },
    /// The buyer's receipt is not the buyer's signature over the hash
    /// (BW-CLIENT-21).
    BadReceipt,
    /// The seller published a result other than the one the buyer received
    /// (BW-CLIENT-16).
    ResultMismatch,
    /// The worker failed (BW-CLIENT-20).
    WorkerFailed {
        /// What the worker answered.
        reason: String,
    },
    /// The client-to-client transfer failed (BW-CLIENT-15).
    TransferFailed {
        /// What the transfer reported.
        reason: String,
    },
    /// The buyer did not establish in time: the seller received work but
    /// the transaction never reached `TRANSMITTING` (BW-CLIENT-19).
    EstablishTimeout,
    /// The locally matched trade ended without a result (BW-CLIENT-4).
    LocalPeerGone {
        /// The partner.
        peer: ActivityKey,
    },
    /// The trade was cancelled by the driver (BW-CLIENT-24).
    Cancelled,
    /// No activity has this key (BW-CLIENT-24).
    UnknownActivity {
        /// The key given.
        key: ActivityKey,
    },
    /// The input does not fit the trade's state (BW-CLIENT-24).
    WrongState {
        /// The input.
        input: &'static str,
        /// The trade's state.
        state: &'static str,
    },
    /// An answer to a request that is not in flight (BW-CLIENT-24).
    UnknownRequest,
    /// A mandate with a count or lifetime of zero (BW-CLIENT-2).
    BadMandate {
        /// What is wrong.
        reason: &'static str,
    },
    /// A bid type the operation does not apply to.
    WrongType {
        /// The type expected.
        expected: BidType,
    },
}

crate::error::error_codes!(ClientError {
    ClientError::BidRefused { status, code, message } => "client.bid-refused",
        ("the server refused the bid: {status} {} {message}", code.as_deref().unwrap_or("(no code)"));
    ClientError::BidExpired => "client.bid-expired",
        ("the bid expired without a match");
    ClientError::MessageRefused { message, status, code } => "client.message-refused",
        ("the server refused the message {message}: {status} {}", code.as_deref().unwrap_or("(no code)"));
    ClientError::TxInactive { awaited, phase } => "client.tx-inactive",
        ("waiting for {awaited}, the transaction was retired in {phase}");
    ClientError::UnexpectedPhase { awaited, phase } => "client.unexpected-phase",
        ("waiting for {awaited}, the transaction went to {phase}");
    ClientError::BadAnswer { expected, found } => "client.bad-answer",
        ("expected {expected} from the server, got {found}");
    ClientError::ServerUnreachable { last } => "client.server-unreachable",
        ("the server did not answer in time; last failure: {last}");
    ClientError::WorkMismatch { which } => "client.work-mismatch",
        ("the received work does not match the transaction's {which}");
    ClientError::BadReceipt => "client.bad-receipt",
        ("the receipt is not the buyer's signature over the result hash");
    ClientError::ResultMismatch => "client.result-mismatch",
        ("the seller published a receipt for another result than the one received");
    ClientError::WorkerFailed { reason } => "client.worker-failed",
        ("the worker failed: {reason}");
    ClientError::TransferFailed { reason } => "client.transfer-failed",
        ("the transfer between the clients failed: {reason}");
    ClientError::EstablishTimeout => "client.establish-timeout",
        ("timed out waiting for the buyer to establish");
    ClientError::LocalPeerGone { peer } => "client.local-peer-gone",
        ("the locally matched activity {peer} ended without a result");
    ClientError::Cancelled => "client.cancelled",
        ("the trade was cancelled");
    ClientError::UnknownActivity { key } => "client.unknown-activity",
        ("no activity {key}");
    ClientError::WrongState { input, state } => "client.wrong-state",
        ("{input} does not fit a trade in state {state}");
    ClientError::UnknownRequest => "client.unknown-request",
        ("an answer to a request that is not in flight");
    ClientError::BadMandate { reason } => "client.bad-mandate",
        ("bad mandate: {reason}");
    ClientError::WrongType { expected } => "client.wrong-type",
        ("the operation applies to {expected} activities only");
});
