//! The daemon's failures, each with a stable `daemon.*` code (spec
//! Appendix A.4). The local API answers them as BitWrk 0.7 does: a status
//! and the error text.

use std::fmt;

use bitwrk_protocol::ErrorCode;

/// Why a daemon operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum DaemonError {
    /// The SQLite database failed.
    Database {
        /// SQLite's message.
        detail: String,
    },
    /// A file does not fit into the content store even after evicting
    /// every unpinned file.
    StoreFull {
        /// The bytes asked for.
        needed: u64,
        /// The budget.
        budget: u64,
    },
    /// A request to the local API lacks or misformats a parameter.
    BadParameter {
        /// The parameter.
        name: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The BitWrk server could not be reached or the exchange broke off.
    ServerTransport {
        /// What was being done.
        action: String,
        /// The transport error.
        detail: String,
    },
    /// The BitWrk server answered with a status the operation does not
    /// accept.
    ServerStatus {
        /// What was being done.
        action: String,
        /// The status received.
        status: u16,
        /// The first KiB of the body.
        body: String,
    },
    /// The BitWrk server's answer could not be understood.
    ServerBody {
        /// What was being done.
        action: String,
        /// Why the body was rejected.
        detail: String,
    },
    /// The operating system's random number generator failed.
    Randomness {
        /// What happened.
        detail: String,
    },
    /// A trade ended without a result.
    Trade {
        /// Why (the trading core's code and text).
        reason: String,
    },
    /// The operation was given up because its client went away or the
    /// daemon is stopping.
    Cancelled,
}

impl DaemonError {
    /// Every code this type produces (checked against spec A.4).
    #[cfg_attr(not(test), allow(dead_code))]
    pub const CODES: &'static [&'static str] = &[
        "daemon.database",
        "daemon.store-full",
        "daemon.bad-parameter",
        "daemon.server-transport",
        "daemon.server-status",
        "daemon.server-body",
        "daemon.randomness",
        "daemon.trade-failed",
        "daemon.cancelled",
    ];
}

impl ErrorCode for DaemonError {
    fn code(&self) -> &'static str {
        match self {
            DaemonError::Database { .. } => "daemon.database",
            DaemonError::StoreFull { .. } => "daemon.store-full",
            DaemonError::BadParameter { .. } => "daemon.bad-parameter",
            DaemonError::ServerTransport { .. } => "daemon.server-transport",
            DaemonError::ServerStatus { .. } => "daemon.server-status",
            DaemonError::ServerBody { .. } => "daemon.server-body",
            DaemonError::Randomness { .. } => "daemon.randomness",
            DaemonError::Trade { .. } => "daemon.trade-failed",
            DaemonError::Cancelled => "daemon.cancelled",
        }
    }
}

impl fmt::Display for DaemonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DaemonError::Database { detail } => write!(f, "database: {detail}"),
            DaemonError::StoreFull { needed, budget } => write!(
                f,
                "content store full: expected room for {needed} bytes within a budget of {budget} bytes, but pinned files fill it"
            ),
            DaemonError::BadParameter { name, detail } => {
                write!(f, "parameter {name:?}: {detail}")
            }
            DaemonError::ServerTransport { action, detail } => {
                write!(f, "{action}: server unreachable: {detail}")
            }
            DaemonError::ServerStatus {
                action,
                status,
                body,
            } => write!(
                f,
                "{action}: unexpected status {status} from server: {body}"
            ),
            DaemonError::ServerBody { action, detail } => {
                write!(f, "{action}: bad answer from server: {detail}")
            }
            DaemonError::Randomness { detail } => write!(f, "randomness: {detail}"),
            DaemonError::Trade { reason } => write!(f, "trade failed: {reason}"),
            DaemonError::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for DaemonError {}

#[cfg(test)]
mod tests {
    use super::DaemonError;

    /// Appendix A.4 lists exactly these codes.
    #[test]
    fn codes_are_listed_in_appendix_a() {
        let appendix = include_str!("../../../spec/A-error-codes.md");
        let section = appendix
            .split("## A.4 Codes of the reference client's daemon")
            .nth(1)
            .expect("spec/A-error-codes.md has a section A.4");
        let section = section.split("\n## ").next().unwrap_or(section);
        for code in DaemonError::CODES {
            assert!(
                section.contains(&format!("`{code}`")),
                "{code} missing from A.4"
            );
        }
        let listed = section.matches("`daemon.").count();
        assert_eq!(
            listed,
            DaemonError::CODES.len(),
            "A.4 lists codes the daemon lacks"
        );
    }
}
