//! The engine of the market-level scenario families (`nonce.json`,
//! `relation.json`, `deposit.json`, `market.json`, spec sections 9, 10,
//! 12, 14 and 15): a scenario is a list of timed inputs to one fresh
//! `bitwrk_protocol::market::Market`. Every input is written out in full
//! (form fields with their signatures, random bytes, the remote address),
//! so a third party needs no signer to run them; every step carries the
//! state after it.
//!
//! The forms are signed here with libsecp256k1 over documents built from
//! the spec text (BW-BID-11 by the crate's `bid_document`, checked against
//! the oracle; BW-REL-5 and BW-DEP-6 written out here), the expected
//! outcomes and renderings are the crate's, and each scenario states the
//! facts it is about as literal checks the generator asserts (see the
//! `expect_*` arguments in `scenario_cases`). The generator also replays the
//! accepted inputs into a fresh market and requires an identical state
//! (BW-MARKET-4).
//!
//! * this module: the vocabulary (participants, inputs, steps, the market's
//!   settings);
//! * [`inputs`]: building inputs as a client does (signed bid, message,
//!   deposit and relation forms);
//! * [`run`]: running a scenario on the crate, checking it and writing the
//!   case;
//! * [`schema`]: the schemas and header lines the scenario files share.

mod inputs;
mod run;
mod schema;
pub(crate) use inputs::*;
pub(crate) use run::*;
pub(crate) use schema::*;

use std::time::Duration;

use bitwrk_protocol::bid::BidConfig;
use bitwrk_protocol::market::MarketConfig;

use crate::market::{crate_addr, participant};

/// A participant of a scenario, by name (see [`participant`]).
pub(crate) type Who = &'static str;

/// The inputs of a scenario step.
#[derive(Clone)]
pub(crate) enum Input {
    /// Issue a nonce from these random bytes.
    Nonce([u8; 16]),
    /// A bid form.
    Bid(Vec<(String, String)>),
    /// A transaction message (form pairs) for `txid`, from `remote`.
    Message {
        txid: u64,
        pairs: Vec<(String, String)>,
        remote: Option<String>,
    },
    /// A deposit form.
    Deposit(Vec<(String, String)>),
    /// A relation form.
    Relation(Vec<(String, String)>),
    /// Handle timeouts.
    Timeout,
    /// A form posted to `account` (§14.3: deposit-address request or
    /// deposit information).
    AccountAction {
        account: String,
        pairs: Vec<(String, String)>,
    },
}

/// One step: an input at a time (ms after [`T0`]).
#[derive(Clone)]
pub(crate) struct Step {
    pub(crate) at: i64,
    pub(crate) input: Input,
}

/// The settings of a scenario's market.
#[derive(Clone, Copy)]
pub(crate) struct Setup {
    pub(crate) nonce_capacity: usize,
    pub(crate) nonce_lifetime_ms: u64,
    pub(crate) bid_lifetime_ms: u64,
}

pub(crate) const SETUP: Setup = Setup {
    nonce_capacity: 100,
    nonce_lifetime_ms: 180_000,
    bid_lifetime_ms: 120_000,
};

/// The account whose signature makes a deposit valid, in every scenario.
pub(crate) const TRUSTED: Who = "trusted";
/// The account whose `trusts` relations admit sellers of trusted articles.
pub(crate) const TRUST: Who = "trust";

pub(crate) fn market_config(setup: Setup) -> MarketConfig {
    MarketConfig {
        bids: BidConfig {
            lifetime: Duration::from_millis(setup.bid_lifetime_ms),
            ..BidConfig::default()
        },
        trusted_account: crate_addr(&participant(TRUSTED).address()),
        trust_account: crate_addr(&participant(TRUST).address()),
        nonce_capacity: setup.nonce_capacity,
        nonce_lifetime: Duration::from_millis(setup.nonce_lifetime_ms),
        ..MarketConfig::default()
    }
}
