//! The BitWrk reference server (issue 8, spec §16): the HTTP binding on
//! hyper around the sans-IO market ([`driver`], [`http`]), persistence
//! ([`store`]) and configuration ([`config`]). The binary `bitwrk-server`
//! is [`server::run`].

#![forbid(unsafe_code)]

pub mod clock;
pub mod cluster;
pub mod config;
pub mod driver;
#[cfg(feature = "conformance-faults")]
pub mod faults;
pub mod http;
pub mod server;
pub mod store;
pub mod verify;
