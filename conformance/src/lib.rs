//! The BitWrk conformance suite (spec §18): black-box HTTP cases, each
//! with a stable id and the requirement IDs it checks, run against the
//! reference server in-process or any server by URL.

#![forbid(unsafe_code)]

pub mod case;
pub mod cases;
pub mod check;
pub mod client;
pub mod context;
pub mod profile;
pub mod report;
pub mod runner;
pub mod target;
pub mod trade;

use std::sync::Arc;

pub use case::{Case, Outcome};
pub use runner::Report;

/// Runs the suite (or the cases starting with `only`) against `url`.
pub async fn run_suite(url: &str, only: Option<&str>, slow: bool) -> Result<Report, String> {
    let cx = Arc::new(context::Ctx::new(url, slow).await?);
    if cx.has_clock {
        // Let whatever an earlier run left on the server expire first, so
        // its open bids cannot match this run's (BW-CONF-7).
        cx.advance(24 * 60 * 60 * 1000)
            .await
            .map_err(|e| format!("advancing the test clock: {e:?}"))?;
    }
    Ok(runner::run(&cases::all(), cx, only, url).await)
}
