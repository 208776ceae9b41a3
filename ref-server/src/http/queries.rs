//! `/query/accounts`, `/query/ledger` and `/query/prices`.

use bitwrk_protocol::rfc3339;
use bitwrk_protocol::wire::{PriceQuery, PriceSlot};
use http::{HeaderValue, StatusCode, header};

use super::errors::ApiError;
use super::handlers::{Resp, html_response, json_response, response, store_read, text_response};
use super::views::{chart, html, json};
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
    let pending_only = !form.single("requestdepositaddress")?.is_empty();
    let list = state
        .driver
        .read(move |m| {
            let mut list: Vec<String> = if pending_only {
                m.pending_deposit_address_requests()
                    .map(|a| a.to_string())
                    .collect()
            } else {
                m.ledger().accounts().map(|(a, _)| a.to_string()).collect()
            };
            list.sort_unstable();
            list.dedup();
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
    let views = items
        .into_iter()
        .map(|v| json::from_store::<json::MovementJson>(v, "movement"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json_response(&views))
}

/// The price query of a form (`article` among its fields), its slots
/// aggregated from the store's price totals ([`crate::store::prices`]).
async fn price_slots(
    state: &AppState,
    fields: &[(String, String)],
) -> Result<(PriceQuery, Vec<PriceSlot>), ApiError> {
    let (market_now, articles) = state
        .driver
        .read(|m| (m.now(), m.config().bids.articles.clone()))
        .await?;
    let now = state.driver.clock().now().max(market_now);
    let query = PriceQuery::parse(fields, now, &articles).map_err(|e| ApiError::from_core(&e))?;
    let q = query.clone();
    let parts = store_read(state, move |s| crate::store::prices::price_parts(s, &q)).await?;
    let slots = query
        .aggregate_parts(parts)
        .map_err(|e| ApiError::from_core(&e))?;
    Ok((query, slots))
}

/// `GET|POST /query/prices` (BW-HTTP-36): JSON slots, or the `flot` text.
pub async fn prices(state: &AppState, req: &mut Req) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    let (query, slots) = price_slots(state, form.pairs()).await?;
    let body = query.render(&slots).map_err(|e| ApiError::from_core(&e))?;
    let mut r = response(StatusCode::OK, "application/json", body);
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(r)
}

/// `GET /prices/<article>` (BW-HTTP-45): the price history as a table,
/// for the query string's fields, linked to the JSON and `flot` forms.
pub async fn article_prices(
    state: &AppState,
    req: &mut Req,
    article: &str,
) -> Result<Resp, ApiError> {
    let form = req.form().await?;
    if form.has("article") {
        form.require_unique()?;
    }
    let mut fields = vec![("article".to_owned(), article.to_owned())];
    fields.extend(form.pairs().iter().filter(|(k, _)| k != "article").cloned());
    let (query, slots) = price_slots(state, &fields)
        .await
        .map_err(|e| match e.code {
            "article.bad-syntax" | "article.not-traded" => {
                ApiError::not_found(format!("no article {article:?}: {}", e.message))
            }
            _ => e,
        })?;
    let unit = query.unit;
    let rows: Vec<serde_json::Value> = slots
        .iter()
        .map(|s| {
            let avg = chart::average(s);
            serde_json::json!({
                "begin": rfc3339::format(s.begin),
                "end": rfc3339::format(s.end),
                "count": s.count,
                "min": s.min.format_in(unit, true).unwrap_or_default(),
                "average": avg.format_in(unit, true).unwrap_or_default(),
                "max": s.max.format_in(unit, true).unwrap_or_default(),
                "volume": s.sum.format_in(unit, true).unwrap_or_default(),
            })
        })
        .collect();
    let mut link = form_urlencoded::Serializer::new(String::new());
    link.extend_pairs(fields.iter());
    let link = link.finish();
    let body = format!(
        "<p>{} to {}, slots of {}; prices in {}.</p>\n{}{}\n<p><a href=\"/query/prices?{q}\">JSON</a> · \
<a href=\"/query/prices?{q}&amp;format=flot\">flot</a></p>\n",
        html::escape(&rfc3339::format(query.begin)),
        html::escape(&rfc3339::format(query.end)),
        html::escape(query.resolution.name()),
        html::escape(unit.symbol),
        chart::price_chart(&slots, query.begin, query.end, unit),
        html::rows(&rows),
        q = html::escape(&link),
    );
    Ok(html_response(html::page(
        &format!("Prices of {}", query.article),
        &body,
    )))
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
