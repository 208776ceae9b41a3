use super::*;
use crate::error::ErrorCode;
use crate::nonce::NonceRegistry;
use crate::signature::verified::verify_document;

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const NONCE: &str = "0123456789abcdef0123456789abcdef";

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[n; 32], true, Network::Mainnet).unwrap()
}

fn addr(n: u8) -> Address {
    key(n).public_key().address(Network::Mainnet)
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A well-formed signed form from key 1 about key 2, with one field replaced
/// (or removed when `value` is `None`).
fn with(field: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut f =
        SignedRelation::signed(&key(1), RelationType::Trusts, addr(2), true, NONCE).to_form();
    f.retain(|(k, _)| k != field);
    if let Some(v) = value {
        f.push((field.to_owned(), v.to_owned()));
    }
    f
}

fn code(fields: &[(String, String)]) -> &'static str {
    SignedRelation::from_form(fields).unwrap_err().code()
}

#[test]
fn fields_present_once() {
    // BW-REL-1
    for name in FORM_FIELDS {
        let f = with(name, None);
        assert_eq!(
            SignedRelation::from_form(&f).unwrap_err(),
            RelationError::MissingField { field: name }
        );
        let mut dup = with(name, None);
        let good = with("", None);
        let value = &good.iter().find(|(k, _)| k == name).unwrap().1;
        dup.push((name.to_owned(), value.clone()));
        dup.push((name.to_owned(), value.clone()));
        assert_eq!(
            SignedRelation::from_form(&dup).unwrap_err(),
            RelationError::DuplicateField { field: name }
        );
    }
    // Fields are checked in FORM_FIELDS order: a missing `type` is reported
    // after a duplicate `enabled`.
    let mut f = with("type", None);
    f.push(("enabled".into(), "true".into()));
    assert_eq!(code(&f), "relation.duplicate-field");
    // Unknown fields are ignored.
    let mut f = with("", None);
    f.push(("comment".into(), "x".into()));
    assert!(SignedRelation::from_form(&f).is_ok());
}

#[test]
fn addresses() {
    // BW-REL-2
    assert_eq!(
        code(&with("source", Some("1BadAddress"))),
        "relation.bad-source"
    );
    assert_eq!(code(&with("target", Some(""))), "relation.bad-target");
    let testnet = PrivateKey::from_secret_bytes(&[2; 32], true, Network::Testnet)
        .unwrap()
        .public_key()
        .address(Network::Testnet)
        .to_string();
    let e = SignedRelation::from_form(&with("target", Some(&testnet))).unwrap_err();
    assert_eq!(
        e,
        RelationError::BadTarget {
            source: AddressError::WrongNetwork {
                expected: Network::Mainnet,
                found: Network::Testnet
            }
        }
    );
    // The network is configurable.
    let tkey = PrivateKey::from_secret_bytes(&[1; 32], true, Network::Testnet).unwrap();
    let t = SignedRelation::signed(
        &tkey,
        RelationType::Worksfor,
        Address::parse(&testnet).unwrap(),
        true,
        NONCE,
    );
    assert_eq!(
        SignedRelation::from_form_for(&t.to_form(), Network::Testnet).unwrap(),
        t
    );
    assert_eq!(code(&t.to_form()), "relation.bad-source");
    // Source and target must differ.
    let me = addr(1).to_string();
    assert_eq!(
        SignedRelation::from_form(&with("target", Some(&me))).unwrap_err(),
        RelationError::SameSourceTarget
    );
}

#[test]
fn relation_type() {
    // BW-REL-3
    for t in RelationType::ALL {
        assert_eq!(RelationType::parse(t.as_str()), Some(t));
        let r = SignedRelation::from_form(&with("type", Some(t.as_str()))).unwrap();
        assert_eq!(r.kind(), t);
    }
    assert_eq!(RelationType::Trusts.as_int(), 1);
    assert_eq!(RelationType::Worksfor.as_int(), 2);
    for bad in [
        "",
        "Trusts",
        "TRUSTS",
        "trusts ",
        "works for",
        "1",
        "worksFor",
    ] {
        assert_eq!(
            SignedRelation::from_form(&with("type", Some(bad))).unwrap_err(),
            RelationError::BadType {
                found: bad.to_owned()
            },
            "{bad:?}"
        );
    }
}

#[test]
fn enabled_flag() {
    // BW-REL-4
    for (text, value) in [("true", true), ("false", false)] {
        let r = SignedRelation::from_form(&with("enabled", Some(text))).unwrap();
        assert_eq!(r.enabled(), value);
    }
    for bad in ["", "True", "1", "0", "yes", " true"] {
        assert_eq!(
            code(&with("enabled", Some(bad))),
            "relation.bad-enabled",
            "{bad:?}"
        );
    }
}

#[test]
fn document_text() {
    // BW-REL-5
    let r = SignedRelation::signed(&key(1), RelationType::Worksfor, addr(2), false, NONCE);
    let expected = format!(
        "enabled=false&nonce={NONCE}&source={}&target={}&type=worksfor",
        addr(1),
        addr(2)
    );
    assert_eq!(r.document(), expected);
    // Values are normalised: spaces removed, then escaped.
    let odd = SignedRelation::from_form(&with("nonce", Some("a b/c"))).unwrap();
    assert!(
        odd.document().contains("&nonce=ab%2Fc&"),
        "{}",
        odd.document()
    );
    assert_eq!(odd.nonce(), "a b/c");
}

#[test]
fn signed_by_source() {
    // BW-REL-6
    let good = SignedRelation::signed(&key(1), RelationType::Trusts, addr(2), true, NONCE);
    let parsed = SignedRelation::from_form(&good.to_form()).unwrap();
    let v = verify_document(parsed).unwrap();
    assert_eq!(v.source(), &addr(1));

    // Signed by the target instead of the source.
    let by_target = SignedRelation::signed(&key(2), RelationType::Trusts, addr(1), true, NONCE);
    let f = with("signature", Some(&by_target.to_form()[2].1));
    let parsed = SignedRelation::from_form(&f).unwrap();
    assert_eq!(
        verify_document(parsed).unwrap_err().code(),
        "sig.address-mismatch"
    );
    // Any change of a signed field breaks the signature.
    for (field, value) in [("enabled", "false"), ("type", "worksfor"), ("nonce", "ff")] {
        let parsed = SignedRelation::from_form(&with(field, Some(value))).unwrap();
        assert_eq!(
            verify_document(parsed).unwrap_err().code(),
            "sig.address-mismatch",
            "{field}"
        );
    }
    let parsed = SignedRelation::from_form(&with("signature", Some("not base64"))).unwrap();
    assert_eq!(
        verify_document(parsed).unwrap_err().code(),
        "sig.bad-base64"
    );
}

#[test]
fn check_order() {
    // BW-REL-7
    // Bad source, bad target, equal addresses, bad enabled, bad type all at
    // once: each is reported only once the earlier checks pass.
    let a = addr(1).to_string();
    let mut f = form(&[
        ("enabled", "maybe"),
        ("nonce", NONCE),
        ("signature", "x"),
        ("source", "bad"),
        ("target", "bad"),
        ("type", "likes"),
    ]);
    let expect = [
        "relation.bad-source",
        "relation.bad-target",
        "relation.same-source-target",
        "relation.bad-enabled",
        "relation.bad-type",
    ];
    for (step, expected) in expect.iter().enumerate() {
        assert_eq!(code(&f), *expected);
        match step {
            0 => f[3].1 = a.clone(),
            1 => f[4].1 = a.clone(),
            2 => f[4].1 = addr(2).to_string(),
            3 => f[0].1 = "true".into(),
            _ => f[5].1 = "trusts".into(),
        }
    }
    // Only the signature is left, and it is checked after the fields.
    let parsed = SignedRelation::from_form(&f).unwrap();
    assert_eq!(
        verify_document(parsed).unwrap_err().code(),
        "sig.bad-base64"
    );
}

#[test]
fn nonce_consumed_only_after_signature() {
    // BW-REL-7, BW-NONCE-4
    let mut nonces = NonceRegistry::new(10);
    let nonce = nonces.issue(T0, &[9; 16]).unwrap();
    let forged =
        SignedRelation::signed(&key(2), RelationType::Trusts, addr(3), true, nonce.as_str());
    let mut f = forged.to_form();
    f[3].1 = addr(1).to_string(); // claims source 1, signed by 2
    let ticket = nonces
        .check(T0, SignedRelation::from_form(&f).unwrap().nonce())
        .unwrap();
    let before = nonces.clone();
    assert!(verify_document(SignedRelation::from_form(&f).unwrap()).is_err());
    drop(ticket);
    assert_eq!(nonces, before, "a failed relation does not burn the nonce");

    let good = SignedRelation::signed(&key(1), RelationType::Trusts, addr(3), true, nonce.as_str());
    let ticket = nonces.check(T0, good.nonce()).unwrap();
    let v = verify_document(SignedRelation::from_form(&good.to_form()).unwrap()).unwrap();
    nonces.consume(T0, ticket).unwrap();
    let mut store = RelationStore::new();
    assert!(store.apply(T0, &v).is_none());
    assert_eq!(
        nonces.check(T0, nonce.as_str()).unwrap_err().code(),
        "nonce.used"
    );
}

fn verified(signer: u8, kind: RelationType, target: u8, enabled: bool) -> Verified<SignedRelation> {
    verify_document(SignedRelation::signed(
        &key(signer),
        kind,
        addr(target),
        enabled,
        NONCE,
    ))
    .unwrap()
}

#[test]
fn last_write_wins() {
    // BW-REL-8
    let mut store = RelationStore::new();
    assert!(store.is_empty());
    let on = verified(1, RelationType::Trusts, 2, true);
    let off = verified(1, RelationType::Trusts, 2, false);
    assert_eq!(store.apply(T0, &on), None);
    let t1 = Timestamp::from_millis(T0.as_millis() + 5000);
    let old = store.apply(t1, &off).unwrap();
    assert!(old.enabled);
    assert_eq!(old.last_modified, T0);
    let now = store.get(&addr(1), RelationType::Trusts, &addr(2)).unwrap();
    assert!(!now.enabled);
    assert_eq!(now.last_modified, t1);
    assert_eq!(now.document, off.document());
    assert_eq!(store.len(), 1);
    // A later write wins even when its time is earlier.
    store.apply(T0, &on);
    assert!(
        store
            .get(&addr(1), RelationType::Trusts, &addr(2))
            .unwrap()
            .enabled
    );
    // Type and direction are part of the key.
    store.apply(T0, &verified(1, RelationType::Worksfor, 2, true));
    store.apply(T0, &verified(2, RelationType::Trusts, 1, true));
    assert_eq!(store.len(), 3);
    let keys: Vec<_> = store.iter().map(Relation::key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn json_shape() {
    // BW-REL-9
    let v = verified(1, RelationType::Worksfor, 2, true);
    let r = Relation::from_verified(T0, &v);
    let json = serde_json::to_value(&r).unwrap();
    let obj = json.as_object().unwrap();
    let keys: Vec<_> = obj.keys().map(String::as_str).collect();
    let mut expected = vec![
        "Source",
        "Target",
        "Type",
        "Enabled",
        "Document",
        "Signature",
        "LastModified",
    ];
    expected.sort_unstable();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    assert_eq!(json["Type"], "worksfor");
    assert_eq!(json["Enabled"], true);
    assert_eq!(json["Source"], addr(1).to_string());
    assert_eq!(json["LastModified"], crate::rfc3339::format(T0));
    let back: Relation = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, r);
    let mut bad = json;
    bad["Type"] = serde_json::json!(2);
    assert!(serde_json::from_value::<Relation>(bad).is_err());
}

#[test]
fn trusted_sellers() {
    // BW-REL-10
    let trust = addr(1);
    let seller = addr(2);
    let mut store = RelationStore::new();
    assert!(!store.is_trusted_by(&trust, &seller), "absent");
    store.apply(T0, &verified(1, RelationType::Worksfor, 2, true));
    store.apply(T0, &verified(2, RelationType::Trusts, 1, true));
    store.apply(T0, &verified(3, RelationType::Trusts, 2, true));
    assert!(
        !store.is_trusted_by(&trust, &seller),
        "wrong type, direction or source"
    );
    store.apply(T0, &verified(1, RelationType::Trusts, 2, false));
    assert!(!store.is_trusted_by(&trust, &seller), "disabled");
    store.apply(T0, &verified(1, RelationType::Trusts, 2, true));
    assert!(store.is_trusted_by(&trust, &seller));
    assert!(!store.is_trusted_by(&trust, &addr(3)));
}

#[test]
fn codes() {
    // BW-REL-1, BW-REL-2, BW-REL-3, BW-REL-4
    assert_eq!(RelationError::CODES.len(), 7);
    assert!(
        RelationError::CODES
            .iter()
            .all(|c| c.starts_with("relation."))
    );
    assert_eq!(
        RelationError::SameSourceTarget.to_string(),
        "source and target must differ"
    );
}

#[test]
fn spec_example_document() {
    // BW-REL-5: the example in section 14.2.2 is what relation_document builds.
    let spec = include_str!("../../../spec/14-deposits-relations.md");
    let source = Address::parse("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").unwrap();
    let target = Address::parse("17mDAmveV5wBwxajBsY7g1trbMW1DVWcgL").unwrap();
    let doc = relation_document(true, NONCE, &source, &target, RelationType::Trusts);
    assert!(spec.contains(&format!("`{doc}`")), "{doc}");
}
