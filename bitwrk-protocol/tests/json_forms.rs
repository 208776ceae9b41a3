//! Snapshots of the JSON forms of the protocol's value types, as produced by
//! `serde_json`. A changed snapshot is a wire-format change: review it
//! against the spec before accepting (`INSTA_UPDATE=always cargo test`).
//! Each form must also decode back to the same value.

use bitwrk_protocol::hash::{hash160, sha256d};
use bitwrk_protocol::money::{Currency, Money};
use bitwrk_protocol::{Address, Hash160, Hash256, KeyPair, Network, Signature, signature};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON text of `value`, after checking that it decodes to `value` again.
fn json<T: Serialize + DeserializeOwned + PartialEq + core::fmt::Debug>(value: &T) -> String {
    let text = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, value, "JSON round trip of {text}");
    text
}

// BW-MONEY-7, BW-MONEY-8: a JSON string holding the canonical form.
#[test]
fn money_json() {
    let lines: Vec<String> = [
        Money::new(0, Currency::Btc),
        Money::new(1, Currency::Btc),
        Money::new(-1, Currency::Btc),
        Money::new(150_000, Currency::Btc),
        Money::new(123_456_789, Currency::Btc),
        Money::new(1_000_000_000, Currency::Eur),
        Money::new(-1_500_000_000, Currency::Usd),
        Money::new(123_450_000_000, Currency::Brl),
        Money::new(1, Currency::Gbp),
        Money::new(99_999_999_999_999_999, Currency::Btc),
    ]
    .iter()
    .map(json)
    .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

// BW-ENC-1, BW-ENC-5: lower-case hex in byte order.
#[test]
fn hash_json() {
    let h256 = sha256d(b"");
    let h160 = hash160(b"");
    let lines = [
        json(&h256),
        json(&Hash256::from_byte_array([0; 32])),
        json(&h160),
        json(&Hash160::from_byte_array([0xab; 20])),
    ];
    insta::assert_snapshot!(lines.join("\n"));
    // Upper-case hex is not accepted back (BW-ENC-1).
    assert!(serde_json::from_str::<Hash256>(&lines[0].to_uppercase()).is_err());
}

// BW-ADDR-1, BW-ADDR-2: the base58check text.
#[test]
fn address_json() {
    let lines = [
        json(&Address::new(
            Network::Mainnet,
            Hash160::from_byte_array([0; 20]),
        )),
        json(&Address::new(
            Network::Testnet,
            Hash160::from_byte_array([0; 20]),
        )),
        json(&Address::new(Network::Mainnet, hash160(b"bitwrk"))),
    ];
    insta::assert_snapshot!(lines.join("\n"));
    assert!(serde_json::from_str::<Address>("\"1111111111111111111114oLvT3\"").is_err());
}

// BW-SIG-2, BW-SIG-8: canonical base64 of the 65 bytes.
#[test]
fn signature_json() {
    let kp = KeyPair::from_wif("L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu").unwrap();
    let sig = signature::sign_message(kp.private_key(), b"BitWrk");
    let legacy: Signature =
        "IJlJB/iYZ/j/Edh2EBLrHfBD5E1FF10Gf0QuS/jZWsHzHswQSxTRCBNQ7oiB939COu53jfOOuBe+tW8wJ80WXRs="
            .parse()
            .unwrap();
    let lines = [json(&sig), json(&legacy)];
    insta::assert_snapshot!(lines.join("\n"));
    assert!(serde_json::from_str::<Signature>("\"AAE=\"").is_err());
}
