//! Property tests: round trips, sign→verify, tamper rejection, and parsers
//! that never panic. Requirement IDs are cited per property.

use bitwrk_protocol::address::Network;
use bitwrk_protocol::encoding::{base58, hex};
use bitwrk_protocol::hash::Hash160;
use bitwrk_protocol::money::{Currency, Money, MoneyError};
use bitwrk_protocol::signature::{self, Signature};
use bitwrk_protocol::{Address, Hash256, KeyPair, PrivateKey};
use proptest::prelude::*;

fn network() -> impl Strategy<Value = Network> {
    prop_oneof![Just(Network::Mainnet), Just(Network::Testnet)]
}

fn currency() -> impl Strategy<Value = Currency> {
    proptest::sample::select(Currency::ALL.to_vec())
}

/// A private key with a random scalar in [1, n−1] (the filter rejects with
/// probability about 2^-128).
fn private_key() -> impl Strategy<Value = PrivateKey> {
    (any::<[u8; 32]>(), any::<bool>(), network())
        .prop_filter_map("scalar out of range", |(bytes, compressed, net)| {
            PrivateKey::from_secret_bytes(&bytes, compressed, net).ok()
        })
}

/// Text shaped like an amount: any unit symbol, optional space and sign,
/// up to 12 integral and 9 fraction digits.
fn amount_text() -> impl Strategy<Value = String> {
    "(BTC|mBTC|uBTC|satoshi|EUR|€|USD|\\$|BRL|R\\$|GBP|£) ?-?[0-9]{1,12}(\\.[0-9]{1,9})?"
}

proptest! {
    // BW-KEY-1, BW-KEY-2, BW-KEY-3: WIF encode/decode is lossless.
    #[test]
    fn wif_round_trip(key in private_key()) {
        let wif = key.to_wif();
        let back = PrivateKey::from_wif(&wif).unwrap();
        prop_assert_eq!(back.to_wif(), wif);
        prop_assert_eq!(back.is_compressed(), key.is_compressed());
        prop_assert_eq!(back.network(), key.network());
        prop_assert_eq!(back.public_key(), key.public_key());
    }

    // BW-KEY-4, BW-ADDR-1, BW-ADDR-2, BW-ADDR-3: format/parse round trip.
    #[test]
    fn address_round_trip(hash in any::<[u8; 20]>(), net in network()) {
        let a = Address::new(net, Hash160::from_byte_array(hash));
        let text = a.to_string();
        prop_assert_eq!(Address::parse(&text), Ok(a));
        prop_assert_eq!(Address::parse_for(&text, net), Ok(a));
        let other = if net == Network::Mainnet { Network::Testnet } else { Network::Mainnet };
        prop_assert!(Address::parse_for(&text, other).is_err());
    }

    // BW-ADDR-1: a key's address parses back to the HASH160 of its serialisation.
    #[test]
    fn key_address_round_trip(key in private_key()) {
        let kp = KeyPair::new(key);
        let parsed = Address::parse(&kp.address().to_string()).unwrap();
        prop_assert_eq!(parsed.hash(), &kp.public_key().hash160());
        prop_assert_eq!(kp.public_key().serialize().len(), if kp.private_key().is_compressed() { 33 } else { 65 });
    }

    // BW-ENC-3, BW-ENC-4: base58 and base58check round trips.
    #[test]
    fn base58_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(base58::decode(&base58::encode(&bytes)), Ok(bytes.clone()));
        let checked = base58::encode_check(&bytes);
        if bytes.is_empty() {
            // Only the 4 checksum bytes: too short to decode (BW-ENC-4).
            prop_assert!(base58::decode_check(&checked).is_err());
        } else {
            prop_assert_eq!(base58::decode_check(&checked), Ok(bytes));
        }
    }

    // BW-MONEY-6, BW-MONEY-7, BW-MONEY-4: the canonical text of any amount
    // either parses back to the same amount, or is rejected only for its
    // integral digit count; below 10^17 smallest units it always parses.
    #[test]
    fn money_format_then_parse(amount in any::<i64>(), cur in currency()) {
        let m = Money::new(amount, cur);
        match Money::parse(&m.to_string()) {
            Ok(back) => prop_assert_eq!(back, m),
            Err(e) => {
                prop_assert_eq!(e, MoneyError::TooManyIntegralDigits);
                prop_assert!(amount.unsigned_abs() >= 100_000_000_000_000_000);
            }
        }
    }

    // Same, concentrated on the always-parseable range.
    #[test]
    fn money_format_then_parse_small(amount in -99_999_999_999_999_999i64..=99_999_999_999_999_999, cur in currency()) {
        let m = Money::new(amount, cur);
        prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
    }

    // BW-MONEY-2 … BW-MONEY-8: parse → format → parse is idempotent, and the
    // JSON form decodes to the same value.
    #[test]
    fn money_parse_format_parse(text in amount_text()) {
        if let Ok(m) = Money::parse(&text) {
            let canonical = m.to_string();
            let again = Money::parse(&canonical).unwrap();
            prop_assert_eq!(again, m);
            prop_assert_eq!(again.to_string(), canonical);
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        }
    }

    // BW-SIG-8, BW-SIG-9: what we sign verifies, low-S, header in range.
    #[test]
    fn sign_then_verify(key in private_key(), msg in proptest::collection::vec(any::<u8>(), 0..300)) {
        let kp = KeyPair::new(key);
        let sig = signature::sign_message(kp.private_key(), &msg);
        prop_assert!(!sig.is_high_s());
        prop_assert_eq!(sig.is_compressed(), kp.private_key().is_compressed());
        prop_assert_eq!(signature::verify_message(kp.address(), &msg, &sig), Ok(()));
        let text = sig.to_base64();
        prop_assert_eq!(Signature::from_base64(&text), Ok(sig));
        prop_assert!(signature::verify_message_text(&kp.address().to_string(), &msg, &text).is_ok());
    }

    // BW-SIG-3, BW-SIG-6, BW-SIG-7, BW-SIG-9: flipping any one of the 520
    // signature bits is rejected — by parsing or by verification. (A flipped
    // header bit may stay in 27–34; it then names another R or key form.)
    #[test]
    fn signature_bit_flip_rejected(key in private_key(), msg in proptest::collection::vec(any::<u8>(), 0..64), bit in 0usize..520) {
        let kp = KeyPair::new(key);
        let mut bytes = *signature::sign_message(kp.private_key(), &msg).as_bytes();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let verdict = Signature::from_slice(&bytes)
            .and_then(|s| signature::verify_message(kp.address(), &msg, &s));
        prop_assert!(verdict.is_err(), "bit {} flipped and still valid", bit);
    }

    // BW-DOC-3, BW-SIG-9: flipping any bit of the message is rejected.
    #[test]
    fn message_bit_flip_rejected(key in private_key(), msg in proptest::collection::vec(any::<u8>(), 1..64), bit in any::<proptest::sample::Index>()) {
        let kp = KeyPair::new(key);
        let sig = signature::sign_message(kp.private_key(), &msg);
        let mut tampered = msg.clone();
        let i = bit.index(msg.len() * 8);
        tampered[i / 8] ^= 1 << (i % 8);
        prop_assert!(signature::verify_message(kp.address(), &tampered, &sig).is_err());
    }

    // Parsers never panic on arbitrary text.
    #[test]
    fn text_parsers_never_panic(s in any::<String>()) {
        let _ = Money::parse(&s);
        let _ = Address::parse(&s);
        let _ = PrivateKey::from_wif(&s);
        let _ = Signature::from_base64(&s);
        let _ = base58::decode_check(&s);
        let _ = hex::decode_array::<32>(&s);
        let _ = s.parse::<Hash256>();
        let _ = s.parse::<Currency>();
        let _ = signature::verify_message_text(&s, s.as_bytes(), &s);
    }

    // … and on text drawn from the alphabets they accept, which gets deeper.
    #[test]
    fn base58_parsers_never_panic(s in "[1-9A-HJ-NP-Za-km-z]{0,60}") {
        let _ = Address::parse(&s);
        let _ = PrivateKey::from_wif(&s);
        let _ = base58::decode_check(&s);
    }

    #[test]
    fn base64_parser_never_panics(s in "[A-Za-z0-9+/]{86,88}={0,2}") {
        let _ = Signature::from_base64(&s);
    }

    #[test]
    fn hex_parser_never_panics(s in "[0-9a-fA-F]{62,66}") {
        let _ = hex::decode_array::<32>(&s);
        let _ = s.parse::<Hash256>();
    }

    // Raw bytes: parsing and recovery never panic (BW-SIG-7).
    #[test]
    fn signature_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..70), digest in any::<[u8; 32]>()) {
        if let Ok(sig) = Signature::from_slice(&bytes) {
            let _ = sig.recover(&Hash256::from_byte_array(digest));
        }
    }

    #[test]
    fn recovery_never_panics(header in 27u8..=34, rs in any::<[u8; 64]>(), digest in any::<[u8; 32]>()) {
        let mut bytes = [0u8; 65];
        bytes[0] = header;
        bytes[1..].copy_from_slice(&rs);
        if let Ok(sig) = Signature::from_slice(&bytes) {
            let _ = sig.recover(&Hash256::from_byte_array(digest));
        }
    }
}
