//! The browser UI on the internal port: one page (`/`, also `/ui/…`), its
//! script and style sheet, all built into the binary, and the guard that
//! keeps other web sites from using the local API through the user's
//! browser (DEP-570).
//!
//! BitWrk 0.7 renders its page from a template directory and accepts any
//! request from loopback. A web page the user visits can make the
//! browser send requests to `127.0.0.1:8081` too, so here:
//!
//! * a request that names a host (`Host`) must name a loopback one
//!   (`localhost`, `127.x.x.x`, `[::1]`), which defeats DNS rebinding;
//! * a state-changing request ([`state_changing`]) whose `Origin` is not
//!   this client's own, or whose `Sec-Fetch-Site` is not `same-origin` or
//!   `none`, is refused (`ui.cross-origin`); programs such as the Blender
//!   add-on and workers send neither header and are unaffected;
//! * the page's own forms (granting and revoking mandates, asking for a
//!   deposit address) must carry the per-process token embedded in the
//!   page ([`check_token`]), as form field `csrf` or header
//!   `X-BitWrk-CSRF` (`ui.bad-token`).

use std::sync::OnceLock;

use bitwrk_protocol::ErrorCode;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};

use super::http_util::{Body, form_value, raw, text};

/// The page; `{{…}}` marks are filled in by [`page`].
const PAGE: &str = include_str!("index.html");
/// The page's script: polls the JSON routes and renders them.
const SCRIPT: &str = include_str!("app.js");
/// The page's style sheet.
const STYLE: &str = include_str!("app.css");

/// The form field that carries the token.
pub const TOKEN_FIELD: &str = "csrf";
/// The header that carries the token (the script's requests).
pub const TOKEN_HEADER: &str = "x-bitwrk-csrf";

/// Why the UI guard refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UiError {
    /// `Host` names no loopback host.
    BadHost {
        /// The header's value.
        host: String,
    },
    /// `Origin` or `Sec-Fetch-Site` says another site sent the request.
    CrossOrigin {
        /// The header.
        header: &'static str,
        /// Its value.
        value: String,
    },
    /// The token is missing or wrong.
    BadToken,
    /// No token could be made (operating-system randomness failed).
    NoToken,
}

impl UiError {
    /// Every code, as Appendix A.5 lists them.
    #[cfg_attr(not(test), allow(dead_code))]
    pub const CODES: &'static [&'static str] = &[
        "ui.bad-host",
        "ui.cross-origin",
        "ui.bad-token",
        "ui.no-token",
    ];

    /// The answer's status.
    pub fn status(&self) -> StatusCode {
        match self {
            UiError::NoToken => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::FORBIDDEN,
        }
    }

    /// The answer: text, status and the code in `X-BitWrk-Error`.
    pub fn response(&self) -> Response<Body> {
        let mut r = text(self.status(), self.to_string());
        r.headers_mut()
            .insert("X-BitWrk-Error", HeaderValue::from_static(self.code()));
        r
    }
}

impl ErrorCode for UiError {
    fn code(&self) -> &'static str {
        match self {
            UiError::BadHost { .. } => "ui.bad-host",
            UiError::CrossOrigin { .. } => "ui.cross-origin",
            UiError::BadToken => "ui.bad-token",
            UiError::NoToken => "ui.no-token",
        }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UiError::BadHost { host } => write!(
                f,
                "expected a loopback host (localhost, 127.0.0.1, [::1]) in Host, got {host:?}"
            ),
            UiError::CrossOrigin { header, value } => write!(
                f,
                "expected a request of this client's own page, got {header}: {value:?}"
            ),
            UiError::BadToken => write!(
                f,
                "expected the page's token in field {TOKEN_FIELD:?} or header X-BitWrk-CSRF; reload the page"
            ),
            UiError::NoToken => write!(f, "operating-system randomness failed; no UI token"),
        }
    }
}

impl std::error::Error for UiError {}

/// This process's token (32 hex digits), made on first use.
pub fn token() -> Result<&'static str, UiError> {
    static TOKEN: OnceLock<Option<String>> = OnceLock::new();
    TOKEN
        .get_or_init(|| {
            let mut b = [0u8; 16];
            getrandom::fill(&mut b)
                .ok()
                .map(|()| bitwrk_protocol::encoding::hex::encode(&b))
        })
        .as_deref()
        .ok_or(UiError::NoToken)
}

/// Whether `host` (a `Host` value, port included) names this machine.
fn loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inside, tail)) if tail.is_empty() || tail.starts_with(':') => inside,
            _ => return false,
        }
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"))
}

/// The `Host` check, for every protected route.
pub fn check_host(headers: &HeaderMap) -> Result<(), UiError> {
    // Every `Host` counts: a second one must not slip a foreign name past.
    for v in headers.get_all(header::HOST) {
        let h = v.to_str().unwrap_or("\u{fffd}");
        if !loopback_host(h) {
            return Err(UiError::BadHost { host: h.to_owned() });
        }
    }
    Ok(())
}

/// Whether a request changes state: anything but GET and HEAD, and the
/// routes that 0.7 lets change state by GET.
pub fn state_changing(method: &Method, path: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD)
        || matches!(
            path,
            "/revokemandate" | "/requestdepositaddress" | "/registerworker" | "/unregisterworker"
        )
}

/// The origin check, for state-changing requests.
pub fn check_origin(headers: &HeaderMap) -> Result<(), UiError> {
    if let Some(site) = header_text(headers, "sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Err(UiError::CrossOrigin {
            header: "Sec-Fetch-Site",
            value: site.to_owned(),
        });
    }
    if let Some(origin) = header_text(headers, header::ORIGIN.as_str()) {
        let host = header_text(headers, header::HOST.as_str()).unwrap_or("");
        let own = origin
            .strip_prefix("http://")
            .is_some_and(|o| o.eq_ignore_ascii_case(host) && loopback_host(o));
        if !own {
            return Err(UiError::CrossOrigin {
                header: "Origin",
                value: origin.to_owned(),
            });
        }
    }
    Ok(())
}

/// Constant-time comparison (the token is a secret of the page).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token check, for the page's own forms.
pub fn check_token(headers: &HeaderMap, params: &[(String, String)]) -> Result<(), UiError> {
    let expected = token()?;
    let given = form_value(params, TOKEN_FIELD)
        .or_else(|| header_text(headers, TOKEN_HEADER))
        .unwrap_or("");
    if same(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(UiError::BadToken)
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page for `path`, as `address`, with the token.
pub fn page(address: &str, path: &str) -> Result<Response<Body>, UiError> {
    let html = PAGE
        .replace("{{TOKEN}}", token()?)
        .replace("{{ADDRESS}}", &escape(address))
        .replace("{{ACTION}}", &escape(path));
    Ok(with_type(
        raw(StatusCode::OK, html),
        "text/html; charset=utf-8",
    ))
}

fn with_type(mut r: Response<Body>, ct: &'static str) -> Response<Body> {
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    // The page must not be framed by another site (clickjacking).
    r.headers_mut()
        .insert("X-Frame-Options", HeaderValue::from_static("DENY"));
    r.headers_mut().insert(
        "Content-Security-Policy",
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    r
}

/// The built-in assets (`/ui/app.js`, `/ui/app.css`), if `path` is one.
pub fn asset(path: &str) -> Option<Response<Body>> {
    match path {
        "/ui/app.js" => Some(with_type(
            raw(StatusCode::OK, SCRIPT),
            "text/javascript; charset=utf-8",
        )),
        "/ui/app.css" => Some(with_type(
            raw(StatusCode::OK, STYLE),
            "text/css; charset=utf-8",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn hosts() {
        for ok in [
            "localhost",
            "localhost:8081",
            "127.0.0.1:8081",
            "127.1.2.3",
            "[::1]:8081",
            "[::1]",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:8081",
            "10.0.0.1:8081",
            "[::1",
            "[::2]:80",
            "localhost.evil:80",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
        assert!(check_host(&headers(&[("host", "evil.example")])).is_err());
        assert!(check_host(&HeaderMap::new()).is_ok());
    }

    #[test]
    fn origins() {
        // The Blender add-on: no Origin, no Fetch Metadata.
        assert!(check_origin(&headers(&[("host", "127.0.0.1:8081")])).is_ok());
        assert!(
            check_origin(&headers(&[
                ("host", "127.0.0.1:8081"),
                ("origin", "http://127.0.0.1:8081"),
                ("sec-fetch-site", "same-origin"),
            ]))
            .is_ok()
        );
        for h in [
            headers(&[("host", "127.0.0.1:8081"), ("sec-fetch-site", "cross-site")]),
            headers(&[("host", "127.0.0.1:8081"), ("sec-fetch-site", "same-site")]),
            headers(&[
                ("host", "127.0.0.1:8081"),
                ("origin", "http://evil.example"),
            ]),
            headers(&[("host", "127.0.0.1:8081"), ("origin", "null")]),
            headers(&[
                ("host", "127.0.0.1:8081"),
                ("origin", "http://127.0.0.1:9999"),
            ]),
            headers(&[("host", "evil.example"), ("origin", "http://evil.example")]),
        ] {
            let e = check_origin(&h).expect_err("cross-origin");
            assert_eq!(e.code(), "ui.cross-origin");
        }
        assert!(state_changing(&Method::POST, "/buy/x"));
        assert!(state_changing(&Method::GET, "/revokemandate"));
        assert!(!state_changing(&Method::GET, "/activities"));
    }

    #[test]
    fn tokens() {
        let t = token().expect("token");
        assert_eq!(t.len(), 32);
        let form = vec![(TOKEN_FIELD.to_owned(), t.to_owned())];
        assert!(check_token(&HeaderMap::new(), &form).is_ok());
        assert_eq!(check_token(&HeaderMap::new(), &[]), Err(UiError::BadToken));
        let wrong = vec![(TOKEN_FIELD.to_owned(), "0".repeat(32))];
        assert_eq!(
            check_token(&HeaderMap::new(), &wrong),
            Err(UiError::BadToken)
        );
        let mut h = HeaderMap::new();
        h.insert(TOKEN_HEADER, HeaderValue::from_str(t).expect("value"));
        assert!(check_token(&h, &[]).is_ok());
        let body = page("1Abc", "/").expect("page");
        assert_eq!(body.status(), StatusCode::OK);
    }

    /// Appendix A.5 lists exactly these codes.
    #[test]
    fn codes_are_listed_in_appendix_a() {
        let appendix = include_str!("../../../../spec/A-error-codes.md");
        let section = appendix
            .split("## A.5 Codes of the reference client's browser UI")
            .nth(1)
            .expect("spec/A-error-codes.md has a section A.5");
        let section = section.split("\n## ").next().unwrap_or(section);
        for code in UiError::CODES {
            assert!(
                section.contains(&format!("`{code}`")),
                "{code} missing from A.5"
            );
        }
        let listed = section.matches("- `ui.").count();
        assert_eq!(
            listed,
            UiError::CODES.len(),
            "A.5 lists ui codes the UI lacks"
        );
    }
}
