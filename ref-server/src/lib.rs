//! The BitWrk reference server (issue 8): persistence ([`store`]) and, in
//! the binary `bitwrk-server`, the HTTP driver around the sans-IO market.

#![forbid(unsafe_code)]

pub mod store;
