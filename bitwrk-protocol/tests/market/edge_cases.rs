//! Currencies, the order of timeout work, and gaps found by mutation
//! testing.

use std::time::Duration;

use bitwrk_protocol::bid::{BidForm, BidType};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::market::{Market, MarketConfig};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::tx::document::TxMessage;
use bitwrk_protocol::{Currency, ErrorCode};

use super::*;

/// Issue 7, panic 1: a seller whose account holds BTC sold priced in EUR; the
/// timeout that retired the transaction could not credit it. The SELL is now
/// refused at admission and nothing changes.
#[test]
fn a_sell_in_a_currency_the_account_does_not_hold_is_refused() {
    // BW-MARKET-7, BW-MARKET-2
    let (seller, buyer) = (key("cur seller"), key("cur buyer"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&seller), "BTC 1");
    h.deposit(T0, &addr(&buyer), "EUR 5");
    let n = h.nonce(T0);
    let form = BidForm::signed(&seller, BidType::Sell, "fnord", "EUR 1", &n);
    let before = h.market.clone();
    let err = h.market.submit_bid(T0, &form).unwrap_err();
    assert_eq!(err.code(), "market.currency-mismatch");
    assert_eq!(h.market, before);
    // The buyer's bid rests; nothing can match it; it expires and is refunded.
    let placed = h
        .bid(T0, &buyer, BidType::Buy, "fnord", "EUR 1")
        .expect("the buyer holds EUR");
    assert_eq!(placed.matched, None);
    let t = h.market.poll_timeout().unwrap();
    h.tick(t);
    assert_eq!(h.balance(&addr(&buyer)), (5_000_000_000, 0));
    // A BUY in a currency the account does not hold (BW-MARKET-1).
    let err = h
        .bid(t, &seller, BidType::Buy, "fnord", "EUR 1")
        .unwrap_err();
    assert_eq!(err.code(), "ledger.currency-mismatch");
    let empty = key("cur empty");
    let err = h
        .bid(t, &empty, BidType::Buy, "fnord", "EUR 1")
        .unwrap_err();
    assert_eq!(err.code(), "ledger.insufficient-funds");
    let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
    assert_eq!(replayed, h.market);
}

/// The same trade as the panic's, on an empty seller account: the seller is
/// owed EUR, so a BTC deposit and a BTC sell are refused until the sale is
/// over, and the payout credits EUR.
#[test]
fn a_seller_owed_one_currency_takes_no_other() {
    // BW-MARKET-7, BW-MARKET-8, BW-MARKET-3
    let (seller, buyer) = (key("owed seller"), key("owed buyer"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "EUR 5");
    h.bid(T0, &seller, BidType::Sell, "fnord", "EUR 1")
        .expect("an empty account may sell in any currency");
    let placed = h.bid(T0, &buyer, BidType::Buy, "fnord", "EUR 1").unwrap();
    let txid = placed.matched.expect("matched");
    // A BTC sell and a BTC deposit for the seller are refused now.
    let err = h
        .bid(T0, &seller, BidType::Sell, "foobar", "satoshi 5")
        .unwrap_err();
    assert_eq!(err.code(), "market.currency-mismatch");
    let n = h.nonce(T0);
    let to = addr(&seller).to_string();
    let doc = format!("account={to}&amount=BTC1&nonce={n}&ref=&type=1&uid=owed-btc");
    let sig = sign_message(&h.trusted, doc.as_bytes()).to_base64();
    let form = pairs(&[
        ("account", &to),
        ("amount", "BTC 1"),
        ("nonce", &n),
        ("type", "1"),
        ("uid", "owed-btc"),
        ("signature", &sig),
    ]);
    let before = h.market.clone();
    let err = h.market.submit_deposit(T0, &form).unwrap_err();
    assert_eq!(err.code(), "market.currency-mismatch");
    assert_eq!(h.market, before);
    // The buyer accepts; the timeout pays the seller in EUR.
    h.send(T0, &buyer, txid, &[("acceptresult", "on")]).unwrap();
    let done = h.tick(T0);
    assert_eq!(done.retired.len(), 1);
    let acc = h.market.ledger().account_or_empty(&addr(&seller));
    assert_eq!(acc.currency, Currency::Eur);
    assert_eq!(acc.available, 1_000_000_000);
    // The sale is over: the refused deposit is now refused by the ledger,
    // for the seller holds EUR (BW-LEDGER-2).
    let err = h.market.submit_deposit(T0, &form).unwrap_err();
    assert_eq!(err.code(), "ledger.currency-mismatch");
    let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
    assert_eq!(replayed, h.market);
}

/// BW-MARKET-9: one timeout step closes due bids in ascending bid id across
/// books, then retires due transactions in ascending transaction id; the
/// movement ids follow that order.
#[test]
fn timeout_work_runs_in_bid_then_transaction_id_order() {
    // BW-MARKET-9, BW-MARKET-3
    let (a, b, c) = (key("order A"), key("order B"), key("order C"));
    let mut h = Harness::new();
    for k in [&a, &b, &c] {
        h.deposit(T0, &addr(k), "satoshi 1000");
    }
    // Two transactions; the later one (id 1) gets the earlier timeout.
    h.bid(T0, &a, BidType::Sell, "snafu", "satoshi 10").unwrap();
    let tx0 = h
        .bid(T0, &b, BidType::Buy, "snafu", "satoshi 10")
        .unwrap()
        .matched
        .unwrap();
    h.bid(T0, &a, BidType::Sell, "foobar", "satoshi 10")
        .unwrap();
    let tx1 = h
        .bid(T0, &c, BidType::Buy, "foobar", "satoshi 10")
        .unwrap()
        .matched
        .unwrap();
    assert!(tx0 < tx1);
    h.send(T0, &c, tx1, &[("acceptresult", "on")]).unwrap();
    // Resting bids: a buy in book "snafu" (lower id) and one in book
    // "foobar", which sorts first by article.
    let t1 = T0.saturating_add(Duration::from_secs(1));
    let zzz = h
        .bid(t1, &b, BidType::Buy, "snafu", "satoshi 5")
        .unwrap()
        .bid;
    let aaa = h
        .bid(t1, &c, BidType::Buy, "foobar", "satoshi 5")
        .unwrap()
        .bid;
    assert!(zzz < aaa);
    // Far in the future everything is due at once.
    let done = h.tick(T0.saturating_add(Duration::from_secs(24 * 3600)));
    assert_eq!(done.expired_bids, vec![zzz, aaa]);
    let retired: Vec<TxId> = done.retired.iter().map(|(t, _)| *t).collect();
    assert_eq!(retired, vec![tx0, tx1]);
    let kinds: Vec<_> = done
        .movements
        .iter()
        .map(|m| (m.kind.as_str(), m.refs.bid, m.refs.tx))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("BID_REIMBURSE", Some(zzz), None),
            ("BID_REIMBURSE", Some(aaa), None),
            ("TRANSACTION_REIMBURSE", None, Some(tx0)),
            ("TRANSACTION_FINISH", None, Some(tx1)),
        ]
    );
    let ids: Vec<u64> = done.movements.iter().map(|m| m.id.0).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
}

/// Kills the mutant "`refund_expired` returns nothing": a resting buy the
/// matcher finds expired is closed EXPIRED and refunded while the incoming
/// bid is placed (BW-MATCH-5).
#[test]
fn resting_bids_found_expired_by_the_matcher_are_refunded() {
    // BW-MATCH-5, BW-MARKET-5
    let (buyer, seller) = (key("lazy buyer"), key("lazy seller"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "satoshi 100");
    let first = h
        .bid(T0, &buyer, BidType::Buy, "fnord", "satoshi 50")
        .unwrap();
    let resting = first.bid;
    // The escrow movement names its bid (BW-LEDGER-9).
    let escrow: Vec<_> = first
        .movements
        .iter()
        .map(|m| (m.kind.as_str(), m.refs.bid, m.refs.tx))
        .collect();
    assert_eq!(escrow, vec![("BID", Some(resting), None)]);
    assert_eq!(h.balance(&addr(&buyer)), (48, 52));
    // No timeout handled: the buy is still in the book when the sell comes.
    let later = T0.saturating_add(Duration::from_secs(121));
    let placed = h
        .bid(later, &seller, BidType::Sell, "fnord", "satoshi 40")
        .unwrap();
    assert_eq!(placed.matched, None);
    assert_eq!(placed.expired, vec![resting]);
    let refund: Vec<_> = placed
        .movements
        .iter()
        .map(|m| (m.kind.as_str(), m.refs.bid))
        .collect();
    assert_eq!(refund, vec![("BID_REIMBURSE", Some(resting))]);
    let bid = h.market.bid(resting).unwrap();
    assert!(!bid.state.is_open(), "{:?}", bid.state);
    assert_eq!(h.balance(&addr(&buyer)), (100, 0));
    let replayed = Market::replay(h.market.config().clone(), &h.log).expect("replay");
    assert_eq!(replayed, h.market);
}

/// Kills the mutant "`Movement::transaction` drops its tx reference": the
/// price-improvement movement names its transaction (BW-LEDGER-17).
#[test]
fn the_price_improvement_movement_names_its_transaction() {
    // BW-LEDGER-17
    let (buyer, seller) = (key("improve buyer"), key("improve seller"));
    let mut h = Harness::new();
    h.deposit(T0, &addr(&buyer), "satoshi 100");
    h.bid(T0, &seller, BidType::Sell, "fnord", "satoshi 10")
        .unwrap();
    let placed = h
        .bid(T0, &buyer, BidType::Buy, "fnord", "satoshi 20")
        .unwrap();
    let txid = placed.matched.unwrap();
    let improvement = placed
        .movements
        .iter()
        .find(|m| m.kind.as_str() == "TRANSACTION")
        .expect("the trade is cheaper than the buy bid");
    assert_eq!(improvement.refs.tx, Some(txid));
    assert_eq!(improvement.refs.bid, None);
    assert_eq!(improvement.available_delta.amount(), 10);
}

/// Kills the mutant "the empty-book clean-up after a refused bid is
/// inverted": a bid the new book refuses leaves no book behind, and one an
/// existing book refuses leaves that book (BW-MARKET-2).
#[test]
fn a_book_created_for_a_refused_bid_is_removed() {
    // BW-MARKET-2, BW-MATCH-11
    let seller = key("book seller");
    let trusted = key("market trusted");
    let mut config = MarketConfig {
        trusted_account: addr(&trusted),
        ..MarketConfig::default()
    };
    config.bids.lifetime = Duration::ZERO; // every bid is expired when it arrives
    let mut market = Market::new(config.clone());
    let n = market.issue_nonce(T0, &[1; 16]).unwrap().to_string();
    let form = BidForm::signed(&seller, BidType::Sell, "fnord", "satoshi 10", &n);
    let before = market.clone();
    let err = market.submit_bid(T0, &form).unwrap_err();
    assert_eq!(err.code(), "book.expired");
    assert_eq!(market, before);
    let article = bitwrk_protocol::article::Article::parse("fnord").unwrap();
    assert!(market.book(&article, Currency::Btc).is_none());
    // With a normal lifetime the book exists, and a refusal keeps it.
    config.bids.lifetime = Duration::from_secs(120);
    let mut market = Market::new(config);
    let n = market.issue_nonce(T0, &[2; 16]).unwrap().to_string();
    let form = BidForm::signed(&seller, BidType::Sell, "fnord", "satoshi 10", &n);
    market.submit_bid(T0, &form).unwrap();
    assert_eq!(
        market.book(&article, Currency::Btc).map(|b| b.len()),
        Some(1)
    );
}

/// BW-MARKET-6: the signature is checked before the transaction id, and the
/// time before the id.
#[test]
fn unknown_tx_comes_after_signature_and_time() {
    // BW-MARKET-6, BW-TIME-2
    let who = key("unknown sender");
    let mut h = Harness::new();
    let later = T0.saturating_add(Duration::from_secs(5));
    h.tick(later);
    let form = TxMessage::sign_form(&who, TxId(42), &[("acceptresult", "on")]);
    let msg = TxMessage::from_form(TxId(42), &form).unwrap();
    assert_eq!(
        h.market.submit_tx_message(later, &msg).unwrap_err().code(),
        "market.unknown-tx"
    );
    assert_eq!(
        h.market.submit_tx_message(T0, &msg).unwrap_err().code(),
        "market.time-went-backwards"
    );
    let mut tampered = msg.clone();
    tampered.txid = TxId(43);
    let code = h
        .market
        .submit_tx_message(later, &tampered)
        .unwrap_err()
        .code();
    assert!(code.starts_with("sig."), "{code}");
}
