//! The transaction transition table (spec section 12.3).
//!
//! [`RULES`] is the single declaration of which party may send which
//! message in which phase, and which phase follows. Everything else is
//! derived from it: [`evaluate`] (used by
//! [`Transaction::handle_message`](super::Transaction::handle_message)),
//! the full outcome [`matrix`], and the Graphviz diagram [`dot`] that the
//! specification embeds.

use core::fmt::Write as _;
use core::time::Duration;

use super::{Phase, Role};

/// The kinds of transaction message, one per row of [`RULES`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum MessageKind {
    /// Buyer commits to the work: `workhash`, `worksecrethash`.
    WorkHashes,
    /// Seller names the worker: `workerurl`.
    WorkerUrl,
    /// Seller publishes the buyer's secret after receiving the work: `buyersecret`.
    BuyerSecret,
    /// Seller refuses the work: `rejectwork`.
    RejectWork,
    /// Seller publishes the encrypted result's receipt and key:
    /// `encresulthash`, `encresulthashsig`, `encresultkey`.
    Result,
    /// Buyer refuses the result: `rejectresult`.
    RejectResult,
    /// Buyer accepts the result: `acceptresult`.
    AcceptResult,
}

impl MessageKind {
    /// A short name for tables and diagrams.
    pub const fn name(self) -> &'static str {
        match self {
            MessageKind::WorkHashes => "work-hashes",
            MessageKind::WorkerUrl => "worker-url",
            MessageKind::BuyerSecret => "buyer-secret",
            MessageKind::RejectWork => "reject-work",
            MessageKind::Result => "result",
            MessageKind::RejectResult => "reject-result",
            MessageKind::AcceptResult => "accept-result",
        }
    }
}

/// One row of the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The message this row defines.
    pub kind: MessageKind,
    /// The only party that may send it.
    pub sender: Role,
    /// The exact set of argument names (sorted; `txid` excluded).
    pub arguments: &'static [&'static str],
    /// Allowed `(pre, post)` phase pairs.
    pub transitions: &'static [(Phase, Phase)],
}

use Phase::*;

/// The transition table (BW-TX-5). Argument names are sorted bytewise.
/// The `RejectResult` row leads to `RESULT_DISPUTED` (DEP-105).
pub const RULES: &[Rule] = &[
    Rule {
        kind: MessageKind::WorkHashes,
        sender: Role::Buyer,
        arguments: &["workhash", "worksecrethash"],
        transitions: &[
            (Establishing, BuyerEstablished),
            (SellerEstablished, Transmitting),
        ],
    },
    Rule {
        kind: MessageKind::WorkerUrl,
        sender: Role::Seller,
        arguments: &["workerurl"],
        transitions: &[
            (Establishing, SellerEstablished),
            (BuyerEstablished, Transmitting),
        ],
    },
    Rule {
        kind: MessageKind::BuyerSecret,
        sender: Role::Seller,
        arguments: &["buyersecret"],
        transitions: &[(BuyerEstablished, Working), (Transmitting, Working)],
    },
    Rule {
        kind: MessageKind::RejectWork,
        sender: Role::Seller,
        arguments: &["rejectwork"],
        transitions: &[
            (SellerEstablished, WorkDisputed),
            (Transmitting, WorkDisputed),
            (Working, WorkDisputed),
        ],
    },
    Rule {
        kind: MessageKind::Result,
        sender: Role::Seller,
        arguments: &["encresulthash", "encresulthashsig", "encresultkey"],
        transitions: &[(Working, Unverified)],
    },
    Rule {
        kind: MessageKind::RejectResult,
        sender: Role::Buyer,
        arguments: &["rejectresult"],
        transitions: &[(Unverified, ResultDisputed)],
    },
    Rule {
        kind: MessageKind::AcceptResult,
        sender: Role::Buyer,
        arguments: &["acceptresult"],
        transitions: &[
            (Establishing, Finished),
            (BuyerEstablished, Finished),
            (SellerEstablished, Finished),
            (Transmitting, Finished),
            (Working, Finished),
            (Unverified, Finished),
        ],
    },
];

/// What arriving in a phase does to the transaction's timeout (BW-TX-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The timeout stays as it is.
    Keep,
    /// The timeout is extended by this much, counted from the current timeout.
    Extend(Duration),
    /// The timeout becomes `now`: the transaction can be retired at once.
    RetireNow,
}

/// The arrival effect of `phase` (BW-TX-9).
pub const fn arrival(phase: Phase) -> Arrival {
    match phase {
        Transmitting => Arrival::Extend(Duration::from_secs(2 * 60)),
        Working => Arrival::Extend(Duration::from_secs(5 * 60)),
        Unverified => Arrival::Extend(Duration::from_secs(15 * 60)),
        Finished | WorkDisputed | ResultDisputed => Arrival::RetireNow,
        Establishing | BuyerEstablished | SellerEstablished => Arrival::Keep,
    }
}

/// Why the table refuses a message, before any argument value is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No row has this sender and exactly this argument set (BW-TX-4).
    NotAllowed {
        /// The argument-name sets this sender could have used.
        allowed: Vec<&'static [&'static str]>,
    },
    /// A row matches, but not from the current phase (BW-TX-6).
    WrongPhase {
        /// The matching row's message.
        kind: MessageKind,
        /// The phases it may be sent from.
        allowed_from: Vec<Phase>,
    },
}

impl Refusal {
    /// The error code this refusal is reported with.
    pub const fn code(&self) -> &'static str {
        match self {
            Refusal::NotAllowed { .. } => "tx.message-not-allowed",
            Refusal::WrongPhase { .. } => "tx.wrong-phase",
        }
    }
}

/// The rule whose sender is `sender` and whose argument set is exactly
/// `arguments` (given in any order, without duplicates).
pub fn find_rule(sender: Role, arguments: &[&str]) -> Option<&'static Rule> {
    RULES.iter().find(|r| {
        r.sender == sender
            && r.arguments.len() == arguments.len()
            && r.arguments.iter().all(|a| arguments.contains(a))
    })
}

/// Looks a message up in the table: the matching rule and the phase that
/// follows `phase`, or why the table refuses it (BW-TX-4, BW-TX-6).
pub fn evaluate(
    phase: Phase,
    sender: Role,
    arguments: &[&str],
) -> Result<(&'static Rule, Phase), Refusal> {
    let rule = find_rule(sender, arguments).ok_or_else(|| Refusal::NotAllowed {
        allowed: RULES
            .iter()
            .filter(|r| r.sender == sender)
            .map(|r| r.arguments)
            .collect(),
    })?;
    let post = rule
        .transitions
        .iter()
        .find(|(pre, _)| *pre == phase)
        .map(|(_, post)| *post)
        .ok_or_else(|| Refusal::WrongPhase {
            kind: rule.kind,
            allowed_from: rule.transitions.iter().map(|(pre, _)| *pre).collect(),
        })?;
    Ok((rule, post))
}

/// One cell of the phase × message × sender matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow {
    /// The current phase.
    pub phase: Phase,
    /// The message (its argument set is the rule's).
    pub kind: MessageKind,
    /// Who sends it.
    pub sender: Role,
    /// The next phase, or the refusal's error code.
    pub outcome: Result<Phase, &'static str>,
}

/// Every message of [`RULES`] from every sender in every phase, evaluated
/// with [`evaluate`] (BW-TX-4, BW-TX-5, BW-TX-6).
pub fn matrix() -> Vec<MatrixRow> {
    let mut rows = Vec::new();
    for phase in Phase::ALL {
        for rule in RULES {
            for sender in Role::ALL {
                let outcome = evaluate(phase, sender, rule.arguments)
                    .map(|(_, post)| post)
                    .map_err(|r| r.code());
                rows.push(MatrixRow {
                    phase,
                    kind: rule.kind,
                    sender,
                    outcome,
                });
            }
        }
    }
    rows
}

/// The matrix as text, one cell per line (the form pinned by a snapshot).
pub fn matrix_text() -> String {
    let mut out = String::new();
    for row in matrix() {
        let outcome = match row.outcome {
            Ok(post) => format!("-> {}", post.as_str()),
            Err(code) => format!("!! {code}"),
        };
        let _ = writeln!(
            out,
            "{:<18} {:<13} {:<7} {}",
            row.phase.as_str(),
            row.kind.name(),
            row.sender.as_str(),
            outcome
        );
    }
    out
}

/// The transition table as a Graphviz digraph (BW-TX-5): one node per phase
/// (final phases double-bordered, labelled with their timeout effect) and
/// one edge per allowed transition, labelled `sender: arguments`.
pub fn dot() -> String {
    let mut out = String::from("digraph transaction {\n    rankdir=TB;\n    node [shape=box];\n");
    for phase in Phase::ALL {
        let effect = match arrival(phase) {
            Arrival::Keep => String::new(),
            Arrival::Extend(d) => format!("\\ntimeout += {} min", d.as_secs() / 60),
            Arrival::RetireNow => "\\ntimeout = now".to_owned(),
        };
        let peripheries = if phase.is_final() {
            ", peripheries=2"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "    {} [label=\"{}{}\"{}];",
            phase.as_str(),
            phase.as_str(),
            effect,
            peripheries
        );
    }
    for rule in RULES {
        for (pre, post) in rule.transitions {
            let _ = writeln!(
                out,
                "    {} -> {} [label=\"{}: {}\"];",
                pre.as_str(),
                post.as_str(),
                rule.sender.as_str(),
                rule.arguments.join(", ")
            );
        }
    }
    out.push_str("}\n");
    out
}
