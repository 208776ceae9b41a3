//! `/account/<address>`: the account view (GET) and the deposit-address
//! protocol actions (POST).

use bitwrk_protocol::address::Address;

use super::errors::ApiError;
use super::handlers::{Resp, html_response, json_response, store_read};
use super::negotiate::Repr;
use super::views::{html, json};
use super::{AppState, Req};
use crate::store::HistoryQuery;

/// Movements shown on an account page.
const MOVEMENTS_SHOWN: usize = 100;

/// `GET /account/<address>`: an account that never saw a movement is an
/// empty BTC account (as in BitWrk 0.7).
pub async fn get_account(state: &AppState, req: &mut Req, addr: &str) -> Result<Resp, ApiError> {
    let repr = req.repr()?;
    let address = Address::parse_for(addr, state.network)
        .map_err(|e| ApiError::not_found(format!("no account {addr}: {e}")))?;
    let text = address.to_string();
    let value = state
        .driver
        .read(move |m| json::account(&text, &m.ledger().account_or_empty(&address)))
        .await?;
    Ok(match repr {
        Repr::Json => json_response(&value),
        Repr::Html => {
            let account = address.to_string();
            let movements = store_read(state, move |s| {
                s.history(&HistoryQuery::AccountMovements {
                    account,
                    limit: MOVEMENTS_SHOWN,
                })
            })
            .await?;
            let body = format!(
                "{}<h2>Movements (newest first)</h2>\n{}",
                html::fields(&value),
                html::rows(&movements)
            );
            html_response(html::page(&format!("Account {address}"), &body))
        }
    })
}

/// `POST /account/<address>` with `action=requestdepositaddress` or
/// `action=storedepositinfo`.
pub async fn post_account(_state: &AppState, req: &mut Req, _addr: &str) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    let action = form.single("action")?;
    Err(ApiError::new(
        "http.unknown-action",
        format!("expected action requestdepositaddress or storedepositinfo, got {action:?}"),
    ))
}
