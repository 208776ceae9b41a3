//! `json_forms.json`: the 0.7-shaped JSON bodies of spec §15.A — Go's string
//! escaping (BW-JSON-1), decoding of every view with any whitespace,
//! escaping, unknown members, 0.7's datastore-key ids and microsecond times
//! (BW-JSON-2), the member order of each view (BW-JSON-3 … BW-JSON-10), the
//! message of the day (BW-JSON-11) and the price history (BW-JSON-12 …
//! BW-JSON-15).
//!
//! Oracles: a Go-escaping writer and the version rule of `/motd` written
//! here from the spec; the canonical text of each view is a literal whose
//! member order the generator checks against the spec's member list; the
//! price slots and the flot text are computed here from BW-JSON-14/15 with
//! the money oracle. Everything is cross-checked against `bitwrk_protocol::wire`.

use bitwrk_protocol::Timestamp;
use bitwrk_protocol::article::ArticlePolicy;
use bitwrk_protocol::wire::{self, PriceQuery, from_go_json, to_go_json};

use crate::time::oracle_format;
use crate::{
    Case, J, VFile, When, case, note, obj, ours, ref_canonical, ref_format, rule, runit, s_enum,
    s_string,
};

/// Oracle: Go's `encoding/json` string escaping as BW-JSON-1 lists it.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn escape_case(comment: &str, input: &str) -> Case {
    let want = format!("{}\n", go_quote(input));
    assert_eq!(to_go_json(input), want, "json_forms escape {input:?}");
    case(comment)
        .req(&["BW-JSON-1"])
        .f("kind", "escape")
        .f("input", input)
        .f("json", want.as_str())
        .valid()
}

/// The views: name, requirement, the spec's member list, a canonical text.
struct View {
    form: &'static str,
    req: &'static str,
    members: &'static [&'static str],
    canonical: &'static str,
}

const A1: &str = "1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x";

fn views() -> Vec<View> {
    vec![
        View {
            form: "bid",
            req: "BW-JSON-4",
            members: &[
                "Type",
                "State",
                "Article",
                "Price",
                "Fee",
                "Participant",
                "Document",
                "Signature",
                "Created",
                "Expires",
                "Matched",
                "Transaction",
            ],
            canonical: r#"{"Type":0,"State":2,"Article":"net.bitwrk/blender/0/2.79/2G","Price":"mBTC 1.5","Fee":"uBTC 45","Participant":"1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x","Document":"article=net.bitwrk%2Fblender%2F0%2F2.79%2F2G\u0026type=BUY\u0026price=mBTC1.5\u0026address=1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x\u0026nonce=03030303030303030303030303030303","Signature":"H7USk4EZ2W4zgzmOb1slEEM3f0COoKo62yN3POkZkrE8DZdw42oTfXuuqqAOhvGZWTKtEIRbVZUYTd1ldcK0qHU=","Created":"2019-10-19T12:34:56.12Z","Expires":"2019-10-19T12:36:56.12Z","Matched":"2019-10-19T12:34:56.12Z","Transaction":"0"}"#,
        },
        View {
            form: "transaction",
            req: "BW-JSON-5",
            members: &[
                "Revision",
                "BuyerBid",
                "SellerBid",
                "Buyer",
                "Seller",
                "Article",
                "Price",
                "Fee",
                "Matched",
                "State",
                "Phase",
                "Timeout",
                "WorkerURL",
                "WorkHash",
                "WorkSecretHash",
                "BuyerSecret",
                "EncryptedResultReceipt",
                "ResultDecryptionKey",
            ],
            canonical: r#"{"Revision":6,"BuyerBid":"1","SellerBid":"0","Buyer":"1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x","Seller":"12XdVS45eS8vKAaJEdDJSuZ5MQoo8b5EFM","Article":"net.bitwrk/blender/0/2.79/2G","Price":"mBTC 1","Fee":"uBTC 30","Matched":"2019-10-19T12:34:56.12Z","State":1,"Phase":"FINISHED","Timeout":"2019-10-19T12:34:57.62Z","WorkerURL":"http://192.0.2.5:8082/?a=1\u0026b=\u003c2\u003e","WorkHash":"00e13ed7af55b27622f1d6eab5bec0147e68efe28dc2b12461117afa1a5ed40e","WorkSecretHash":"274f632f07e5669637c549074481f17f8f0065e2364eacdce7c6cd813e0710fd","BuyerSecret":"0909090909090909090909090909090909090909090909090909090909090909","EncryptedResultReceipt":{"Hash":"954d1bb83d80bb6f6e746b28f0de3ec4c4ed980cfe67ed23a9159cd464ff339a","HashSignature":"IK8TdLlJkg2D1Jd0QxzNz33Z8OzTAE+88LP2JqZu/krFFvI/Cn3oht5H93RIma2XLEoyZMg0Ol8dzUlA8x83StE="},"ResultDecryptionKey":"8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a"}"#,
        },
        View {
            form: "account",
            req: "BW-JSON-6",
            members: &[
                "Participant",
                "LastMovementKey",
                "Available",
                "Blocked",
                "DepositInfo",
                "LastDepositInfo",
                "DepositAddressRequest",
            ],
            canonical: r#"{"Participant":"1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x","LastMovementKey":"4","Available":"mBTC 8.97","Blocked":"BTC 0","DepositInfo":"","LastDepositInfo":"0001-01-01T00:00:00Z","DepositAddressRequest":""}"#,
        },
        View {
            form: "movement",
            req: "BW-JSON-7",
            members: &[
                "Key",
                "Timestamp",
                "Type",
                "AvailableDelta",
                "AvailableAccount",
                "AvailablePredecessorKey",
                "BlockedDelta",
                "BlockedAccount",
                "BlockedPredecessorKey",
                "Fee",
                "World",
                "BidKey",
                "TxKey",
                "DepositKey",
                "WithdrawalKey",
            ],
            canonical: r#"{"Key":"4","Timestamp":"2019-10-19T12:34:57.62Z","Type":"TRANSACTION_FINISH","AvailableDelta":"mBTC 1","AvailableAccount":"12XdVS45eS8vKAaJEdDJSuZ5MQoo8b5EFM","AvailablePredecessorKey":null,"BlockedDelta":"mBTC -1.03","BlockedAccount":"1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x","BlockedPredecessorKey":"3","Fee":"uBTC 30","World":"BTC 0","BidKey":null,"TxKey":"0","DepositKey":null,"WithdrawalKey":null}"#,
        },
        View {
            form: "deposit",
            req: "BW-JSON-8",
            members: &[
                "Type",
                "Amount",
                "Account",
                "Reference",
                "Document",
                "Signature",
                "Created",
            ],
            canonical: r#"{"Type":1,"Amount":"mBTC 10","Account":"1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x","Reference":"ref-1","Document":"account=1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5x\u0026amount=mBTC10\u0026nonce=01010101010101010101010101010101\u0026ref=ref-1\u0026type=1\u0026uid=deposit-0001","Signature":"II2DwJlAZYaX2W3LilKtec0nlo8ytttGQ45184ctnPkqcFeNGxukHgAVFJDfC8EKRpCi6pp+LNfJHW2bqDIK5DA=","Created":"2019-10-19T12:34:56.12Z"}"#,
        },
        View {
            form: "relation",
            req: "BW-JSON-9",
            members: &[
                "Source",
                "Target",
                "Type",
                "Enabled",
                "Document",
                "Signature",
                "LastModified",
            ],
            canonical: r#"{"Source":"1Db3NsmGvEchscqaCVTG8YwsTL9VspuoWg","Target":"12XdVS45eS8vKAaJEdDJSuZ5MQoo8b5EFM","Type":"trusts","Enabled":true,"Document":"enabled=true\u0026nonce=04040404040404040404040404040404\u0026source=1Db3NsmGvEchscqaCVTG8YwsTL9VspuoWg\u0026target=12XdVS45eS8vKAaJEdDJSuZ5MQoo8b5EFM\u0026type=trusts","Signature":"H1S6NluDKUxreySiK3pEP8rzQ2SkX8LMpTqP9si2igOrWSg/B3VSUzeYvwVoeKhFE5QpuEmXG/aMqX85gwen84Q=","LastModified":"2019-10-19T12:34:57.62Z"}"#,
        },
        View {
            form: "tmessage",
            req: "BW-JSON-10",
            members: &[
                "Received",
                "Document",
                "Signature",
                "From",
                "Accepted",
                "RejectMessage",
                "PrePhase",
                "PostPhase",
            ],
            canonical: r#"{"Received":"2019-10-19T12:34:57.62Z","Document":"txid=0\u0026workerurl=http%3A%2F%2F192.0.2.5%3A8082%2F%3Fa%3D1%26b%3D%3C2%3E","Signature":"H/Etk0vGrNSRCfnSdu7YfYtgZuhgpvA4XgUnm8HhyWjIFEGhg26ug0qOblgC98WiHlQA+UCbDpa9iMm1ovvSsHI=","From":1,"Accepted":true,"RejectMessage":"","PrePhase":1,"PostPhase":3}"#,
        },
    ]
}

/// The crate's decode → encode of `input` as `form`.
pub(crate) fn crate_view(form: &str, input: &str) -> Result<String, &'static str> {
    fn re<T: serde::de::DeserializeOwned + serde::Serialize>(
        s: &str,
    ) -> Result<String, &'static str> {
        from_go_json::<T>(s)
            .map(|v| to_go_json(&v))
            .map_err(|e| bitwrk_protocol::ErrorCode::code(&e))
    }
    match form {
        "bid" => re::<wire::BidJson>(input),
        "transaction" => re::<wire::TransactionJson>(input),
        "account" => re::<wire::AccountJson>(input),
        "movement" => re::<wire::MovementJson>(input),
        "deposit" => re::<wire::DepositJson>(input),
        "relation" => re::<wire::RelationJson>(input),
        "tmessage" => re::<wire::TmessageJson>(input),
        other => panic!("unknown form {other}"),
    }
}

fn view_case(
    v: &View,
    comment: &str,
    input: &str,
    want: Result<&str, &'static str>,
    flags: &[&'static str],
) -> Case {
    let want = want.map(|t| format!("{t}\n"));
    assert_eq!(
        crate_view(v.form, input),
        want.clone(),
        "json_forms {}: {comment}",
        v.form
    );
    let c = case(format!("{}: {comment}", v.form))
        .req(&[v.req, "BW-JSON-2", "BW-JSON-3"])
        .flags(flags)
        .f("kind", "view")
        .f("form", v.form)
        .f("input", input);
    match want {
        Ok(t) => c.req(&["BW-JSON-1"]).f("json", t.as_str()).valid(),
        Err(e) => c.invalid(e),
    }
}

/// The top-level member names of a JSON object text, in the order they
/// first appear (in the canonical texts no nested member precedes its
/// top-level namesake).
fn member_order(text: &str) -> Vec<String> {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).expect("canonical text is JSON");
    let mut keys: Vec<String> = map.keys().cloned().collect();
    keys.sort_by_key(|k| text.find(&format!("\"{k}\":")).expect("member present"));
    keys
}

fn view_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for v in views() {
        assert_eq!(
            member_order(v.canonical),
            v.members,
            "{}: member order of the spec",
            v.form
        );
        let pretty = {
            let value: serde_json::Value = serde_json::from_str(v.canonical).expect("JSON");
            serde_json::to_string_pretty(&value).expect("pretty")
        };
        cases.push(view_case(
            &v,
            "the canonical text round-trips byte for byte",
            v.canonical,
            Ok(v.canonical),
            &[],
        ));
        cases.push(view_case(
            &v,
            "members in another order, white space and plain '&', '<', '>'",
            &pretty,
            Ok(v.canonical),
            &["Lenient"],
        ));
        let extra = v
            .canonical
            .replacen('{', "{\"Unknown\":[1,{\"x\":null}],", 1);
        cases.push(view_case(
            &v,
            "an unknown member is ignored",
            &extra,
            Ok(v.canonical),
            &["Lenient"],
        ));
        let first = v.members[0];
        let wrong = v.canonical.replacen(
            &format!("\"{first}\":"),
            &format!("\"{first}\":[],\"Dummy\":"),
            1,
        );
        cases.push(view_case(
            &v,
            &format!("a member of the wrong type ({first} is an array)"),
            &wrong,
            Err("wire.bad-json"),
            &["BadForm"],
        ));
        cases.push(view_case(
            &v,
            "truncated text",
            &v.canonical[..v.canonical.len() - 1],
            Err("wire.bad-json"),
            &["BadForm"],
        ));
    }
    let vs = views();
    let bid = &vs[0];
    // 0.7's own output: microsecond times, +00:00, a datastore-key id.
    let micro = bid
        .canonical
        .replace("12:34:56.12Z", "12:34:56.120999Z")
        .replace("12:36:56.12Z", "12:36:56.120000+00:00");
    cases.push(view_case(
        bid,
        "0.7 times with microseconds and +00:00 are cut to the millisecond",
        &micro,
        Ok(bid.canonical),
        &["Compat07"],
    ));
    let key = "aghzfmJpdHdya3IlCxINQXJ0aWNsZUVudGl0eSIIYV9mb29iYXIMCxICVHgY5bgCDA";
    let ds = bid.canonical.replace(
        "\"Transaction\":\"0\"",
        &format!("\"Transaction\":\"{key}\""),
    );
    cases.push(view_case(
        bid,
        "a 0.7 datastore-key transaction id is kept as an opaque string",
        &ds,
        Ok(&ds),
        &["Compat07"],
    ));
    let unmatched = bid
        .canonical
        .replace("\"State\":2", "\"State\":1")
        .replace(
            "\"Matched\":\"2019-10-19T12:34:56.12Z\"",
            "\"Matched\":null",
        )
        .replace("\"Transaction\":\"0\"", "\"Transaction\":null");
    cases.push(view_case(
        bid,
        "a placed bid: Matched and Transaction null",
        &unmatched,
        Ok(&unmatched),
        &[],
    ));
    let zero = unmatched.replace("\"Matched\":null", "\"Matched\":\"0001-01-01T00:00:00Z\"");
    cases.push(view_case(
        bid,
        "Go's zero time in Matched reads as not set (written null)",
        &zero,
        Ok(&unmatched),
        &["Compat07"],
    ));
    cases.push(view_case(
        bid,
        "an unknown State number",
        &bid.canonical.replace("\"State\":2", "\"State\":7"),
        Err("wire.bad-json"),
        &["BadForm"],
    ));
    cases.push(view_case(
        bid,
        "a malformed money string",
        &bid.canonical.replace("mBTC 1.5", "mBTC 1,5"),
        Err("wire.bad-json"),
        &["BadForm"],
    ));
    cases.push(view_case(
        bid,
        "a malformed address",
        &bid.canonical.replace(
            &format!("\"Participant\":\"{A1}\""),
            "\"Participant\":\"1CqFsFWeSdvhjSUhJL1RrpEHbfmWMbkP5y\"",
        ),
        Err("wire.bad-json"),
        &["BadForm"],
    ));
    cases.push(view_case(
        bid,
        "a time before 1970 in Created",
        &bid.canonical.replace(
            "\"Created\":\"2019-10-19T12:34:56.12Z\"",
            "\"Created\":\"0001-01-01T00:00:00Z\"",
        ),
        Err("wire.bad-json"),
        &["BadForm"],
    ));
    cases.push(view_case(
        bid,
        "an ISO time with another offset",
        &bid.canonical.replace("12:36:56.12Z", "13:36:56.12+01:00"),
        Err("wire.bad-json"),
        &["BadForm"],
    ));
    cases.push(view_case(
        bid,
        "not JSON",
        "<html>",
        Err("wire.bad-json"),
        &["BadForm"],
    ));
    let acc = &vs[2];
    let acc_zero_plus = acc
        .canonical
        .replace("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00");
    cases.push(view_case(
        acc,
        "LastDepositInfo as Go's zero time spelt +00:00 is never set (written as the zero time)",
        &acc_zero_plus,
        Ok(acc.canonical),
        &["Compat07"],
    ));
    cases
}

/// Oracle: the version of a `BitWrkGoClient/` user agent (BW-JSON-11).
fn ua_version(ua: &str) -> Option<(u32, u32, u32)> {
    let rest = ua.strip_prefix("BitWrkGoClient/")?;
    let group = |s: &str, last: bool| -> Option<(u32, usize)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        let take = if last { n.min(4) } else { n };
        if take == 0 || take > 4 {
            return None;
        }
        Some((s[..take].parse().ok()?, take))
    };
    let (a, la) = group(rest, false)?;
    let rest = rest[la..].strip_prefix('.')?;
    let (b, lb) = group(rest, false)?;
    let rest = rest[lb..].strip_prefix('.')?;
    let (c, _) = group(rest, true)?;
    Some((a, b, c))
}

fn motd_case(comment: &str, ua: &str, configured: Option<&str>) -> Case {
    let warning = configured.is_none() && ua_version(ua).is_some_and(|v| v < (0, 7, 0));
    let m = wire::Motd::for_client(ua, configured);
    assert_eq!(m.warning, warning, "motd {ua:?}");
    let body = m.to_body();
    assert!(!body.ends_with('\n'));
    let mut c = case(comment)
        .req(&["BW-JSON-11"])
        .f("kind", "motd")
        .f("userAgent", ua)
        .f("configured", configured.map_or(J::Null, J::from))
        .f("warning", warning);
    if let Some(text) = configured {
        let want = format!("{{\"Text\":{},\"Warning\":false}}", go_quote(text));
        assert_eq!(body, want);
        c = c.req(&["BW-JSON-1"]).f("json", want.as_str());
    }
    c.valid()
}

const ART: &str = "net.bitwrk/blender/0/2.79/2G";

fn slot_seconds(name: &str) -> Option<u64> {
    Some(match name {
        "1y" => 378 * 86_400,
        "6w" => 42 * 86_400,
        "1w" => 7 * 86_400,
        "1d" => 86_400,
        "6h" => 6 * 3600,
        "1h" => 3600,
        "12m" => 720,
        "3m" => 180,
        "30s" => 30,
        "6s" => 6,
        "1s" => 1,
        _ => return None,
    })
}

/// Oracle: the body for a query whose fields are valid (BW-JSON-14/15).
fn oracle_prices(
    begin: u64,
    period: &str,
    res: &str,
    unit: &str,
    flot: bool,
    trades: &[(u64, i64)],
) -> String {
    let r = slot_seconds(res).expect("slot") * 1000;
    let end = begin + slot_seconds(period).expect("slot") * 1000;
    let mut slots: std::collections::BTreeMap<u64, (i64, i64, i64, i64)> = Default::default();
    for &(at, p) in trades {
        if at <= begin || at > end {
            continue;
        }
        let k = (at - begin - 1) / r;
        let e = slots.entry(k).or_insert((0, p, p, 0));
        e.0 += p;
        e.1 = e.1.min(p);
        e.2 = e.2.max(p);
        e.3 += 1;
    }
    let to_i = |ms: u64| i64::try_from(ms).expect("small");
    if flot {
        let factor = runit(unit).factor;
        let mut out = String::from("[");
        let mut prev: Option<u64> = None;
        for (k, (sum, _, _, n)) in &slots {
            let (b, e) = (begin + k * r, begin + (k + 1) * r);
            let avg = ref_format(sum.div_euclid(*n), factor);
            let sep = match prev {
                None => " ",
                Some(pe) if pe == b => ",",
                Some(_) => {
                    out.push_str(", null\n");
                    ","
                }
            };
            out.push_str(&format!("{sep}[{b}, {avg}], [{e}, {avg}]\n"));
            prev = Some(e);
        }
        out.push(']');
        out
    } else {
        let items: Vec<String> = slots
            .iter()
            .map(|(k, (sum, min, max, n))| {
                format!(
                    "{{\"begin\":\"{}\",\"end\":\"{}\",\"sum\":\"{}\",\"min\":\"{}\",\"max\":\"{}\",\"count\":{n}}}",
                    oracle_format(to_i(begin + k * r)),
                    oracle_format(to_i(begin + (k + 1) * r)),
                    ref_canonical(*sum, "BTC"),
                    ref_canonical(*min, "BTC"),
                    ref_canonical(*max, "BTC"),
                )
            })
            .collect();
        format!("[{}]\n", items.join(","))
    }
}

/// The crate's answer to a price query.
pub(crate) fn crate_prices(
    fields: &[(String, String)],
    now: u64,
    trades: &[(u64, i64)],
) -> Result<String, &'static str> {
    use bitwrk_protocol::ErrorCode as _;
    let q = PriceQuery::parse(
        fields,
        Timestamp::from_millis(now),
        &ArticlePolicy::bitwrk_07(),
    )
    .map_err(|e| e.code())?;
    let trades = trades.iter().map(|&(at, p)| {
        (
            Timestamp::from_millis(at),
            bitwrk_protocol::Money::new(p, bitwrk_protocol::Currency::Btc),
        )
    });
    let slots = q.aggregate(trades).map_err(|e| e.code())?;
    q.render(&slots).map_err(|e| e.code())
}

const B0: u64 = 1_571_486_400_000; // 2019-10-19T12:00:00Z

fn prices_case(
    comment: &str,
    fields: &[(&str, &str)],
    trades: &[(u64, i64)],
    want_err: Option<&'static str>,
    req: &[&'static str],
) -> Case {
    let f: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let now = B0 + 86_400_000;
    let got = crate_prices(&f, now, trades);
    let get = |k: &str| fields.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    let want = match want_err {
        Some(e) => Err(e),
        None => {
            let period = get("period").unwrap_or("1d");
            let begin = match get("begin") {
                Some(_) => B0,
                None => now - slot_seconds(period).expect("slot") * 1000,
            };
            Ok(oracle_prices(
                begin,
                period,
                get("resolution").unwrap_or("3m"),
                get("unit").unwrap_or("mBTC"),
                get("format") == Some("flot"),
                trades,
            ))
        }
    };
    assert_eq!(got, want, "json_forms prices: {comment}");
    let c = case(comment)
        .req(req)
        .f("kind", "prices")
        .f(
            "fields",
            J::A(
                fields
                    .iter()
                    .map(|(k, v)| J::A(vec![(*k).into(), (*v).into()]))
                    .collect(),
            ),
        )
        .f("now", J::I(i64::try_from(now).expect("small")))
        .f(
            "trades",
            J::A(
                trades
                    .iter()
                    .map(|&(at, p)| {
                        obj(vec![
                            ("matched", J::I(i64::try_from(at).expect("small"))),
                            ("price", ref_canonical(p, "BTC").as_str().into()),
                        ])
                    })
                    .collect(),
            ),
        );
    match want {
        Ok(body) => c.f("body", body.as_str()).valid(),
        Err(e) => c.invalid(e),
    }
}

fn price_cases() -> Vec<Case> {
    let m = 100_000; // mBTC 1 in the smallest BTC unit (10^-8 BTC)
    let b = "2019-10-19T12:00:00Z";
    let base = [
        ("article", ART),
        ("begin", b),
        ("period", "1h"),
        ("resolution", "12m"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<(&str, &str)> = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let trades = [
        (B0, 9 * m),                   // at begin: in no slot
        (B0 + 1, m),                   // slot 0
        (B0 + 720_000, 3 * m),         // slot 0's end: slot 0
        (B0 + 720_001, 2 * m),         // slot 1
        (B0 + 3 * 720_000 + 5, 5 * m), // slot 3 (slot 2 empty)
        (B0 + 3_600_000, m + 1),       // the range's end: slot 4
        (B0 + 3_600_001, 7 * m),       // after the range
    ];
    let j14 = &["BW-JSON-14", "BW-JSON-12", "BW-JSON-13", "BW-JSON-1"][..];
    let j15 = &["BW-JSON-15", "BW-JSON-12", "BW-JSON-13"][..];
    let j13 = &["BW-JSON-13"][..];
    vec![
        prices_case(
            "JSON slots: a trade at a slot's end belongs to it, at begin to none, after the range to none; empty slots left out",
            &with(&[]),
            &trades,
            None,
            j14,
        ),
        prices_case(
            "the same as flot: a null line before a slot that does not start where the previous ended; avg = floor(sum / count) in the unit",
            &with(&[("format", "flot")]),
            &trades,
            None,
            j15,
        ),
        prices_case(
            "flot in satoshi",
            &with(&[("format", "flot"), ("unit", "satoshi")]),
            &trades,
            None,
            j15,
        ),
        prices_case("no trades: an empty array", &with(&[]), &[], None, j14),
        prices_case(
            "no trades as flot: []",
            &with(&[("format", "flot")]),
            &[],
            None,
            j15,
        ),
        prices_case(
            "format=json and an empty format are JSON",
            &with(&[("format", "json")]),
            &trades[1..3],
            None,
            j14,
        ),
        prices_case(
            "defaults: period 1d before now, resolution 3m",
            &[("article", ART)],
            &[(B0 + 86_400_000 - 1, m)],
            None,
            j14,
        ),
        prices_case(
            "resolution 1s over 6s",
            &[
                ("article", ART),
                ("begin", b),
                ("period", "6s"),
                ("resolution", "1s"),
            ],
            &[(B0 + 1000, m), (B0 + 1001, 2 * m), (B0 + 6000, 4 * m)],
            None,
            j14,
        ),
        prices_case(
            "every slot name is known: 1y over 1y",
            &[
                ("article", ART),
                ("begin", b),
                ("period", "1y"),
                ("resolution", "1y"),
            ],
            &[(B0 + 1, m)],
            None,
            j14,
        ),
        prices_case(
            "6w in 6h: a trade just after the first slot",
            &[
                ("article", ART),
                ("begin", b),
                ("period", "6w"),
                ("resolution", "6h"),
            ],
            &[(B0 + 6 * 3_600_000 + 1, m)],
            None,
            j14,
        ),
        prices_case(
            "no article",
            &[("period", "1h")],
            &[],
            Some("prices.missing-article"),
            j13,
        ),
        prices_case(
            "an article not traded",
            &[("article", "net.bitwrk/gimp/0")],
            &[],
            Some("article.not-traded"),
            j13,
        ),
        prices_case(
            "an unknown period",
            &[("article", ART), ("period", "2d")],
            &[],
            Some("prices.unknown-period"),
            j13,
        ),
        prices_case(
            "an unknown resolution",
            &[("article", ART), ("resolution", "5m")],
            &[],
            Some("prices.unknown-resolution"),
            j13,
        ),
        prices_case(
            "a bad begin",
            &[("article", ART), ("begin", "yesterday")],
            &[],
            Some("prices.bad-begin"),
            j13,
        ),
        prices_case(
            "an unknown unit",
            &[("article", ART), ("unit", "XBT")],
            &[],
            Some("prices.unknown-unit"),
            j13,
        ),
        prices_case(
            "an unknown format",
            &[("article", ART), ("format", "csv")],
            &[],
            Some("prices.unknown-format"),
            j13,
        ),
        prices_case(
            "a field given twice",
            &[("article", ART), ("period", "1h"), ("period", "1h")],
            &[],
            Some("prices.duplicate-field"),
            j13,
        ),
        prices_case(
            "more than 10 000 slots (1d in 1s)",
            &[("article", ART), ("period", "1d"), ("resolution", "1s")],
            &[],
            Some("prices.too-many-slots"),
            j13,
        ),
        prices_case(
            "1d in 30s: 2 880 slots, within the bound",
            &[
                ("article", ART),
                ("begin", b),
                ("period", "1d"),
                ("resolution", "30s"),
            ],
            &[(B0 + 30_000, m)],
            None,
            j14,
        ),
        prices_case(
            "check order: unknown period reported before unknown unit",
            &[("article", ART), ("unit", "XBT"), ("period", "2d")],
            &[],
            Some("prices.unknown-period"),
            j13,
        ),
    ]
}

pub(crate) fn json_forms_file() -> VFile {
    let mut cases = vec![
        escape_case("plain ASCII", "abc XYZ 019"),
        escape_case("quote and backslash", "a\"b\\c"),
        escape_case("line feed, carriage return, tab", "\n\r\t"),
        escape_case(
            "backspace and form feed as \\u (no short forms)",
            "\u{8}\u{c}",
        ),
        escape_case(
            "other control characters in lower-case hex",
            "\u{0}\u{1}\u{1f}\u{1b}",
        ),
        escape_case("HTML characters", "<a href=\"x\">&amp;</a>"),
        escape_case("U+2028 and U+2029", "\u{2028}\u{2029}"),
        escape_case("slash stays", "http://example.org/a/b"),
        escape_case("DEL and non-ASCII stay as UTF-8", "\u{7f}é€\u{1F600}"),
        escape_case("document text", "article=x&type=BUY"),
    ];
    cases.extend(view_cases());
    cases.extend([
        motd_case(
            "an old client gets a warning",
            "BitWrkGoClient/0.6.5 (linux)",
            None,
        ),
        motd_case("0.7.0 gets no warning", "BitWrkGoClient/0.7.0", None),
        motd_case("a newer client", "BitWrkGoClient/1.0.0", None),
        motd_case(
            "0.10.0 compares by number, not text",
            "BitWrkGoClient/0.10.0",
            None,
        ),
        motd_case(
            "third group read up to four digits: 0.6.99999 is 0.6.9999",
            "BitWrkGoClient/0.6.99999",
            None,
        ),
        motd_case(
            "a five-digit first group is no version: no warning",
            "BitWrkGoClient/00000.1.0",
            None,
        ),
        motd_case("another client", "curl/8.0", None),
        motd_case("no user agent", "", None),
        motd_case(
            "a configured message, never a warning, escaped per BW-JSON-1",
            "BitWrkGoClient/0.5.0",
            Some("Maintenance at <b>noon</b> & later"),
        ),
    ]);
    cases.extend(price_cases());
    VFile {
        stem: "json_forms",
        ty: "JsonForms",
        title: "The 0.7-shaped JSON bodies: escaping, views, message of the day, price history (spec section 15.A)",
        header: vec![
            "kind=escape: the JSON text of the string `input` as a body (BW-JSON-1: Go's escaping, final line feed) is `json`.".into(),
            "kind=view: decode `input` as the view `form` (bid, transaction, account, movement, deposit, relation, tmessage: BW-JSON-4 … BW-JSON-10), then write it: the body is `json` (with its final line feed). Invalid cases fail decoding with `wire.bad-json`.".into(),
            "kind=motd: the /motd body for the User-Agent `userAgent` with the configured message `configured` (null: none). Its `Warning` member is `warning` and it has no final line feed; with a configured message the body is exactly `json`. The greeting texts are the server's own (DEP-234) and not compared.".into(),
            "kind=prices: the /query/prices request with the query fields `fields` (in order) at time `now` (ms since 1970), for a server whose traded articles are BitWrk 0.7's blender articles and whose transactions of that article in BTC were matched at `trades[].matched` (ms) for `trades[].price`. The response body is `body` (JSON with a final line feed, or the flot text), or the request is refused with `error`.".into(),
        ],
        notes: vec![
            note("Lenient", "Functionality", "A client accepts any valid JSON for a form (BW-JSON-2).", "Bodies of other servers or proxies are refused."),
            note("BadForm", "EdgeCase", "Not JSON or not the form.", "Garbage accepted, or a panic."),
            note("Compat07", "Compatibility", "What BitWrk 0.7 writes: microsecond times, +00:00, datastore-key ids, Go's zero time.", "0.7 servers' bodies are refused."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("kind", s_enum(&["escape", "view", "motd", "prices"])),
            ("form", s_enum(&["bid", "transaction", "account", "movement", "deposit", "relation", "tmessage"])),
            ("input", s_string()),
            ("json", s_string()),
            ("userAgent", s_string()),
            ("configured", obj(vec![("type", crate::strs(&["string", "null"]))])),
            ("warning", crate::s_bool()),
            ("fields", crate::scenario::form_schema()),
            ("now", crate::s_int(0)),
            (
                "trades",
                obj(vec![
                    ("type", "array".into()),
                    ("items", obj(vec![
                        ("type", "object".into()),
                        ("additionalProperties", false.into()),
                        ("required", crate::strs(&["matched", "price"])),
                        ("properties", obj(vec![("matched", crate::s_int(0)), ("price", s_string())])),
                    ])),
                ]),
            ),
            ("body", s_string()),
        ],
        rules: vec![
            rule(Some("escape"), When::Always, &["input", "json"]),
            rule(Some("view"), When::Always, &["form", "input"]),
            rule(Some("view"), When::Valid, &["json"]),
            rule(Some("motd"), When::Always, &["userAgent", "configured", "warning"]),
            rule(Some("prices"), When::Always, &["fields", "now", "trades"]),
            rule(Some("prices"), When::Valid, &["body"]),
        ],
    }
}
