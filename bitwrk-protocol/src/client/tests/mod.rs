//! Tests of the client's trading logic: unit tests of the parts, and full
//! trades against a real in-memory market (`harness`).

mod harness;
mod parts;
mod polls;
mod trades;
