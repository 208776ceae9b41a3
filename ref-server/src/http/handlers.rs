//! The endpoints (spec §16). Each handler parses its input, lets the core
//! decide, and renders the outcome; no protocol rule is made here.

use bitwrk_protocol::address::Address;
use bitwrk_protocol::bid::BidForm;
use bitwrk_protocol::ids::{BidId, TxId};
use bitwrk_protocol::relation::{RelationType, SignedRelation};
use bitwrk_protocol::tx::check_worker_origin;
use bitwrk_protocol::tx::document::TxMessage;
use bitwrk_protocol::wire::Motd;
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode, header};
use http_body_util::Full;

use super::errors::ApiError;
use super::forwarded::{host_text, remote_addr_text};
use super::negotiate::{Repr, none_match};
use super::router::Route;
use super::views::{html, json};
use super::wait::{self, Current};
use super::{AppState, Req};
use crate::cluster::attest::witnessed;
use crate::driver::changes::Watched;
use crate::store::{HistoryQuery, StoreError};

/// A response.
pub type Resp = Response<Full<Bytes>>;

/// Rows shown at most in lists of HTML views and query defaults.
const LIST_LIMIT: usize = 100;

/// Routes a prepared request to its handler.
pub async fn dispatch(state: &AppState, mut req: Req) -> Result<Resp, ApiError> {
    let post = req.method == Method::POST;
    match req.route.clone() {
        Route::Index => Ok(index()),
        Route::Nonce => nonce(state).await,
        Route::Bids if post => create_bid(state, &mut req).await,
        Route::Bids => Ok(html_response(bid_form_page())),
        Route::Bid(id) => get_bid(state, &mut req, &id).await,
        Route::Tx(id) if post => post_tx(state, &mut req, &id).await,
        Route::Tx(id) => get_tx(state, &mut req, &id).await,
        Route::Account(addr) if post => super::accounts::post_account(state, &mut req, &addr).await,
        Route::Account(addr) => super::accounts::get_account(state, &mut req, &addr).await,
        Route::Ledger(id) => get_ledger(state, &mut req, &id).await,
        Route::Deposits if post => create_deposit(state, &mut req).await,
        Route::Deposits => Ok(html_response(deposit_form_page())),
        Route::Deposit(uid) => get_deposit(state, &mut req, &uid).await,
        Route::Relations if post => create_relation(state, &mut req).await,
        Route::Relations => Ok(html_response(relation_form_page())),
        Route::Relation(s, t, g) => get_relation(state, &s, &t, &g).await,
        Route::Prices => super::queries::prices(state, &mut req).await,
        Route::Accounts => super::queries::accounts(state, &mut req).await,
        Route::LedgerQuery => super::queries::ledger(state, &mut req).await,
        Route::Motd => Ok(motd(state, &req)),
        Route::MyIp => Ok(myip(&req)),
        Route::ArticlePrices(article) => {
            super::queries::article_prices(state, &mut req, &article).await
        }
    }
}

/// A response with a body and content type.
pub fn response(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A plain-text response.
pub fn text_response(status: StatusCode, body: String) -> Resp {
    response(status, "text/plain; charset=utf-8", body)
}

/// An HTML page.
pub fn html_response(body: String) -> Resp {
    response(StatusCode::OK, Repr::Html.content_type(), body)
}

/// A view in Go's JSON encoding.
pub fn json_response<T: serde::Serialize + ?Sized>(view: &T) -> Resp {
    response(StatusCode::OK, Repr::Json.content_type(), json::body(view))
}

/// A view as JSON or as an HTML page titled `title` (`extra` appended).
fn object_body<T: serde::Serialize>(repr: Repr, view: &T, title: &str, extra: &str) -> String {
    match repr {
        Repr::Json => json::body(view),
        Repr::Html => html::page(
            title,
            &format!("{}{extra}", html::fields(&json::value(view))),
        ),
    }
}

/// A redirect (303 or 302) to `location`, empty body.
pub fn redirect(status: StatusCode, location: &str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Runs a store read off the async threads.
pub async fn store_read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn crate::store::Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(&*store))
        .await
        .map_err(|e| ApiError::new("http.internal", format!("store read failed: {e}")))?
        .map_err(|e| ApiError::new("http.internal", format!("store read failed: {e}")))
}

/// 200 with `ETag` and `X-ETag` (the 0.7 client reads either), or 304 when
/// `If-None-Match` matches (BitWrk 0.7 compares the header as one string;
/// here it is an entity-tag list, which includes that case).
fn tagged(req: &Req, etag: &str, repr: Repr, body: String) -> Resp {
    let tag = HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\""));
    let mut r = match req.header(header::IF_NONE_MATCH) {
        Some(inm) if none_match(inm, etag) => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        }
        _ => response(StatusCode::OK, repr.content_type(), body),
    };
    r.headers_mut().insert(header::ETAG, tag.clone());
    r.headers_mut().insert("x-etag", tag);
    r
}

fn index() -> Resp {
    let body = "<ul>\n<li><a href=\"/bid\">Place a bid (manual form)</a></li>\n\
<li><a href=\"/deposit\">Make a deposit (manual form, trusted account)</a></li>\n\
<li><a href=\"/rel\">State a relation (manual form)</a></li>\n\
<li><a href=\"/query/prices?article=foobar\">Prices of article foobar</a></li>\n\
<li><a href=\"/nonce\">A fresh nonce</a></li>\n</ul>\n";
    html_response(html::page("BitWrk market", body))
}

async fn nonce(state: &AppState) -> Result<Resp, ApiError> {
    let nonce = state.driver.nonce().await?;
    let mut r = response(StatusCode::OK, "text/plain", nonce);
    let h = r.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(header::EXPIRES, HeaderValue::from_static("0"));
    Ok(r)
}

async fn create_bid(state: &AppState, req: &mut Req) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    let bid = BidForm {
        bid_type: form.single("type")?.to_owned(),
        article: form.single("article")?.to_owned(),
        price: form.single("price")?.to_owned(),
        address: form.single("address")?.to_owned(),
        nonce: form.single("nonce")?.to_owned(),
        signature: form.single("signature")?.to_owned(),
    };
    let id = state.driver.bid(bid, req.witness.take()).await?;
    let mut r = redirect(StatusCode::SEE_OTHER, &format!("/bid/{id}"));
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        r.headers_mut().insert("x-bid-key", v);
    }
    Ok(r)
}

pub(crate) fn parse_id(text: &str, what: &str) -> Result<u64, ApiError> {
    // Only canonical decimal ids exist: no sign, no leading zeros.
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical
        .then(|| text.parse().ok())
        .flatten()
        .ok_or_else(|| ApiError::not_found(format!("{what} not found: {text}")))
}

/// A bid as it is now, with its tag in `repr` (BW-HTTP-14).
async fn bid_now(
    state: &AppState,
    id: BidId,
    repr: Repr,
) -> Result<Current<json::BidJson>, ApiError> {
    let live = state
        .driver
        .read(move |m| m.bid(id).map(json::BidJson::new))
        .await?;
    let (view, live) = match live {
        Some(v) => (v, true),
        None => (
            json::from_store(
                store_read(state, move |s| s.bid(id.0))
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("bid not found: {id}")))?,
                "bid",
            )?,
            false,
        ),
    };
    let etag = format!("\"s{}-c{}\"", view.state.as_str(), repr.etag_len());
    Ok(Current { view, etag, live })
}

async fn get_bid(state: &AppState, req: &mut Req, id: &str) -> Result<Resp, ApiError> {
    let repr = req.repr()?;
    let id = BidId(parse_id(id, "bid")?);
    let (now, waited) =
        wait::current(state, req, Watched::Bid(id.0), || bid_now(state, id, repr)).await?;
    let body = object_body(repr, &now.view, &format!("Bid {id}"), "");
    Ok(wait::applied(tagged(req, &now.etag, repr, body), waited))
}

/// A transaction as it is now, with its tag in `repr` (BW-HTTP-14).
async fn tx_now(
    state: &AppState,
    id: TxId,
    repr: Repr,
) -> Result<Current<json::TransactionJson>, ApiError> {
    let live = state
        .driver
        .read(move |m| m.transaction(id).map(json::TransactionJson::new))
        .await?;
    let (view, live): (json::TransactionJson, bool) = match live {
        Some(v) => (v, true),
        None => (
            json::from_store(
                store_read(state, move |s| s.tx(id.0))
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("transaction not found: {id}")))?,
                "transaction",
            )?,
            false,
        ),
    };
    let etag = format!("\"r{}-c{}\"", view.revision, repr.etag_len());
    Ok(Current { view, etag, live })
}

async fn get_tx(state: &AppState, req: &mut Req, id: &str) -> Result<Resp, ApiError> {
    let repr = req.repr()?;
    let id = TxId(parse_id(id, "transaction")?);
    let (now, waited) =
        wait::current(state, req, Watched::Tx(id.0), || tx_now(state, id, repr)).await?;
    let view = now.view;
    let extra = match repr {
        Repr::Json => String::new(),
        Repr::Html => {
            let messages = store_read(state, move |s| {
                s.history(&HistoryQuery::TxMessages {
                    tx: id.0,
                    limit: LIST_LIMIT,
                })
            })
            .await?;
            format!(
                "<p>Phase: <b>{}</b></p>\n<h2>Accepted messages</h2>\n{}",
                html::escape(view.phase.as_str()),
                html::rows(&messages)
            )
        }
    };
    let body = object_body(repr, &view, &format!("Transaction {id}"), &extra);
    Ok(wait::applied(tagged(req, &now.etag, repr, body), waited))
}

async fn post_tx(state: &AppState, req: &mut Req, id: &str) -> Result<Resp, ApiError> {
    let txid = TxId(parse_id(id, "transaction")?);
    let form = req.form().await?;
    let message = TxMessage::from_form(txid, form.pairs()).map_err(|e| ApiError::from_core(&e))?;
    let verified = match witnessed(req.witness.as_ref(), message) {
        Ok(v) => v,
        Err(message) => state.verifier.tx_message(message).await?,
    };
    if let Some(url) = verified.argument("workerurl") {
        check_worker_origin(url, &remote_addr_text(req.client))
            .map_err(|e| ApiError::from_core(&e))?;
    }
    state.driver.tx_message(verified).await?;
    Ok(redirect(StatusCode::SEE_OTHER, &format!("/tx/{txid}")))
}

async fn get_ledger(state: &AppState, req: &mut Req, id: &str) -> Result<Resp, ApiError> {
    let repr = req.repr()?;
    let id = parse_id(id, "ledger entry")?;
    let view: json::MovementJson = json::from_store(
        store_read(state, move |s| s.movement(id))
            .await?
            .ok_or_else(|| ApiError::not_found(format!("ledger entry not found: {id}")))?,
        "movement",
    )?;
    let body = object_body(repr, &view, &format!("Ledger entry {id}"), "");
    Ok(response(StatusCode::OK, repr.content_type(), body))
}

async fn create_deposit(state: &AppState, req: &mut Req) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    form.require_unique()?;
    let uid = state.driver.deposit(form.pairs().to_vec()).await?;
    Ok(redirect(StatusCode::FOUND, &format!("/deposit/{uid}")))
}

async fn get_deposit(state: &AppState, req: &mut Req, uid: &str) -> Result<Resp, ApiError> {
    let repr = req.repr()?;
    let key = uid.to_owned();
    let view: json::DepositJson = json::from_store(
        store_read(state, move |s| s.deposit(&key))
            .await?
            .ok_or_else(|| ApiError::not_found(format!("deposit not found: {uid}")))?,
        "deposit",
    )?;
    let body = object_body(repr, &view, &format!("Deposit {uid}"), "");
    Ok(response(StatusCode::OK, repr.content_type(), body))
}

async fn create_relation(state: &AppState, req: &mut Req) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    let pairs = form.pairs().to_vec();
    let relation = SignedRelation::from_form_for(&pairs, state.network)
        .map_err(|e| ApiError::from_core(&e))?;
    let verified = match witnessed(req.witness.as_ref(), relation) {
        Ok(v) => v,
        Err(relation) => state.verifier.relation(relation).await?,
    };
    let stored = state.driver.relation(verified, pairs).await?;
    Ok(redirect(
        StatusCode::FOUND,
        &format!("/rel/{}/{}/{}", stored.source, stored.kind, stored.target),
    ))
}

async fn get_relation(
    state: &AppState,
    source: &str,
    kind: &str,
    target: &str,
) -> Result<Resp, ApiError> {
    let not_found = || ApiError::not_found(format!("relation not found: {source}/{kind}/{target}"));
    let s = Address::parse(source).map_err(|_| not_found())?;
    let t = Address::parse(target).map_err(|_| not_found())?;
    let k = RelationType::parse(kind).ok_or_else(not_found)?;
    let live = state
        .driver
        .read(move |m| m.relations().get(&s, k, &t).cloned())
        .await?;
    let view: json::RelationJson = match live {
        Some(v) => v,
        None => {
            let key = format!("{s}/{k}/{t}");
            json::from_store(
                store_read(state, move |st| st.relation(&key))
                    .await?
                    .ok_or_else(not_found)?,
                "relation",
            )?
        }
    };
    Ok(json_response(&view))
}

/// `GET /myip`: the peer's host text (BW-HTTP-40).
fn myip(req: &Req) -> Resp {
    let mut r = text_response(StatusCode::OK, host_text(req.client));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `/motd` (BW-HTTP-39): the core's message for the client's user agent.
fn motd(state: &AppState, req: &Req) -> Resp {
    let ua = req.header(header::USER_AGENT).unwrap_or("");
    let motd = Motd::for_client(ua, state.motd.as_deref());
    response(StatusCode::OK, Repr::Json.content_type(), motd.to_body())
}

fn bid_form_page() -> String {
    let body = html::form(
        "/bid",
        &[
            ("type", "BUY or SELL"),
            ("article", "foobar"),
            ("price", "mBTC 1.5"),
            ("address", "your address"),
            ("nonce", "from /nonce"),
            (
                "signature",
                "over article=…&type=…&price=…&address=…&nonce=…",
            ),
        ],
    );
    html::page("Place a bid", &body)
}

fn deposit_form_page() -> String {
    let body = html::form(
        "/deposit",
        &[
            ("type", "0 (injection) or 1 (bitcoin)"),
            ("account", "address to credit"),
            ("amount", "mBTC 10"),
            ("nonce", "from /nonce"),
            ("uid", "8–64 of A-Z a-z 0-9 -"),
            ("ref", "reference"),
            ("signature", "by the trusted account"),
        ],
    );
    html::page("Make a deposit", &body)
}

fn relation_form_page() -> String {
    let body = html::form(
        "/rel",
        &[
            ("type", "trusts or worksfor"),
            ("source", "your address"),
            ("target", "the other address"),
            ("enabled", "true or false"),
            ("nonce", "from /nonce"),
            ("signature", "by the source"),
        ],
    );
    html::page("State a relation", &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids() {
        assert_eq!(parse_id("12", "bid").unwrap(), 12);
        assert_eq!(parse_id("0", "bid").unwrap(), 0);
        for bad in ["", "012", "-1", "1a", "99999999999999999999999"] {
            assert_eq!(
                parse_id(bad, "bid").unwrap_err().code,
                "http.not-found",
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            let _ = parse_id(&s, "x");
        }
    }
}
