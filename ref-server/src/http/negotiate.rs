//! Content negotiation (`Accept`) and validators (`If-None-Match`), spec §16.
//!
//! The alternatives are HTML and JSON. `Accept` clauses are taken by
//! quality, highest first, exact types before `type/*` before `*/*` at equal
//! quality; the first clause that names an alternative picks it, and `*/*`
//! picks HTML (BitWrk 0.7's order). Departures from 0.7: a clause with
//! `q=0` excludes instead of selecting, and a request without `Accept` gets
//! JSON instead of 406 (machine clients often send none).

/// A representation of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr {
    /// `text/html; charset=utf-8`.
    Html,
    /// `application/json`.
    Json,
}

impl Repr {
    /// The media type as sent in `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Repr::Html => "text/html; charset=utf-8",
            Repr::Json => "application/json",
        }
    }

    /// The length of BitWrk 0.7's bare media type, which its ETags carry
    /// (`-c9` for `text/html`, `-c16` for `application/json`).
    pub fn etag_len(self) -> usize {
        match self {
            Repr::Html => "text/html".len(),
            Repr::Json => "application/json".len(),
        }
    }
}

/// One parsed `Accept` clause.
#[derive(Debug, Clone, PartialEq)]
struct Clause<'a> {
    kind: &'a str,
    subtype: &'a str,
    q: f32,
    order: usize,
}

impl Clause<'_> {
    fn specificity(&self) -> u8 {
        match (self.kind, self.subtype) {
            ("*", _) => 0,
            (_, "*") => 1,
            _ => 2,
        }
    }

    fn selects(&self, kind: &str, subtype: &str) -> bool {
        (self.kind == "*" || self.kind.eq_ignore_ascii_case(kind))
            && (self.subtype == "*" || self.subtype.eq_ignore_ascii_case(subtype))
    }
}

fn parse_clause(text: &str, order: usize) -> Option<Clause<'_>> {
    let mut parts = text.split(';');
    let range = parts.next()?.trim();
    let (kind, subtype) = range.split_once('/')?;
    let (kind, subtype) = (kind.trim(), subtype.trim());
    if kind.is_empty() || subtype.is_empty() || (kind == "*" && subtype != "*") {
        return None;
    }
    let mut q = 1.0;
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("q")
        {
            q = value
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))?;
        }
    }
    Some(Clause {
        kind,
        subtype,
        q,
        order,
    })
}

/// The representation an `Accept` header value asks for; `None` when it
/// names neither (406). A missing header is [`Repr::Json`]. Malformed
/// clauses are skipped.
pub fn negotiate(accept: Option<&str>) -> Option<Repr> {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return Some(Repr::Json);
    };
    let mut clauses: Vec<Clause<'_>> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, c)| parse_clause(c, i))
        .filter(|c| c.q > 0.0)
        .collect();
    clauses.sort_by(|a, b| {
        b.q.total_cmp(&a.q)
            .then(b.specificity().cmp(&a.specificity()))
            .then(a.order.cmp(&b.order))
    });
    clauses.iter().find_map(|c| {
        if c.selects("text", "html") {
            Some(Repr::Html)
        } else if c.selects("application", "json") {
            Some(Repr::Json)
        } else {
            None
        }
    })
}

/// Whether an `Accept` value has an `application/json` clause with q > 0
/// (error bodies are then JSON, BW-HTTP-15).
pub fn accepts_json(accept: &str) -> bool {
    accept
        .split(',')
        .enumerate()
        .filter_map(|(i, c)| parse_clause(c, i))
        .any(|c| {
            c.q > 0.0
                && c.kind.eq_ignore_ascii_case("application")
                && c.subtype.eq_ignore_ascii_case("json")
        })
}

/// Whether `If-None-Match` (a list of entity tags, or `*`) matches `etag`
/// (a quoted strong tag). Weak comparison, as RFC 9110 prescribes for
/// `If-None-Match`: `W/"x"` matches `"x"`. Malformed members never match.
pub fn none_match(header: &str, etag: &str) -> bool {
    let header = header.trim();
    if header == "*" {
        return true;
    }
    split_list(header).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"') && tag == etag
    })
}

/// The comma-separated members of a header list (entity tags, `Prefer`
/// preferences); commas inside quotes do not separate.
pub(crate) fn split_list(header: &str) -> impl Iterator<Item = &str> {
    let mut rest = header;
    core::iter::from_fn(move || {
        loop {
            if rest.is_empty() {
                return None;
            }
            let mut quoted = false;
            let mut end = rest.len();
            for (i, ch) in rest.char_indices() {
                match ch {
                    '"' => quoted = !quoted,
                    ',' if !quoted => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            let member = rest[..end].trim();
            rest = rest.get(end + 1..).unwrap_or("");
            if !member.is_empty() {
                return Some(member);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // BW-HTTP-12
    #[test]
    fn accept_picks_as_documented() {
        assert_eq!(negotiate(Some("application/json")), Some(Repr::Json));
        assert_eq!(negotiate(Some("*/*")), Some(Repr::Html));
        assert_eq!(negotiate(None), Some(Repr::Json));
        assert_eq!(negotiate(Some("  ")), Some(Repr::Json));
        assert_eq!(negotiate(Some("image/png")), None);
        assert_eq!(
            negotiate(Some("text/html;q=0.5, application/json")),
            Some(Repr::Json)
        );
        assert_eq!(
            negotiate(Some(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            )),
            Some(Repr::Html)
        );
        assert_eq!(negotiate(Some("application/*")), Some(Repr::Json));
        assert_eq!(negotiate(Some("*/*, application/json")), Some(Repr::Json));
        assert_eq!(negotiate(Some("text/html;q=0, application/json;q=0")), None);
        assert_eq!(negotiate(Some("text/html;q=abc")), None);
    }

    // BW-HTTP-15
    #[test]
    fn json_errors() {
        assert!(accepts_json("text/html, application/json"));
        assert!(!accepts_json("application/json;q=0"));
        assert!(!accepts_json("*/*"));
    }

    // BW-HTTP-14
    #[test]
    fn if_none_match_lists() {
        assert!(none_match("\"sPLACED-c16\"", "\"sPLACED-c16\""));
        assert!(none_match("\"a\", W/\"sPLACED-c16\"", "\"sPLACED-c16\""));
        assert!(none_match("*", "\"x\""));
        assert!(!none_match("\"sPLACED-c9\"", "\"sPLACED-c16\""));
        assert!(!none_match("sPLACED-c16", "\"sPLACED-c16\""));
        assert!(!none_match("\"a,b\"", "\"a\""));
        assert!(none_match("\"a,b\"", "\"a,b\""));
    }

    proptest! {
        #[test]
        fn never_panic(s in "\\PC{0,64}", t in any::<String>()) {
            let _ = negotiate(Some(&s));
            let _ = negotiate(Some(&t));
            let _ = none_match(&s, "\"x\"");
            let _ = none_match(&t, &s);
            let _ = accepts_json(&t);
        }
    }
}
