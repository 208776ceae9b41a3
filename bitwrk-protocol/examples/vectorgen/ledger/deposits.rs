//! Deposit scenarios of section 14.1: idempotency by uid, the trusted
//! signer, amount, uid and reference checks and their order.

use super::replay::scenario;
use super::{Op, btc, dep};
use crate::Case;

/// The bitcoin deposit `pay-0001` of 150 000 units to the buyer, then
/// `again` with the same uid (BW-DEP-8).
fn uid_again(comment: &str, again: Op) -> Case {
    scenario(
        comment,
        vec![dep("pay-0001", "buyer", btc(150_000), "1", "tx-77"), again],
        &["BW-DEP-8"],
        &["Deposit", "Idempotent"],
    )
}

pub(super) fn cases() -> Vec<Case> {
    let (b, s, o) = ("buyer", "seller", "stranger");
    vec![
        scenario(
            "bitcoin deposit",
            vec![dep("pay-0001", b, btc(150_000), "1", "tx-77")],
            &["BW-DEP-9"],
            &["Deposit"],
        ),
        uid_again(
            "replayed deposit is a no-op",
            dep("pay-0001", b, btc(150_000), "1", "tx-77"),
        ),
        uid_again(
            "same uid, other amount",
            dep("pay-0001", b, btc(150_001), "1", "tx-77"),
        ),
        uid_again(
            "same uid, other reference",
            dep("pay-0001", b, btc(150_000), "1", "tx-78"),
        ),
        uid_again(
            "same uid, other account",
            dep("pay-0001", s, btc(150_000), "1", "tx-77"),
        ),
        uid_again(
            "same uid, other type",
            dep("pay-0001", b, btc(150_000), "0", "tx-77"),
        ),
        scenario(
            "same uid, same value in another currency",
            vec![
                dep("pay-0001", b, (150_000, "EUR"), "1", "tx-77"),
                dep("pay-0001", b, (150_000, "USD"), "1", "tx-77"),
            ],
            &["BW-DEP-8"],
            &["Deposit", "Idempotent", "Currency"],
        ),
        scenario(
            "deposit signed by another account",
            vec![Op::Deposit {
                uid: "pay-0001",
                who: b,
                amount: btc(5),
                kind: "1",
                reference: "",
                signer: o,
            }],
            &["BW-DEP-7"],
            &["Deposit"],
        ),
        scenario(
            "replay signed by another account is refused before the uid is looked up",
            vec![
                dep("pay-0001", b, btc(5), "1", ""),
                Op::Deposit {
                    uid: "pay-0001",
                    who: b,
                    amount: btc(5),
                    kind: "1",
                    reference: "",
                    signer: o,
                },
            ],
            &["BW-DEP-7", "BW-DEP-10"],
            &["Deposit", "CheckOrder"],
        ),
        scenario(
            "bitcoin deposit of zero",
            vec![dep("pay-0001", b, btc(0), "1", "")],
            &["BW-DEP-3"],
            &["Deposit"],
        ),
        scenario(
            "negative bitcoin deposit",
            vec![dep("pay-0001", b, btc(-5), "1", "")],
            &["BW-DEP-3"],
            &["Deposit"],
        ),
        scenario(
            "zero injection",
            vec![dep("pay-0001", b, btc(0), "0", "")],
            &["BW-DEP-3"],
            &["Deposit"],
        ),
        scenario(
            "negative injection is a withdrawal",
            vec![
                dep("pay-0001", b, btc(500), "1", ""),
                dep("pay-0002", b, btc(-200), "0", ""),
            ],
            &["BW-DEP-3", "BW-DEP-9"],
            &["Deposit"],
        ),
        scenario(
            "negative injection above the balance is refused and not recorded; the same uid works later",
            vec![
                dep("pay-0002", b, btc(-200), "0", ""),
                dep("pay-0001", b, btc(500), "1", ""),
                dep("pay-0002", b, btc(-200), "0", ""),
            ],
            &["BW-DEP-9"],
            &["Deposit", "Funds"],
        ),
        scenario(
            "negative injection above the balance",
            vec![dep("pay-0002", b, btc(-200), "0", "")],
            &["BW-DEP-9", "BW-LEDGER-3"],
            &["Deposit", "Funds"],
        ),
        scenario(
            "deposit in another currency than the account's",
            vec![
                dep("pay-0001", b, btc(500), "1", ""),
                dep("pay-0002", b, (500, "EUR"), "1", ""),
            ],
            &["BW-DEP-9", "BW-LEDGER-2"],
            &["Deposit", "Currency"],
        ),
        scenario(
            "uid of 7 characters",
            vec![dep("pay-001", b, btc(5), "1", "")],
            &["BW-DEP-4"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "uid of 8 characters",
            vec![dep("pay-0001", b, btc(5), "1", "")],
            &["BW-DEP-4"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "uid of 64 characters",
            vec![dep(
                "p234567890123456789012345678901234567890123456789012345678901234",
                b,
                btc(5),
                "1",
                "",
            )],
            &["BW-DEP-4"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "uid of 65 characters",
            vec![dep(
                "p2345678901234567890123456789012345678901234567890123456789012345",
                b,
                btc(5),
                "1",
                "",
            )],
            &["BW-DEP-4"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "uid with an underscore",
            vec![dep("pay_0001", b, btc(5), "1", "")],
            &["BW-DEP-4"],
            &["Deposit"],
        ),
        scenario(
            "reference of 64 characters",
            vec![dep(
                "pay-0001",
                b,
                btc(5),
                "1",
                "r234567890123456789012345678901234567890123456789012345678901234",
            )],
            &["BW-DEP-5"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "reference of 65 characters",
            vec![dep(
                "pay-0001",
                b,
                btc(5),
                "1",
                "r2345678901234567890123456789012345678901234567890123456789012345",
            )],
            &["BW-DEP-5"],
            &["Deposit", "Boundary"],
        ),
        scenario(
            "reference with a space",
            vec![dep("pay-0001", b, btc(5), "1", "tx 77")],
            &["BW-DEP-5"],
            &["Deposit"],
        ),
        scenario(
            "amount sign is checked before the uid",
            vec![dep("bad", b, btc(0), "1", "")],
            &["BW-DEP-10"],
            &["Deposit", "CheckOrder"],
        ),
        scenario(
            "uid before reference",
            vec![dep("bad", b, btc(5), "1", "a b")],
            &["BW-DEP-10"],
            &["Deposit", "CheckOrder"],
        ),
        scenario(
            "reference before signer",
            vec![Op::Deposit {
                uid: "pay-0001",
                who: b,
                amount: btc(5),
                kind: "1",
                reference: "a b",
                signer: o,
            }],
            &["BW-DEP-10"],
            &["Deposit", "CheckOrder"],
        ),
    ]
}
