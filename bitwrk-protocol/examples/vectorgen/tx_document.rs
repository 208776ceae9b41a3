//! `tx_document.json`: transaction-message form pairs → canonical signed
//! document, or the first failing form check (spec section 12.6).

use bitwrk_protocol::ErrorCode;
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::signature::verify_document;
use bitwrk_protocol::tx::TxMessage;

use crate::market::{KEY_RULE, Sig, participant};
use crate::{
    Case, J, Key, Net, Outcome, VFile, Verdict, When, b64, case, hx, msg_digest, note,
    oracle_address, oracle_verify, ours, ref_escape, rule, s_hex_len, s_string, strs,
};

struct Tc {
    comment: String,
    txid: String,
    /// Pairs before `address` and `signature` (may include `txid`).
    args: Vec<(String, String)>,
    key: Key,
    address: Option<String>,
    sig: Option<Sig>,
    /// Pairs after `address` and `signature`.
    extra: Vec<(String, String)>,
    flags: Vec<&'static str>,
    req: Vec<&'static str>,
}

fn tc(comment: &str, key: &Key, args: &[(&str, &str)]) -> Tc {
    Tc {
        comment: comment.to_owned(),
        txid: "42".to_owned(),
        args: args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        key: *key,
        address: Some(key.address()),
        sig: Some(Sig::Own),
        extra: Vec::new(),
        flags: Vec::new(),
        req: Vec::new(),
    }
}

impl Tc {
    fn txid(mut self, t: &str) -> Self {
        self.txid = t.to_owned();
        self
    }
    fn addr(mut self, a: Option<&str>) -> Self {
        self.address = a.map(str::to_owned);
        self
    }
    fn sig(mut self, s: Option<Sig>) -> Self {
        self.sig = s;
        self
    }
    fn extra(mut self, k: &str, v: &str) -> Self {
        self.extra.push((k.to_owned(), v.to_owned()));
        self
    }
    fn flags(mut self, f: &[&'static str]) -> Self {
        self.flags.extend_from_slice(f);
        self
    }
    fn req(mut self, r: &[&'static str]) -> Self {
        self.req.extend_from_slice(r);
        self
    }
}

/// `escape(k)=escape(v)` or `escape(k)` (BW-TXDOC-3, from the spec text).
fn ref_pair(k: &str, v: &str) -> String {
    if v.is_empty() {
        ref_escape(k)
    } else {
        format!("{}={}", ref_escape(k), ref_escape(v))
    }
}

/// The signed pairs: every argument pair (with `txid`, added if absent).
fn signed_pairs(t: &Tc) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = t
        .args
        .iter()
        .chain(&t.extra)
        .filter(|(k, _)| k != "signature" && k != "address")
        .cloned()
        .collect();
    if !v.iter().any(|(k, _)| k == "txid") {
        v.push(("txid".to_owned(), t.txid.clone()));
    }
    v
}

fn ref_document(t: &Tc) -> String {
    let mut e: Vec<String> = signed_pairs(t)
        .iter()
        .map(|(k, v)| ref_pair(k, v))
        .collect();
    e.sort();
    e.join("&")
}

/// BW-TXDOC-5's order, from the spec text.
fn ref_check(pairs: &[(String, String)], txid: &str, doc: &str) -> Result<(), &'static str> {
    let mut seen = std::collections::BTreeSet::new();
    for (k, _) in pairs {
        if !seen.insert(k.as_str()) {
            return Err("txdoc.duplicate-argument");
        }
    }
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    if get("txid").is_some_and(|v| v != txid) {
        return Err("txdoc.txid-mismatch");
    }
    let sig = get("signature").ok_or("txdoc.missing-signature")?;
    let addr = get("address").ok_or("txdoc.missing-address")?;
    oracle_address(addr)?;
    match oracle_verify(addr, doc.as_bytes(), sig) {
        Verdict::Valid { .. } => Ok(()),
        Verdict::Invalid { code, .. } => Err(code),
    }
}

fn to_case(t: Tc) -> Case {
    let doc = ref_document(&t);
    let mut pairs = t.args.clone();
    if let Some(a) = &t.address {
        pairs.push(("address".into(), a.clone()));
    }
    if let Some(s) = &t.sig {
        let text = s.render(&t.key, &doc);
        pairs.push(("signature".into(), text));
    }
    pairs.extend(t.extra.iter().cloned());
    let expected = ref_check(&pairs, &t.txid, &doc);
    let id = TxId(t.txid.parse().expect("txid"));
    let got = TxMessage::from_form(id, &pairs)
        .map_err(|e| e.code())
        .and_then(|m| {
            assert_eq!(
                bitwrk_protocol::signature::SignedDocument::document(&m),
                doc,
                "{}",
                t.comment
            );
            verify_document(m).map_err(|e| e.code())
        });
    let mut c = case(t.comment.clone())
        .flags(&t.flags)
        .req(&t.req)
        .f("txid", t.txid.as_str())
        .f(
            "pairs",
            J::A(
                pairs
                    .iter()
                    .map(|(k, v)| strs(&[k.as_str(), v.as_str()]))
                    .collect(),
            ),
        );
    // The document is defined once the form checks before verification pass.
    let form_ok = !matches!(
        expected,
        Err(code) if code.starts_with("txdoc.") || code.starts_with("addr.")
    );
    if form_ok {
        let escaped: Vec<J> = signed_pairs(&t)
            .iter()
            .map(|(k, v)| J::from(ref_pair(k, v)))
            .collect();
        c = c
            .f("escapedPairs", J::A(escaped))
            .f("document", doc.as_str())
            .f("digestHex", hx(&msg_digest(doc.as_bytes())));
    }
    match (expected, got) {
        (Ok(()), Ok(v)) => {
            let mut names: Vec<String> = signed_pairs(&t)
                .into_iter()
                .map(|(k, _)| k)
                .filter(|k| k != "txid")
                .collect();
            names.sort();
            let crate_names: Vec<String> =
                v.argument_names().iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(names, crate_names, "{}", t.comment);
            assert_eq!(
                v.sender.to_string(),
                *t.address.as_ref().unwrap(),
                "{}",
                t.comment
            );
            c.f("sender", t.address.clone().unwrap())
                .f("argumentNames", J::A(names.iter().map(J::from).collect()))
                .valid()
        }
        (Err(e), Err(g)) => {
            assert_eq!(e, g, "{}", t.comment);
            c.outcome = Some(Outcome::Invalid(e));
            c
        }
        (e, g) => panic!("{}: reference {e:?}, crate {:?}", t.comment, g.map(|_| ())),
    }
}

fn valid(t: Tc) -> Case {
    let c = to_case(t.req(&["BW-TXDOC-3", "BW-TXDOC-2", "BW-DOC-1", "BW-DOC-3"]));
    assert_eq!(c.outcome, Some(Outcome::Valid), "{}", c.comment);
    c
}

fn invalid(t: Tc, code: &'static str) -> Case {
    let r: &[&'static str] = match code {
        "txdoc.duplicate-argument" => &["BW-TXDOC-1"],
        "txdoc.txid-mismatch" => &["BW-TXDOC-2"],
        "txdoc.missing-signature" | "txdoc.missing-address" => &["BW-TXDOC-4"],
        c if c.starts_with("addr.") => &["BW-TXDOC-4", "BW-ADDR-2"],
        _ => &["BW-TXDOC-3", "BW-DOC-3", "BW-SIG-9"],
    };
    let c = to_case(t.req(r));
    assert_eq!(c.outcome, Some(Outcome::Invalid(code)), "{}", c.comment);
    c
}

fn order(t: Tc, code: &'static str) -> Case {
    invalid(t.req(&["BW-TXDOC-5"]).flags(&["CheckOrder"]), code)
}

pub(crate) fn tx_document_file() -> VFile {
    let buyer = participant("buyer");
    let seller = participant("seller");
    let stranger = participant("stranger");
    let testnet = Key::new(participant("stranger").secret, true, Net::Test);
    let uncompressed = Key::new(participant("seller").secret, false, Net::Main);
    let h1 = hx(&crate::sha256(b"work"));
    let h2 = hx(&crate::sha256(b"work secret"));
    let eh = hx(&crate::sha256(b"encrypted result"));
    let ek = hx(&crate::sha256(b"result key"));
    let receipt = b64(&buyer.sign(eh.as_bytes()));
    let url = "http://192.0.2.7:8082/";
    let w = [("workerurl", url)];
    let wt = [("workerurl", url), ("txid", "42")];
    let doc42 = "txid=42&workerurl=http%3A%2F%2F192.0.2.7%3A8082%2F";

    let example =
        tc("spec 12.6.1 worked example: txid present", &seller, &wt).flags(&["SpecExample"]);
    assert_eq!(ref_document(&example), doc42);
    assert_eq!(
        b64(&seller.sign(doc42.as_bytes())),
        "H239NnEQQxB56wgw6TNpdgyEeEBwFN6q8jfV0W36yTy+d+SqQ0kILpqaTbDgaVSrLhvE0PD0Y1LTlF/wBBIIeM0="
    );

    let cases = vec![
        valid(example),
        valid(
            tc(
                "txid absent: added with the transaction's id, same document and signature",
                &seller,
                &w,
            )
            .flags(&["TxidAbsent", "SpecExample"]),
        ),
        valid(tc(
            "txid after the other pairs",
            &seller,
            &[("workerurl", url), ("txid", "42")],
        )),
        valid(tc(
            "buyer's work hashes",
            &buyer,
            &[("workhash", &h1), ("worksecrethash", &h2)],
        )),
        valid(
            tc(
                "result message: the receipt's base64 '+', '/' and '=' are escaped",
                &seller,
                &[
                    ("encresulthash", &eh),
                    ("encresulthashsig", &receipt),
                    ("encresultkey", &ek),
                ],
            )
            .flags(&["Escaping"]),
        ),
        valid(tc("acceptresult=on", &buyer, &[("acceptresult", "on")])),
        valid(tc("rejectwork=on", &seller, &[("rejectwork", "on")])),
        valid(tc("rejectresult=on", &buyer, &[("rejectresult", "on")])),
        valid(
            tc(
                "empty value: the pair is written as the name alone",
                &buyer,
                &[("acceptresult", "")],
            )
            .flags(&["EmptyValue"]),
        ),
        valid(
            tc(
                "empty value sorts before the same name with '=': 'a' < 'a0=1'",
                &buyer,
                &[("a0", "1"), ("a", "")],
            )
            .flags(&["EmptyValue", "Sorting"]),
        ),
        valid(
            tc(
                "'-' sorts before '=': 'a-b=1' < 'a=2'",
                &buyer,
                &[("a", "2"), ("a-b", "1")],
            )
            .flags(&["Sorting"]),
        ),
        valid(
            tc(
                "upper case sorts before lower case",
                &buyer,
                &[("b", "1"), ("B", "1"), ("a", "1")],
            )
            .flags(&["Sorting"]),
        ),
        valid(
            tc(
                "whole strings are sorted: 'tx=9' < 'txid2=1' < 'txid=42'",
                &buyer,
                &[("txid2", "1"), ("tx", "9")],
            )
            .flags(&["Sorting"]),
        ),
        valid(
            tc(
                "a space in a value becomes '+'; values are not space-stripped",
                &buyer,
                &[("note", "a b")],
            )
            .flags(&["Escaping"]),
        ),
        valid(
            tc(
                "'&', '=' and '+' in a value are escaped",
                &buyer,
                &[("note", "a&b=c+d")],
            )
            .flags(&["Escaping"]),
        ),
        valid(tc("non-ASCII value", &buyer, &[("note", "é€")]).flags(&["Escaping"])),
        valid(
            tc(
                "names are escaped too",
                &buyer,
                &[("my arg", "x"), ("a&b", "y")],
            )
            .flags(&["Escaping"]),
        ),
        valid(
            tc(
                "argument 'Address' is not the address field (names are case-sensitive)",
                &buyer,
                &[("Address", "x")],
            )
            .flags(&["CaseSensitive"]),
        ),
        valid(tc("no arguments: the document is just txid", &buyer, &[])),
        valid(tc("transaction id 0", &buyer, &[("acceptresult", "on")]).txid("0")),
        valid(
            tc(
                "largest 64-bit transaction id",
                &buyer,
                &[("acceptresult", "on")],
            )
            .txid("18446744073709551615"),
        ),
        valid(
            tc(
                "testnet sender address: any valid address is accepted here",
                &testnet,
                &[("acceptresult", "on")],
            )
            .flags(&["Testnet"])
            .req(&["BW-TXDOC-4"]),
        ),
        valid(tc(
            "uncompressed sender key",
            &uncompressed,
            &[("workerurl", url)],
        )),
        valid(tc(
            "stranger: the form is valid, the transaction decides about roles",
            &stranger,
            &[("acceptresult", "on")],
        )),
        // duplicates (BW-TXDOC-1)
        invalid(
            tc("argument twice", &seller, &w)
                .extra("workerurl", url)
                .flags(&["Duplicate"]),
            "txdoc.duplicate-argument",
        ),
        invalid(
            tc("argument twice with different values", &seller, &w)
                .extra("workerurl", "http://192.0.2.8/")
                .flags(&["Duplicate"]),
            "txdoc.duplicate-argument",
        ),
        invalid(
            tc("txid twice", &seller, &wt)
                .extra("txid", "42")
                .flags(&["Duplicate"]),
            "txdoc.duplicate-argument",
        ),
        invalid(
            tc("signature twice", &seller, &w)
                .extra("signature", "x")
                .flags(&["Duplicate"]),
            "txdoc.duplicate-argument",
        ),
        invalid(
            tc("address twice", &seller, &w)
                .extra("address", &seller.address())
                .flags(&["Duplicate"]),
            "txdoc.duplicate-argument",
        ),
        invalid(
            tc("empty name twice", &seller, &[("", "1"), ("", "2")])
                .flags(&["Duplicate", "EmptyValue"]),
            "txdoc.duplicate-argument",
        ),
        // txid (BW-TXDOC-2)
        invalid(
            tc(
                "txid names another transaction",
                &seller,
                &[("workerurl", url), ("txid", "43")],
            ),
            "txdoc.txid-mismatch",
        ),
        invalid(
            tc(
                "txid with a leading zero is another text",
                &seller,
                &[("workerurl", url), ("txid", "042")],
            )
            .flags(&["TextualTxid"]),
            "txdoc.txid-mismatch",
        ),
        invalid(
            tc(
                "txid with a plus sign",
                &seller,
                &[("workerurl", url), ("txid", "+42")],
            )
            .flags(&["TextualTxid"]),
            "txdoc.txid-mismatch",
        ),
        invalid(
            tc(
                "txid with a space",
                &seller,
                &[("workerurl", url), ("txid", "42 ")],
            )
            .flags(&["TextualTxid"]),
            "txdoc.txid-mismatch",
        ),
        invalid(
            tc("empty txid", &seller, &[("workerurl", url), ("txid", "")]).flags(&["EmptyValue"]),
            "txdoc.txid-mismatch",
        ),
        // signature and address (BW-TXDOC-4)
        invalid(
            tc("no signature", &seller, &w).sig(None),
            "txdoc.missing-signature",
        ),
        invalid(
            tc("no address", &seller, &w).addr(None),
            "txdoc.missing-address",
        ),
        invalid(
            tc("address with a bad checksum", &seller, &w)
                .addr(Some("1QJuKkze4XCyCq5UbMNWqvqfJ8aw7zMnuD")),
            "addr.bad-checksum",
        ),
        invalid(
            tc("address with a trailing space (not trimmed)", &seller, &w)
                .addr(Some(&format!("{} ", seller.address()))),
            "addr.bad-encoding",
        ),
        invalid(
            tc("empty address", &seller, &w)
                .addr(Some(""))
                .flags(&["EmptyValue"]),
            "addr.bad-encoding",
        ),
        // check order (BW-TXDOC-5)
        order(
            tc(
                "duplicate before txid mismatch",
                &seller,
                &[("workerurl", url), ("txid", "43")],
            )
            .extra("workerurl", url),
            "txdoc.duplicate-argument",
        ),
        order(
            tc(
                "txid mismatch before missing signature",
                &seller,
                &[("txid", "43")],
            )
            .sig(None),
            "txdoc.txid-mismatch",
        ),
        order(
            tc("missing signature before missing address", &seller, &w)
                .sig(None)
                .addr(None),
            "txdoc.missing-signature",
        ),
        order(
            tc("missing address before a bad signature", &seller, &w)
                .sig(Some(Sig::Literal("x".into())))
                .addr(None),
            "txdoc.missing-address",
        ),
        order(
            tc("bad address before a bad signature", &seller, &w)
                .sig(Some(Sig::Literal("x".into())))
                .addr(Some("x")),
            "addr.bad-encoding",
        ),
        // signature verification over the canonical document
        invalid(
            tc("empty signature", &seller, &w)
                .sig(Some(Sig::Literal(String::new())))
                .flags(&["EmptyValue"]),
            "sig.bad-length",
        ),
        invalid(
            tc("signature not base64", &seller, &w).sig(Some(Sig::Literal("%%%".into()))),
            "sig.bad-base64",
        ),
        invalid(
            tc("signed by another key than the address's", &seller, &w)
                .sig(Some(Sig::Key(stranger))),
            "sig.address-mismatch",
        ),
        invalid(
            tc("signed without txid", &seller, &w)
                .sig(Some(Sig::Text(
                    "workerurl=http%3A%2F%2F192.0.2.7%3A8082%2F".into(),
                )))
                .flags(&["TxidAbsent"]),
            "sig.address-mismatch",
        ),
        invalid(
            tc("signed unsorted", &seller, &w)
                .sig(Some(Sig::Text(
                    "workerurl=http%3A%2F%2F192.0.2.7%3A8082%2F&txid=42".into(),
                )))
                .flags(&["Sorting"]),
            "sig.address-mismatch",
        ),
        invalid(
            tc("signed with lower-case escapes", &seller, &w)
                .sig(Some(Sig::Text(
                    "txid=42&workerurl=http%3a%2f%2f192.0.2.7%3a8082%2f".into(),
                )))
                .flags(&["Escaping"]),
            "sig.address-mismatch",
        ),
        invalid(
            tc("signed unescaped", &seller, &w)
                .sig(Some(Sig::Text(format!("txid=42&workerurl={url}"))))
                .flags(&["Escaping"]),
            "sig.address-mismatch",
        ),
        invalid(
            tc(
                "signed with the value space-stripped (normalised instead of escaped)",
                &buyer,
                &[("note", "a b")],
            )
            .sig(Some(Sig::Text("note=ab&txid=42".into())))
            .flags(&["Escaping"]),
            "sig.address-mismatch",
        ),
        invalid(
            tc("signed with the address pair included", &seller, &w).sig(Some(Sig::Text(format!(
                "address={}&txid=42&workerurl=http%3A%2F%2F192.0.2.7%3A8082%2F",
                seller.address()
            )))),
            "sig.address-mismatch",
        ),
        invalid(
            tc(
                "empty value signed as 'name='",
                &buyer,
                &[("acceptresult", "")],
            )
            .sig(Some(Sig::Text("acceptresult=&txid=42".into())))
            .flags(&["EmptyValue"]),
            "sig.address-mismatch",
        ),
        invalid(
            tc("signed for another transaction id", &seller, &w).sig(Some(Sig::Text(
                "txid=43&workerurl=http%3A%2F%2F192.0.2.7%3A8082%2F".into(),
            ))),
            "sig.address-mismatch",
        ),
    ];

    VFile {
        stem: "tx_document",
        ty: "TxMessageDocument",
        title: "Transaction message forms and their canonical signed document",
        header: vec![
            "A message posted to transaction `txid` (the id in the request path, a decimal u64) arrives as the form `pairs` ([name, value], in order received). Checks, in order (BW-TXDOC-5): duplicate names, `txid` parameter equal to the path id as text, `signature` present, `address` present, `address` a valid address of any network, then signature verification over the document.".into(),
            "`escapedPairs`: every pair except `signature` and `address`, with (`txid`, path id) appended if absent, in received order, each escaped as `escape(name)=escape(value)` or `escape(name)` for an empty value (BW-DOC-1, no space stripping); `document`: those strings sorted bytewise and joined with '&'; `digestHex`: its message digest. They are given whenever the form checks before verification pass.".into(),
            "Valid cases: the message's `sender` is `address` and its arguments are `argumentNames` (sorted, `txid` excluded). Invalid cases: `error` is the first failing check.".into(),
            KEY_RULE.into(),
            "Signatures are RFC 6979 (libsecp256k1) by the key of `address` over the document unless the comment says otherwise. `encresulthashsig` in the result message is the buyer's receipt signature (BW-TXDOC-6) over the hex of SHA-256(\"encrypted result\").".into(),
        ],
        notes: vec![
            note("SpecExample", "SPEC_EXAMPLE", "The worked example of spec section 12.6.1.", "The implementation and the spec text disagree."),
            note("TxidAbsent", "DOCUMENT", "`txid` is not among the pairs; it is signed anyway, with the path id.", "Messages without txid are refused, or replayable on other transactions."),
            note("Escaping", "DOCUMENT", "Names or values with bytes that are escaped (space as '+', upper-case %XX).", "The server's document differs from the client's."),
            note("EmptyValue", "DOCUMENT", "An empty value: the pair is the escaped name alone.", "Documents with empty values differ between implementations."),
            note("Sorting", "DOCUMENT", "The escaped pair strings are sorted bytewise as whole strings.", "Sorting by name, or by unescaped text, gives another document."),
            note("CaseSensitive", "DOCUMENT", "Parameter names are case-sensitive.", "An argument is mistaken for the address or signature field."),
            note("Testnet", "NETWORK", "A sender address of another network; the form accepts any valid address.", "Valid forms are refused."),
            note("Duplicate", "AMBIGUITY", "A parameter name occurs twice.", "The server signs or applies a different value than the client meant."),
            note("TextualTxid", "BINDING", "The txid parameter is compared as text with the path id.", "Equivalent spellings bind a signature to a transaction it was not made for."),
            note("CheckOrder", "CHECK_ORDER", "Several defects; the first check of BW-TXDOC-5 must be reported.", "A different error code than the conformance contract."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("txid", obj_pattern("^(0|[1-9][0-9]{0,19})$")),
            (
                "pairs",
                crate::obj(vec![
                    ("type", "array".into()),
                    (
                        "items",
                        crate::obj(vec![
                            ("type", "array".into()),
                            ("minItems", J::I(2)),
                            ("maxItems", J::I(2)),
                            ("items", s_string()),
                        ]),
                    ),
                ]),
            ),
            ("escapedPairs", crate::obj(vec![("type", "array".into()), ("items", s_string())])),
            ("document", s_string()),
            ("digestHex", s_hex_len(32)),
            ("sender", s_string()),
            ("argumentNames", crate::obj(vec![("type", "array".into()), ("items", s_string())])),
        ],
        rules: vec![
            rule(None, When::Always, &["txid", "pairs"]),
            rule(None, When::Valid, &["escapedPairs", "document", "digestHex", "sender", "argumentNames"]),
        ],
    }
}

fn obj_pattern(p: &str) -> J {
    crate::obj(vec![("type", "string".into()), ("pattern", p.into())])
}
