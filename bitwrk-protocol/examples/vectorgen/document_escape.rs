//! `document_escape.json`: query escaping and normalisation of document values.

use crate::{Case, GO_ADDR_TEST, VFile, When, case, ours, ref_escape, rule, s_enum, s_string};

fn esc_case(kind: &str, comment: &str, input: &str, literal: Option<&str>) -> Case {
    let (expect, got, req): (String, String, &[&'static str]) = if kind == "queryEscape" {
        (
            ref_escape(input),
            bitwrk_protocol::document::query_escape(input),
            &["BW-DOC-1"],
        )
    } else {
        (
            ref_escape(&input.replace(' ', "")),
            bitwrk_protocol::document::normalize(input),
            &["BW-DOC-2", "BW-DOC-1"],
        )
    };
    if let Some(l) = literal {
        assert_eq!(expect, l, "{comment}");
    }
    assert_eq!(got, expect, "{comment}");
    case(comment)
        .req(req)
        .f("kind", kind)
        .f("input", input)
        .f("output", expect)
        .valid()
}

pub(crate) fn document_file() -> VFile {
    let printable: String = (0x20u8..0x7f).map(char::from).collect();
    let q = |c: &str, i: &str, l: &str| esc_case("queryEscape", c, i, Some(l));
    let n = |c: &str, i: &str, l: &str| esc_case("normalize", c, i, Some(l));
    let cases = vec![
        q("empty", "", ""),
        q("letters and digits stay", "abcXYZ019", "abcXYZ019"),
        q("the four unreserved marks stay", "-_.~", "-_.~"),
        q("space becomes '+'", "a b", "a+b"),
        q("'+' is escaped", "+", "%2B"),
        q(
            "'%' is escaped (no double decoding)",
            "a+b%20c",
            "a%2Bb%2520c",
        ),
        q("URL delimiters", "/?&=#:@", "%2F%3F%26%3D%23%3A%40"),
        q(
            "sub-delimiters RFC 3986 would leave alone",
            "!*'()$,;",
            "%21%2A%27%28%29%24%2C%3B",
        ),
        q("upper-case hex digits", "\u{ff}", "%C3%BF"),
        q("two-byte UTF-8", "é", "%C3%A9"),
        q("three-byte UTF-8", "€", "%E2%82%AC"),
        q("four-byte UTF-8", "\u{1F600}", "%F0%9F%98%80"),
        q("control characters", "\n\t\u{0}\r", "%0A%09%00%0D"),
        q("DEL", "\u{7f}", "%7F"),
        q(
            "article id",
            "net.bitwrk/blender/0/2.79/2G~trusted",
            "net.bitwrk%2Fblender%2F0%2F2.79%2F2G~trusted",
        ),
        q("amount text", "mBTC 1.5", "mBTC+1.5"),
        q(
            "URL",
            "http://1.2.3.4:8082/",
            "http%3A%2F%2F1.2.3.4%3A8082%2F",
        ),
        q("address", GO_ADDR_TEST, GO_ADDR_TEST),
        esc_case("queryEscape", "all printable ASCII", &printable, None),
        n("spaces removed before escaping", "mBTC 1.5", "mBTC1.5"),
        n(
            "leading and trailing spaces",
            " http://1.2.3.4:8082/ ",
            "http%3A%2F%2F1.2.3.4%3A8082%2F",
        ),
        n("only spaces", "   ", ""),
        n("inner runs of spaces", "a b  c", "abc"),
        n("tab is not a space", "a\tb", "a%09b"),
        n(
            "no-break space is not an ASCII space",
            "a\u{a0}b",
            "a%C2%A0b",
        ),
        n("CR LF kept", "a\r\nb", "a%0D%0Ab"),
        n("'+' next to spaces", "+ +", "%2B%2B"),
        n("€ amount", "€ 1", "%E2%82%AC1"),
        n("empty", "", ""),
        n("article id", "net.bitwrk/gimp/0", "net.bitwrk%2Fgimp%2F0"),
        esc_case("normalize", "all printable ASCII", &printable, None),
    ];
    VFile {
        stem: "document_escape",
        ty: "DocumentEscape",
        title: "Escaping and normalisation of document values",
        header: vec![
            "kind=queryEscape: Go's url.QueryEscape on the UTF-8 bytes of `input`: A-Z a-z 0-9 - _ . ~ stay, space becomes '+', every other byte becomes %XX with upper-case hex.".into(),
            "kind=normalize: remove every ASCII space (0x20 only), then queryEscape.".into(),
        ],
        notes: vec![],
        groups: vec![ours(cases)],
        fields: vec![
            ("kind", s_enum(&["queryEscape", "normalize"])),
            ("input", s_string()),
            ("output", s_string()),
        ],
        rules: vec![rule(None, When::Always, &["kind", "input", "output"])],
    }
}
