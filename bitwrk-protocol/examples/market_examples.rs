//! Prints the worked examples of spec sections 10 and 12 (bid document,
//! transaction message document, result receipt), computed with the crate.
//!
//! Run: `cargo run -p bitwrk-protocol --example market_examples`

fn main() {
    for (file, text) in bitwrk_protocol::worked_examples::all() {
        println!("==== spec/{file}\n");
        println!("{text}");
    }
}
