//! # bitwrk-protocol
//!
//! The sans-IO core of the BitWrk marketplace protocol, as written down in the
//! specification under `spec/` at the root of this repository.
//!
//! This crate contains no networking, no file access, no clock reads and no
//! operating-system randomness: every input — including the current time and
//! any random bytes — is handed in by the caller (a "driver" such as the
//! reference server or client). Every rejection is a typed error that carries
//! a stable machine code (see [`ErrorCode`]), which is what servers return on
//! the wire and what the conformance suite compares.
//!
//! Module map (mirrors the specification):
//!
//! | module | spec section | what |
//! |---|---|---|
//! | [`encoding`] | 3 | hex, base64, base58check |
//! | [`hash`] | 3 | SHA-256, double SHA-256, HASH160 newtypes |
//! | [`key`] | 4 | private/public keys, WIF |
//! | [`address`] | 4 | P2PKH addresses and networks |
//! | [`signature`] | 5, 5.A | Bitcoin message signatures; strict and BitWrk 0.7-compatible verification ([`signature::VerifyMode`]); cached and batch verification ([`signature::Verifier`]) |
//! | [`money`] | 6 | amounts, currencies, units |
//! | [`document`] | 7 | escaping and normalisation of signed form documents |
//! | [`time`] | 2 | timestamps passed in by the driver |
//! | [`article`] | 8 | traded articles and the article policy |
//! | [`nonce`] | 9 | server-issued single-use nonces |
//! | [`bid`] | 10 | bid documents, fees, bid states |
//! | [`book`] | 11 | order books and matching |
//! | [`tx`] | 12 | transaction phases, messages, timeouts, retirement |
//! | [`ledger`] | 13, 14.1 | escrow ledger, movements, deposits |
//! | [`relation`] | 14.2 | signed relations between accounts, trusted sellers |
//! | [`deposit_address`] | 14.3 | deposit-address requests and deposit information |
//! | [`market`] | 15 | the calling contract tying it all together; events and replay |
//! | [`rfc3339`] | — | RFC 3339 times in JSON |
//! | [`c2c`] | 19 | the client-to-client transfer: chunking, SyncInfo, shuffle, wishlists, chunk streams, result encryption, receipts, buyer and seller state machines |
//! | [`wire`] | 15.A | BitWrk 0.7's JSON forms of the HTTP binding; price history |
//! | [`client`] | 20 | the reference client's trading toward the server: mandates, activities, buyer and seller trades |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod article;
pub mod bid;
pub mod book;
pub mod c2c;
pub mod client;
pub mod deposit_address;
pub mod document;
pub mod encoding;
pub mod error;
pub mod hash;
pub mod ids;
pub mod key;
pub mod ledger;
pub mod market;
pub mod money;
pub mod nonce;
pub mod relation;
pub mod rfc3339;
pub mod signature;
mod text_serde;
pub mod time;
pub mod tx;
pub mod wire;

pub use address::{Address, Network};
pub use error::ErrorCode;
pub use hash::{Hash160, Hash256};
pub use key::{KeyPair, PrivateKey, PublicKey};
pub use money::{Currency, Money, Unit};
pub use signature::Signature;
pub use time::Timestamp;
