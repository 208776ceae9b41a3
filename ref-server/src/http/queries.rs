//! `/query/accounts`, `/query/ledger` and `/query/prices`.

use bitwrk_protocol::rfc3339;
use http::StatusCode;

use super::errors::ApiError;
use super::handlers::{Resp, json_response, store_read, text_response};
use super::{AppState, Req};
use crate::store::HistoryQuery;

/// `limit` as BitWrk 0.7 reads it: decimal, 0..=1023, default 100.
fn limit(value: &str) -> Result<usize, ApiError> {
    if value.is_empty() {
        return Ok(100);
    }
    value
        .parse::<u16>()
        .ok()
        .filter(|n| *n < 1024)
        .map(usize::from)
        .ok_or_else(|| {
            ApiError::new(
                "http.bad-parameter",
                format!("expected limit to be a number from 0 to 1023, got {value:?}"),
            )
        })
}

/// `GET /query/accounts[?limit=N][&requestdepositaddress=x]`: one address a
/// line.
pub async fn accounts(state: &AppState, req: &mut Req) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    let limit = limit(form.single("limit")?)?;
    let list = state
        .driver
        .read(move |m| {
            let mut list: Vec<String> = m.ledger().accounts().map(|(a, _)| a.to_string()).collect();
            list.sort_unstable();
            list.truncate(limit);
            list.into_iter().map(|a| a + "\n").collect::<String>()
        })
        .await?;
    Ok(text_response(StatusCode::OK, list))
}

/// `GET /query/ledger[?limit=N][&begin=RFC3339]`: movements of all accounts
/// from `begin` on, oldest first.
pub async fn ledger(state: &AppState, req: &mut Req) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    let limit = limit(form.single("limit")?)?;
    let begin = form.single("begin")?;
    let begin_ms = if begin.is_empty() {
        0
    } else {
        rfc3339::parse(begin)
            .ok_or_else(|| {
                ApiError::new(
                    "http.bad-parameter",
                    format!("expected begin to be an RFC 3339 time, got {begin:?}"),
                )
            })?
            .as_millis()
    };
    let items = store_read(state, move |s| {
        s.history(&HistoryQuery::Ledger { begin_ms, limit })
    })
    .await?;
    Ok(json_response(&serde_json::Value::Array(items)))
}

/// `GET /prices/<article>`: the HTML price view.
pub async fn article_prices(
    _state: &AppState,
    _req: &mut Req,
    article: &str,
) -> Result<Resp, ApiError> {
    Err(ApiError::not_found(format!("no prices for {article:?}")))
}

/// `GET /query/prices?article=…`.
pub async fn prices(_state: &AppState, req: &mut Req) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    let article = form.single("article")?;
    Err(ApiError::not_found(format!("no prices for {article:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(limit("").unwrap(), 100);
        assert_eq!(limit("0").unwrap(), 0);
        assert_eq!(limit("1023").unwrap(), 1023);
        assert!(limit("1024").is_err());
        assert!(limit("-1").is_err());
        assert!(limit("x").is_err());
    }
}
