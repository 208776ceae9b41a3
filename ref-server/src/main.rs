//! `bitwrk-server`: the BitWrk reference server. See `--help`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = ref_server::config::Args::parse();
    ref_server::server::init_logging(args.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bitwrk-server: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(ref_server::server::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bitwrk-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
