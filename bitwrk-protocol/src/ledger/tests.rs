use super::*;
use crate::ErrorCode;
use crate::address::Network;
use crate::hash::Hash160;
use proptest::prelude::*;

fn addr(i: u8) -> Address {
    Address::new(Network::Mainnet, Hash160::from_byte_array([i; 20]))
}

fn btc(v: i64) -> Money {
    Money::new(v, Currency::Btc)
}

fn eur(v: i64) -> Money {
    Money::new(v, Currency::Eur)
}

const T: Timestamp = Timestamp::from_millis(1_000);

fn funded(a: Address, amount: Money) -> Ledger {
    let mut l = Ledger::new();
    l.apply(T, &Movement::injection(a, amount, None).unwrap())
        .unwrap();
    l
}

fn code<T: core::fmt::Debug>(r: Result<T, LedgerError>) -> &'static str {
    r.unwrap_err().code()
}

#[test]
fn empty_account_is_zero_btc() {
    // BW-LEDGER-1
    let l = Ledger::new();
    let a = l.account_or_empty(&addr(1));
    assert_eq!(a.available_money(), btc(0));
    assert_eq!(a.blocked_money(), btc(0));
    assert_eq!(a.last_movement, None);
    assert!(l.account(&addr(1)).is_none());
}

#[test]
fn wire_names() {
    // BW-LEDGER-4
    let names: Vec<_> = MovementType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "DEPOSIT",
            "WITHDRAWAL",
            "BID",
            "BID_REIMBURSE",
            "TRANSACTION",
            "TRANSACTION_FINISH",
            "TRANSACTION_REIMBURSE"
        ]
    );
    for t in MovementType::ALL {
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            format!("\"{}\"", t.as_str())
        );
    }
}

#[test]
fn exact_effects_of_a_trade() {
    // BW-LEDGER-9: bid, price improvement, finish; fee to the fee total.
    let (buyer, seller) = (addr(1), addr(2));
    let mut l = funded(buyer, btc(10_000));
    let r = l
        .apply(
            T,
            &Movement::bid(buyer, btc(1_000), btc(30), BidId(7)).unwrap(),
        )
        .unwrap();
    assert_eq!(r.kind, MovementType::Bid);
    assert_eq!(r.available_delta, btc(-1_030));
    assert_eq!(r.blocked_delta, btc(1_030));
    assert_eq!(r.refs.bid, Some(BidId(7)));
    assert_eq!(l.account_or_empty(&buyer).available, 8_970);
    assert_eq!(l.account_or_empty(&buyer).blocked, 1_030);

    // Match at the resting sell's 900 + 27: Δ = 1030 − 927 = 103.
    let m = Movement::transaction(buyer, btc(1_000), btc(30), btc(900), btc(27), TxId(3))
        .unwrap()
        .unwrap();
    assert_eq!(m.available_delta, btc(103));
    assert_eq!(m.blocked_delta, btc(-103));
    l.apply(T, &m).unwrap();
    assert_eq!(l.account_or_empty(&buyer).available, 9_073);
    assert_eq!(l.account_or_empty(&buyer).blocked, 927);

    let r = l
        .apply(
            T,
            &Movement::transaction_finish(seller, buyer, btc(900), btc(27), TxId(3)).unwrap(),
        )
        .unwrap();
    assert_eq!((r.available_account, r.available_delta), (seller, btc(900)));
    assert_eq!((r.blocked_account, r.blocked_delta), (buyer, btc(-927)));
    assert_eq!(r.fee, btc(27));
    assert_eq!(l.account_or_empty(&seller).available, 900);
    assert_eq!(l.account_or_empty(&buyer).blocked, 0);
    assert_eq!(l.account_or_empty(&buyer).available, 9_073);
    // BW-LEDGER-15
    assert_eq!(l.fees_collected(Currency::Btc), btc(27));
    assert_eq!(l.check_invariants(), Ok(()));
}

#[test]
fn exact_effects_of_refunds() {
    // BW-LEDGER-9: BID_REIMBURSE and TRANSACTION_REIMBURSE undo BID.
    let buyer = addr(1);
    let mut l = funded(buyer, btc(500));
    l.apply(
        T,
        &Movement::bid(buyer, btc(100), btc(3), BidId(1)).unwrap(),
    )
    .unwrap();
    l.apply(
        T,
        &Movement::bid(buyer, btc(200), btc(6), BidId(2)).unwrap(),
    )
    .unwrap();
    let r = l
        .apply(
            T,
            &Movement::bid_reimburse(buyer, btc(100), btc(3), BidId(1)).unwrap(),
        )
        .unwrap();
    assert_eq!((r.available_delta, r.blocked_delta), (btc(103), btc(-103)));
    let r = l
        .apply(
            T,
            &Movement::transaction_reimburse(buyer, btc(200), btc(6), TxId(1)).unwrap(),
        )
        .unwrap();
    assert_eq!((r.available_delta, r.blocked_delta), (btc(206), btc(-206)));
    assert_eq!(r.refs.tx, Some(TxId(1)));
    let acc = l.account_or_empty(&buyer);
    assert_eq!((acc.available, acc.blocked), (500, 0));
}

#[test]
fn deposit_and_withdrawal_effects() {
    // BW-LEDGER-9, BW-LEDGER-14
    let a = addr(1);
    let mut l = Ledger::new();
    let r = l
        .apply(
            T,
            &Movement::injection(a, btc(70), Some("u".into())).unwrap(),
        )
        .unwrap();
    assert_eq!(r.kind, MovementType::Deposit);
    assert_eq!((r.available_delta, r.world), (btc(70), btc(-70)));
    let r = l
        .apply(T, &Movement::injection(a, btc(-20), None).unwrap())
        .unwrap();
    assert_eq!(r.kind, MovementType::Withdrawal);
    assert_eq!((r.available_delta, r.world), (btc(-20), btc(20)));
    let t = l.totals(Currency::Btc);
    assert_eq!((t.deposited, t.withdrawn, t.fees), (70, 20, 0));
    assert_eq!(l.account_or_empty(&a).available, 50);
    assert_eq!(l.check_invariants(), Ok(()));
}

#[test]
fn transaction_delta_rules() {
    // BW-LEDGER-17: Δ = 0 books nothing, Δ < 0 is refused.
    let b = addr(1);
    assert_eq!(
        Movement::transaction(b, btc(100), btc(3), btc(100), btc(3), TxId(1)),
        Ok(None)
    );
    assert_eq!(
        code(Movement::transaction(
            b,
            btc(100),
            btc(3),
            btc(101),
            btc(4),
            TxId(1)
        )),
        "ledger.invalid-movement"
    );
}

#[test]
fn mixed_currency_is_refused() {
    // BW-LEDGER-5
    let a = addr(1);
    let mut l = funded(a, btc(100));
    let mut m = Movement::bid(a, btc(10), btc(1), BidId(1)).unwrap();
    m.blocked_delta = eur(11);
    let e = l.apply(T, &m).unwrap_err();
    assert_eq!(e.code(), "ledger.mixed-currency");
    assert_eq!(
        e,
        LedgerError::MixedCurrency {
            part: Part::Blocked,
            expected: Currency::Btc,
            found: Currency::Eur
        }
    );
    // p + f in different currencies is refused by the constructor.
    assert_eq!(
        code(Movement::bid(a, btc(10), eur(1), BidId(1))),
        "ledger.mixed-currency"
    );
}

#[test]
fn sign_rules_table() {
    // BW-LEDGER-6: every type, every part, a value on each side of the rule.
    let a = addr(1);
    for kind in MovementType::ALL {
        // A valid movement of this type, then one part at a time changed.
        let base: [i64; 4] = match kind {
            MovementType::Deposit => [5, 0, 0, -5],
            MovementType::Withdrawal => [-5, 0, 0, 5],
            MovementType::Bid => [-5, 5, 0, 0],
            MovementType::TransactionFinish => [4, -5, 1, 0],
            _ => [5, -5, 0, 0],
        };
        let make = |parts: [i64; 4]| Movement {
            kind,
            available_account: a,
            available_delta: btc(parts[0]),
            blocked_account: if kind.single_account() { a } else { addr(2) },
            blocked_delta: btc(parts[1]),
            fee: btc(parts[2]),
            world: btc(parts[3]),
            refs: References::default(),
        };
        assert_eq!(make(base).validate(), Ok(()), "{kind}");
        for (i, rule) in kind.sign_rules().into_iter().enumerate() {
            for v in [-7i64, 0, 7] {
                let mut parts = base;
                parts[i] = v;
                let r = make(parts).validate();
                if rule.admits(v) {
                    assert_ne!(r.map_err(|e| e.code()), Err("ledger.invalid-movement"));
                } else {
                    assert_eq!(
                        r,
                        Err(LedgerError::InvalidMovement {
                            kind,
                            reason: Violation::Sign {
                                part: Part::ALL[i],
                                rule
                            }
                        })
                    );
                }
            }
        }
    }
    // Concrete rows of the table.
    let bad_bid = Movement {
        kind: MovementType::Bid,
        available_account: a,
        available_delta: btc(5),
        blocked_account: a,
        blocked_delta: btc(-5),
        fee: btc(0),
        world: btc(0),
        refs: References::default(),
    };
    assert_eq!(code(bad_bid.validate()), "ledger.invalid-movement");
    let mut zero_deposit = Movement::injection(a, btc(0), None).unwrap();
    assert_eq!(code(zero_deposit.validate()), "ledger.invalid-movement");
    zero_deposit.kind = MovementType::Withdrawal;
    assert_eq!(code(zero_deposit.validate()), "ledger.invalid-movement");
    let mut fee_on_refund =
        Movement::transaction_finish(a, addr(2), btc(10), btc(1), TxId(1)).unwrap();
    fee_on_refund.kind = MovementType::TransactionReimburse;
    assert!(matches!(
        fee_on_refund.validate(),
        Err(LedgerError::InvalidMovement {
            reason: Violation::Sign {
                part: Part::Fee,
                ..
            },
            ..
        })
    ));
}

#[test]
fn unbalanced_is_refused() {
    // BW-LEDGER-7
    let a = addr(1);
    let mut m = Movement::bid(a, btc(10), btc(1), BidId(1)).unwrap();
    m.blocked_delta = btc(10);
    assert_eq!(m.validate(), Err(LedgerError::Unbalanced { sum: -1 }));
    // The sum is exact: no overflow while adding the parts.
    let big = Movement {
        kind: MovementType::TransactionFinish,
        available_account: a,
        available_delta: btc(i64::MAX),
        blocked_account: addr(2),
        blocked_delta: btc(-1),
        fee: btc(i64::MAX),
        world: btc(0),
        refs: References::default(),
    };
    assert_eq!(
        big.validate(),
        Err(LedgerError::Unbalanced {
            sum: 2 * i128::from(i64::MAX) - 1
        })
    );
}

#[test]
fn single_account_types_name_one_account() {
    // BW-LEDGER-8
    let mut m = Movement::bid(addr(1), btc(10), btc(1), BidId(1)).unwrap();
    m.blocked_account = addr(2);
    assert_eq!(
        m.validate(),
        Err(LedgerError::InvalidMovement {
            kind: MovementType::Bid,
            reason: Violation::TwoAccounts
        })
    );
}

#[test]
fn currency_changes_only_when_empty() {
    // BW-LEDGER-2
    let a = addr(1);
    let mut l = funded(a, btc(100));
    let e = l
        .apply(T, &Movement::injection(a, eur(5), None).unwrap())
        .unwrap_err();
    assert_eq!(e.code(), "ledger.currency-mismatch");
    // A zero delta in another currency is allowed (and changes nothing).
    l.apply(T, &Movement::bid(a, eur(0), eur(0), BidId(1)).unwrap())
        .unwrap();
    assert_eq!(l.account_or_empty(&a).currency, Currency::Btc);
    // Once empty, the account may switch.
    l.apply(T, &Movement::injection(a, btc(-100), None).unwrap())
        .unwrap();
    l.apply(T, &Movement::injection(a, eur(5), None).unwrap())
        .unwrap();
    assert_eq!(l.account_or_empty(&a).currency, Currency::Eur);
    assert_eq!(l.check_invariants(), Ok(()));
}

#[test]
fn balances_never_negative() {
    // BW-LEDGER-3
    let a = addr(1);
    let mut l = funded(a, btc(100));
    let e = l
        .apply(T, &Movement::bid(a, btc(100), btc(3), BidId(1)).unwrap())
        .unwrap_err();
    assert_eq!(
        e,
        LedgerError::InsufficientFunds {
            account: a,
            available: 100,
            delta: -103
        }
    );
    assert_eq!(e.code(), "ledger.insufficient-funds");
    let e = l
        .apply(
            T,
            &Movement::bid_reimburse(a, btc(1), btc(0), BidId(1)).unwrap(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "ledger.insufficient-blocked");
    assert_eq!(
        code(l.apply(T, &Movement::injection(a, btc(-101), None).unwrap())),
        "ledger.insufficient-funds"
    );
}

#[test]
fn overflow_is_refused() {
    // BW-LEDGER-3, BW-LEDGER-16
    let a = addr(1);
    let mut l = funded(a, btc(i64::MAX));
    // The account balance would overflow.
    assert_eq!(
        code(l.apply(T, &Movement::injection(a, btc(1), None).unwrap())),
        "ledger.overflow"
    );
    // The deposit total would overflow even though the account is new.
    assert_eq!(
        code(l.apply(T, &Movement::injection(addr(2), btc(1), None).unwrap())),
        "ledger.overflow"
    );
    // p + f overflows in the constructor.
    assert_eq!(
        code(Movement::bid(a, btc(i64::MAX), btc(1), BidId(1))),
        "ledger.overflow"
    );
    assert_eq!(
        code(Movement::injection(a, btc(i64::MIN), None)),
        "ledger.overflow"
    );
    assert_eq!(l.check_invariants(), Ok(()));
}

#[test]
fn check_order() {
    // BW-LEDGER-10: mixed currency before sign, sign before sum, sum before
    // accounts, available account before blocked account.
    let a = addr(1);
    let mut m = Movement::bid(a, btc(10), btc(1), BidId(1)).unwrap();
    m.available_delta = btc(5); // sign violation and unbalanced
    m.fee = eur(0); // and mixed currency
    assert_eq!(code(m.validate()), "ledger.mixed-currency");
    m.fee = btc(0);
    assert_eq!(code(m.validate()), "ledger.invalid-movement");
    m.available_delta = btc(-10);
    assert_eq!(code(m.validate()), "ledger.unbalanced");
    m.blocked_account = addr(2);
    m.available_delta = btc(-11);
    assert_eq!(code(m.validate()), "ledger.invalid-movement");
    // Finish: seller's EUR account refuses before the buyer's empty blocked.
    let seller = addr(2);
    let mut l = funded(seller, eur(1));
    let f = Movement::transaction_finish(seller, a, btc(10), btc(1), TxId(1)).unwrap();
    assert_eq!(code(l.apply(T, &f)), "ledger.currency-mismatch");
    let mut l = Ledger::new();
    assert_eq!(code(l.apply(T, &f)), "ledger.insufficient-blocked");
}

#[test]
fn failed_apply_changes_nothing() {
    // BW-LEDGER-11: the seller part would succeed, the buyer part fails.
    let (buyer, seller) = (addr(1), addr(2));
    let mut l = funded(buyer, btc(100));
    l.apply(T, &Movement::bid(buyer, btc(50), btc(2), BidId(1)).unwrap())
        .unwrap();
    let before = l.clone();
    let f = Movement::transaction_finish(seller, buyer, btc(60), btc(2), TxId(1)).unwrap();
    assert_eq!(
        l.check(&f).unwrap_err().code(),
        "ledger.insufficient-blocked"
    );
    assert_eq!(code(l.apply(T, &f)), "ledger.insufficient-blocked");
    assert_eq!(l, before);
}

#[test]
fn records_link_one_predecessor_per_account() {
    // BW-LEDGER-12
    let (buyer, seller) = (addr(1), addr(2));
    let mut l = Ledger::new();
    let r1 = l
        .apply(T, &Movement::injection(buyer, btc(100), None).unwrap())
        .unwrap();
    assert_eq!(r1.id, MovementId(1));
    assert_eq!(
        (r1.available_predecessor, r1.blocked_predecessor),
        (None, None)
    );
    let r2 = l
        .apply(T, &Movement::bid(buyer, btc(50), btc(2), BidId(1)).unwrap())
        .unwrap();
    assert_eq!(r2.id, MovementId(2));
    // Same account: both links name the account's previous movement, never r2 itself.
    assert_eq!(r2.available_predecessor, Some(MovementId(1)));
    assert_eq!(r2.blocked_predecessor, Some(MovementId(1)));
    let r3 = l
        .apply(
            T,
            &Movement::transaction_finish(seller, buyer, btc(50), btc(2), TxId(1)).unwrap(),
        )
        .unwrap();
    assert_eq!(r3.available_predecessor, None);
    assert_eq!(r3.blocked_predecessor, Some(MovementId(2)));
    assert_eq!(
        l.account_or_empty(&buyer).last_movement,
        Some(MovementId(3))
    );
    assert_eq!(
        l.account_or_empty(&seller).last_movement,
        Some(MovementId(3))
    );
    assert_eq!(l.last_movement(), Some(MovementId(3)));
    // Failed movements consume no id.
    let _ = l.apply(T, &Movement::injection(seller, btc(-1000), None).unwrap());
    let r4 = l
        .apply(T, &Movement::injection(seller, btc(1), None).unwrap())
        .unwrap();
    assert_eq!(r4.id, MovementId(4));
    // Records are serialisable and round-trip.
    let json = serde_json::to_string(&r3).unwrap();
    assert!(json.contains("\"type\":\"TRANSACTION_FINISH\""), "{json}");
    assert!(json.contains("\"fee\":\"satoshi 2\"") || json.contains("\"fee\":\"uBTC 0.02\""));
    let back: MovementRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r3);
}

#[test]
fn invariant_checker_detects_corruption() {
    // BW-LEDGER-13, BW-LEDGER-14
    let a = addr(1);
    let mut l = funded(a, btc(100));
    assert_eq!(l.check_invariants(), Ok(()));
    let mut bad = l.clone();
    bad.accounts_mut().get_mut(&a).unwrap().available = 99;
    assert_eq!(
        bad.check_invariants(),
        Err(InvariantViolation::Conservation {
            currency: Currency::Btc,
            balances: 99,
            fees: 0,
            net_deposits: 100
        })
    );
    bad.accounts_mut().get_mut(&a).unwrap().available = -1;
    assert_eq!(
        bad.check_invariants(),
        Err(InvariantViolation::NegativeAvailable { account: a })
    );
    let acc = l.accounts_mut().get_mut(&a).unwrap();
    acc.available = 101;
    acc.blocked = -1;
    assert_eq!(
        l.check_invariants(),
        Err(InvariantViolation::NegativeBlocked { account: a })
    );
}

#[test]
fn codes_are_listed() {
    assert_eq!(
        LedgerError::CODES,
        [
            "ledger.mixed-currency",
            "ledger.invalid-movement",
            "ledger.unbalanced",
            "ledger.currency-mismatch",
            "ledger.insufficient-funds",
            "ledger.insufficient-blocked",
            "ledger.overflow"
        ]
    );
}

// ---------------------------------------------------------------- proptest

#[derive(Debug, Clone)]
enum Op {
    Inject(u8, i64, bool),
    Bid(u8, i64),
    BidReimburse(u8, i64),
    Improve(u8, i64),
    Finish(u8, u8, i64, i64),
    Reimburse(u8, i64),
    Raw(u8, u8, u8, [i64; 4], bool),
}

fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..200,
        Just(i64::MAX),
        Just(i64::MIN),
        any::<i64>(),
        -200i64..0
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let acc = 0u8..4;
    prop_oneof![
        (acc.clone(), amount(), any::<bool>()).prop_map(|(a, v, e)| Op::Inject(a, v, e)),
        (acc.clone(), amount()).prop_map(|(a, v)| Op::Bid(a, v)),
        (acc.clone(), amount()).prop_map(|(a, v)| Op::BidReimburse(a, v)),
        (acc.clone(), amount()).prop_map(|(a, v)| Op::Improve(a, v)),
        (acc.clone(), acc.clone(), amount(), 0i64..10)
            .prop_map(|(s, b, p, f)| Op::Finish(s, b, p, f)),
        (acc.clone(), amount()).prop_map(|(a, v)| Op::Reimburse(a, v)),
        (
            0u8..7,
            acc.clone(),
            acc,
            proptest::array::uniform4(amount()),
            any::<bool>()
        )
            .prop_map(|(k, a, b, p, e)| Op::Raw(k, a, b, p, e)),
    ]
}

fn movement(op: &Op) -> Result<Movement, LedgerError> {
    let cur = |e: bool| if e { Currency::Eur } else { Currency::Btc };
    match *op {
        Op::Inject(a, v, e) => Movement::injection(addr(a), Money::new(v, cur(e)), None),
        Op::Bid(a, v) => Movement::bid(addr(a), btc(v), btc(v / 33), BidId(1)),
        Op::BidReimburse(a, v) => Movement::bid_reimburse(addr(a), btc(v), btc(0), BidId(1)),
        Op::Improve(a, v) => {
            Movement::transaction(addr(a), btc(v), btc(0), btc(v / 2), btc(0), TxId(1))?
                .ok_or(LedgerError::Overflow)
        }
        Op::Finish(s, b, p, f) => {
            Movement::transaction_finish(addr(s), addr(b), btc(p), btc(f), TxId(1))
        }
        Op::Reimburse(a, v) => Movement::transaction_reimburse(addr(a), btc(v), btc(1), TxId(1)),
        Op::Raw(k, a, b, p, e) => Ok(Movement {
            kind: MovementType::ALL[usize::from(k)],
            available_account: addr(a),
            available_delta: Money::new(p[0], cur(e)),
            blocked_account: addr(b),
            blocked_delta: btc(p[1]),
            fee: btc(p[2]),
            world: btc(p[3]),
            refs: References::default(),
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn conservation_and_all_or_nothing(ops in proptest::collection::vec(op(), 0..60)) {
        // BW-LEDGER-11, BW-LEDGER-13, BW-LEDGER-14
        let mut l = Ledger::new();
        let mut applied = 0u64;
        for (i, op) in ops.iter().enumerate() {
            let Ok(m) = movement(op) else { continue };
            let before = l.clone();
            let now = Timestamp::from_millis(i as u64);
            match l.apply(now, &m) {
                Ok(r) => {
                    applied += 1;
                    prop_assert_eq!(r.id, MovementId(applied));
                    prop_assert!(m.validate().is_ok());
                }
                Err(e) => {
                    prop_assert_eq!(&l, &before);
                    prop_assert_eq!(l.check(&m).unwrap_err(), e);
                }
            }
            prop_assert_eq!(l.check_invariants(), Ok(()));
        }
    }
}

// ---------------------------------------------------------------- deposits

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const ACCOUNT: &str = "17mDAmveV5wBwxajBsY7g1trbMW1DVWcgL";

fn good_form() -> Vec<(String, String)> {
    form(&[
        ("type", "1"),
        ("account", ACCOUNT),
        ("amount", "mBTC 1.5"),
        ("nonce", "abc123"),
        ("uid", "pay-0001"),
        ("ref", "tx-77"),
        ("signature", "c2ln"),
    ])
}

fn dep_code(f: &[(String, String)]) -> &'static str {
    SignedDeposit::from_form(f).unwrap_err().code()
}

fn with(field: &str, value: &str) -> Vec<(String, String)> {
    good_form()
        .into_iter()
        .map(|(k, v)| {
            if k == field {
                (k, value.to_owned())
            } else {
                (k, v)
            }
        })
        .collect()
}

#[test]
fn deposit_form_and_document() {
    // BW-DEP-1, BW-DEP-6
    let d = SignedDeposit::from_form(&good_form()).unwrap();
    assert_eq!(d.deposit.uid, "pay-0001");
    assert_eq!(d.deposit.amount, btc(150_000));
    assert_eq!(d.deposit.kind, DepositType::Bitcoin);
    assert_eq!(d.deposit.reference, "tx-77");
    assert_eq!(d.signature, "c2ln");
    // The amount is signed as submitted, spaces removed.
    assert_eq!(
        d.document(),
        format!("account={ACCOUNT}&amount=mBTC1.5&nonce=abc123&ref=tx-77&type=1&uid=pay-0001")
    );
    // `ref` may be absent; unknown fields are ignored.
    let mut f: Vec<_> = good_form()
        .into_iter()
        .filter(|(k, _)| k != "ref")
        .collect();
    f.push(("extra".into(), "x".into()));
    let d = SignedDeposit::from_form(&f).unwrap();
    assert_eq!(d.deposit.reference, "");
    assert!(d.document().contains("&ref=&type=1&"));
    // A nonce with reserved characters is escaped.
    let d = SignedDeposit::from_form(&with("nonce", "a b/c")).unwrap();
    assert!(d.document().contains("&nonce=ab%2Fc&"));
}

#[test]
fn deposit_form_errors() {
    // BW-DEP-1, BW-DEP-2, BW-DEP-3, BW-DEP-4, BW-DEP-5, BW-DEP-10
    let missing: Vec<_> = good_form()
        .into_iter()
        .filter(|(k, _)| k != "uid")
        .collect();
    assert_eq!(
        SignedDeposit::from_form(&missing).unwrap_err(),
        DepositError::MissingField { field: "uid" }
    );
    let mut dup = good_form();
    dup.push(("amount".into(), "BTC 1".into()));
    assert_eq!(
        SignedDeposit::from_form(&dup).unwrap_err(),
        DepositError::DuplicateField { field: "amount" }
    );
    assert_eq!(dep_code(&dup), "deposit.duplicate-field");
    assert_eq!(dep_code(&missing), "deposit.missing-field");
    assert_eq!(dep_code(&with("account", "1abc")), "deposit.bad-account");
    assert_eq!(dep_code(&with("amount", "1 BTC")), "deposit.bad-amount");
    for t in ["2", "01", "+1", "", "-0"] {
        assert_eq!(dep_code(&with("type", t)), "deposit.bad-type", "{t:?}");
    }
    assert_eq!(
        dep_code(&with("amount", "BTC 0")),
        "deposit.non-positive-amount"
    );
    assert_eq!(
        dep_code(&with("amount", "BTC -1")),
        "deposit.non-positive-amount"
    );
    let inj = |amount: &str| {
        let mut f = with("type", "0");
        for (k, v) in &mut f {
            if k == "amount" {
                *v = amount.to_owned();
            }
        }
        f
    };
    assert_eq!(dep_code(&inj("BTC 0")), "deposit.zero-injection");
    assert_eq!(
        SignedDeposit::from_form(&inj("BTC -1"))
            .unwrap()
            .deposit
            .amount,
        btc(-100_000_000)
    );
    for uid in ["short-7", "has space", "über-0001", &"x".repeat(65)] {
        assert_eq!(dep_code(&with("uid", uid)), "deposit.bad-uid", "{uid:?}");
    }
    assert!(SignedDeposit::from_form(&with("uid", &"x".repeat(64))).is_ok());
    assert!(SignedDeposit::from_form(&with("uid", "12345678")).is_ok());
    for r in ["a_b", "a.b", &"r".repeat(65)] {
        assert_eq!(dep_code(&with("ref", r)), "deposit.bad-reference", "{r:?}");
    }
    assert!(SignedDeposit::from_form(&with("ref", &"r".repeat(64))).is_ok());
    // Order: account before amount before type before uid before ref.
    let mut f = with("account", "x");
    f = f
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "amount" => (k, "?".into()),
            "uid" => (k, "?".into()),
            _ => (k, v),
        })
        .collect();
    assert_eq!(dep_code(&f), "deposit.bad-account");
    let f = form(&[
        ("type", "7"),
        ("account", ACCOUNT),
        ("amount", "BTC 0"),
        ("nonce", "n"),
        ("uid", "?"),
        ("signature", "s"),
    ]);
    assert_eq!(dep_code(&f), "deposit.bad-type");
    let f = with("uid", "?");
    let f: Vec<_> = f
        .into_iter()
        .map(|(k, v)| {
            if k == "ref" {
                (k, "?".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    assert_eq!(dep_code(&f), "deposit.bad-uid");
    let mut codes = DepositError::CODES.to_vec();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 11);
}

#[test]
fn deposit_acceptance() {
    // BW-DEP-7, BW-DEP-8, BW-DEP-9
    let trusted = addr(9);
    let d = SignedDeposit::from_form(&good_form()).unwrap().deposit;
    let mut l = Ledger::new();
    let e = l.accept_deposit(T, &d, &addr(8), &trusted).unwrap_err();
    assert_eq!(e.code(), "deposit.untrusted-signer");
    assert_eq!(l, Ledger::new());

    let out = l.accept_deposit(T, &d, &trusted, &trusted).unwrap();
    let DepositOutcome::Applied(r) = out else {
        panic!("expected a movement")
    };
    assert_eq!(r.kind, MovementType::Deposit);
    assert_eq!(r.refs.deposit.as_deref(), Some("pay-0001"));
    assert_eq!(l.account_or_empty(&d.account).available, 150_000);
    assert_eq!(l.deposit("pay-0001").unwrap().movement, r.id);
    assert_eq!(l.deposit("pay-0001").unwrap().created, T);

    // Replays of an equal deposit are no-ops, whatever else differs.
    let before = l.clone();
    let later = Timestamp::from_millis(99_000);
    assert_eq!(
        l.accept_deposit(later, &d, &trusted, &trusted),
        Ok(DepositOutcome::AlreadyApplied)
    );
    assert_eq!(l, before);
    // A different deposit under the same uid conflicts.
    for change in 0..4 {
        let mut other = d.clone();
        match change {
            0 => other.amount = btc(1),
            1 => other.account = addr(3),
            2 => other.reference = "other".into(),
            _ => other.kind = DepositType::Injection,
        }
        let e = l
            .accept_deposit(later, &other, &trusted, &trusted)
            .unwrap_err();
        assert_eq!(e.code(), "deposit.uid-conflict");
        assert_eq!(l, before);
    }

    // A negative injection is a withdrawal; too large a one is refused by
    // the ledger with the ledger's code and leaves no deposit behind.
    let w = Deposit::new(
        "pay-0002",
        d.account,
        btc(-50_000),
        DepositType::Injection,
        "",
    )
    .unwrap();
    let DepositOutcome::Applied(r) = l.accept_deposit(later, &w, &trusted, &trusted).unwrap()
    else {
        panic!("expected a movement")
    };
    assert_eq!(r.kind, MovementType::Withdrawal);
    assert_eq!(r.world, btc(50_000));
    let w = Deposit::new(
        "pay-0003",
        d.account,
        btc(-100_001),
        DepositType::Injection,
        "",
    )
    .unwrap();
    let before = l.clone();
    let e = l.accept_deposit(later, &w, &trusted, &trusted).unwrap_err();
    assert_eq!(e.code(), "ledger.insufficient-funds");
    assert_eq!(l, before);
    assert!(l.deposit("pay-0003").is_none());
    let e = l
        .accept_deposit(
            later,
            &Deposit::new("pay-0004", d.account, eur(5), DepositType::Bitcoin, "").unwrap(),
            &trusted,
            &trusted,
        )
        .unwrap_err();
    assert_eq!(e.code(), "ledger.currency-mismatch");
    assert_eq!(l.check_invariants(), Ok(()));
}

#[test]
fn deposit_signed_end_to_end() {
    // BW-DEP-6, BW-DEP-7: a real signature by the trusted key over the document.
    use crate::key::PrivateKey;
    use crate::signature::{sign_message, verify_message_text};
    let key = PrivateKey::from_secret_bytes(&[7u8; 32], true, Network::Mainnet).unwrap();
    let trusted = key.public_key().address(Network::Mainnet);
    let mut f = good_form();
    let unsigned = SignedDeposit::from_form(&f).unwrap();
    let sig = sign_message(&key, unsigned.document().as_bytes()).to_base64();
    for (k, v) in &mut f {
        if k == "signature" {
            *v = sig.clone();
        }
    }
    let sd = SignedDeposit::from_form(&f).unwrap();
    let signer = verify_message_text(
        &trusted.to_string(),
        sd.document().as_bytes(),
        &sd.signature,
    )
    .unwrap();
    let mut l = Ledger::new();
    assert!(matches!(
        l.accept_deposit(T, &sd.deposit, &signer, &trusted),
        Ok(DepositOutcome::Applied(_))
    ));
    // Changing any signed field breaks the signature.
    let tampered = SignedDeposit::from_form(&with("ref", "tx-78")).unwrap();
    assert_eq!(
        verify_message_text(&trusted.to_string(), tampered.document().as_bytes(), &sig)
            .unwrap_err()
            .code(),
        "sig.address-mismatch"
    );
}

proptest! {
    #[test]
    fn deposit_parsing_never_panics(fields in proptest::collection::vec(
        (prop_oneof![Just("account".to_owned()), Just("amount".to_owned()), Just("type".to_owned()),
                     Just("uid".to_owned()), Just("ref".to_owned()), Just("nonce".to_owned()),
                     Just("signature".to_owned()), ".{0,8}"],
         ".{0,70}"), 0..10)) {
        if let Ok(d) = SignedDeposit::from_form(&fields) {
            prop_assert!(d.document().starts_with("account="));
            prop_assert!(check_uid(&d.deposit.uid).is_ok());
        }
    }
}

/// Mutation gap: an empty ledger has no last movement; ids count from 1.
#[test]
fn last_movement_of_an_empty_ledger_is_none() {
    // BW-LEDGER-9
    assert_eq!(Ledger::new().last_movement(), None);
    let l = funded(addr(1), btc(5));
    assert_eq!(l.last_movement(), Some(MovementId(1)));
}
