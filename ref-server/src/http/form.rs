//! `application/x-www-form-urlencoded` forms and percent-decoded paths
//! (spec §16): strict parsing of untrusted bytes into UTF-8 text.
//!
//! A form is the pairs of the request body followed by those of the query
//! string, as BitWrk 0.7 merges them (body values first). Unlike 0.7, a
//! malformed escape or text that is not UTF-8 after decoding is refused
//! instead of being passed on.

use core::fmt;

/// Why form or path bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// `%` not followed by two hex digits.
    BadEscape {
        /// Byte offset of the `%`.
        at: usize,
    },
    /// The decoded bytes are not UTF-8.
    NotUtf8,
    /// A field that must occur at most once occurs more often.
    Repeated {
        /// The field name.
        name: String,
    },
}

impl FormError {
    /// The stable code (appendix A).
    pub fn code(&self) -> &'static str {
        match self {
            FormError::BadEscape { .. } | FormError::NotUtf8 => "http.bad-form",
            FormError::Repeated { .. } => "http.duplicate-field",
        }
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::BadEscape { at } => write!(
                f,
                "expected two hex digits after the '%' at byte {at}, found something else"
            ),
            FormError::NotUtf8 => {
                f.write_str("expected UTF-8 text after decoding, found other bytes")
            }
            FormError::Repeated { name } => {
                write!(f, "expected field {name:?} at most once, found it repeated")
            }
        }
    }
}

impl std::error::Error for FormError {}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `input` (with `+` as space when `plus_is_space`),
/// requiring UTF-8 text as the result. `offset` is added to error positions.
fn decode(input: &[u8], plus_is_space: bool, offset: usize) -> Result<String, FormError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex_value);
                let lo = input.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(FormError::BadEscape { at: offset + i }),
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

/// Decodes a URL path (no `+` rule).
pub fn decode_path(path: &[u8]) -> Result<String, FormError> {
    decode(path, false, 0)
}

/// The pairs of one urlencoded text, in order. Empty segments (`a=1&&b=2`)
/// are skipped; a segment without `=` is a name with an empty value.
pub fn parse_pairs(input: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    let mut start = 0;
    for segment in input.split(|&b| b == b'&') {
        let seg_start = start;
        start += segment.len() + 1;
        if segment.is_empty() {
            continue;
        }
        let (name, value, value_at) = match segment.iter().position(|&b| b == b'=') {
            Some(eq) => (&segment[..eq], &segment[eq + 1..], seg_start + eq + 1),
            None => (
                segment,
                &segment[segment.len()..],
                seg_start + segment.len(),
            ),
        };
        pairs.push((
            decode(name, true, seg_start)?,
            decode(value, true, value_at)?,
        ));
    }
    Ok(pairs)
}

/// A request's form: body pairs, then query pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Parses a body and a query string into one form.
    pub fn parse(body: &[u8], query: &[u8]) -> Result<Form, FormError> {
        let mut pairs = parse_pairs(body)?;
        pairs.extend(parse_pairs(query)?);
        Ok(Form { pairs })
    }

    /// All pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The value of a field that may occur at most once; `""` when absent
    /// (BitWrk 0.7 reads absent fields as empty).
    pub fn single(&self, name: &str) -> Result<&str, FormError> {
        let mut found = self.pairs.iter().filter(|(k, _)| k == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(FormError::Repeated {
                name: name.to_owned(),
            });
        }
        Ok(first.map_or("", |(_, v)| v.as_str()))
    }

    /// Whether the field occurs.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// Refuses any field that occurs more than once (messages and signed
    /// documents: every field is meaningful).
    pub fn require_unique(&self) -> Result<(), FormError> {
        let mut names: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        match names.windows(2).find(|w| w[0] == w[1]) {
            Some(w) => Err(FormError::Repeated {
                name: w[0].to_owned(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_pairs_in_order() {
        let form = Form::parse(b"a=1&b=x+y%2Fz", b"c=%7e&d").unwrap();
        assert_eq!(
            form.pairs(),
            &[
                ("a".into(), "1".into()),
                ("b".into(), "x y/z".into()),
                ("c".into(), "~".into()),
                ("d".into(), "".into())
            ]
        );
        assert_eq!(form.single("b").unwrap(), "x y/z");
        assert_eq!(form.single("zz").unwrap(), "");
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(parse_pairs(b"a=%4"), Err(FormError::BadEscape { at: 2 }));
        assert_eq!(
            parse_pairs(b"ok=1&a=%zz"),
            Err(FormError::BadEscape { at: 7 })
        );
        assert_eq!(parse_pairs(b"a=%ff"), Err(FormError::NotUtf8));
        assert_eq!(parse_pairs(b"a=\xc3"), Err(FormError::NotUtf8));
        let form = Form::parse(b"a=1", b"a=2").unwrap();
        assert_eq!(form.single("a").unwrap_err().code(), "http.duplicate-field");
        assert!(form.require_unique().is_err());
        assert!(
            Form::parse(b"a=1&b=2", b"")
                .unwrap()
                .require_unique()
                .is_ok()
        );
    }

    #[test]
    fn path_keeps_plus() {
        assert_eq!(decode_path(b"/deposit/a+b%2D1").unwrap(), "/deposit/a+b-1");
        assert!(decode_path(b"/x%").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..256),
                        query in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(form) = Form::parse(&body, &query) {
                let _ = form.require_unique();
                for (k, _) in form.pairs() { let _ = form.single(k); }
            }
            let _ = decode_path(&body);
        }

        #[test]
        fn round_trips(pairs in proptest::collection::vec(("[a-z]{1,5}", "\\PC{0,8}"), 0..6)) {
            let encoded: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter()).finish();
            let parsed = parse_pairs(encoded.as_bytes()).unwrap();
            prop_assert_eq!(parsed, pairs);
        }
    }
}
