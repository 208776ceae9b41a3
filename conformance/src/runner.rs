//! Runs cases: the independent ones in parallel (bounded), then the ones
//! that move the test clock one at a time (BW-CONF-7).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::case::{Case, Needs, Outcome};
use crate::context::Ctx;

/// How many independent cases run at once.
const PARALLEL: usize = 12;
/// How long one case may take.
const CASE_TIMEOUT: Duration = Duration::from_secs(40);

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct Record {
    /// The case id.
    pub id: &'static str,
    /// Its area.
    pub area: &'static str,
    /// The requirement IDs it checks.
    pub reqs: &'static [&'static str],
    /// How it ended.
    pub outcome: Outcome,
    /// How long it took.
    pub millis: u64,
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// The server's base URL.
    pub server: String,
    /// Whether the server had the test clock.
    pub test_clock: bool,
    /// Per case, in registry order.
    pub records: Vec<Record>,
    /// Wall time of the run.
    pub millis: u64,
}

impl Report {
    /// The failed records.
    pub fn failures(&self) -> impl Iterator<Item = &Record> {
        self.records
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail { .. }))
    }

    /// Number of cases with this result kind.
    pub fn count(&self, kind: &str) -> usize {
        self.records
            .iter()
            .filter(|r| r.outcome.kind() == kind)
            .count()
    }
}

async fn run_one(case: Case, cx: Arc<Ctx>) -> Record {
    let started = Instant::now();
    let outcome = if case.needs == Needs::Clock && !cx.has_clock && !cx.slow {
        Outcome::Skip {
            reason: "needs the test clock (BW-CONF-5) or --slow for real waiting".into(),
        }
    } else {
        let fut = (case.run)(cx);
        match tokio::time::timeout(CASE_TIMEOUT, tokio::spawn(fut)).await {
            Ok(Ok(result)) => result.into(),
            Ok(Err(panic)) => Outcome::Fail {
                expected: "the case to finish".into(),
                actual: format!("the case panicked: {panic}"),
            },
            Err(_) => Outcome::Fail {
                expected: format!("the case to finish within {CASE_TIMEOUT:?}"),
                actual: "timed out".into(),
            },
        }
    };
    Record {
        id: case.id,
        area: case.area(),
        reqs: case.reqs,
        outcome,
        millis: started.elapsed().as_millis() as u64,
    }
}

/// Runs the cases whose id starts with `only` (all when `None`).
pub async fn run(cases: &[Case], cx: Arc<Ctx>, only: Option<&str>, server: &str) -> Report {
    let started = Instant::now();
    let selected: Vec<Case> = cases
        .iter()
        .filter(|c| only.is_none_or(|p| c.id.starts_with(p)))
        .copied()
        .collect();
    let limit = Arc::new(Semaphore::new(PARALLEL));
    let mut handles = Vec::new();
    for case in selected.iter().filter(|c| c.needs == Needs::Nothing) {
        let cx = cx.clone();
        let limit = limit.clone();
        let case = *case;
        handles.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            run_one(case, cx).await
        }));
    }
    let mut records = Vec::new();
    for h in handles {
        if let Ok(r) = h.await {
            records.push(r);
        }
    }
    for case in selected.iter().filter(|c| c.needs != Needs::Nothing) {
        records.push(run_one(*case, cx.clone()).await);
    }
    let order = |id: &str| {
        selected
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    records.sort_by_key(|r| order(r.id));
    Report {
        server: server.to_owned(),
        test_clock: cx.has_clock,
        records,
        millis: started.elapsed().as_millis() as u64,
    }
}
