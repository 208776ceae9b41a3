//! Ordered JSON: the vectors are written in field order (serde_json's map is sorted).

use std::fmt::Write as _;

#[derive(Clone, Debug)]
pub(crate) enum J {
    /// JSON `null`.
    Null,
    B(bool),
    I(i64),
    S(String),
    A(Vec<J>),
    O(Vec<(String, J)>),
}

impl From<&str> for J {
    fn from(s: &str) -> J {
        J::S(s.to_owned())
    }
}
impl From<String> for J {
    fn from(s: String) -> J {
        J::S(s)
    }
}
impl From<&String> for J {
    fn from(s: &String) -> J {
        J::S(s.clone())
    }
}
impl From<i64> for J {
    fn from(i: i64) -> J {
        J::I(i)
    }
}
impl From<bool> for J {
    fn from(b: bool) -> J {
        J::B(b)
    }
}
impl From<Vec<J>> for J {
    fn from(v: Vec<J>) -> J {
        J::A(v)
    }
}

pub(crate) fn obj(pairs: Vec<(&str, J)>) -> J {
    J::O(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

pub(crate) fn strs(items: &[&str]) -> J {
    J::A(items.iter().map(|s| J::from(*s)).collect())
}

pub(crate) fn is_scalar(j: &J) -> bool {
    !matches!(j, J::A(_) | J::O(_))
}

pub(crate) fn write_json(j: &J, indent: usize, out: &mut String) {
    let pad = |n: usize| " ".repeat(n);
    match j {
        J::Null => out.push_str("null"),
        J::B(b) => out.push_str(if *b { "true" } else { "false" }),
        J::I(i) => write!(out, "{i}").unwrap(),
        J::S(s) => out.push_str(&serde_json::to_string(s).unwrap()),
        J::A(items) if items.iter().all(is_scalar) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(item, indent, out);
            }
            out.push(']');
        }
        J::A(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(indent + 2));
                write_json(item, indent + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        J::O(pairs) if pairs.is_empty() => out.push_str("{}"),
        J::O(pairs) => {
            out.push_str("{\n");
            for (i, (k, v)) in pairs.iter().enumerate() {
                out.push_str(&pad(indent + 2));
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push_str(": ");
                write_json(v, indent + 2, out);
                out.push_str(if i + 1 < pairs.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
    }
}

pub(crate) fn to_text(j: &J) -> String {
    let mut s = String::new();
    write_json(j, 0, &mut s);
    s.push('\n');
    // Sanity: what we write is valid JSON.
    serde_json::from_str::<serde_json::Value>(&s).expect("generated JSON parses");
    s
}
