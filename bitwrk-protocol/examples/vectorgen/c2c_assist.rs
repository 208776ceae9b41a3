//! `c2c_assist` (spec §19.13): handprint matching (BW-C2C-40) and which
//! `assisturl` a seller agrees to fetch (BW-C2C-38). Expected values are
//! written here from the spec text and cross-checked against
//! `bitwrk_protocol::c2c::assist`.

use bitwrk_protocol::ErrorCode as _;
use bitwrk_protocol::c2c::ChunkInfo;
use bitwrk_protocol::c2c::assist::{AddrClass, Handprint, admit, parse_assist_url};
use bitwrk_protocol::hash::Hash256;

use crate::c2c::s_arr;
use crate::{Case, J, VFile, When, case, note, ours, rule, s_bool, s_enum, s_hex_len, s_string};

/// A chunk key whose first byte is `first` (the rest `55`), as 0.7's tests
/// write fingers.
fn key(first: u8) -> String {
    let mut k = [0x55u8; 32];
    k[0] = first;
    Hash256::from_byte_array(k).to_string()
}

fn hand_case(comment: &str, left: &[u8], right: &[u8], matches: bool) -> Case {
    let print = |f: &[u8]| {
        let chunks: Vec<ChunkInfo> = f
            .iter()
            .map(|&b| ChunkInfo {
                key: key(b).parse().expect("key"),
                size: 1,
            })
            .collect();
        Handprint::of(&chunks)
    };
    assert_eq!(print(left).matches(&print(right)), matches, "{comment}");
    let keys = |f: &[u8]| J::A(f.iter().map(|&b| J::from(key(b))).collect());
    case(comment)
        .req(&["BW-C2C-40"])
        .f("kind", "handprint")
        .f("left", keys(left))
        .f("right", keys(right))
        .f("matches", matches)
        .valid()
}

fn admit_case(comment: &str, url: &str, own: &str, ok: bool) -> Case {
    let class = match own {
        "loopback" => AddrClass::Loopback,
        "private" => AddrClass::Private,
        _ => AddrClass::Public,
    };
    let got = parse_assist_url(url.as_bytes()).and_then(|u| admit(&u, class));
    let c = case(comment)
        .req(&["BW-C2C-38"])
        .f("kind", "admit")
        .f("url", url)
        .f("own", own);
    match got {
        Ok(()) if ok => c.valid(),
        Err(e) if !ok => {
            assert_eq!(e.code(), "c2c.bad-assist-url", "{comment}");
            c.invalid("c2c.bad-assist-url")
        }
        _ => panic!("{comment}: outcome differs"),
    }
}

pub(crate) fn assist_file() -> VFile {
    let u = |host: &str| format!("http://{host}/0a1b2c3d/assist/00000001");
    let cases = vec![
        hand_case(
            "three of four fingers shared: match (0.7)",
            &[1, 2, 3, 4],
            &[2, 3, 4, 5],
            true,
        )
        .flag("BitWrk07"),
        hand_case(
            "two of four shared: no match (0.7)",
            &[1, 2, 3, 4],
            &[3, 4, 5, 6],
            false,
        )
        .flag("BitWrk07"),
        hand_case(
            "the four smallest distinct keys count, in any order",
            &[9, 4, 4, 1, 7, 3, 2, 8],
            &[4, 3, 2, 1],
            true,
        ),
        hand_case(
            "larger keys do not count",
            &[1, 2, 3, 4, 5, 6],
            &[1, 2, 7, 8, 9, 10],
            false,
        ),
        hand_case(
            "fewer than four distinct keys: no handprint (0.7 matched)",
            &[1, 2, 3],
            &[1, 2, 3],
            false,
        )
        .flag("Departure"),
        hand_case(
            "one side without a handprint",
            &[1, 2, 3, 3, 3],
            &[1, 2, 3, 4],
            false,
        )
        .flag("Departure"),
        admit_case(
            "a public source, any seller",
            &u("192.0.2.7:8082"),
            "public",
            true,
        ),
        admit_case(
            "a public source for a loopback seller",
            &u("192.0.2.7:8082"),
            "loopback",
            true,
        ),
        admit_case(
            "loopback source, loopback seller",
            &u("127.0.0.1:8082"),
            "loopback",
            true,
        ),
        admit_case(
            "loopback source, public seller",
            &u("127.0.0.1:8082"),
            "public",
            false,
        ),
        admit_case(
            "IPv4-mapped loopback, public seller",
            &u("[::ffff:127.0.0.1]:8082"),
            "public",
            false,
        ),
        admit_case(
            "private source, private seller",
            &u("10.1.2.3:8082"),
            "private",
            true,
        ),
        admit_case(
            "private source, public seller",
            &u("192.168.1.9:8082"),
            "public",
            false,
        ),
        admit_case(
            "private source, loopback seller",
            &u("172.16.0.1:8082"),
            "loopback",
            false,
        ),
        admit_case(
            "link-local source, public seller",
            &u("169.254.1.1:8082"),
            "public",
            false,
        ),
        admit_case(
            "IPv6 unique-local, public seller",
            &u("[fd00::1]:8082"),
            "public",
            false,
        ),
        admit_case(
            "IPv6 public, default port",
            &u("[2001:db8::1]"),
            "public",
            true,
        ),
        admit_case("unspecified", &u("0.0.0.0:8082"), "loopback", false),
        admit_case("broadcast", &u("255.255.255.255:8082"), "public", false),
        admit_case("multicast", &u("224.0.0.1:8082"), "public", false),
        admit_case("a host name", &u("localhost:8082"), "loopback", false),
        admit_case(
            "https",
            "https://192.0.2.7:8082/0a1b2c3d/assist/00",
            "public",
            false,
        ),
        admit_case(
            "a query",
            "http://192.0.2.7:8082/0a1b2c3d/assist/00?x",
            "public",
            false,
        ),
        admit_case(
            "user info",
            "http://u@192.0.2.7:8082/0a1b2c3d/assist/00",
            "public",
            false,
        ),
        admit_case(
            "port 0",
            "http://192.0.2.7:0/0a1b2c3d/assist/00",
            "public",
            false,
        ),
        admit_case(
            "odd ticket length",
            "http://192.0.2.7:8082/0a1b2c3d/assist/000",
            "public",
            false,
        ),
        admit_case(
            "upper-case key",
            "http://192.0.2.7:8082/0A1B2C3D/assist/00",
            "public",
            false,
        ),
        admit_case(
            "0.7's regex would take a longer path",
            "http://192.0.2.7:8082/x/0a1b2c3d/assist/00",
            "public",
            false,
        ),
        admit_case(
            "an escape",
            "http://192.0.2.7:8082/0a1b2c3d/assist/%30%30",
            "public",
            false,
        ),
    ];
    VFile {
        stem: "c2c_assist",
        ty: "C2cAssist",
        title: "Assistive downloads: handprint matching and URL admission",
        header: vec![
            "kind=handprint: the handprints of the works with chunk keys `left` and `right` match or not (`matches`, BW-C2C-40); always valid.".into(),
            "kind=admit: a seller whose own external address is of class `own` (`loopback`, `private`, `public`) fetches from `url` (valid) or refuses it (invalid, BW-C2C-38).".into(),
        ],
        notes: vec![
            note("BitWrk07", "LEGACY_COMPAT", "A case of BitWrk 0.7's own handprint test.", "0.7 buyers would pair sellers differently."),
            note("Departure", "DEPARTURE", "Differs from BitWrk 0.7 on purpose (DEP-409).", "0.7 matches small unrelated works."),
        ],
        groups: vec![ours(cases)],
        fields: vec![
            ("kind", s_enum(&["handprint", "admit"])),
            ("left", s_arr(s_hex_len(32))),
            ("right", s_arr(s_hex_len(32))),
            ("matches", s_bool()),
            ("url", s_string()),
            ("own", s_enum(&["loopback", "private", "public"])),
        ],
        rules: vec![
            rule(Some("handprint"), When::Always, &["left", "right", "matches"]),
            rule(Some("admit"), When::Always, &["url", "own"]),
        ],
    }
}
