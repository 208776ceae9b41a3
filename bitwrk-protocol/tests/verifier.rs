//! Tests of the stateful `Verifier`: the key cache, cached single
//! verification and batch verification (spec section 5.A, informative).
//! The rule under test throughout: every verdict equals the verdict of the
//! stateless single verification (BW-SIG-9, BW-SIG-10).

use bitwrk_protocol::hash::sha256;
use bitwrk_protocol::signature::{
    self, SignedMessage, Verifier, message_digest, sign_message, verify_message,
};
use bitwrk_protocol::{Address, KeyPair, Network, PrivateKey, Signature};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Deterministic key `i`; odd keys are uncompressed (BW-SIG-11 covers both).
fn key(i: usize) -> KeyPair {
    let private =
        PrivateKey::from_secret_bytes(secret(i).as_bytes(), i.is_multiple_of(2), Network::Mainnet)
            .unwrap();
    KeyPair::new(private)
}

fn secret(i: usize) -> bitwrk_protocol::Hash256 {
    sha256(format!("verifier test key {i}").as_bytes())
}

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

struct Item {
    address: Address,
    message: Vec<u8>,
    signature: Signature,
}

impl Item {
    fn signed(signer: &KeyPair, message: Vec<u8>) -> Item {
        let signature = sign_message(signer.private_key(), &message);
        Item {
            address: *signer.address(),
            message,
            signature,
        }
    }

    fn as_signed(&self) -> SignedMessage<'_> {
        SignedMessage::new(self.address, &self.message, self.signature)
    }

    fn single_verdict(&self) -> Result<(), signature::SignatureError> {
        verify_message(&self.address, &self.message, &self.signature)
    }
}

/// The ways a triple can be spoiled.
#[derive(Debug, Clone, Copy)]
enum Tamper {
    Message,
    R,
    S,
    Header(u8),
    /// Claim the address of another (cached) signer.
    WrongKey,
}

fn tamper(item: &mut Item, how: Tamper, other: &Address) -> bool {
    let mut bytes = *item.signature.as_bytes();
    match how {
        Tamper::Message => {
            item.message.push(b'!');
            return true;
        }
        Tamper::WrongKey => {
            item.address = *other;
            return true;
        }
        Tamper::R => bytes[32] ^= 0x01,
        Tamper::S => bytes[64] ^= 0x01,
        Tamper::Header(delta) => {
            let h = bytes[0] - 27;
            bytes[0] = 27 + (h + 1 + delta % 7) % 8;
        }
    }
    match Signature::from_slice(&bytes) {
        Ok(sig) => {
            item.signature = sig;
            true
        }
        Err(_) => false,
    }
}

fn tamper_strategy() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        Just(Tamper::Message),
        Just(Tamper::R),
        Just(Tamper::S),
        (0u8..7).prop_map(Tamper::Header),
        Just(Tamper::WrongKey),
    ]
}

/// A verifier that has seen one good signature from each of `signers`.
fn warmed(capacity: usize, signers: &[KeyPair]) -> Verifier {
    let mut v = Verifier::new(capacity);
    for s in signers {
        let item = Item::signed(s, b"warm-up".to_vec());
        assert_eq!(
            v.verify_message(&item.address, &item.message, &item.signature),
            Ok(())
        );
    }
    v
}

#[test]
fn single_verdicts_equal_stateless_verdicts() {
    // BW-SIG-9, BW-SIG-10: cold, cached and failing paths give the stateless verdict.
    let signers: Vec<KeyPair> = (0..3).map(key).collect();
    let mut v = Verifier::new(8);
    for round in 0..2 {
        for (i, s) in signers.iter().enumerate() {
            let good = Item::signed(s, format!("msg {round} {i}").into_bytes());
            assert_eq!(
                v.verify_message(&good.address, &good.message, &good.signature),
                Ok(())
            );
            for how in [
                Tamper::Message,
                Tamper::R,
                Tamper::S,
                Tamper::Header(0),
                Tamper::Header(3),
                Tamper::WrongKey,
            ] {
                let mut bad = Item::signed(s, format!("bad {round} {i}").into_bytes());
                let other = *signers[(i + 1) % 3].address();
                assert!(tamper(&mut bad, how, &other));
                let expected = bad.single_verdict();
                assert!(expected.is_err(), "{how:?}");
                assert_eq!(
                    v.verify_message(&bad.address, &bad.message, &bad.signature),
                    expected,
                    "{how:?} round {round}"
                );
            }
        }
    }
}

#[test]
fn cache_is_filled_only_by_successful_verification() {
    let a = key(0);
    let b = key(1);
    let mut v = Verifier::new(4);
    assert!(v.cache().is_empty());
    // A failure caches nothing: neither the claimed nor the recovered address.
    let mut bad = Item::signed(&a, b"hello".to_vec());
    bad.address = *b.address();
    assert_eq!(
        v.verify_message(&bad.address, &bad.message, &bad.signature)
            .map_err(|e| bitwrk_protocol::ErrorCode::code(&e)),
        Err("sig.address-mismatch")
    );
    assert!(v.cache().is_empty());
    // A success caches the signer's key with its serialisation flag.
    let good = Item::signed(&a, b"hello".to_vec());
    assert_eq!(
        v.verify_message(&good.address, &good.message, &good.signature),
        Ok(())
    );
    assert_eq!(v.cache().len(), 1);
    assert_eq!(v.cache().peek(a.address()), Some(a.public_key()));
    assert!(!v.cache().contains(b.address()));
    // Batches fill the cache only through single verification of uncached signers.
    let items = [
        Item::signed(&b, b"x".to_vec()),
        Item::signed(&a, b"y".to_vec()),
    ];
    let mut bad_b = Item::signed(&key(2), b"z".to_vec());
    bad_b.message.push(0);
    let refs: Vec<_> = items.iter().chain([&bad_b]).map(Item::as_signed).collect();
    let verdicts = v.verify_batch(&refs, &mut rng(1));
    assert_eq!(verdicts[0], Ok(()));
    assert_eq!(verdicts[1], Ok(()));
    assert!(verdicts[2].is_err());
    assert!(v.cache().contains(b.address()));
    assert!(!v.cache().contains(key(2).address()));
    assert_eq!(v.cache().len(), 2);
}

#[test]
fn cache_respects_capacity_with_clock_eviction() {
    let k: Vec<KeyPair> = (0..6).map(key).collect();
    let mut v = Verifier::new(3);
    let verify = |v: &mut Verifier, i: usize| {
        let item = Item::signed(&k[i], format!("m{i}").into_bytes());
        assert_eq!(
            v.verify_message(&item.address, &item.message, &item.signature),
            Ok(())
        );
    };
    for i in 0..3 {
        verify(&mut v, i);
    }
    assert_eq!(v.cache().len(), 3);
    // Full, no reference bits set: the hand (slot 0) evicts key 0.
    verify(&mut v, 3);
    assert_eq!(v.cache().len(), 3);
    assert!(!v.cache().contains(k[0].address()));
    assert!(
        [1, 2, 3]
            .iter()
            .all(|&i| v.cache().contains(k[i].address()))
    );
    // A hit on key 1 (slot 1, where the hand now is) gives it a second chance:
    // the hand clears its bit and evicts key 2 in slot 2.
    verify(&mut v, 1);
    verify(&mut v, 4);
    assert_eq!(v.cache().len(), 3);
    assert!(!v.cache().contains(k[2].address()));
    assert!(
        [1, 3, 4]
            .iter()
            .all(|&i| v.cache().contains(k[i].address()))
    );
    // Hand is at slot 0 (key 3, bit clear): key 3 goes next.
    verify(&mut v, 5);
    assert!(!v.cache().contains(k[3].address()));
    assert!(
        [1, 4, 5]
            .iter()
            .all(|&i| v.cache().contains(k[i].address()))
    );
    // Capacity 0 never caches.
    let mut none = Verifier::new(0);
    verify(&mut none, 0);
    assert!(none.cache().is_empty());
}

#[test]
fn header_serialisation_flag_is_respected() {
    // BW-SIG-11: the cached entry records which serialisation produced the
    // address; a header selecting the other one fails exactly as single
    // verification does, in single and batch mode.
    let compressed = key(0);
    let uncompressed = KeyPair::new(
        PrivateKey::from_secret_bytes(secret(0).as_bytes(), false, Network::Mainnet).unwrap(),
    );
    assert_ne!(compressed.address(), uncompressed.address());
    let mut v = warmed(8, &[compressed.clone(), uncompressed.clone()]);
    let mut items = Vec::new();
    for (i, kp) in [&compressed, &uncompressed].into_iter().enumerate() {
        let mut good = Item::signed(kp, format!("flag {i}").into_bytes());
        items.push(Item::signed(kp, format!("ok {i}").into_bytes()));
        let mut bytes = *good.signature.as_bytes();
        bytes[0] = if bytes[0] >= 31 {
            bytes[0] - 4
        } else {
            bytes[0] + 4
        };
        good.signature = Signature::from_slice(&bytes).unwrap();
        let expected = good.single_verdict();
        assert_eq!(
            expected.as_ref().map_err(bitwrk_protocol::ErrorCode::code),
            Err("sig.address-mismatch")
        );
        assert_eq!(
            v.verify_message(&good.address, &good.message, &good.signature),
            expected
        );
        items.push(good);
    }
    let refs: Vec<_> = items.iter().map(Item::as_signed).collect();
    let verdicts = v.verify_batch(&refs, &mut rng(2));
    let expected: Vec<_> = items.iter().map(Item::single_verdict).collect();
    assert_eq!(verdicts, expected);
    assert!(verdicts[0].is_ok() && verdicts[2].is_ok());
}

/// A signature whose R has x = r + n (recovery id 2 or 3): such an R exists
/// for r < p − n. We pick r, find a valid R, and let recovery define the
/// "signer" — the key for which (r, s) is valid.
fn high_x_signature(seed: u8, compressed: bool, message: &[u8]) -> Option<(Address, Signature)> {
    for t in 1u8..=255 {
        let mut bytes = [0u8; 65];
        bytes[32] = t;
        bytes[33..65].copy_from_slice(sha256(&[seed, t]).as_bytes());
        for recid in [2u8, 3] {
            bytes[0] = 27 + recid + if compressed { 4 } else { 0 };
            let Ok(sig) = Signature::from_slice(&bytes) else {
                continue;
            };
            if let Ok(key) = sig.recover(&message_digest(message)) {
                return Some((key.address(Network::Mainnet), sig));
            }
        }
    }
    None
}

#[test]
fn recovery_ids_with_x_above_n_batch_like_single() {
    // BW-SIG-7: x = r + n when recovery id bit 1 is set.
    let mut items = Vec::new();
    for seed in 0..4u8 {
        let message = vec![seed; 10];
        let (address, sig) = high_x_signature(seed, seed.is_multiple_of(2), &message).unwrap();
        items.push(Item {
            address,
            message,
            signature: sig,
        });
    }
    let mut v = Verifier::new(8);
    for it in &items {
        assert_eq!(
            v.verify_message(&it.address, &it.message, &it.signature),
            Ok(())
        );
        // Cached path.
        assert_eq!(
            v.verify_message(&it.address, &it.message, &it.signature),
            Ok(())
        );
    }
    let mut bad = Item {
        address: items[0].address,
        message: items[0].message.clone(),
        signature: items[1].signature,
    };
    bad.message.push(1);
    items.push(bad);
    let refs: Vec<_> = items.iter().map(Item::as_signed).collect();
    let expected: Vec<_> = items.iter().map(Item::single_verdict).collect();
    assert!(expected[4].is_err());
    assert_eq!(v.verify_batch(&refs, &mut rng(3)), expected);
}

#[test]
fn uncached_signers_are_verified_singly_and_then_batched() {
    let signers: Vec<KeyPair> = (0..4).map(key).collect();
    let mut v = Verifier::new(16);
    let items: Vec<Item> = (0..8)
        .map(|i| Item::signed(&signers[i % 4], format!("first batch {i}").into_bytes()))
        .collect();
    let refs: Vec<_> = items.iter().map(Item::as_signed).collect();
    assert!(v.verify_batch(&refs, &mut rng(4)).iter().all(Result::is_ok));
    assert_eq!(v.cache().len(), 4);
}

#[test]
fn duplicates_in_a_batch_verify_like_singles() {
    // Identical members give identical points R and Q: the multi-scalar
    // multiplication must handle equal (and merged) terms.
    let signers: Vec<KeyPair> = (0..2).map(key).collect();
    let mut v = warmed(4, &signers);
    let one = Item::signed(&signers[0], b"same".to_vec());
    let mut bad = Item::signed(&signers[1], b"other".to_vec());
    bad.message.push(b'?');
    let items = [&one, &one, &bad, &one, &bad, &one, &one, &one];
    let refs: Vec<_> = items.iter().map(|i| i.as_signed()).collect();
    let expected: Vec<_> = items.iter().map(|i| i.single_verdict()).collect();
    assert!(expected[2].is_err());
    for seed in 0..4 {
        assert_eq!(v.verify_batch(&refs, &mut rng(seed)), expected);
    }
}

#[test]
fn large_batch_finds_every_bad_member() {
    // Large enough for the affine-bucket multi-scalar multiplication
    // (128 R terms plus 2 × 96 signer terms).
    let signers: Vec<KeyPair> = (0..96).map(key).collect();
    let mut v = warmed(128, &signers);
    let mut items: Vec<Item> = (0..128)
        .map(|i| Item::signed(&signers[i % 96], format!("large {i}").into_bytes()))
        .collect();
    for (bad, how) in [
        (5, Tamper::S),
        (50, Tamper::Message),
        (51, Tamper::WrongKey),
    ] {
        assert!(tamper(&mut items[bad], how, signers[0].address()));
    }
    let refs: Vec<_> = items.iter().map(Item::as_signed).collect();
    let expected: Vec<_> = items.iter().map(Item::single_verdict).collect();
    assert_eq!(expected.iter().filter(|r| r.is_err()).count(), 3);
    assert_eq!(v.verify_batch(&refs, &mut rng(9)), expected);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Exactly the tampered member of a batch of cached signers is rejected,
    /// with the error single verification gives.
    #[test]
    fn one_tampered_member_is_identified(
        n in 2usize..=8,
        bad in 0usize..8,
        how in tamper_strategy(),
        n_signers in 1usize..=4,
        seed in any::<u64>(),
    ) {
        let bad = bad % n;
        let signers: Vec<KeyPair> = (0..=n_signers).map(key).collect();
        let mut v = warmed(16, &signers);
        let mut items: Vec<Item> = (0..n)
            .map(|i| Item::signed(&signers[i % n_signers], format!("{seed} {i}").into_bytes()))
            .collect();
        let other = *signers[n_signers].address();
        prop_assume!(tamper(&mut items[bad], how, &other));
        let refs: Vec<_> = items.iter().map(Item::as_signed).collect();
        let verdicts = v.verify_batch(&refs, &mut rng(seed));
        for (i, (verdict, item)) in verdicts.iter().zip(&items).enumerate() {
            if i == bad {
                prop_assert!(verdict.is_err(), "{how:?} not detected");
                prop_assert_eq!(verdict, &item.single_verdict());
            } else {
                prop_assert_eq!(verdict, &Ok(()));
            }
        }
    }

    /// Random mixes of good and bad triples, cached and uncached signers,
    /// small caches: every batch verdict equals the single verdict.
    #[test]
    fn batch_verdicts_equal_single_verdicts(
        plan in prop::collection::vec((0usize..6, prop::option::weighted(0.3, tamper_strategy())), 1..=8),
        warm in 0usize..=6,
        capacity in 0usize..=8,
        seed in any::<u64>(),
    ) {
        let signers: Vec<KeyPair> = (0..6).map(key).collect();
        let mut v = warmed(capacity, &signers[..warm]);
        let mut items = Vec::new();
        for (i, (s, how)) in plan.iter().enumerate() {
            let mut item = Item::signed(&signers[*s], format!("{seed}/{i}").into_bytes());
            if let Some(how) = how {
                tamper(&mut item, *how, signers[(s + 1) % 6].address());
            }
            items.push(item);
        }
        let refs: Vec<_> = items.iter().map(Item::as_signed).collect();
        let expected: Vec<_> = items.iter().map(Item::single_verdict).collect();
        prop_assert_eq!(v.verify_batch(&refs, &mut rng(seed)), expected);
        prop_assert!(v.cache().len() <= capacity);
    }

    /// The k256 path agrees with libsecp256k1 on signatures libsecp256k1
    /// makes, and on random (r, s, recovery id) triples: recovery succeeds
    /// for the same inputs and yields the same key.
    #[test]
    fn agrees_with_libsecp256k1(
        secret in prop::array::uniform32(any::<u8>()),
        message in prop::collection::vec(any::<u8>(), 0..64),
        r in prop::array::uniform32(any::<u8>()),
        s in prop::array::uniform32(any::<u8>()),
        recid in 0u8..4,
        compressed in any::<bool>(),
    ) {
        use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
        let digest = message_digest(&message);
        let msg = secp256k1::Message::from_digest(*digest.as_bytes());
        if let Ok(sk) = secp256k1::SecretKey::from_secret_bytes(secret) {
            let (id, compact) = RecoverableSignature::sign_ecdsa_recoverable(msg, &sk)
                .serialize_compact();
            let mut bytes = [0u8; 65];
            bytes[0] = 27 + u8::from(id) + if compressed { 4 } else { 0 };
            bytes[1..].copy_from_slice(&compact);
            let sig = Signature::from_slice(&bytes).unwrap();
            let ours = KeyPair::new(PrivateKey::from_secret_bytes(&secret, compressed, Network::Mainnet).unwrap());
            // Bit-identical RFC 6979 signatures (BW-SIG-8).
            prop_assert_eq!(sign_message(ours.private_key(), &message), sig);
            let mut v = Verifier::new(4);
            prop_assert_eq!(v.verify_message(ours.address(), &message, &sig), Ok(()));
            prop_assert_eq!(v.verify_message(ours.address(), &message, &sig), Ok(()));
        }
        let mut bytes = [0u8; 65];
        bytes[0] = 27 + recid + if compressed { 4 } else { 0 };
        bytes[1..33].copy_from_slice(&r);
        bytes[33..].copy_from_slice(&s);
        let theirs = RecoverableSignature::from_compact(&bytes[1..], RecoveryId::from_u8_masked(recid))
            .ok()
            .and_then(|sig| sig.recover_ecdsa(msg).ok());
        match Signature::from_slice(&bytes) {
            Ok(sig) => {
                let ours = sig.recover(&digest).ok();
                let theirs = theirs.map(|pk| if compressed { pk.serialize().to_vec() } else { pk.serialize_uncompressed().to_vec() });
                prop_assert_eq!(ours.map(|k| k.serialize()), theirs);
            }
            // r or s out of range: libsecp256k1 rejects those too.
            Err(_) => prop_assert!(theirs.is_none()),
        }
    }
}

/// A document for `verify_documents`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Doc {
    text: String,
    signer: Address,
    signature: String,
}

impl signature::SignedDocument for Doc {
    fn document(&self) -> String {
        self.text.clone()
    }
    fn signer(&self) -> &Address {
        &self.signer
    }
    fn signature(&self) -> &str {
        &self.signature
    }
}

// BW-SIG-9, BW-SIG-10, BW-SIG-13: batch verification of documents gives
// each document the verdict of `verify_document_in`, in both modes, for
// good, tampered, malformed and 0.7-legacy-signed documents.
#[test]
fn verify_documents_equals_verify_document_in() {
    use signature::{
        VerifyMode, legacy_07_digest, sign_digest, verify_document_in, verify_documents,
    };
    let signers: Vec<KeyPair> = (0..3).map(key).collect();
    let mut docs = Vec::new();
    for (i, s) in signers.iter().cycle().take(9).enumerate() {
        let text = format!("doc {i} {}", "x".repeat(if i % 3 == 0 { 300 } else { 10 }));
        let sig = match i % 4 {
            // 0.7 legacy digest (only the long texts differ from Bitcoin's)
            0 => sign_digest(s.private_key(), &legacy_07_digest(text.as_bytes())).to_base64(),
            1 => "not base64".to_owned(),
            2 => sign_message(signers[(i + 1) % 3].private_key(), text.as_bytes()).to_base64(),
            _ => sign_message(s.private_key(), text.as_bytes()).to_base64(),
        };
        docs.push(Doc {
            text,
            signer: *s.address(),
            signature: sig,
        });
    }
    for mode in [VerifyMode::Strict, VerifyMode::Compat07] {
        let expected: Vec<_> = docs
            .iter()
            .map(|d| verify_document_in(mode, d.clone()).map(|v| v.into_inner()))
            .collect();
        let mut v = Verifier::with_mode(8, mode);
        // Twice: the second round has every signer cached (the batch path).
        for round in 0..2 {
            let got: Vec<_> = verify_documents(&mut v, docs.clone(), &mut rng(round))
                .into_iter()
                .map(|r| r.map(|v| v.into_inner()))
                .collect();
            assert_eq!(got, expected, "mode {mode:?}, round {round}");
        }
        assert!(expected.iter().any(Result::is_ok) && expected.iter().any(Result::is_err));
    }
}
