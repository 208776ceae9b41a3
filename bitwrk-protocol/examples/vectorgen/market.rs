//! Shared pieces of the marketplace vectors (sections 8–14): the fixed
//! participant keys, the time origin, the reference escaping used in
//! documents and conversions to the crate's types for the cross-checks.

use bitwrk_protocol::{Address, Currency, Money, Network, PrivateKey};

use crate::{Key, Net, b64, ref_escape, sha256};

/// The time origin of the marketplace vectors: 2024-01-01T00:00:00Z in
/// milliseconds since the Unix epoch.
pub(crate) const T0: i64 = 1_704_067_200_000;

/// The key of a named participant: secret SHA-256("bitwrk example <name>"),
/// compressed, mainnet (the convention of the spec's worked examples).
pub(crate) fn participant(name: &str) -> Key {
    Key::new(
        sha256(format!("bitwrk example {name}").as_bytes()),
        true,
        Net::Main,
    )
}

/// The sentence the headers use to describe [`participant`].
pub(crate) const KEY_RULE: &str = "Participant keys: the key named N has the secret SHA-256(\"bitwrk example N\") (UTF-8), is compressed and lives on mainnet; buyer = 1AD5KWi9gvqg3xmkgvSDM9PvcnFcaWFke7 and seller = 1QJuKkze4XCyCq5UbMNWqvqfJ8aw7zMnuC as in the spec's worked examples.";

/// Checks the named keys against the addresses printed in the spec.
pub(crate) fn check_spec_keys() {
    assert_eq!(
        participant("buyer").address(),
        "1AD5KWi9gvqg3xmkgvSDM9PvcnFcaWFke7"
    );
    assert_eq!(
        participant("seller").address(),
        "1QJuKkze4XCyCq5UbMNWqvqfJ8aw7zMnuC"
    );
}

/// The crate's private key for a generator key.
pub(crate) fn crate_key(k: &Key) -> PrivateKey {
    let net = match k.net {
        Net::Main => Network::Mainnet,
        Net::Test => Network::Testnet,
    };
    PrivateKey::from_secret_bytes(&k.secret, k.compressed, net).expect("valid test key")
}

/// The crate's address for a text the generator knows to be valid.
pub(crate) fn crate_addr(s: &str) -> Address {
    Address::parse(s).expect("valid address")
}

/// BW-DOC-2 written from the spec: drop ASCII spaces, then escape.
pub(crate) fn ref_normalize(s: &str) -> String {
    ref_escape(&s.replace(' ', ""))
}

/// A currency by code.
pub(crate) fn cur(code: &str) -> Currency {
    code.parse().expect("currency code")
}

/// Money in the crate's type.
pub(crate) fn money(amount: i64, code: &str) -> Money {
    Money::new(amount, cur(code))
}

/// What the signature in a form covers.
#[derive(Clone)]
pub(crate) enum Sig {
    /// The participant key signs the document (the normal case).
    Own,
    /// Another key signs the document.
    Key(Key),
    /// The participant key signs another text.
    Text(String),
    /// A literal signature.
    Literal(String),
}

impl Sig {
    /// The base64 signature text for `document` signed by `own` as described.
    pub(crate) fn render(&self, own: &Key, document: &str) -> String {
        match self {
            Sig::Own => b64(&own.sign(document.as_bytes())),
            Sig::Key(k) => b64(&k.sign(document.as_bytes())),
            Sig::Text(t) => b64(&own.sign(t.as_bytes())),
            Sig::Literal(s) => s.clone(),
        }
    }
}
