//! Building the inputs of a scenario, as a client does: nonces, and bid,
//! message, deposit and relation forms signed over documents built from the
//! spec text.

use bitwrk_protocol::bid::{BidForm, BidType, bid_document};
use bitwrk_protocol::tx::document::canonical_document;

use super::{Input, Step, TRUSTED, Who};
use crate::market::{crate_addr, crate_key, participant, ref_normalize};
use crate::{Key, Verdict, b64, hx, oracle_verify, sha256};

/// The random bytes of nonce number `i` of a scenario.
pub(crate) fn random(i: u8) -> [u8; 16] {
    let h = sha256(format!("bitwrk nonce {i}").as_bytes());
    let mut r = [0u8; 16];
    r.copy_from_slice(&h[..16]);
    r
}

/// The nonce text issued from [`random`]`(i)` (BW-NONCE-1: lower-case hex).
pub(crate) fn nonce(i: u8) -> String {
    hx(&random(i))
}

pub(crate) fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(crate) fn checked_sig(signer: &Key, document: &str) -> String {
    let sig = b64(&signer.sign(document.as_bytes()));
    assert!(
        matches!(
            oracle_verify(&signer.address(), document.as_bytes(), &sig),
            Verdict::Valid { .. }
        ),
        "oracle rejects its own signature"
    );
    sig
}

/// A bid form signed by `who` over the BW-BID-11 document.
pub(crate) fn bid(who: Who, ty: &str, article: &str, price: &str, n: &str) -> Input {
    let key = participant(who);
    let address = key.address();
    let document = bid_document(article, ty, price, &address, n);
    assert_eq!(
        document,
        format!(
            "article={}&type={}&price={}&address={}&nonce={}",
            ref_normalize(article),
            ref_normalize(ty),
            ref_normalize(price),
            ref_normalize(&address),
            ref_normalize(n)
        )
    );
    let signature = checked_sig(&key, &document);
    let bid_type = if ty == "BUY" {
        BidType::Buy
    } else {
        BidType::Sell
    };
    let crate_form = BidForm::signed(&crate_key(&key), bid_type, article, price, n);
    assert_eq!(crate_form.signature, signature, "RFC 6979 signatures agree");
    Input::Bid(pairs(&[
        ("type", ty),
        ("article", article),
        ("price", price),
        ("address", &address),
        ("nonce", n),
        ("signature", &signature),
    ]))
}

/// A transaction message from `who` to `txid`, sent from `remote`.
pub(crate) fn message(who: Who, txid: u64, args: &[(&str, &str)], remote: Option<&str>) -> Input {
    let key = participant(who);
    let txid_text = txid.to_string();
    let mut signed: Vec<(&str, &str)> = args.to_vec();
    signed.push(("txid", &txid_text));
    let document = canonical_document(signed.iter().copied());
    let signature = checked_sig(&key, &document);
    let address = key.address();
    signed.push(("address", &address));
    signed.push(("signature", &signature));
    Input::Message {
        txid,
        pairs: pairs(&signed),
        remote: remote.map(str::to_owned),
    }
}

/// The BW-DEP-6 document of a deposit form.
pub(crate) fn deposit_document(f: &[(&str, &str)]) -> String {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| *n == k)
            .map_or("", |(_, v)| *v)
            .to_owned()
    };
    format!(
        "account={}&amount={}&nonce={}&ref={}&type={}&uid={}",
        ref_normalize(&get("account")),
        ref_normalize(&get("amount")),
        ref_normalize(&get("nonce")),
        ref_normalize(&get("ref")),
        ref_normalize(&get("type")),
        ref_normalize(&get("uid"))
    )
}

/// A deposit form `fields` (without signature) signed by `signer`.
pub(crate) fn deposit(signer: Who, fields: &[(&str, &str)]) -> Input {
    let signature = checked_sig(&participant(signer), &deposit_document(fields));
    let mut f = pairs(fields);
    f.push(("signature".into(), signature));
    Input::Deposit(f)
}

/// The usual deposit: `amount` to `who` with uid `uid`, nonce `n`.
pub(crate) fn deposit_to(who: Who, amount: &str, uid: &str, n: &str) -> Input {
    let account = participant(who).address();
    deposit(
        TRUSTED,
        &[
            ("account", &account),
            ("amount", amount),
            ("nonce", n),
            ("ref", "vectors"),
            ("type", "0"),
            ("uid", uid),
        ],
    )
}

/// The BW-REL-5 document.
pub(crate) fn relation_document(f: &[(&str, &str)]) -> String {
    let get = |k: &str| f.iter().find(|(n, _)| *n == k).map_or("", |(_, v)| *v);
    format!(
        "enabled={}&nonce={}&source={}&target={}&type={}",
        ref_normalize(get("enabled")),
        ref_normalize(get("nonce")),
        ref_normalize(get("source")),
        ref_normalize(get("target")),
        ref_normalize(get("type"))
    )
}

/// A relation form `fields` (without signature) signed by `signer`.
pub(crate) fn relation_form(signer: Who, fields: &[(&str, &str)]) -> Input {
    let signature = checked_sig(&participant(signer), &relation_document(fields));
    let mut f = pairs(fields);
    f.push(("signature".into(), signature));
    Input::Relation(f)
}

/// `source` says `kind` about `target` (enabled or not), signed by the source.
pub(crate) fn relation(source: Who, kind: &str, target: Who, enabled: bool, n: &str) -> Input {
    let s = participant(source).address();
    let t = participant(target).address();
    relation_form(
        source,
        &[
            ("enabled", if enabled { "true" } else { "false" }),
            ("nonce", n),
            ("source", &s),
            ("target", &t),
            ("type", kind),
        ],
    )
}

pub(crate) fn at(ms: i64, input: Input) -> Step {
    Step { at: ms, input }
}

/// Helpers for the literal checks.
pub(crate) fn addr_of(who: Who) -> bitwrk_protocol::Address {
    crate_addr(&participant(who).address())
}
