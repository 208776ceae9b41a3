//! `bitwrk-server`: the BitWrk reference server (work in progress, issue 8).

fn main() {
    eprintln!("bitwrk-server: not built yet (issue 8)");
    std::process::exit(2);
}
