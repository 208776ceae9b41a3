//! `bitwrk-client`: the BitWrk reference client (see `bitwrk-client --help`).

mod admin;
mod cli;
mod commands;
mod daemon;
mod error;
mod key_file;
mod memory;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Not limited where the user chose a limit.
    let _ = memory::limit_arenas();
    // Usage errors make clap exit with status 2 here.
    let argv = daemon::args::normalize_argv(std::env::args_os().collect());
    let cli = cli::Cli::parse_from(argv);
    let home = std::env::var_os("HOME");
    let command = match cli.command {
        cli::TopLevel::Run(args) => return ExitCode::from(daemon::run(args, home.as_deref())),
        cli::TopLevel::Tool(command) => command,
        cli::TopLevel::Admin(command) => {
            return ExitCode::from(admin::run(command, home.as_deref()));
        }
    };
    let env = commands::Env {
        home: home.as_deref(),
        stdin: std::io::stdin().lock(),
        stdout: std::io::stdout().lock(),
        stderr: std::io::stderr().lock(),
    };
    ExitCode::from(commands::run(command, env))
}
