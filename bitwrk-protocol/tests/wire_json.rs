//! The 0.7-shaped JSON forms of the HTTP binding (spec section 15.A):
//! snapshots of every form taken from a real trade, the exact bodies the
//! reference notes on BitWrk 0.7 give, round trips, and decoding of
//! arbitrary input without panics.
//!
//! A changed snapshot is a wire-format change: review it against the spec
//! and BitWrk 0.7 before accepting.

use std::time::Duration;

use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::hash::{Hash256, sha256, sha256_concat};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::ledger::deposit::DepositOutcome;
use bitwrk_protocol::ledger::deposit::SignedDeposit;
use bitwrk_protocol::ledger::{Account, MovementRecord};
use bitwrk_protocol::market::{Market, MarketConfig};
use bitwrk_protocol::relation::{RelationType, SignedRelation};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::signature::verified::verify_document;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::{TxMessage, receipt_document};
use bitwrk_protocol::wire::{
    self, AccountJson, BidJson, DepositJson, Motd, MovementJson, RelationJson, TmessageJson,
    TransactionJson, from_go_json, to_go_json,
};
use bitwrk_protocol::{Address, ErrorCode, Network};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// 2019-10-19T12:34:56Z plus a fraction, to show the trimmed fraction.
const T0: Timestamp = Timestamp::from_millis(1_571_488_496_120);

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
        .expect("valid scalar")
}

fn addr(k: &PrivateKey) -> Address {
    k.public_key().address(Network::Mainnet)
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Go's JSON of `value`, after checking that it decodes to `value` again.
fn go<T: Serialize + DeserializeOwned + PartialEq + core::fmt::Debug>(value: &T) -> String {
    let text = to_go_json(value);
    assert!(text.ends_with("}\n") || text.ends_with("]\n"), "{text}");
    let back: T = from_go_json(&text).expect("decodes");
    assert_eq!(&back, value, "round trip of {text}");
    text
}

/// Everything a finished trade leaves behind.
struct Trade {
    market: Market,
    txid: TxId,
    buy_bid: bitwrk_protocol::ids::BidId,
    movements: Vec<MovementRecord>,
    deposit: (Vec<(String, String)>, Timestamp),
    log: Vec<TmessageJson>,
    buyer: Address,
}

fn trade() -> Trade {
    let trusted = key("wire trusted");
    let trust = key("wire trust");
    let (buyer, seller) = (key("wire buyer"), key("wire seller"));
    let mut market = Market::new(MarketConfig {
        trusted_account: addr(&trusted),
        trust_account: addr(&trust),
        ..MarketConfig::default()
    });
    let mut counter = 0u8;
    let mut nonce = |m: &mut Market, now| {
        counter += 1;
        m.issue_nonce(now, &[counter; 16]).unwrap().to_string()
    };
    let mut movements = Vec::new();

    let n = nonce(&mut market, T0);
    let buyer_addr = addr(&buyer).to_string();
    let doc =
        format!("account={buyer_addr}&amount=mBTC10&nonce={n}&ref=ref-1&type=1&uid=deposit-0001");
    let sig = sign_message(&trusted, doc.as_bytes()).to_base64();
    let form = pairs(&[
        ("account", &buyer_addr),
        ("amount", "mBTC 10"),
        ("nonce", &n),
        ("ref", "ref-1"),
        ("type", "1"),
        ("uid", "deposit-0001"),
        ("signature", &sig),
    ]);
    match market.submit_deposit(T0, &form).unwrap().0 {
        DepositOutcome::Applied(r) => movements.push(*r),
        other => panic!("deposit not applied: {other:?}"),
    }

    let article = "net.bitwrk/blender/0/2.79/2G";
    let n = nonce(&mut market, T0);
    let sell = BidForm::signed(&seller, BidType::Sell, article, "mBTC 1", &n);
    market.submit_bid(T0, &sell).unwrap();
    let n = nonce(&mut market, T0);
    let buy = BidForm::signed(&buyer, BidType::Buy, article, "mBTC 1.5", &n);
    let (placed, _) = market.submit_bid(T0, &buy).unwrap();
    movements.extend(placed.movements.clone());
    let txid = placed.matched.expect("matched");

    let secret = Hash256::from_byte_array([9; 32]);
    let work = sha256(b"work");
    let wsh = sha256_concat(&[work.as_bytes(), secret.as_bytes()]);
    let enc = sha256(b"encrypted");
    let receipt = sign_message(&buyer, receipt_document(&enc).as_bytes()).to_base64();
    let (w, ws, s, e, k) = (
        work.to_string(),
        wsh.to_string(),
        secret.to_string(),
        enc.to_string(),
        sha256(b"k").to_string(),
    );
    let t = T0.saturating_add(Duration::from_millis(1500));
    let steps: Vec<(&PrivateKey, Vec<(&str, &str)>)> = vec![
        (&buyer, vec![("workhash", &w), ("worksecrethash", &ws)]),
        (
            &seller,
            vec![("workerurl", "http://192.0.2.5:8082/?a=1&b=<2>")],
        ),
        (&seller, vec![("buyersecret", &s)]),
        (
            &seller,
            vec![
                ("encresulthash", &e),
                ("encresulthashsig", &receipt),
                ("encresultkey", &k),
            ],
        ),
        (&buyer, vec![("acceptresult", "")]),
    ];
    let mut log = Vec::new();
    for (who, args) in steps {
        let form = TxMessage::sign_form(who, txid, &args);
        let msg = TxMessage::from_form(txid, &form).unwrap();
        let (accepted, _) = market.submit_tx_message(t, &msg).unwrap();
        log.push(TmessageJson::accepted(t, &msg, &accepted));
    }
    let deadline = market.poll_timeout().unwrap();
    let mut now = deadline;
    loop {
        let done = market.handle_timeout(now).unwrap();
        movements.extend(done.movements);
        if market.transaction(txid).unwrap().state == bitwrk_protocol::tx::TxState::Retired {
            break;
        }
        now = market.poll_timeout().unwrap();
    }
    let n = nonce(&mut market, now);
    let rel = SignedRelation::signed(&trust, RelationType::Trusts, addr(&seller), true, &n);
    market
        .accept_relation(now, &verify_document(rel).unwrap())
        .unwrap();
    Trade {
        market,
        txid,
        buy_bid: placed.bid,
        movements,
        deposit: (form, T0),
        log,
        buyer: addr(&buyer),
    }
}

// BW-JSON-4: member order, numbers for the enums, money strings, null.
#[test]
fn bid_json_is_the_07_shape() {
    let t = trade();
    let bid = t.market.bid(t.buy_bid).unwrap();
    let text = go(&BidJson::new(bid));
    // The example of the reference notes (§4.1), with the elided values
    // filled in: state 2 here, since the bid matched.
    let head = r#"{"Type":0,"State":2,"Article":"net.bitwrk/blender/0/2.79/2G","Price":"mBTC 1.5","Fee":"uBTC 45","Participant":""#;
    assert!(text.starts_with(head), "{text}");
    assert!(
        text.contains(r#""Document":"article=net.bitwrk%2Fblender%2F0%2F2.79%2F2G\u0026type=BUY\u0026price=mBTC1.5\u0026address="#),
        "{text}"
    );
    assert!(text.contains(r#""Created":"2019-10-19T12:34:56.12Z","Expires":"2019-10-19T12:36:56.12Z","Matched":"2019-10-19T12:34:56.12Z","Transaction":"0"}"#), "{text}");
    insta::assert_snapshot!(text);
}

// BW-JSON-4: an unmatched bid has null Matched and Transaction.
#[test]
fn open_bid_has_nulls() {
    let t = trade();
    let mut open = t.market.bid(t.buy_bid).unwrap().clone();
    open.transaction = None;
    open.matched = None;
    open.state = bitwrk_protocol::bid::BidState::Placed;
    let text = go(&BidJson::new(&open));
    assert!(text.starts_with(r#"{"Type":0,"State":1,"#), "{text}");
    assert!(
        text.ends_with("\"Matched\":null,\"Transaction\":null}\n"),
        "{text}"
    );
}

// BW-JSON-5: ids are strings; the worker URL's `<`, `>`, `&` are escaped.
#[test]
fn transaction_json_is_the_07_shape() {
    let t = trade();
    let tx = t.market.transaction(t.txid).unwrap();
    let text = go(&TransactionJson::new(tx));
    assert!(
        text.starts_with(r#"{"Revision":6,"BuyerBid":"1","SellerBid":"0","Buyer":""#),
        "{text}"
    );
    assert!(
        text.contains(r#""State":1,"Phase":"FINISHED","Timeout":""#),
        "{text}"
    );
    assert!(
        text.contains(r#""WorkerURL":"http://192.0.2.5:8082/?a=1\u0026b=\u003c2\u003e""#),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

// BW-JSON-6, BW-JSON-3: Go's zero time for a deposit info never stored.
#[test]
fn account_json_is_the_07_shape() {
    let t = trade();
    let acc = t.market.ledger().account_or_empty(&t.buyer);
    let text = go(&AccountJson::new(t.buyer, &acc));
    assert!(text.contains(r#""DepositInfo":"","LastDepositInfo":"0001-01-01T00:00:00Z","DepositAddressRequest":""}"#), "{text}");
    insta::assert_snapshot!(text);
    // A never-used account: zero BTC, no last movement.
    let empty = to_go_json(&AccountJson::new(t.buyer, &Account::EMPTY));
    assert!(
        empty.contains(r#""LastMovementKey":null,"Available":"BTC 0","Blocked":"BTC 0""#),
        "{empty}"
    );
}

// BW-JSON-7: every ledger entry of the trade.
#[test]
fn movement_json_is_the_07_shape() {
    let t = trade();
    let lines: Vec<String> = t
        .movements
        .iter()
        .map(|m| go(&MovementJson::new(m)))
        .collect();
    assert!(
        lines[0]
            .starts_with(r#"{"Key":"1","Timestamp":"2019-10-19T12:34:56.12Z","Type":"DEPOSIT","#),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with(
            r#""BidKey":null,"TxKey":null,"DepositKey":"deposit-0001","WithdrawalKey":null}
"#
        ),
        "{}",
        lines[0]
    );
    insta::assert_snapshot!(lines.concat());
}

// BW-JSON-8: a deposit, built from the form the event carries.
#[test]
fn deposit_json_is_the_07_shape() {
    let t = trade();
    let signed = SignedDeposit::from_form(&t.deposit.0).unwrap();
    let text = go(&DepositJson::new(&signed, t.deposit.1));
    assert!(
        text.starts_with(r#"{"Type":1,"Amount":"mBTC 10","Account":""#),
        "{text}"
    );
    assert!(
        text.contains(r#","Reference":"ref-1","Document":"account="#),
        "{text}"
    );
    assert!(
        text.contains(r#"\u0026amount=mBTC10\u0026nonce="#),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

// BW-JSON-9: a relation: `Type` is the string, `Document` escaped.
#[test]
fn relation_json_is_the_07_shape() {
    let t = trade();
    let rel: &RelationJson = t.market.relations().iter().next().expect("one relation");
    let text = go(rel);
    assert!(
        text.contains(r#""Type":"trusts","Enabled":true,"Document":"enabled=true\u0026nonce="#),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

// BW-JSON-10: the message log, phases as numbers, sender as a number.
#[test]
fn tmessage_json_is_the_07_shape() {
    let t = trade();
    let lines: Vec<String> = t.log.iter().map(go).collect();
    assert!(
        lines[0]
            .contains(r#""From":0,"Accepted":true,"RejectMessage":"","PrePhase":0,"PostPhase":1}"#),
        "{}",
        lines[0]
    );
    assert!(
        lines[4]
            .contains(r#""From":0,"Accepted":true,"RejectMessage":"","PrePhase":5,"PostPhase":6}"#),
        "{}",
        lines[4]
    );
    insta::assert_snapshot!(lines.concat());
}

// BW-JSON-1: Go's escaping, exactly.
#[test]
fn strings_are_escaped_as_go_does() {
    let text =
        wire::to_go_json("a<b>c&d\u{2028}e\u{2029}f\"g\\h\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é/");
    assert_eq!(
        text,
        "\"a\\u003cb\\u003ec\\u0026d\\u2028e\\u2029f\\\"g\\\\h\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\u{7f}é/\"\n"
    );
    let back: String = from_go_json(&text).unwrap();
    assert_eq!(
        back,
        "a<b>c&d\u{2028}e\u{2029}f\"g\\h\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é/"
    );
}

// BW-JSON-11: /motd has no final newline; its HTML is escaped.
#[test]
fn motd_bodies() {
    let old = Motd::for_client("BitWrkGoClient/0.6.5", None);
    assert!(old.warning);
    let body = old.to_body();
    assert!(body.ends_with('}') && !body.ends_with('\n'), "{body}");
    assert!(body.contains(r#"\u003ca target=\"_blank\" href=\"https://bitwrk.net/\"\u003ebitwrk.net\u003c/a\u003e"#), "{body}");
    assert_eq!(from_go_json::<Motd>(&body).unwrap(), old);
    let current = Motd::for_client("BitWrkGoClient/0.7.0 (linux)", None);
    assert!(!current.warning && current.text.contains("0.7.0"));
    assert!(!Motd::for_client("BitWrkGoClient/0.10.0", None).warning);
    assert!(!Motd::for_client("curl/8", None).warning);
    assert_eq!(
        Motd::for_client("BitWrkGoClient/0.6.0", Some("Maintenance at <b>noon</b>")).to_body(),
        r#"{"Text":"Maintenance at \u003cb\u003enoon\u003c/b\u003e","Warning":false}"#
    );
    insta::assert_snapshot!(
        [
            old.to_body(),
            current.to_body(),
            Motd::for_client("", None).to_body()
        ]
        .join("\n")
    );
}

// BW-JSON-2: a client decodes a BitWrk 0.7 body, ids opaque, sub-millisecond
// fractions and `+00:00` accepted, unknown members ignored.
#[test]
fn decodes_07_bodies() {
    let body = r#"{"Type":1,"State":1,"Article":"net.bitwrk/blender/0/2.79/2G","Price":"mBTC 1.5","Fee":"uBTC 45","Participant":"1AD5KWi9gvqg3xmkgvSDM9PvcnFcaWFke7","Document":"article=x\u0026type=SELL","Signature":"H=","Created":"2019-10-19T12:34:56.123456Z","Expires":"2019-10-19T12:36:56.123456+00:00","Matched":null,"Transaction":"aghzfmJpdHdya3IlCxINQXJ0aWNsZUVudGl0eSIIYV9mb29iYXIMCxICVHgY5bgCDA","Extra":[1,2]}
"#;
    let bid: BidJson = from_go_json(body).unwrap();
    assert_eq!(bid.bid_type, BidType::Sell);
    assert_eq!(bid.document, "article=x&type=SELL");
    assert_eq!(bid.created, Timestamp::from_millis(1_571_488_496_123));
    assert_eq!(
        bid.transaction.as_deref(),
        Some("aghzfmJpdHdya3IlCxINQXJ0aWNsZUVudGl0eSIIYV9mb29iYXIMCxICVHgY5bgCDA")
    );
    let acc = r#"{"Participant":"1AD5KWi9gvqg3xmkgvSDM9PvcnFcaWFke7","LastMovementKey":null,"Available":"BTC 0","Blocked":"BTC 0","DepositInfo":"","LastDepositInfo":"0001-01-01T00:00:00Z","DepositAddressRequest":""}"#;
    let acc: AccountJson = from_go_json(acc).unwrap();
    assert_eq!(acc.last_deposit_info, None);
    // Refusals carry the code.
    for bad in [
        "",
        "{",
        "[]",
        r#"{"Type":2}"#,
        &body.replace(r#""Price":"mBTC 1.5""#, r#""Price":1.5"#),
        &body.replace("2019-10-19T12:34:56.123456Z", "yesterday"),
    ] {
        let e = from_go_json::<BidJson>(bad).unwrap_err();
        assert_eq!(e.code(), "wire.bad-json", "{bad}");
    }
}

proptest! {
    // BW-JSON-2: decoding arbitrary text never panics.
    #[test]
    fn decoding_never_panics(text in ".{0,300}") {
        let _ = from_go_json::<BidJson>(&text);
        let _ = from_go_json::<TransactionJson>(&text);
        let _ = from_go_json::<AccountJson>(&text);
        let _ = from_go_json::<MovementJson>(&text);
        let _ = from_go_json::<DepositJson>(&text);
        let _ = from_go_json::<RelationJson>(&text);
        let _ = from_go_json::<TmessageJson>(&text);
        let _ = from_go_json::<Motd>(&text);
        let _ = from_go_json::<Vec<wire::PriceSlot>>(&text);
    }

    // BW-JSON-2: nor does a valid body with one byte changed.
    #[test]
    fn mutated_bodies_never_panic(pos in 0usize..400, byte in any::<u8>()) {
        let body = r#"{"Received":"2019-10-19T12:34:56Z","Document":"a=1\u0026txid=0","Signature":"H=","From":1,"Accepted":true,"RejectMessage":"","PrePhase":0,"PostPhase":2}"#;
        let mut bytes = body.as_bytes().to_vec();
        let p = pos % bytes.len();
        bytes[p] = byte;
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = from_go_json::<TmessageJson>(&text);
        }
    }

    // BW-JSON-1: any text survives, and the output holds no raw `<`, `>`, `&`.
    #[test]
    fn text_round_trips(text in any::<String>(), warning in any::<bool>()) {
        let m = Motd { text, warning };
        let body = m.to_body();
        let raw = ['<', '>', '&', '\u{2028}', '\u{2029}'];
        prop_assert!(!body.contains(raw), "raw character in {}", body);
        prop_assert_eq!(from_go_json::<Motd>(&body).unwrap(), m);
    }
}
