//! Escaping and normalisation of signed form documents (spec section 7).
//!
//! BitWrk signs `application/x-www-form-urlencoded`-style text. Values are
//! escaped with the rules of Go's `url.QueryEscape`, which BitWrk 0.7 uses:
//! `A–Z a–z 0–9 - _ . ~` stay as they are, a space becomes `+`, every other
//! byte becomes `%XX` with upper-case hex digits.

/// Whether `b` is left unescaped by [`query_escape`] (BW-DOC-1).
pub const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Escapes `s` byte by byte (BW-DOC-1).
pub fn query_escape(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// BitWrk 0.7's "normalize": remove every ASCII space, then [`query_escape`] (BW-DOC-2).
pub fn normalize(s: &str) -> String {
    query_escape(&s.replace(' ', ""))
}

/// Decodes `k=v&k=v` with `+` as a space and `%XX` escapes; `None` for a
/// pair without `=`, a bad escape or text that is not UTF-8.
pub fn form_decode(text: &str) -> Option<Vec<(String, String)>> {
    fn unescape(s: &str) -> Option<String> {
        let mut out = Vec::with_capacity(s.len());
        let mut bytes = s.bytes();
        while let Some(b) = bytes.next() {
            match b {
                b'+' => out.push(b' '),
                b'%' => {
                    let digit = |d: Option<u8>| d.and_then(|d| char::from(d).to_digit(16));
                    let value = digit(bytes.next())? * 16 + digit(bytes.next())?;
                    out.push(u8::try_from(value).ok()?);
                }
                b => out.push(b),
            }
        }
        String::from_utf8(out).ok()
    }
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((unescape(k)?, unescape(v)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        // BW-DOC-1, BW-DOC-2
        assert_eq!(
            query_escape("net.bitwrk/blender/0/2.79/2G~trusted"),
            "net.bitwrk%2Fblender%2F0%2F2.79%2F2G~trusted"
        );
        assert_eq!(
            query_escape("a b+c=é!*'()"),
            "a+b%2Bc%3D%C3%A9%21%2A%27%28%29"
        );
        assert_eq!(normalize("mBTC 1.5"), "mBTC1.5");
        assert_eq!(
            normalize(" http://1.2.3.4:8082/ "),
            "http%3A%2F%2F1.2.3.4%3A8082%2F"
        );
    }
}
