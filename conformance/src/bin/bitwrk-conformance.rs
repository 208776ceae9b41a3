//! `bitwrk-conformance --server URL [--only PREFIX] [--report FILE]
//! [--format text|json|junit] [--slow]`: runs the conformance suite against
//! a server. Exit status: the number of failed cases (at most 100), or 0.

use std::process::ExitCode;

use clap::Parser;
use conformance::report;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Human summary per area.
    Text,
    /// The JSON report of spec §18.5.
    Json,
    /// JUnit XML.
    Junit,
}

/// Runs the BitWrk conformance suite (spec §18) against a server.
#[derive(Debug, clap::Parser)]
#[command(name = "bitwrk-conformance", version)]
struct Cli {
    /// Base URL of the server under test, e.g. http://127.0.0.1:8080/.
    /// `reference` starts the reference server in-process.
    #[arg(long)]
    server: String,
    /// Only cases whose id starts with this prefix.
    #[arg(long)]
    only: Option<String>,
    /// Write the report to this file (else standard output).
    #[arg(long)]
    report: Option<std::path::PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Without the test clock, run time-dependent cases with real waiting.
    #[arg(long)]
    slow: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _guard;
    let url = if cli.server == "reference" {
        match conformance::target::start_reference(&[]) {
            Ok(s) => {
                let url = s.url.clone();
                _guard = s;
                url
            }
            Err(e) => {
                eprintln!("bitwrk-conformance: {e}");
                return ExitCode::from(101);
            }
        }
    } else {
        cli.server.clone()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bitwrk-conformance: {e}");
            return ExitCode::from(101);
        }
    };
    let report = match runtime.block_on(conformance::run_suite(&url, cli.only.as_deref(), cli.slow))
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bitwrk-conformance: {e}");
            return ExitCode::from(101);
        }
    };
    let text = match cli.format {
        Format::Text => report::text(&report),
        Format::Json => format!("{:#}\n", report::json_value(&report)),
        Format::Junit => report::junit(&report),
    };
    match &cli.report {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("bitwrk-conformance: writing {}: {e}", path.display());
                return ExitCode::from(101);
            }
            eprint!("{}", report::text(&report));
        }
        None => print!("{text}"),
    }
    ExitCode::from(report.count("fail").min(100) as u8)
}
