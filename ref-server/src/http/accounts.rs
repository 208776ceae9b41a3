//! `/account/<address>`: the account view (GET) and the deposit-address
//! protocol actions (POST).

use bitwrk_protocol::address::Address;

use super::errors::ApiError;
use http::StatusCode;

use super::handlers::{Resp, html_response, json_response, redirect, store_read};
use super::negotiate::Repr;
use super::views::{html, json};
use super::{AppState, Req};
use crate::store::HistoryQuery;

/// Movements shown on an account page.
const MOVEMENTS_SHOWN: usize = 100;

/// `GET /account/<address>[?before=<movement id>]`: an account that never
/// saw a movement is an empty BTC account (as in BitWrk 0.7). The HTML view
/// lists its movements newest first, [`MOVEMENTS_SHOWN`] a page: those
/// before the `before` id, with links to the older and newer pages.
pub async fn get_account(state: &AppState, req: &mut Req, addr: &str) -> Result<Resp, ApiError> {
    let repr = req.repr()?;
    let address = Address::parse_for(addr, state.network)
        .map_err(|e| ApiError::not_found(format!("no account {addr}: {e}")))?;
    let view = state.driver.read(move |m| m.account_json(&address)).await?;
    Ok(match repr {
        Repr::Json => json_response(&view),
        Repr::Html => {
            let form = req.form().await?;
            let before = parse_before(form.single("before")?)?;
            let account = address.to_string();
            let (movements, newer) = store_read(state, move |s| {
                let movements = s.history(&HistoryQuery::AccountMovements {
                    account: account.clone(),
                    before,
                    limit: MOVEMENTS_SHOWN + 1,
                })?;
                let newer = match before {
                    Some(since) => s.history(&HistoryQuery::AccountMovementsSince {
                        account,
                        since,
                        limit: MOVEMENTS_SHOWN + 1,
                    })?,
                    None => Vec::new(),
                };
                Ok((movements, newer))
            })
            .await?;
            let body = format!(
                "{}<h2>Movements (newest first)</h2>\n{}{}",
                html::fields(&json::value(&view)),
                html::rows(&movements[..movements.len().min(MOVEMENTS_SHOWN)]),
                page_links(&format!("/account/{address}"), &movements, &newer)
            );
            html_response(html::page(&format!("Account {address}"), &body))
        }
    })
}

/// The `before` parameter: empty, or a movement id.
fn parse_before(value: &str) -> Result<Option<u64>, ApiError> {
    if value.is_empty() {
        return Ok(None);
    }
    value.parse::<u64>().map(Some).map_err(|_| {
        ApiError::new(
            "http.bad-parameter",
            format!("expected before to be a movement id (decimal), got {value:?}"),
        )
    })
}

/// A stored movement's id.
fn movement_id(m: &serde_json::Value) -> Option<u64> {
    m.get("Key")?.as_str()?.parse().ok()
}

/// The links under a page of movements: "newer" when `newer` (the
/// movements from the page's `before` on, oldest first, one more than a
/// page at most) is not empty, "older" when `shown` (newest first) holds
/// more than a page.
fn page_links(base: &str, shown: &[serde_json::Value], newer: &[serde_json::Value]) -> String {
    let mut links = Vec::new();
    if !newer.is_empty() {
        // The newer page ends just before the movement a page further on;
        // if there is none, it is the first page.
        let href = match newer.get(MOVEMENTS_SHOWN).and_then(movement_id) {
            Some(id) => format!("{base}?before={id}"),
            None => base.to_owned(),
        };
        links.push(format!(
            "<a href=\"{}\" rel=\"prev\">newer</a>",
            html::escape(&href)
        ));
    }
    if shown.len() > MOVEMENTS_SHOWN
        && let Some(id) = shown.get(MOVEMENTS_SHOWN - 1).and_then(movement_id)
    {
        let href = format!("{base}?before={id}");
        links.push(format!(
            "<a href=\"{}\" rel=\"next\">older</a>",
            html::escape(&href)
        ));
    }
    if links.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>\n", links.join(" | "))
    }
}

/// `POST /account/<address>` with `action=requestdepositaddress` or
/// `action=storedepositinfo` (BW-HTTP-27 … BW-HTTP-30): the market checks
/// and applies the form; success is 303 back to the request target.
pub async fn post_account(state: &AppState, req: &mut Req, addr: &str) -> Result<Resp, ApiError> {
    Address::parse_for(addr, state.network)
        .map_err(|e| ApiError::not_found(format!("no account {addr}: {e}")))?;
    // The core checks the action's fields (required, single: BW-HTTP-27).
    let form = req.form().await?;
    state
        .driver
        .account_action(addr.to_owned(), form.pairs().to_vec())
        .await?;
    Ok(redirect(StatusCode::SEE_OTHER, &req.target))
}
