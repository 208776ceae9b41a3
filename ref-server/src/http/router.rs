//! Routing: a decoded path to a [`Route`], and the methods each allows
//! (spec §16). As in BitWrk 0.7, `/bid` and `/bid/` are different routes
//! (create vs. view), and so are `/rel` and `/rel/`, `/deposit` and
//! `/deposit/`; the id is everything after the prefix.

use http::Method;

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
}

/// Which methods a route allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methods {
    /// GET and HEAD.
    Read,
    /// GET, HEAD and POST.
    ReadWrite,
    /// Any method (BitWrk 0.7's `/nonce`, `/motd`, `/query/*`).
    Any,
}

impl Methods {
    /// Whether `m` is allowed.
    pub fn allows(self, m: &Method) -> bool {
        match self {
            Methods::Read => m == Method::GET || m == Method::HEAD,
            Methods::ReadWrite => m == Method::GET || m == Method::HEAD || m == Method::POST,
            Methods::Any => true,
        }
    }

    /// The `Allow` header value.
    pub fn allow_header(self) -> &'static str {
        match self {
            Methods::Read => "GET, HEAD",
            Methods::ReadWrite | Methods::Any => "GET, HEAD, POST",
        }
    }
}

impl Route {
    /// The route of a decoded path; `None` for unknown paths (404).
    pub fn of(path: &str) -> Option<Route> {
        let id = |prefix: &str| path.strip_prefix(prefix).map(str::to_owned);
        Some(match path {
            "/" => Route::Index,
            "/nonce" => Route::Nonce,
            "/bid" => Route::Bids,
            "/deposit" => Route::Deposits,
            "/rel" => Route::Relations,
            "/query/prices" => Route::Prices,
            "/query/accounts" => Route::Accounts,
            "/query/ledger" => Route::LedgerQuery,
            "/motd" => Route::Motd,
            "/myip" => Route::MyIp,
            _ => {
                if let Some(id) = id("/bid/") {
                    Route::Bid(id)
                } else if let Some(id) = id("/tx/") {
                    Route::Tx(id)
                } else if let Some(id) = id("/account/") {
                    Route::Account(id)
                } else if let Some(id) = id("/ledger/") {
                    Route::Ledger(id)
                } else if let Some(id) = id("/deposit/") {
                    Route::Deposit(id)
                } else if let Some(rest) = path.strip_prefix("/rel/") {
                    let mut parts = rest.split('/');
                    match (parts.next(), parts.next(), parts.next(), parts.next()) {
                        (Some(s), Some(t), Some(g), None) => {
                            Route::Relation(s.to_owned(), t.to_owned(), g.to_owned())
                        }
                        _ => return None,
                    }
                } else {
                    return None;
                }
            }
        })
    }

    /// The methods this route allows.
    pub fn methods(&self) -> Methods {
        match self {
            Route::Nonce | Route::Motd | Route::Prices | Route::Accounts | Route::LedgerQuery => {
                Methods::Any
            }
            Route::Bids | Route::Tx(_) | Route::Account(_) | Route::Deposits | Route::Relations => {
                Methods::ReadWrite
            }
            Route::Index
            | Route::Bid(_)
            | Route::Ledger(_)
            | Route::Deposit(_)
            | Route::Relation(..)
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
        assert_eq!(Route::of("/bid/"), Some(Route::Bid(String::new())));
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
        assert!(Route::Nonce.methods().allows(&Method::DELETE));
    }

    proptest! {
        #[test]
        fn never_panics(p in any::<String>()) {
            if let Some(r) = Route::of(&p) { let _ = r.methods(); }
        }
    }
}
