//! The case registry's types: a case has a stable id, the requirement IDs
//! it checks, what it needs from the server (the test clock), and ends as
//! pass, fail (what was expected, what arrived) or skip (why).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::context::Ctx;

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// A check failed.
    Fail {
        /// What the spec requires.
        expected: String,
        /// What the server did.
        actual: String,
    },
    /// The case could not run against this server.
    Skip {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// `pass`, `fail` or `skip`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail { .. } => "fail",
            Outcome::Skip { .. } => "skip",
        }
    }
}

/// Why a case stopped early: a failure or a skip. Checks return
/// `Result<_, Stop>` so that `?` ends the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// A failed check.
    Fail {
        /// What the spec requires.
        expected: String,
        /// What the server did.
        actual: String,
    },
    /// The case cannot run here.
    Skip(String),
}

/// What a case body returns.
pub type CaseResult = Result<(), Stop>;

/// A failed check.
pub fn fail(expected: impl Into<String>, actual: impl Into<String>) -> Stop {
    Stop::Fail {
        expected: expected.into(),
        actual: actual.into(),
    }
}

impl From<String> for Stop {
    /// A transport error (no answer, not HTTP): a failure.
    fn from(e: String) -> Stop {
        fail("an HTTP answer", e)
    }
}

impl From<CaseResult> for Outcome {
    fn from(r: CaseResult) -> Outcome {
        match r {
            Ok(()) => Outcome::Pass,
            Err(Stop::Fail { expected, actual }) => Outcome::Fail { expected, actual },
            Err(Stop::Skip(reason)) => Outcome::Skip { reason },
        }
    }
}

/// What a case needs beyond the profile's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: runs in parallel with other such cases.
    Nothing,
    /// The test clock (BW-CONF-5): runs alone, after the parallel cases,
    /// because advancing the clock affects every case. Without the
    /// extension it is skipped, or run with real waiting under `--slow`.
    Clock,
    /// Nothing from the server, but no other case may run at the same
    /// time (it compares consecutive ids): runs alone with the clock cases,
    /// and also without the test clock.
    Alone,
}

/// A case's body.
pub type CaseFn = fn(Arc<Ctx>) -> Pin<Box<dyn Future<Output = CaseResult> + Send>>;

/// A registered case.
#[derive(Clone, Copy)]
pub struct Case {
    /// Stable id, `area/…`.
    pub id: &'static str,
    /// The requirement IDs it checks.
    pub reqs: &'static [&'static str],
    /// What it needs.
    pub needs: Needs,
    /// The body.
    pub run: CaseFn,
}

impl core::fmt::Debug for Case {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Case")
            .field("id", &self.id)
            .field("reqs", &self.reqs)
            .field("needs", &self.needs)
            .finish_non_exhaustive()
    }
}

impl Case {
    /// The area: the id up to its first `/`.
    pub fn area(&self) -> &'static str {
        self.id.split('/').next().unwrap_or(self.id)
    }
}

/// Registers an `async fn(Arc<Ctx>) -> CaseResult` as a [`Case`].
#[macro_export]
macro_rules! case {
    ($id:literal, [$($req:literal),* $(,)?], $f:path) => {
        $crate::case!($id, [$($req),*], $f, $crate::case::Needs::Nothing)
    };
    ($id:literal, [$($req:literal),* $(,)?], $f:path, $needs:expr) => {
        $crate::case::Case {
            id: $id,
            reqs: &[$($req),*],
            needs: $needs,
            run: |cx| Box::pin($f(cx)),
        }
    };
}
