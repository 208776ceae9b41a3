//! `bitwrk-client`: the BitWrk reference client (see `bitwrk-client --help`).

mod cli;
mod commands;
mod error;
mod key_file;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors make clap exit with status 2 here.
    let cli = cli::Cli::parse();
    let home = std::env::var_os("HOME");
    let env = commands::Env {
        home: home.as_deref(),
        stdin: std::io::stdin().lock(),
        stdout: std::io::stdout().lock(),
        stderr: std::io::stderr().lock(),
    };
    ExitCode::from(commands::run(cli.command, env))
}
