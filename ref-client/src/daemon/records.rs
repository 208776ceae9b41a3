//! The JSON records the local API shows and the store keeps: mandates and
//! activities, in BitWrk 0.7's shapes (`/mandates`, `/activities`).

use bitwrk_protocol::article::Article;
use bitwrk_protocol::bid::BidType;
use bitwrk_protocol::client::{ActivityInfo as CoreActivity, Mandate};
use bitwrk_protocol::{ErrorCode, Money, Timestamp};
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

fn positive(pairs: &[(String, String)], name: &'static str) -> Result<u32, DaemonError> {
    let text = form_value(pairs, name).unwrap_or("");
    match text.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(DaemonError::BadParameter {
            name,
            detail: format!("expected an integer > 0, got {text:?}"),
        }),
    }
}

/// A mandate from the UI's `permit` form (§8.1): `type`, `articleid`,
/// `price`, `usetradesleft`, `tradesleft`, `usevaliduntil`, `validminutes`;
/// the rules are the trading core's [`Mandate::from_permit`].
pub fn mandate_from_form(
    pairs: &[(String, String)],
    now: Timestamp,
) -> Result<Mandate, DaemonError> {
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
    let article_text = form_value(pairs, "articleid").unwrap_or("");
    let article = Article::parse(article_text).map_err(|e| DaemonError::BadParameter {
        name: "articleid",
        detail: format!("{article_text:?}: {e}"),
    })?;
    let price_text = form_value(pairs, "price").unwrap_or("");
    let price = Money::parse(price_text).map_err(|e| DaemonError::BadParameter {
        name: "price",
        detail: format!("{price_text:?}: {e}"),
    })?;
    let trades = positive(pairs, "tradesleft")?;
    let minutes = positive(pairs, "validminutes")?;
    Mandate::from_permit(
        now,
        bid_type,
        article,
        price,
        form_value(pairs, "usetradesleft") == Some("on"),
        trades,
        form_value(pairs, "usevaliduntil") == Some("on"),
        minutes,
    )
    .map_err(|e| DaemonError::BadParameter {
        name: "mandate",
        detail: e.to_string(),
    })
}

impl MandateInfo {
    /// BitWrk 0.7's view of `m`.
    pub fn of(m: &Mandate) -> MandateInfo {
        MandateInfo {
            bid_type: m.bid_type,
            article: m.article.to_string(),
            price: m.price,
            use_trades_left: m.trades_left.is_some(),
            trades_left: m.trades_left.map_or(0, i64::from),
            use_until: m.until.is_some(),
            until: m
                .until
                .map_or_else(|| GO_ZERO_TIME.to_owned(), bitwrk_protocol::rfc3339::format),
        }
    }

    /// The mandate this record stores.
    pub fn to_mandate(&self) -> Result<Mandate, DaemonError> {
        let bad = |detail: String| DaemonError::Database { detail };
        let article = Article::parse(&self.article).map_err(|e| bad(e.to_string()))?;
        let trades_left = if self.use_trades_left {
            Some(u32::try_from(self.trades_left).map_err(|e| bad(e.to_string()))?)
        } else {
            None
        };
        let until = if self.use_until {
            Some(
                bitwrk_protocol::rfc3339::parse(&self.until)
                    .ok_or_else(|| bad(format!("bad time {:?}", self.until)))?,
            )
        } else {
            None
        };
        Ok(Mandate {
            bid_type: self.bid_type,
            article,
            price: self.price,
            trades_left,
            until,
        })
    }
}

/// The stored JSON of `m`.
pub fn mandate_record(m: &Mandate) -> String {
    serde_json::to_string(&MandateInfo::of(m)).unwrap_or_default()
}

/// Go's zero time, which BitWrk 0.7 shows for an unused `Until`.
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

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

impl ActivityInfo {
    /// BitWrk 0.7's view of the trading core's activity `a`.
    pub fn of(a: &CoreActivity) -> ActivityInfo {
        ActivityInfo {
            kind: a.bid_type.as_str().to_owned(),
            article: a.article.to_string(),
            alive: a.alive,
            accepted: a.accepted,
            amount: a.amount,
            bid_id: a.bid_id.clone().unwrap_or_default(),
            tx_id: a.tx_id.clone().unwrap_or_default(),
            info: a
                .error
                .as_ref()
                .map(|e| format!("{}: {e}", e.code()))
                .unwrap_or_default(),
            phase: a.phase.clone(),
            bytes_total: 0,
            bytes_to_transfer: 0,
            bytes_transferred: 0,
        }
    }
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
    fn permit_form_and_records() {
        let now = Timestamp::from_secs(0);
        let m = mandate_from_form(
            &form("type=SELL&articleid=foobar&price=BTC+0.0001&tradesleft=5&validminutes=10"),
            now,
        )
        .expect("valid");
        // Neither box ticked: one trade.
        let info = MandateInfo::of(&m);
        assert!(info.use_trades_left && !info.use_until);
        assert_eq!(info.trades_left, 1);
        assert_eq!(info.price.to_string(), "uBTC 100");
        assert_eq!(info.until, GO_ZERO_TIME);
        assert_eq!(info.to_mandate().expect("back"), m);
        let m = mandate_from_form(
            &form("type=BUY&articleid=foobar&price=mBTC1&usetradesleft=on&tradesleft=5&usevaliduntil=on&validminutes=10"),
            now,
        )
        .expect("valid");
        let info = MandateInfo::of(&m);
        assert_eq!(
            (info.use_trades_left, info.trades_left, info.use_until),
            (true, 5, true)
        );
        assert_eq!(info.until, "1970-01-01T00:10:00Z");
        assert_eq!(info.to_mandate().expect("back"), m);
        for bad in [
            "type=BUY&articleid=foobar&price=mBTC1&tradesleft=0&validminutes=10",
            "type=BUY&articleid=foobar&price=mBTC1&tradesleft=1",
            "type=X&articleid=foobar&price=mBTC1&tradesleft=1&validminutes=1",
            "type=BUY&articleid=&price=mBTC1&tradesleft=1&validminutes=1",
            "type=BUY&articleid=foobar&price=nope&tradesleft=1&validminutes=1",
        ] {
            assert!(mandate_from_form(&form(bad), now).is_err(), "{bad}");
        }
        let json = serde_json::to_value(&info).expect("json");
        assert_eq!(json["Type"], 0);
        assert_eq!(json["Price"], "mBTC 1");
    }
}
