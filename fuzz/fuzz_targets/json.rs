//! JSON decoding of every public serde type never panics, and whatever
//! decodes encodes to JSON that decodes to the same value (a client parses
//! an untrusted server's JSON; a server reads its own event log). The first
//! byte selects the type. RFC 3339 times of any year 0000–9999 round-trip
//! (BW-TIME-3, BW-TIME-4).
#![no_main]
use bitwrk_protocol::article::Article;
use bitwrk_protocol::bid::{Bid, BidForm, BidState, BidType};
use bitwrk_protocol::book::Order;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::ledger::MovementRecord;
use bitwrk_protocol::ledger::deposit::Deposit;
use bitwrk_protocol::market::Event;
use bitwrk_protocol::relation::Relation;
use bitwrk_protocol::rfc3339;
use bitwrk_protocol::tx::document::TxMessage;
use bitwrk_protocol::tx::{Phase, Receipt, Transaction, TxState};
use bitwrk_protocol::{Address, Money};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + core::fmt::Debug>(json: &[u8]) {
    let Ok(value) = serde_json::from_slice::<T>(json) else {
        return;
    };
    let text = serde_json::to_string(&value).expect("a decoded value encodes");
    let again: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("re-encoded {text} does not decode: {e}"));
    assert_eq!(again, value, "{text}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    match which % 20 {
        0 => round_trip::<Bid>(json),
        1 => round_trip::<Transaction>(json),
        2 => round_trip::<Relation>(json),
        3 => round_trip::<MovementRecord>(json),
        4 => round_trip::<Event>(json),
        5 => round_trip::<TxMessage>(json),
        6 => round_trip::<BidForm>(json),
        7 => round_trip::<Deposit>(json),
        8 => round_trip::<Money>(json),
        9 => round_trip::<Address>(json),
        10 => round_trip::<Order>(json),
        11 => round_trip::<Receipt>(json),
        12 => round_trip::<Article>(json),
        13 => round_trip::<BidType>(json),
        14 => round_trip::<BidState>(json),
        15 => round_trip::<Phase>(json),
        16 => round_trip::<TxState>(json),
        17 => round_trip::<BidId>(json),
        18 => round_trip::<TxId>(json),
        _ => {
            let Ok(text) = std::str::from_utf8(json) else {
                return;
            };
            if let Some(t) = rfc3339::parse_utc(text) {
                let written = rfc3339::format_utc(t);
                assert_eq!(rfc3339::parse_utc(&written), Some(t), "{text} → {written}");
                assert_eq!(rfc3339::parse(text), t.to_timestamp());
            }
        }
    }
});
