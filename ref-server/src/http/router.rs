//! Routing: a decoded path to a [`Route`], and the methods each allows
//! (spec §16). As in BitWrk 0.7, `/bid` and `/bid/` are different routes
//! (create vs. view), and so are `/rel` and `/rel/`, `/deposit` and
//! `/deposit/`; the id is everything after the prefix.

use http::Method;

use super::form::decode_path;

/// A recognised resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/` — the index page.
    Index,
    /// `/nonce`.
    Nonce,
    /// `/bid` — create (POST) or the manual form (GET).
    Bids,
    /// `/bid/<id>`.
    Bid(String),
    /// `/tx/<id>`.
    Tx(String),
    /// `/account/<address>`.
    Account(String),
    /// `/ledger/<id>`.
    Ledger(String),
    /// `/deposit` — create (POST) or the manual form (GET).
    Deposits,
    /// `/deposit/<uid>`.
    Deposit(String),
    /// `/rel` — create (POST) or the manual form (GET).
    Relations,
    /// `/rel/<source>/<type>/<target>`.
    Relation(String, String, String),
    /// `/query/prices`.
    Prices,
    /// `/query/accounts`.
    Accounts,
    /// `/query/ledger`.
    LedgerQuery,
    /// `/motd`.
    Motd,
    /// `/myip`.
    MyIp,
    /// `/prices/<article>` — the HTML price view.
    ArticlePrices(String),
}

/// Which methods a route allows (BW-HTTP-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methods {
    /// GET and HEAD.
    Read,
    /// GET, HEAD and POST.
    ReadWrite,
    /// GET and POST, not HEAD (`/nonce`: a HEAD would issue a nonce nobody
    /// receives).
    GetPost,
}

impl Methods {
    /// Whether `m` is allowed.
    pub fn allows(self, m: &Method) -> bool {
        match self {
            Methods::Read => m == Method::GET || m == Method::HEAD,
            Methods::ReadWrite => m == Method::GET || m == Method::HEAD || m == Method::POST,
            Methods::GetPost => m == Method::GET || m == Method::POST,
        }
    }

    /// The `Allow` header value.
    pub fn allow_header(self) -> &'static str {
        match self {
            Methods::Read => "GET, HEAD",
            Methods::ReadWrite => "GET, HEAD, POST",
            Methods::GetPost => "GET, POST",
        }
    }
}

/// Percent-decodes one path segment; `None` unless it is non-empty UTF-8.
fn segment(raw: &str) -> Option<String> {
    decode_path(raw.as_bytes()).ok().filter(|s| !s.is_empty())
}

impl Route {
    /// The route of a raw (still percent-encoded) path; `None` for a path
    /// no endpoint has, an empty segment, a trailing `/`, or a segment
    /// that does not decode to UTF-8 (BW-HTTP-2).
    pub fn of(path: &str) -> Option<Route> {
        let rest = path.strip_prefix('/')?;
        let raw: Vec<&str> = rest.split('/').collect();
        let one = |make: fn(String) -> Route| match raw.as_slice() {
            [_, id] => segment(id).map(make),
            _ => None,
        };
        match raw.as_slice() {
            [""] => Some(Route::Index),
            ["nonce"] => Some(Route::Nonce),
            ["bid"] => Some(Route::Bids),
            ["deposit"] => Some(Route::Deposits),
            ["rel"] => Some(Route::Relations),
            ["query", "prices"] => Some(Route::Prices),
            ["query", "accounts"] => Some(Route::Accounts),
            ["query", "ledger"] => Some(Route::LedgerQuery),
            ["motd"] => Some(Route::Motd),
            ["myip"] => Some(Route::MyIp),
            ["bid", _] => one(Route::Bid),
            ["tx", _] => one(Route::Tx),
            ["account", _] => one(Route::Account),
            ["ledger", _] => one(Route::Ledger),
            ["deposit", _] => one(Route::Deposit),
            ["rel", s, t, g] => Some(Route::Relation(segment(s)?, segment(t)?, segment(g)?)),
            ["prices", article @ ..] if !article.is_empty() => {
                let parts: Option<Vec<String>> = article.iter().map(|p| segment(p)).collect();
                Some(Route::ArticlePrices(parts?.join("/")))
            }
            _ => None,
        }
    }

    /// Whether this is an object endpoint with HTML and JSON forms
    /// (negotiated, BW-HTTP-12).
    pub fn is_object(&self) -> bool {
        matches!(
            self,
            Route::Bid(_) | Route::Tx(_) | Route::Account(_) | Route::Ledger(_) | Route::Deposit(_)
        )
    }

    /// The methods this route allows.
    pub fn methods(&self) -> Methods {
        match self {
            Route::Nonce => Methods::GetPost,
            Route::Bids
            | Route::Tx(_)
            | Route::Account(_)
            | Route::Deposits
            | Route::Relations
            | Route::Motd
            | Route::Prices
            | Route::Accounts
            | Route::LedgerQuery => Methods::ReadWrite,
            Route::Index
            | Route::Bid(_)
            | Route::Ledger(_)
            | Route::Deposit(_)
            | Route::Relation(..)
            | Route::ArticlePrices(_)
            | Route::MyIp => Methods::Read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn routes() {
        assert_eq!(Route::of("/bid"), Some(Route::Bids));
        // BW-HTTP-2
        assert_eq!(Route::of("/bid/"), None);
        assert_eq!(Route::of("/bid/12/"), None);
        assert_eq!(Route::of("/bid/%ff"), None);
        assert_eq!(Route::of("/bid/1%2F2"), Some(Route::Bid("1/2".into())));
        assert_eq!(
            Route::of("/prices/net.bitwrk/gorays/0~trusted"),
            Some(Route::ArticlePrices("net.bitwrk/gorays/0~trusted".into()))
        );
        assert_eq!(Route::of("/prices/"), None);
        assert_eq!(Route::of("/bid/12"), Some(Route::Bid("12".into())));
        assert_eq!(
            Route::of("/rel/a/trusts/b"),
            Some(Route::Relation("a".into(), "trusts".into(), "b".into()))
        );
        assert_eq!(Route::of("/rel/a/trusts"), None);
        assert_eq!(Route::of("/rel/a/b/c/d"), None);
        assert_eq!(Route::of("/query/trades"), None);
        assert_eq!(Route::of("/login"), None);
        assert!(!Route::Bid("1".into()).methods().allows(&Method::POST));
        // BW-HTTP-3
        assert!(!Route::Nonce.methods().allows(&Method::HEAD));
        assert!(Route::Motd.methods().allows(&Method::HEAD));
        assert!(!Route::Nonce.methods().allows(&Method::DELETE));
    }

    proptest! {
        #[test]
        fn never_panics(p in any::<String>()) {
            if let Some(r) = Route::of(&p) { let _ = r.methods(); }
        }
    }
}
