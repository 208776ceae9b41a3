//! The JSON records the local API shows and the store keeps: mandates and
//! activities, in BitWrk 0.7's shapes (`/mandates`, `/activities`).

use bitwrk_protocol::Money;
use bitwrk_protocol::bid::BidType;
use serde::{Deserialize, Serialize};

use super::error::DaemonError;
use super::http_util::form_value;

/// A mandate: the user's standing permission to trade (§3.1, §8.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateInfo {
    /// 0 buy, 1 sell.
    #[serde(rename = "Type")]
    pub bid_type: BidType,
    /// The article.
    #[serde(rename = "Article")]
    pub article: String,
    /// The price bids are placed at.
    #[serde(rename = "Price")]
    pub price: Money,
    /// Whether [`MandateInfo::trades_left`] limits it.
    #[serde(rename = "UseTradesLeft")]
    pub use_trades_left: bool,
    /// Trades it may still publish.
    #[serde(rename = "TradesLeft")]
    pub trades_left: i64,
    /// Whether [`MandateInfo::until`] limits it.
    #[serde(rename = "UseUntil")]
    pub use_until: bool,
    /// When it ends (RFC 3339).
    #[serde(rename = "Until")]
    pub until: String,
}

/// An element of `/mandates`.
#[derive(Debug, Clone, Serialize)]
pub struct MandateEntry {
    /// The mandate's key.
    #[serde(rename = "Key")]
    pub key: u64,
    /// The mandate.
    #[serde(rename = "Info")]
    pub info: MandateInfo,
}

fn positive(pairs: &[(String, String)], name: &'static str) -> Result<i64, DaemonError> {
    let text = form_value(pairs, name).unwrap_or("");
    match text.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(DaemonError::BadParameter {
            name,
            detail: format!("expected an integer > 0, got {text:?}"),
        }),
    }
}

impl MandateInfo {
    /// A mandate from the UI's `permit` form (§8.1): `type`, `articleid`,
    /// `price`, `usetradesleft`, `tradesleft`, `usevaliduntil`,
    /// `validminutes`. `now_secs` is the current Unix time in seconds; with
    /// neither box ticked the mandate is good for one trade.
    pub fn from_form(pairs: &[(String, String)], now_secs: u64) -> Result<MandateInfo, DaemonError> {
        let bid_type = match form_value(pairs, "type") {
            Some("BUY") => BidType::Buy,
            Some("SELL") => BidType::Sell,
            other => {
                return Err(DaemonError::BadParameter {
                    name: "type",
                    detail: format!("expected BUY or SELL, got {other:?}"),
                });
            }
        };
        let article = form_value(pairs, "articleid").unwrap_or("").to_owned();
        if article.is_empty() {
            return Err(DaemonError::BadParameter {
                name: "articleid",
                detail: "expected an article, got none".to_owned(),
            });
        }
        let price_text = form_value(pairs, "price").unwrap_or("");
        let price = Money::parse(price_text).map_err(|e| DaemonError::BadParameter {
            name: "price",
            detail: format!("{price_text:?}: {e}"),
        })?;
        let trades = positive(pairs, "tradesleft")?;
        let minutes = positive(pairs, "validminutes")?;
        let mut use_trades_left = form_value(pairs, "usetradesleft") == Some("on");
        let use_until = form_value(pairs, "usevaliduntil") == Some("on");
        let mut trades_left = trades;
        if !use_trades_left && !use_until {
            use_trades_left = true;
            trades_left = 1;
        }
        let until = (minutes as u64)
            .checked_mul(60)
            .and_then(|s| s.checked_add(now_secs))
            .and_then(|s| s.checked_mul(1000).map(|_| s))
            .map(|s| bitwrk_protocol::rfc3339::format(bitwrk_protocol::Timestamp::from_secs(s)))
            .ok_or(DaemonError::BadParameter {
                name: "validminutes",
                detail: "expected a representable end time".to_owned(),
            })?;
        Ok(MandateInfo {
            bid_type,
            article,
            price,
            use_trades_left,
            trades_left,
            use_until,
            until,
        })
    }
}

/// An activity's `Info` in `/activities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ActivityInfo {
    /// `BUY` or `SELL`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// The article.
    #[serde(rename = "Article")]
    pub article: String,
    /// Whether it still runs.
    #[serde(rename = "Alive")]
    pub alive: bool,
    /// Whether it was cleared (published, locally matched, local-only).
    #[serde(rename = "Accepted")]
    pub accepted: bool,
    /// The price, `null` before it is published.
    #[serde(rename = "Amount")]
    pub amount: Option<Money>,
    /// The bid's id, empty before it is placed.
    #[serde(rename = "BidId")]
    pub bid_id: String,
    /// The transaction's id, empty before the match.
    #[serde(rename = "TxId")]
    pub tx_id: String,
    /// The last error's text, empty if none.
    #[serde(rename = "Info")]
    pub info: String,
    /// The transaction phase, else the bid state, else `LOCAL (#k)`, else empty.
    #[serde(rename = "Phase")]
    pub phase: String,
    /// Size of the work.
    #[serde(rename = "BytesTotal")]
    pub bytes_total: u64,
    /// Bytes that must be sent.
    #[serde(rename = "BytesToTransfer")]
    pub bytes_to_transfer: u64,
    /// Bytes sent so far.
    #[serde(rename = "BytesTransferred")]
    pub bytes_transferred: u64,
}

/// An element of `/activities`.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityEntry {
    /// The activity's key.
    #[serde(rename = "Key")]
    pub key: u64,
    /// The activity.
    #[serde(rename = "Info")]
    pub info: ActivityInfo,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(s: &str) -> Vec<(String, String)> {
        super::super::http_util::parse_form(s.as_bytes())
    }

    #[test]
    fn permit_form_rules() {
        let m = MandateInfo::from_form(
            &form("type=SELL&articleid=foobar&price=BTC+0.0001&tradesleft=5&validminutes=10"),
            0,
        )
        .expect("valid");
        // Neither box ticked: one trade.
        assert!(m.use_trades_left && !m.use_until);
        assert_eq!(m.trades_left, 1);
        assert_eq!(m.price.to_string(), "uBTC 100");
        let m = MandateInfo::from_form(
            &form("type=BUY&articleid=foobar&price=mBTC1&usetradesleft=on&tradesleft=5&usevaliduntil=on&validminutes=10"),
            0,
        )
        .expect("valid");
        assert_eq!((m.use_trades_left, m.trades_left, m.use_until), (true, 5, true));
        assert_eq!(m.until, "1970-01-01T00:10:00Z");
        for bad in [
            "type=BUY&articleid=foobar&price=mBTC1&tradesleft=0&validminutes=10",
            "type=BUY&articleid=foobar&price=mBTC1&tradesleft=1",
            "type=X&articleid=foobar&price=mBTC1&tradesleft=1&validminutes=1",
            "type=BUY&articleid=&price=mBTC1&tradesleft=1&validminutes=1",
            "type=BUY&articleid=foobar&price=nope&tradesleft=1&validminutes=1",
        ] {
            assert!(MandateInfo::from_form(&form(bad), 0).is_err(), "{bad}");
        }
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["Type"], 0);
        assert_eq!(json["Price"], "mBTC 1");
    }
}
