//! Replay of logged events with their signatures verified in batches.
//!
//! BW-MARKET-4 requires replay to verify every signature again. Applying
//! the events one by one ([`Market::apply`]) verifies each one singly,
//! recovering the signer's key every time: on a long log that is most of
//! the restart time. [`apply_chunk`] instead first verifies the signatures
//! of a chunk of events together with a [`Verifier`] (its key cache and
//! the batch check of informative section 5.A, whose verdicts equal single
//! verification's, BW-SIG-15), and then applies the events in order, each
//! exactly as [`Market::apply`] would — parse against the market's state at
//! that event, then the signature check, then the effect — except that the
//! signature check is answered by the batch when the parsed document is
//! the very one the batch verified ([`Verified::vouch_for`]). Anything
//! else (a signature the batch refused, a document that does not parse
//! ahead of its turn, deposits) goes through [`Market::apply`] and so gets
//! single verification's exact verdict.

use bitwrk_protocol::market::{Event, Market, MarketConfig, MarketError};
use bitwrk_protocol::relation::SignedRelation;
use bitwrk_protocol::signature::{
    SignedDocument, Verified, Verifier, verify_document_in, verify_documents,
};
use rand::rngs::StdRng;

use super::{LoggedEvent, Seq};
use crate::verify::Claim;

/// Events applied together; their signatures are verified in one batch.
pub const CHUNK: usize = 512;

/// What `event` will have verified, if that can be told without the
/// market's state.
fn claim(config: &MarketConfig, event: &Event) -> Option<Claim> {
    match event {
        Event::BidPlaced { form, .. } => {
            let (signer, document) = form.claim(&config.bids).ok()?;
            Some(Claim {
                signer,
                document,
                signature: form.signature.clone(),
            })
        }
        Event::TxMessage { message, .. } => Some(Claim::of(message)),
        Event::Relation { form, .. } => SignedRelation::from_form_for(form, config.bids.network)
            .ok()
            .map(|r| Claim::of(&r)),
        _ => None,
    }
}

/// `doc` verified: by the batch's verdict if `checked` covers this very
/// signed document, else singly in the market's mode.
fn verified<T: SignedDocument>(
    market: &Market,
    checked: &Verified<Claim>,
    doc: T,
) -> Result<Verified<T>, MarketError> {
    match checked.vouch_for(doc) {
        Ok(v) => Ok(v),
        Err(doc) => Ok(verify_document_in(market.config().verify_mode, doc)?),
    }
}

/// Applies `event` as [`Market::apply`] does, with the signature check
/// answered by `checked` (a verified claim of this event).
fn apply_checked(
    market: &mut Market,
    event: &Event,
    checked: &Verified<Claim>,
) -> Result<(), MarketError> {
    match event {
        Event::BidPlaced { now, form } => {
            let request = market.parse_bid(*now, form)?;
            let request = verified(market, checked, request)?;
            market.place_bid(*now, request).map(drop)
        }
        Event::TxMessage { now, message } => {
            let message = verified(market, checked, message.clone())?;
            market.handle_tx_message(*now, &message).map(drop)
        }
        Event::Relation { now, form } => {
            let relation = SignedRelation::from_form_for(form, market.config().bids.network)?;
            let relation = verified(market, checked, relation)?;
            market.accept_relation(*now, &relation).map(drop)
        }
        _ => market.apply(event),
    }
}

/// Applies `events` in order with their signatures verified together; on a
/// refusal, the refused event's seq and the market's error (the events
/// before it are applied, it and the later ones are not).
pub fn apply_chunk(
    market: &mut Market,
    verifier: &mut Verifier,
    rng: &mut StdRng,
    events: &[LoggedEvent],
) -> Result<(), (Seq, MarketError)> {
    let mut slots = Vec::with_capacity(events.len());
    let mut claims = Vec::with_capacity(events.len());
    // A verifier in another mode would give other verdicts: then every
    // event is verified singly.
    let batch = verifier.mode() == market.config().verify_mode;
    for (i, logged) in events.iter().enumerate() {
        if let Some(c) = batch
            .then(|| claim(market.config(), &logged.event))
            .flatten()
        {
            slots.push(i);
            claims.push(c);
        }
    }
    let mut checked: Vec<Option<Verified<Claim>>> = Vec::new();
    checked.resize_with(events.len(), || None);
    for (slot, verdict) in slots
        .into_iter()
        .zip(verify_documents(verifier, claims, rng))
    {
        checked[slot] = verdict.ok();
    }
    for (logged, checked) in events.iter().zip(checked) {
        match &checked {
            Some(c) => apply_checked(market, &logged.event, c),
            None => market.apply(&logged.event),
        }
        .map_err(|e| (logged.seq, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bitwrk_protocol::address::Address;
    use bitwrk_protocol::bid::{BidForm, BidType};
    use bitwrk_protocol::hash::{sha256, sha256_concat};
    use bitwrk_protocol::ids::TxId;
    use bitwrk_protocol::key::PrivateKey;
    use bitwrk_protocol::relation::RelationType;
    use bitwrk_protocol::signature::{VerifyMode, sign_message};
    use bitwrk_protocol::time::Timestamp;
    use bitwrk_protocol::tx::document::TxMessage;
    use bitwrk_protocol::{ErrorCode, Network};

    use super::*;

    const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);

    fn key(name: &str) -> PrivateKey {
        PrivateKey::from_secret_bytes(sha256(name.as_bytes()).as_bytes(), true, Network::Mainnet)
            .expect("valid scalar")
    }

    fn addr(k: &PrivateKey) -> Address {
        k.public_key().address(Network::Mainnet)
    }

    /// A market driven through its `submit_*` inputs, with the log.
    struct Log {
        market: Market,
        events: Vec<Event>,
        trusted: PrivateKey,
        trust: PrivateKey,
        nonces: u32,
    }

    impl Log {
        fn new() -> Log {
            let (trusted, trust) = (key("replay trusted"), key("replay trust"));
            let config = MarketConfig {
                trusted_account: addr(&trusted),
                trust_account: addr(&trust),
                verify_mode: VerifyMode::Compat07,
                ..MarketConfig::default()
            };
            Log {
                market: Market::new(config),
                events: Vec::new(),
                trusted,
                trust,
                nonces: 0,
            }
        }

        fn nonce(&mut self, now: Timestamp) -> String {
            self.nonces += 1;
            let mut random = [0u8; 16];
            random[..4].copy_from_slice(&self.nonces.to_be_bytes());
            let n = self.market.issue_nonce(now, &random).unwrap();
            self.events.push(Event::NonceIssued { now, random });
            n.to_string()
        }

        fn deposit(&mut self, now: Timestamp, to: &PrivateKey) {
            let n = self.nonce(now);
            let (to, uid) = (
                addr(to).to_string(),
                format!("replay-deposit-{:04}", self.nonces),
            );
            let doc = format!("account={to}&amount=BTC1&nonce={n}&ref=&type=1&uid={uid}");
            let sig = sign_message(&self.trusted, doc.as_bytes()).to_base64();
            let form: Vec<(String, String)> = [
                ("account", to.as_str()),
                ("amount", "BTC 1"),
                ("nonce", &n),
                ("type", "1"),
                ("uid", &uid),
                ("signature", &sig),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
            let (_, event) = self.market.submit_deposit(now, &form).unwrap();
            self.events.push(event);
        }

        /// Places a bid; the transaction it matched into, if any.
        fn bid(
            &mut self,
            now: Timestamp,
            who: &PrivateKey,
            side: BidType,
            article: &str,
        ) -> Option<TxId> {
            let n = self.nonce(now);
            let form = BidForm::signed(who, side, article, "satoshi 1000", &n);
            let (placed, event) = self.market.submit_bid(now, &form).unwrap();
            self.events.push(event);
            placed.matched
        }

        fn send(&mut self, now: Timestamp, tx: TxId, who: &PrivateKey, args: &[(&str, &str)]) {
            let form = TxMessage::sign_form(who, tx, args);
            let msg = TxMessage::from_form(tx, &form).unwrap();
            let (_, event) = self.market.submit_tx_message(now, &msg).unwrap();
            self.events.push(event);
        }

        /// Deposits, a relation, bids that trade (a `~trusted` article,
        /// which needs the relation), messages of the trade, and timeouts.
        fn trade() -> Log {
            let (buyer, seller) = (key("replay buyer"), key("replay seller"));
            let mut log = Log::new();
            log.deposit(T0, &buyer);
            let n = log.nonce(T0);
            let rel = SignedRelation::signed(
                &log.trust.clone(),
                RelationType::Trusts,
                addr(&seller),
                true,
                &n,
            );
            let (_, event) = log.market.submit_relation(T0, &rel.to_form()).unwrap();
            log.events.push(event);
            log.bid(T0, &seller, BidType::Sell, "fnord~trusted");
            let tx = log
                .bid(T0, &buyer, BidType::Buy, "fnord~trusted")
                .expect("the buy matches the trusted seller's offer");
            for i in 0..6u32 {
                log.bid(
                    T0,
                    &seller,
                    BidType::Sell,
                    if i % 2 == 0 { "fnord" } else { "fnord~trusted" },
                );
            }
            let t = T0.saturating_add(Duration::from_secs(1));
            let (work, secret) = (sha256(b"work"), sha256(b"secret"));
            let wsh = sha256_concat(&[work.as_bytes(), secret.as_bytes()]);
            let (work, wsh) = (work.to_string(), wsh.to_string());
            log.send(
                t,
                tx,
                &buyer,
                &[("workhash", &work), ("worksecrethash", &wsh)],
            );
            log.send(t, tx, &seller, &[("workerurl", "http://192.0.2.5:8082/")]);
            let later = T0.saturating_add(Duration::from_secs(200));
            log.market.handle_timeout(later).unwrap();
            log.events.push(Event::Timeout { now: later });
            log
        }

        fn logged(&self) -> Vec<LoggedEvent> {
            (1..)
                .zip(&self.events)
                .map(|(seq, event)| LoggedEvent {
                    seq,
                    event: event.clone(),
                })
                .collect()
        }
    }

    fn verifier(config: &MarketConfig) -> (Verifier, StdRng) {
        use rand::SeedableRng;
        (
            Verifier::with_mode(64, config.verify_mode),
            StdRng::seed_from_u64(7),
        )
    }

    /// Replays `events` in chunks of `chunk`.
    fn chunked(
        config: &MarketConfig,
        events: &[LoggedEvent],
        chunk: usize,
    ) -> Result<Market, (Seq, String)> {
        let mut market = Market::new(config.clone());
        let (mut v, mut rng) = verifier(config);
        for part in events.chunks(chunk) {
            apply_chunk(&mut market, &mut v, &mut rng, part)
                .map_err(|(seq, e)| (seq, e.code().to_owned()))?;
        }
        Ok(market)
    }

    /// Replays `events` one by one with [`Market::apply`].
    fn one_by_one(config: &MarketConfig, events: &[LoggedEvent]) -> Result<Market, (Seq, String)> {
        let mut market = Market::new(config.clone());
        for l in events {
            market
                .apply(&l.event)
                .map_err(|e| (l.seq, e.code().to_owned()))?;
        }
        Ok(market)
    }

    /// A verified claim vouches only for a document with the same signer,
    /// text and signature.
    #[test]
    fn a_claim_vouches_only_for_its_own_document() {
        let k = key("replay vouch");
        let claim = |document: &str, signature: &str| Claim {
            signer: addr(&k),
            document: document.to_owned(),
            signature: signature.to_owned(),
        };
        let sig = sign_message(&k, b"a=1").to_base64();
        let other = sign_message(&k, b"a=2").to_base64();
        let checked = verify_document_in(VerifyMode::Compat07, claim("a=1", &sig)).unwrap();
        assert!(checked.vouch_for(claim("a=1", &sig)).is_ok());
        assert!(checked.vouch_for(claim("a=2", &sig)).is_err());
        assert!(checked.vouch_for(claim("a=1", &other)).is_err());
        let stranger = Claim {
            signer: addr(&key("replay stranger")),
            ..claim("a=1", &sig)
        };
        assert!(checked.vouch_for(stranger).is_err());
    }

    /// Batched replay gives the market that replaying event by event gives
    /// (and that the inputs built), wherever the chunks are cut.
    #[test]
    fn chunked_replay_rebuilds_the_same_market() {
        // BW-MARKET-4
        let log = Log::trade();
        let config = log.market.config().clone();
        let events = log.logged();
        assert!(
            events
                .iter()
                .any(|l| matches!(l.event, Event::TxMessage { .. })),
            "the log has transaction messages"
        );
        assert_eq!(one_by_one(&config, &events).unwrap(), log.market);
        for chunk in [1, 2, 3, 7, events.len()] {
            assert_eq!(chunked(&config, &events, chunk).unwrap(), log.market);
        }
    }

    /// A logged bid, message or relation whose signature does not verify
    /// stops the batched replay at that event with single verification's
    /// error code, exactly where event-by-event replay stops.
    #[test]
    fn a_bad_signature_in_the_log_is_refused_as_singly() {
        // BW-MARKET-4
        let log = Log::trade();
        let config = log.market.config().clone();
        let events = log.logged();
        let other = events
            .iter()
            .find_map(|l| match &l.event {
                Event::BidPlaced { form, .. } => Some(form.signature.clone()),
                _ => None,
            })
            .unwrap();
        let mut tampered_kinds = 0;
        for i in 0..events.len() {
            let mut bad = events.clone();
            let tampered = match &mut bad[i].event {
                Event::BidPlaced { form, .. } if form.signature != other => {
                    form.signature = other.clone();
                    true
                }
                Event::TxMessage { message, .. } => {
                    // Claimed by someone who did not sign it.
                    message.sender = addr(&key("replay stranger"));
                    true
                }
                Event::Relation { form, .. } => {
                    let s = form.iter().position(|(k, _)| k == "signature").unwrap();
                    form[s].1 = other.clone();
                    true
                }
                _ => false,
            };
            if !tampered {
                continue;
            }
            tampered_kinds += 1;
            let single = one_by_one(&config, &bad).unwrap_err();
            assert_eq!(single.0, bad[i].seq);
            assert!(single.1.starts_with("sig."), "{single:?}");
            for chunk in [1, 4, bad.len()] {
                assert_eq!(chunked(&config, &bad, chunk).unwrap_err(), single);
            }
        }
        assert!(tampered_kinds >= 4);
    }
}
