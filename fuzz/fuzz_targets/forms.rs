//! The signed forms a server receives — bid, transaction message, deposit,
//! relation — from arbitrary `key=value&…` text: parsing, building the
//! signed document and verifying never panic (BW-BID-10, BW-TXDOC-5,
//! BW-DEP-10, BW-REL-7). The first byte selects the form.
#![no_main]
use bitwrk_protocol::Network;
use bitwrk_protocol::bid::{BidConfig, BidForm};
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::ledger::deposit::SignedDeposit;
use bitwrk_protocol::nonce::NonceRegistry;
use bitwrk_protocol::relation::SignedRelation;
use bitwrk_protocol::signature::verified::verify_document;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::tx::document::TxMessage;
use libfuzzer_sys::fuzz_target;

fn pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

fn field(form: &[(String, String)], k: &str) -> String {
    form.iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let form = pairs(text);
    let now = Timestamp::from_millis(1_700_000_000_000);
    match which % 4 {
        0 => {
            let bid = BidForm {
                bid_type: field(&form, "type"),
                article: field(&form, "article"),
                price: field(&form, "price"),
                address: field(&form, "address"),
                nonce: field(&form, "nonce"),
                signature: field(&form, "signature"),
            };
            let mut nonces = NonceRegistry::default();
            let _ = nonces.issue(now, &[0; 16]);
            if let Ok(request) = bid.parse(now, &BidConfig::default(), &nonces) {
                let _ = verify_document(request);
            }
        }
        1 => {
            let txid = TxId(u64::from(which));
            if let Ok(m) = TxMessage::from_form(txid, &form) {
                let _ = m.signed_pairs();
                let _ = verify_document(m);
            }
        }
        2 => {
            if let Ok(d) = SignedDeposit::from_form(&form) {
                let _ = d.document();
            }
        }
        _ => {
            let network = if which & 4 == 0 {
                Network::Mainnet
            } else {
                Network::Testnet
            };
            if let Ok(r) = SignedRelation::from_form_for(&form, network) {
                let _ = verify_document(r);
            }
        }
    }
});
