//! The case registry: every case of every area, in report order.

pub mod account;
pub mod bid;
pub mod conf;
pub mod deposit;
pub mod http;
pub mod ids;
pub mod market;
pub mod matching;
pub mod nonce;
pub mod query;
pub mod rel;
pub mod sig;
pub mod time;
pub mod tx;
pub mod wait;
pub mod wire;

use crate::case::Case;

/// Every case.
pub fn all() -> Vec<Case> {
    let mut all = Vec::new();
    all.extend(nonce::cases());
    all.extend(bid::cases());
    all.extend(sig::cases());
    all.extend(matching::cases());
    all.extend(wire::cases());
    all.extend(tx::cases());
    all.extend(deposit::cases());
    all.extend(rel::cases());
    all.extend(account::cases());
    all.extend(query::cases());
    all.extend(http::cases());
    all.extend(wait::cases());
    all.extend(ids::cases());
    all.extend(time::cases());
    all.extend(market::cases());
    all.extend(conf::cases());
    all
}
