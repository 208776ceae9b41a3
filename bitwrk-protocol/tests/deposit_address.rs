//! The deposit-address protocol (spec section 14.3) through the market:
//! requests, deposit information, the 24-hour rule, signer authority, nonce
//! handling, the account view and replay.

use std::time::Duration;

use bitwrk_protocol::deposit_address::{
    AccountAction, DepositAddressMessage, DepositAddressRequest,
};
use bitwrk_protocol::hash::sha256;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::market::{Event, Market, MarketConfig, MarketError};
use bitwrk_protocol::signature::SignedDocument;
use bitwrk_protocol::signature::verified::verify_document;
use bitwrk_protocol::time::Timestamp;
use bitwrk_protocol::wire::{AccountJson, from_go_json, to_go_json};
use bitwrk_protocol::{Address, ErrorCode, Network};
use proptest::prelude::*;

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const DAY: Duration = Duration::from_secs(86_400);

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
        .expect("valid scalar")
}

fn addr(k: &PrivateKey) -> Address {
    k.public_key().address(Network::Mainnet)
}

struct Harness {
    market: Market,
    log: Vec<Event>,
    trusted: PrivateKey,
    user: PrivateKey,
    counter: u8,
}

impl Harness {
    fn new() -> Harness {
        let trusted = key("depaddr trusted");
        let market = Market::new(MarketConfig {
            trusted_account: addr(&trusted),
            ..MarketConfig::default()
        });
        Harness {
            market,
            log: Vec::new(),
            trusted,
            user: key("depaddr user"),
            counter: 0,
        }
    }

    fn nonce(&mut self, now: Timestamp) -> String {
        self.counter += 1;
        let random = [self.counter; 16];
        let n = self.market.issue_nonce(now, &random).unwrap();
        self.log.push(Event::NonceIssued { now, random });
        n.to_string()
    }

    fn user_addr(&self) -> Address {
        addr(&self.user)
    }

    fn post(
        &mut self,
        now: Timestamp,
        form: &[(String, String)],
    ) -> Result<AccountAction, MarketError> {
        let account = self.user_addr().to_string();
        let (action, event) = self.market.submit_account_action(now, &account, form)?;
        self.log.push(event);
        Ok(action)
    }

    fn request(
        &mut self,
        now: Timestamp,
        signer: &PrivateKey,
    ) -> Result<AccountAction, MarketError> {
        let n = self.nonce(now);
        let form = DepositAddressRequest::signed(signer, self.user_addr(), &n).to_form();
        self.post(now, &form)
    }

    fn info(
        &mut self,
        now: Timestamp,
        signer: &PrivateKey,
        reference: &str,
    ) -> Result<AccountAction, MarketError> {
        let n = self.nonce(now);
        let deposit = addr(&key("depaddr deposit address"));
        let form = DepositAddressMessage::signed(signer, self.user_addr(), deposit, reference, &n)
            .to_form();
        self.post(now, &form)
    }

    fn view(&self) -> AccountJson {
        self.market.account_json(&self.user_addr())
    }
}

fn code<T: core::fmt::Debug>(r: Result<T, MarketError>) -> &'static str {
    r.unwrap_err().code()
}

#[test]
fn request_then_info_then_the_24_hour_rule() {
    // BW-DEPADDR-1, BW-DEPADDR-4, BW-DEPADDR-5, BW-JSON-6
    let mut h = Harness::new();
    let user = h.user.clone();
    let trusted = h.trusted.clone();
    assert_eq!(h.view().deposit_address_request, "");
    assert_eq!(
        h.request(T0, &user).unwrap(),
        AccountAction::RequestDepositAddress
    );
    let pending = h.view().deposit_address_request;
    assert!(pending.starts_with("nonce="), "{pending}");
    assert_eq!(
        h.market
            .pending_deposit_address_requests()
            .collect::<Vec<_>>(),
        [&h.user_addr()]
    );
    // One pending request at most, whoever signs the next one.
    assert_eq!(code(h.request(T0, &user)), "depaddr.pending-request");
    assert_eq!(code(h.request(T0, &trusted)), "depaddr.pending-request");

    let t1 = T0.saturating_add(Duration::from_secs(60));
    assert_eq!(
        h.info(t1, &trusted, "order 7").unwrap(),
        AccountAction::StoreDepositInfo
    );
    let view = h.view();
    assert_eq!(view.deposit_address_request, "");
    assert_eq!(view.last_deposit_info, Some(t1));
    assert!(
        view.deposit_info.contains("&reference=order+7&"),
        "{}",
        view.deposit_info
    );
    assert_eq!(h.market.pending_deposit_address_requests().count(), 0);
    let json = to_go_json(&view);
    assert_eq!(from_go_json::<AccountJson>(&json).unwrap(), view);
    assert!(json.contains(&format!(
        "\"LastDepositInfo\":\"{}\",\"DepositAddressRequest\":\"\"}}\n",
        bitwrk_protocol::rfc3339::format(t1)
    )));
    // BW-JSON-6: the account view with deposit information.
    insta::assert_snapshot!(json);

    // The next request waits 24 hours after the information.
    let just_before = t1.saturating_add(DAY - Duration::from_millis(1));
    assert_eq!(code(h.request(just_before, &user)), "depaddr.too-soon");
    h.request(t1.saturating_add(DAY), &user).unwrap();
    // New information replaces the old and ends the request.
    let t2 = t1.saturating_add(DAY + Duration::from_secs(1));
    h.info(t2, &trusted, "order 8").unwrap();
    assert!(h.view().deposit_info.contains("reference=order+8"));
    assert_eq!(h.view().deposit_address_request, "");
    // Information without a request is stored too.
    h.info(t2, &trusted, "order 9").unwrap();
    assert_eq!(h.view().last_deposit_info, Some(t2));
}

#[test]
fn signer_authority() {
    // BW-DEPADDR-4, BW-DEPADDR-5, BW-DEPADDR-8
    let mut h = Harness::new();
    let (stranger, trusted, user) = (key("depaddr stranger"), h.trusted.clone(), h.user.clone());
    assert_eq!(code(h.request(T0, &stranger)), "depaddr.untrusted-signer");
    assert_eq!(code(h.info(T0, &user, "r")), "depaddr.untrusted-signer");
    assert_eq!(h.market.deposit_address_state(&h.user_addr()), None);
    // The trusted account may request on the participant's behalf.
    h.request(T0, &trusted).unwrap();
    assert!(
        h.view()
            .deposit_address_request
            .contains(&format!("signer={}", addr(&trusted)))
    );
}

#[test]
fn nonces_are_spent_only_by_accepted_forms() {
    // BW-DEPADDR-8
    let mut h = Harness::new();
    let (user, stranger) = (h.user.clone(), key("depaddr stranger"));
    let n = h.nonce(T0);
    let account = h.user_addr().to_string();
    // A forged signature: sig.*, nonce still usable.
    let mut forged = DepositAddressRequest::signed(&stranger, h.user_addr(), &n);
    forged.signer = h.user_addr();
    let e = h
        .market
        .submit_account_action(T0, &account, &forged.to_form())
        .unwrap_err();
    assert!(e.code().starts_with("sig."), "{e}");
    // A refusal by authority: nonce still usable.
    let bad = DepositAddressRequest::signed(&stranger, h.user_addr(), &n).to_form();
    assert_eq!(
        code(h.market.submit_account_action(T0, &account, &bad)),
        "depaddr.untrusted-signer"
    );
    let good = DepositAddressRequest::signed(&user, h.user_addr(), &n).to_form();
    let before = h.market.clone();
    h.market.submit_account_action(T0, &account, &good).unwrap();
    assert_ne!(before, h.market);
    // Spent now: deposit information with the same nonce is refused, and
    // the refusal changes nothing.
    let deposit = addr(&key("depaddr deposit address"));
    let trusted = h.trusted.clone();
    let info = DepositAddressMessage::signed(&trusted, h.user_addr(), deposit, "r", &n);
    let after = h.market.clone();
    let e = h
        .market
        .store_deposit_info(T0, &verify_document(info).unwrap())
        .unwrap_err();
    assert!(e.code().starts_with("nonce."), "{e}");
    assert_eq!(after, h.market);
    // An unknown nonce is nonce.*.
    let mut h = Harness::new();
    let form =
        DepositAddressRequest::signed(&user, h.user_addr(), "0123456789abcdef0123456789abcdef")
            .to_form();
    assert!(code(h.post(T0, &form)).starts_with("nonce."));
}

#[test]
fn form_refusals() {
    // BW-DEPADDR-1, BW-DEPADDR-2, BW-DEPADDR-6
    let mut h = Harness::new();
    let (user, trusted) = (h.user.clone(), h.trusted.clone());
    let n = h.nonce(T0);
    let account = h.user_addr().to_string();
    let request = DepositAddressRequest::signed(&user, h.user_addr(), &n).to_form();
    let post = |h: &mut Harness, account: &str, form: &[(String, String)]| {
        h.market.submit_account_action(T0, account, form).map(drop)
    };
    let without = |form: &[(String, String)], name: &str| -> Vec<(String, String)> {
        form.iter().filter(|(k, _)| k != name).cloned().collect()
    };
    let with = |form: &[(String, String)], name: &str, value: &str| -> Vec<(String, String)> {
        let mut f = without(form, name);
        f.push((name.to_owned(), value.to_owned()));
        f
    };
    assert_eq!(
        code(post(&mut h, &account, &without(&request, "action"))),
        "depaddr.unknown-action"
    );
    assert_eq!(
        code(post(
            &mut h,
            &account,
            &with(&request, "action", "withdraw")
        )),
        "depaddr.unknown-action"
    );
    let mut twice = request.clone();
    twice.push(("action".into(), "requestdepositaddress".into()));
    assert_eq!(
        code(post(&mut h, &account, &twice)),
        "depaddr.unknown-action"
    );
    for field in ["nonce", "participant", "signer", "signature"] {
        assert_eq!(
            code(post(&mut h, &account, &without(&request, field))),
            "depaddr.missing-field",
            "{field}"
        );
        let mut dup = request.clone();
        dup.push((field.to_owned(), "x".to_owned()));
        assert_eq!(
            code(post(&mut h, &account, &dup)),
            "depaddr.duplicate-field",
            "{field}"
        );
    }
    assert_eq!(
        code(post(
            &mut h,
            &account,
            &with(&request, "participant", "1nope")
        )),
        "depaddr.bad-participant"
    );
    assert_eq!(
        code(post(&mut h, &account, &with(&request, "signer", "1nope"))),
        "depaddr.bad-signer"
    );
    let testnet = key("depaddr user")
        .public_key()
        .address(Network::Testnet)
        .to_string();
    assert_eq!(
        code(post(&mut h, &account, &with(&request, "signer", &testnet))),
        "depaddr.bad-signer"
    );
    let other = addr(&key("depaddr other")).to_string();
    assert_eq!(
        code(post(&mut h, &other, &request)),
        "depaddr.participant-mismatch"
    );

    let deposit = addr(&key("depaddr deposit address"));
    let info = DepositAddressMessage::signed(&trusted, h.user_addr(), deposit, "r", &n).to_form();
    assert_eq!(
        code(post(
            &mut h,
            &account,
            &with(&info, "depositaddress", "xyz")
        )),
        "depaddr.bad-deposit-address"
    );
    assert_eq!(
        code(post(&mut h, &account, &with(&info, "reference", "a\nb"))),
        "depaddr.bad-reference"
    );
    assert_eq!(
        code(post(
            &mut h,
            &account,
            &with(&info, "reference", &"r".repeat(256))
        )),
        "depaddr.bad-reference"
    );
    assert_eq!(
        code(post(&mut h, &account, &without(&info, "reference"))),
        "depaddr.missing-field"
    );
    assert_eq!(
        code(post(&mut h, &other, &info)),
        "depaddr.participant-mismatch"
    );
    // Nothing was stored and the nonce is still good.
    assert_eq!(h.market.deposit_address_state(&h.user_addr()), None);
    post(&mut h, &account, &info).unwrap();
}

#[test]
fn documents_and_stored_texts() {
    // BW-DEPADDR-2, BW-DEPADDR-3, BW-DEPADDR-5, BW-DEPADDR-7
    let (user, trusted) = (key("depaddr user"), key("depaddr trusted"));
    let (u, t) = (addr(&user), addr(&trusted));
    let d = addr(&key("depaddr deposit address"));
    let n = "0123456789abcdef0123456789abcdef";
    let r = DepositAddressRequest::signed(&user, u, n);
    assert_eq!(
        r.document(),
        format!("nonce={n}&participant={u}&signer={u}")
    );
    let sig_escaped = bitwrk_protocol::document::query_escape(&r.signature);
    assert_eq!(
        r.stored_text(),
        format!("nonce={n}&participant={u}&signature={sig_escaped}&signer={u}")
    );
    let m = DepositAddressMessage::signed(&trusted, u, d, "ref A+B/é", n);
    assert_eq!(
        m.document(),
        format!(
            "depositaddress={d}&nonce={n}&participant={u}&reference=ref%20A%2BB%2F%C3%A9&signer={t}"
        )
    );
    let stored = m.stored_text();
    assert!(
        stored.contains("&reference=ref+A%2BB%2F%C3%A9&signature="),
        "{stored}"
    );
    // A client reads the stored text back and verifies it against the
    // trusted account.
    let back = DepositAddressMessage::from_stored_text(&stored, Network::Mainnet).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.signer, t);
    verify_document(back).unwrap();
    let mut tampered = DepositAddressMessage::from_stored_text(&stored, Network::Mainnet).unwrap();
    tampered.deposit_address = u;
    assert!(verify_document(tampered).is_err());
    assert_eq!(
        DepositAddressMessage::from_stored_text("nonce=%zz", Network::Mainnet)
            .unwrap_err()
            .code(),
        "depaddr.bad-encoding"
    );
    assert_eq!(
        DepositAddressMessage::from_stored_text("", Network::Mainnet)
            .unwrap_err()
            .code(),
        "depaddr.missing-field"
    );
}

#[test]
fn replay_reproduces_the_state() {
    // BW-DEPADDR-9
    let mut h = Harness::new();
    let (user, trusted) = (h.user.clone(), h.trusted.clone());
    h.request(T0, &user).unwrap();
    h.info(T0.saturating_add(Duration::from_secs(5)), &trusted, "x")
        .unwrap();
    h.request(T0.saturating_add(DAY + Duration::from_secs(5)), &trusted)
        .unwrap();
    let replayed = Market::replay(h.market.config().clone(), &h.log).unwrap();
    assert_eq!(replayed, h.market);
    let json = serde_json::to_string(&h.log).unwrap();
    assert!(
        json.contains("\"event\":\"deposit_address_requested\""),
        "{json}"
    );
    assert!(json.contains("\"event\":\"deposit_info_stored\""), "{json}");
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        Market::replay(h.market.config().clone(), &back).unwrap(),
        h.market
    );
}

proptest! {
    // BW-DEPADDR-2, BW-DEPADDR-6, BW-DEPADDR-7: parsers never panic.
    #[test]
    fn parsers_never_panic(
        fields in prop::collection::vec(
            (prop::sample::select(vec!["action", "nonce", "participant", "signer", "signature", "depositaddress", "reference", "x"]), ".{0,40}"),
            0..10,
        ),
        text in ".{0,200}",
    ) {
        let fields: Vec<(String, String)> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let _ = AccountAction::from_form(&fields);
        let _ = DepositAddressRequest::from_form("1x", &fields, Network::Mainnet);
        let _ = DepositAddressMessage::from_form("1x", &fields, Network::Mainnet);
        let _ = DepositAddressMessage::from_stored_text(&text, Network::Mainnet);
        let mut m = Market::new(MarketConfig::default());
        prop_assert!(m.submit_account_action(T0, "1x", &fields).is_err());
    }
}
