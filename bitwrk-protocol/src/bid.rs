//! Bids (spec section 10).
//!
//! A bid offers to buy or sell one unit of an article at a price. It
//! arrives as six form fields (`type`, `article`, `price`, `address`,
//! `nonce`, `signature`) in a [`BidForm`]. [`BidForm::parse`] checks them in
//! BitWrk 0.7's order and builds the signed document; the result, a
//! [`BidRequest`], is verified with
//! [`verify_document`](crate::signature::verify_document), and only the
//! [`Verified<BidRequest>`] becomes a [`Bid`] ([`Bid::from_verified`]),
//! handing back the nonce ticket to spend.

use core::fmt;
use core::time::Duration;

use crate::address::{Address, AddressError, Network};
use crate::article::{Article, ArticleError, ArticlePolicy};
use crate::document::normalize;
use crate::error::ErrorCode;
use crate::ids::TxId;
use crate::key::PrivateKey;
use crate::money::{Money, MoneyError};
use crate::nonce::{NonceError, NonceRegistry, NonceTicket};
use crate::signature::{SignedDocument, Verified, sign_message};
use crate::time::Timestamp;
use crate::tx::serde_as_index;

/// How long a bid waits for a match (BW-BID-8).
pub const BID_LIFETIME: Duration = Duration::from_secs(120);

/// Whether a bid buys or sells. JSON: 0 = BUY, 1 = SELL (as BitWrk 0.7);
/// in signed documents: the strings `BUY` and `SELL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BidType {
    /// A buy bid: the participant pays price + fee.
    Buy = 0,
    /// A sell bid: the participant receives the price.
    Sell = 1,
}
serde_as_index!(BidType, "bid type", [Buy, Sell]);

impl BidType {
    /// The document form, `BUY` or `SELL`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BidType::Buy => "BUY",
            BidType::Sell => "SELL",
        }
    }

    /// The other side.
    pub const fn opposite(self) -> BidType {
        match self {
            BidType::Buy => BidType::Sell,
            BidType::Sell => BidType::Buy,
        }
    }

    /// Parses exactly `BUY` or `SELL` (BW-BID-4).
    pub fn parse(s: &str) -> Option<BidType> {
        match s {
            "BUY" => Some(BidType::Buy),
            "SELL" => Some(BidType::Sell),
            _ => None,
        }
    }
}

impl fmt::Display for BidType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a bid is in its life (BW-BID-9). JSON: 0–3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BidState {
    /// Accepted, not yet in the order book.
    InQueue = 0,
    /// Resting in the order book.
    Placed = 1,
    /// Matched into a transaction (final).
    Matched = 2,
    /// Expired unmatched (final).
    Expired = 3,
}
serde_as_index!(BidState, "bid state", [InQueue, Placed, Matched, Expired]);

impl BidState {
    /// Upper-case name (`INQUEUE`, `PLACED`, `MATCHED`, `EXPIRED`).
    pub const fn as_str(self) -> &'static str {
        match self {
            BidState::InQueue => "INQUEUE",
            BidState::Placed => "PLACED",
            BidState::Matched => "MATCHED",
            BidState::Expired => "EXPIRED",
        }
    }

    /// Whether the bid can still be matched or expire.
    pub const fn is_open(self) -> bool {
        matches!(self, BidState::InQueue | BidState::Placed)
    }
}

/// The fee as a fraction of the price, rounded up (BW-BID-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeRatio {
    numerator: u32,
    denominator: u32,
}

impl FeeRatio {
    /// BitWrk 0.7's fee: 3 %.
    pub const BITWRK_07: FeeRatio = FeeRatio {
        numerator: 3,
        denominator: 100,
    };

    /// `numerator / denominator`; `None` for a zero denominator.
    pub const fn new(numerator: u32, denominator: u32) -> Option<FeeRatio> {
        if denominator == 0 {
            None
        } else {
            Some(FeeRatio {
                numerator,
                denominator,
            })
        }
    }

    /// Prices must be below this (BW-BID-6): `i64::MAX / (numerator + 1)`,
    /// BitWrk 0.7's `MaxInt64 / 4` for 3 %.
    pub const fn price_limit(&self) -> i64 {
        i64::MAX / (self.numerator as i64 + 1)
    }

    /// `ceil(amount × numerator / denominator)`, computed as
    /// `(numerator·amount + denominator − 1) / denominator` (BW-BID-7);
    /// `None` on overflow or for a negative amount.
    pub fn fee_amount(&self, amount: i64) -> Option<i64> {
        if amount < 0 {
            return None;
        }
        let num = i64::from(self.numerator);
        let den = i64::from(self.denominator);
        amount
            .checked_mul(num)?
            .checked_add(den - 1)
            .map(|x| x / den)
    }
}

impl Default for FeeRatio {
    fn default() -> Self {
        FeeRatio::BITWRK_07
    }
}

/// Server settings for bid admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidConfig {
    /// The network participant addresses must belong to (BW-BID-3).
    pub network: Network,
    /// The traded articles (BW-BID-2).
    pub articles: ArticlePolicy,
    /// The fee (BW-BID-7).
    pub fee_ratio: FeeRatio,
    /// How long a bid lives (BW-BID-8).
    pub lifetime: Duration,
}

impl Default for BidConfig {
    fn default() -> Self {
        BidConfig {
            network: Network::Mainnet,
            articles: ArticlePolicy::bitwrk_07(),
            fee_ratio: FeeRatio::BITWRK_07,
            lifetime: BID_LIFETIME,
        }
    }
}

/// Why a bid was rejected, or a bid state change refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BidError {
    /// The nonce failed (code `nonce.*`).
    Nonce(NonceError),
    /// The article failed (code `article.*`).
    Article(ArticleError),
    /// The address failed (code `addr.*`).
    Address(AddressError),
    /// `type` is not exactly `BUY` or `SELL`.
    UnknownType {
        /// The text received.
        found: String,
    },
    /// The price text failed to parse (code `money.*`).
    Price(MoneyError),
    /// The price is negative.
    NegativePrice {
        /// The price.
        price: Money,
    },
    /// The price is too high for the fee to be computed.
    PriceTooHigh {
        /// The price.
        price: Money,
    },
    /// A SELL bid on a `~trusted` article from a seller the marketplace
    /// does not trust.
    UntrustedSeller,
    /// The bid is matched or expired already.
    NotOpen {
        /// Its state.
        state: BidState,
    },
    /// The bid cannot be matched: it has expired.
    Expired {
        /// When it expired.
        expires: Timestamp,
    },
    /// The bid cannot be expired yet.
    TooYoung {
        /// When it expires.
        expires: Timestamp,
    },
}

impl BidError {
    /// The codes of this module's own variants (the others come from
    /// [`NonceError`], [`ArticleError`], [`AddressError`] and [`MoneyError`]).
    pub const CODES: &'static [&'static str] = &[
        "bid.unknown-type",
        "bid.negative-price",
        "bid.price-too-high",
        "bid.untrusted-seller",
        "bid.not-open",
        "bid.expired",
        "bid.too-young",
    ];
}

impl ErrorCode for BidError {
    fn code(&self) -> &'static str {
        match self {
            BidError::Nonce(e) => e.code(),
            BidError::Article(e) => e.code(),
            BidError::Address(e) => e.code(),
            BidError::Price(e) => e.code(),
            BidError::UnknownType { .. } => Self::CODES[0],
            BidError::NegativePrice { .. } => Self::CODES[1],
            BidError::PriceTooHigh { .. } => Self::CODES[2],
            BidError::UntrustedSeller => Self::CODES[3],
            BidError::NotOpen { .. } => Self::CODES[4],
            BidError::Expired { .. } => Self::CODES[5],
            BidError::TooYoung { .. } => Self::CODES[6],
        }
    }
}

impl fmt::Display for BidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = |t: &Timestamp| crate::rfc3339::format(*t);
        match self {
            BidError::Nonce(e) => e.fmt(f),
            BidError::Article(e) => e.fmt(f),
            BidError::Address(e) => e.fmt(f),
            BidError::Price(e) => e.fmt(f),
            BidError::UnknownType { found } => {
                write!(f, "bid type must be BUY or SELL, found {found:?}")
            }
            BidError::NegativePrice { price } => write!(f, "price {price} must not be negative"),
            BidError::PriceTooHigh { price } => {
                write!(f, "price {price} is too high to compute the fee")
            }
            BidError::UntrustedSeller => {
                f.write_str("seller is not trusted to sell this ~trusted article")
            }
            BidError::NotOpen { state } => {
                write!(f, "bid is {}, not open", state.as_str().to_lowercase())
            }
            BidError::Expired { expires } => write!(f, "bid expired at {}", time(expires)),
            BidError::TooYoung { expires } => {
                write!(f, "bid does not expire before {}", time(expires))
            }
        }
    }
}

impl std::error::Error for BidError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BidError::Nonce(e) => Some(e),
            BidError::Article(e) => Some(e),
            BidError::Address(e) => Some(e),
            BidError::Price(e) => Some(e),
            _ => None,
        }
    }
}

/// The signed bid document (BW-BID-1): the fields in this fixed order,
/// each value normalised (spaces removed, then escaped) except `type`,
/// which is written as submitted.
pub fn bid_document(
    article: &str,
    bid_type: &str,
    price: &str,
    address: &str,
    nonce: &str,
) -> String {
    format!(
        "article={}&type={}&price={}&address={}&nonce={}",
        normalize(article),
        bid_type,
        normalize(price),
        normalize(address),
        normalize(nonce)
    )
}

/// The six form fields of a bid, as received.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct BidForm {
    /// `BUY` or `SELL`.
    #[serde(rename = "type")]
    pub bid_type: String,
    /// The article.
    pub article: String,
    /// The price text, e.g. `mBTC 1.5`.
    pub price: String,
    /// The participant's address.
    pub address: String,
    /// A server-issued nonce.
    pub nonce: String,
    /// Signature over the bid document, base64.
    pub signature: String,
}

impl BidForm {
    /// Builds and signs a bid (what a client does). The price text is
    /// signed as given.
    pub fn signed(
        key: &PrivateKey,
        bid_type: BidType,
        article: &str,
        price: &str,
        nonce: &str,
    ) -> BidForm {
        let address = key.public_key().address(key.network()).to_string();
        let document = bid_document(article, bid_type.as_str(), price, &address, nonce);
        BidForm {
            bid_type: bid_type.as_str().to_owned(),
            article: article.to_owned(),
            price: price.to_owned(),
            address,
            nonce: nonce.to_owned(),
            signature: sign_message(key, document.as_bytes()).to_base64(),
        }
    }

    /// The signer and the signed document (BW-BID-1) of this form, as
    /// [`parse`](Self::parse) finds them, but without the nonce check: what
    /// the signature can be verified against before the nonce registry is
    /// at hand (a replay verifying many logged bids together). `Err` for a
    /// form whose article, address or type does not parse.
    pub fn claim(&self, config: &BidConfig) -> Result<(Address, String), BidError> {
        let (_, participant, _, document) = self.signed_fields(config)?;
        Ok((participant, document))
    }

    /// Article, address and type in the order of BW-BID-10, and the
    /// document they are signed in.
    fn signed_fields(
        &self,
        config: &BidConfig,
    ) -> Result<(Article, Address, BidType, String), BidError> {
        let article =
            Article::parse_traded(&self.article, &config.articles).map_err(BidError::Article)?;
        let address_text = self.address.trim();
        let participant =
            Address::parse_for(address_text, config.network).map_err(BidError::Address)?;
        let bid_type = BidType::parse(&self.bid_type).ok_or_else(|| BidError::UnknownType {
            found: self.bid_type.clone(),
        })?;
        let document = bid_document(
            article.as_str(),
            bid_type.as_str(),
            &self.price,
            address_text,
            &self.nonce,
        );
        Ok((article, participant, bid_type, document))
    }

    /// Checks the fields in the order of BW-BID-10 — nonce, article,
    /// address, type, price syntax, price range — and builds the document.
    /// Nothing is consumed: the nonce is only checked.
    pub fn parse(
        &self,
        now: Timestamp,
        config: &BidConfig,
        nonces: &NonceRegistry,
    ) -> Result<BidRequest, BidError> {
        let ticket = nonces.check(now, &self.nonce).map_err(BidError::Nonce)?;
        let (article, participant, bid_type, document) = self.signed_fields(config)?;
        let price = Money::parse(&self.price).map_err(BidError::Price)?;
        if price.amount() < 0 {
            return Err(BidError::NegativePrice { price });
        }
        let fee_amount = if price.amount() < config.fee_ratio.price_limit() {
            config.fee_ratio.fee_amount(price.amount())
        } else {
            None
        };
        let fee = fee_amount
            .map(|a| Money::new(a, price.currency()))
            .filter(|fee| price.checked_add(*fee).is_ok())
            .ok_or(BidError::PriceTooHigh { price })?;
        Ok(BidRequest {
            bid_type,
            article,
            price,
            fee,
            participant,
            document,
            signature: self.signature.clone(),
            created: now,
            expires: now.saturating_add(config.lifetime),
            ticket,
        })
    }
}

/// A bid whose fields passed [`BidForm::parse`], awaiting signature
/// verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidRequest {
    bid_type: BidType,
    article: Article,
    price: Money,
    fee: Money,
    participant: Address,
    document: String,
    signature: String,
    created: Timestamp,
    expires: Timestamp,
    ticket: NonceTicket,
}

impl BidRequest {
    /// BUY or SELL.
    pub fn bid_type(&self) -> BidType {
        self.bid_type
    }
    /// The article.
    pub fn article(&self) -> &Article {
        &self.article
    }
    /// The price.
    pub fn price(&self) -> Money {
        self.price
    }
    /// The fee.
    pub fn fee(&self) -> Money {
        self.fee
    }
    /// The participant.
    pub fn participant(&self) -> &Address {
        &self.participant
    }
    /// The nonce ticket to spend once the signature is verified.
    pub fn nonce_ticket(&self) -> &NonceTicket {
        &self.ticket
    }
    /// Whether admission needs the seller to be trusted: a SELL of a
    /// `~trusted` article (BW-BID-11).
    pub fn requires_trust(&self) -> bool {
        self.bid_type == BidType::Sell && self.article.is_trusted()
    }
}

impl SignedDocument for BidRequest {
    fn document(&self) -> String {
        self.document.clone()
    }
    fn signer(&self) -> &Address {
        &self.participant
    }
    fn signature(&self) -> &str {
        &self.signature
    }
}

/// A bid; the JSON shape is BitWrk 0.7's (BW-BID-12).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bid {
    /// BUY or SELL (JSON 0 or 1).
    #[serde(rename = "Type")]
    pub bid_type: BidType,
    /// The state (JSON 0–3).
    pub state: BidState,
    /// The article, `~trusted` suffix included.
    pub article: Article,
    /// The price.
    pub price: Money,
    /// The fee.
    pub fee: Money,
    /// Who placed the bid.
    pub participant: Address,
    /// The signed document.
    pub document: String,
    /// The signature, base64.
    pub signature: String,
    /// When the bid was accepted.
    #[serde(with = "crate::rfc3339")]
    pub created: Timestamp,
    /// When it expires unless matched.
    #[serde(with = "crate::rfc3339")]
    pub expires: Timestamp,
    /// When it was matched.
    #[serde(with = "crate::rfc3339::option")]
    pub matched: Option<Timestamp>,
    /// The transaction it was matched into.
    pub transaction: Option<TxId>,
}

impl Bid {
    /// Admits a verified request as an INQUEUE bid and hands back the nonce
    /// ticket, which the caller must consume (BW-NONCE-4).
    pub fn from_verified(request: Verified<BidRequest>) -> (Bid, NonceTicket) {
        let r = request.into_inner();
        let bid = Bid {
            bid_type: r.bid_type,
            state: BidState::InQueue,
            article: r.article,
            price: r.price,
            fee: r.fee,
            participant: r.participant,
            document: r.document,
            signature: r.signature,
            created: r.created,
            expires: r.expires,
            matched: None,
            transaction: None,
        };
        (bid, r.ticket)
    }

    /// What the bid holds blocked on the participant's account while open
    /// (BW-BID-13): price + fee for a BUY, nothing for a SELL.
    pub fn blocked_amount(&self) -> Result<Money, MoneyError> {
        match self.bid_type {
            BidType::Buy => self.price.checked_add(self.fee),
            BidType::Sell => Ok(Money::zero(self.price.currency())),
        }
    }

    /// INQUEUE → PLACED; a PLACED bid stays PLACED (BW-BID-9).
    pub fn place(&mut self) -> Result<(), BidError> {
        match self.state {
            BidState::InQueue | BidState::Placed => {
                self.state = BidState::Placed;
                Ok(())
            }
            state => Err(BidError::NotOpen { state }),
        }
    }

    /// An open bid becomes MATCHED into `tx` at `at`, which must be before
    /// its expiry (BW-BID-9). On error nothing changes.
    pub fn mark_matched(&mut self, tx: TxId, at: Timestamp) -> Result<(), BidError> {
        if !self.state.is_open() {
            return Err(BidError::NotOpen { state: self.state });
        }
        if at >= self.expires {
            return Err(BidError::Expired {
                expires: self.expires,
            });
        }
        self.state = BidState::Matched;
        self.matched = Some(at);
        self.transaction = Some(tx);
        Ok(())
    }

    /// An open bid becomes EXPIRED at or after its expiry (BW-BID-9);
    /// returns what is released from the participant's blocked balance.
    /// On error nothing changes.
    pub fn expire(&mut self, now: Timestamp) -> Result<Money, BidError> {
        if !self.state.is_open() {
            return Err(BidError::NotOpen { state: self.state });
        }
        if now < self.expires {
            return Err(BidError::TooYoung {
                expires: self.expires,
            });
        }
        let released = self.blocked_amount().map_err(BidError::Price)?;
        self.state = BidState::Expired;
        Ok(released)
    }
}

#[cfg(test)]
mod tests;
