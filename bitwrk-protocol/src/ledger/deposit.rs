//! Deposits (spec section 14.1): money that a trusted payment processor
//! injects into (or, with a negative injection, takes out of) an account.
//!
//! The flow for a `POST /deposit` form is: check the nonce (section 9),
//! [`SignedDeposit::from_form`], verify the signature over
//! [`SignedDeposit::document`] against the trusted account,
//! [`Ledger::accept_deposit`], and consume the nonce once the deposit is
//! accepted (BW-DEP-10, BW-NONCE-4).

use core::fmt;

use super::{Ledger, LedgerError, Movement, MovementId, MovementRecord};
use crate::address::{Address, AddressError, Network};
use crate::document::normalize;
use crate::error::ErrorCode;
use crate::money::{Money, MoneyError};
use crate::time::Timestamp;

/// The deposit type (BW-DEP-3). JSON: 0 or 1, as BitWrk 0.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepositType {
    /// An administrative injection; may be negative (a withdrawal).
    Injection = 0,
    /// A Bitcoin payment received; must be positive.
    Bitcoin = 1,
}

impl DepositType {
    /// The form value, `0` or `1`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DepositType::Injection => "0",
            DepositType::Bitcoin => "1",
        }
    }
}

impl serde::Serialize for DepositType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(*self as u8)
    }
}

impl<'de> serde::Deserialize<'de> for DepositType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match <u8 as serde::Deserialize>::deserialize(d)? {
            0 => Ok(DepositType::Injection),
            1 => Ok(DepositType::Bitcoin),
            n => Err(serde::de::Error::custom(format_args!(
                "unknown deposit type {n}"
            ))),
        }
    }
}

/// A validated deposit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Deposit {
    /// Unique id chosen by the payment processor (BW-DEP-4).
    pub uid: String,
    /// The credited account.
    pub account: Address,
    /// The amount (BW-DEP-3).
    pub amount: Money,
    /// The type.
    #[serde(rename = "type")]
    pub kind: DepositType,
    /// The processor's reference (BW-DEP-5), possibly empty.
    pub reference: String,
}

/// Why a deposit was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DepositError {
    /// A required form field is absent.
    MissingField {
        /// The field name.
        field: &'static str,
    },
    /// A form field occurs more than once.
    DuplicateField {
        /// The field name.
        field: &'static str,
    },
    /// `account` is not a valid address.
    BadAccount {
        /// Why.
        source: AddressError,
    },
    /// `amount` is not a valid amount.
    BadAmount {
        /// Why.
        source: MoneyError,
    },
    /// `type` is neither `0` nor `1`.
    BadType {
        /// The value found.
        value: String,
    },
    /// A Bitcoin deposit with an amount ≤ 0.
    NonPositiveAmount,
    /// An injection of zero.
    ZeroInjection,
    /// `uid` is not 8–64 characters of `[A-Za-z0-9-]`.
    BadUid,
    /// `ref` is longer than 64 characters or has characters outside `[A-Za-z0-9-]`.
    BadReference,
    /// The document was not signed by the trusted account.
    UntrustedSigner {
        /// Who signed it.
        signer: Address,
    },
    /// A different deposit with the same uid was accepted before.
    UidConflict {
        /// The uid.
        uid: String,
    },
    /// The ledger refused the movement (e.g. a withdrawal exceeding the
    /// available balance); the code is the ledger's.
    Ledger(LedgerError),
}

impl DepositError {
    /// Every code this type produces itself (ledger codes come from [`LedgerError::CODES`]).
    pub const CODES: &'static [&'static str] = &[
        "deposit.missing-field",
        "deposit.duplicate-field",
        "deposit.bad-account",
        "deposit.bad-amount",
        "deposit.bad-type",
        "deposit.non-positive-amount",
        "deposit.zero-injection",
        "deposit.bad-uid",
        "deposit.bad-reference",
        "deposit.untrusted-signer",
        "deposit.uid-conflict",
    ];
}

impl ErrorCode for DepositError {
    fn code(&self) -> &'static str {
        match self {
            DepositError::MissingField { .. } => "deposit.missing-field",
            DepositError::DuplicateField { .. } => "deposit.duplicate-field",
            DepositError::BadAccount { .. } => "deposit.bad-account",
            DepositError::BadAmount { .. } => "deposit.bad-amount",
            DepositError::BadType { .. } => "deposit.bad-type",
            DepositError::NonPositiveAmount => "deposit.non-positive-amount",
            DepositError::ZeroInjection => "deposit.zero-injection",
            DepositError::BadUid => "deposit.bad-uid",
            DepositError::BadReference => "deposit.bad-reference",
            DepositError::UntrustedSigner { .. } => "deposit.untrusted-signer",
            DepositError::UidConflict { .. } => "deposit.uid-conflict",
            DepositError::Ledger(e) => e.code(),
        }
    }
}

impl fmt::Display for DepositError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DepositError::MissingField { field } => write!(f, "missing form field {field:?}"),
            DepositError::DuplicateField { field } => {
                write!(f, "form field {field:?} given more than once")
            }
            DepositError::BadAccount { source } => write!(f, "bad deposit account: {source}"),
            DepositError::BadAmount { source } => write!(f, "bad deposit amount: {source}"),
            DepositError::BadType { value } => {
                write!(f, "bad deposit type {value:?} (expected 0 or 1)")
            }
            DepositError::NonPositiveAmount => {
                f.write_str("a bitcoin deposit must have a positive amount")
            }
            DepositError::ZeroInjection => f.write_str("an injection must not be zero"),
            DepositError::BadUid => f.write_str("uid must be 8 to 64 characters of [A-Za-z0-9-]"),
            DepositError::BadReference => {
                f.write_str("ref must be at most 64 characters of [A-Za-z0-9-]")
            }
            DepositError::UntrustedSigner { signer } => {
                write!(f, "deposit signed by {signer}, not by the trusted account")
            }
            DepositError::UidConflict { uid } => {
                write!(f, "a different deposit exists already with uid {uid}")
            }
            DepositError::Ledger(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DepositError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DepositError::BadAccount { source } => Some(source),
            DepositError::BadAmount { source } => Some(source),
            DepositError::Ledger(e) => Some(e),
            _ => None,
        }
    }
}

impl From<LedgerError> for DepositError {
    fn from(e: LedgerError) -> Self {
        DepositError::Ledger(e)
    }
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Checks a uid (BW-DEP-4).
pub fn check_uid(uid: &str) -> Result<(), DepositError> {
    if (8..=64).contains(&uid.len()) && uid.bytes().all(is_id_char) {
        Ok(())
    } else {
        Err(DepositError::BadUid)
    }
}

/// Checks a reference (BW-DEP-5).
pub fn check_reference(reference: &str) -> Result<(), DepositError> {
    if reference.len() <= 64 && reference.bytes().all(is_id_char) {
        Ok(())
    } else {
        Err(DepositError::BadReference)
    }
}

impl Deposit {
    /// Builds a deposit from its fields, checking BW-DEP-3 … BW-DEP-5 in the
    /// order amount sign, uid, reference.
    pub fn new(
        uid: &str,
        account: Address,
        amount: Money,
        kind: DepositType,
        reference: &str,
    ) -> Result<Deposit, DepositError> {
        match kind {
            DepositType::Bitcoin if amount.amount() <= 0 => {
                return Err(DepositError::NonPositiveAmount);
            }
            DepositType::Injection if amount.amount() == 0 => {
                return Err(DepositError::ZeroInjection);
            }
            _ => {}
        }
        check_uid(uid)?;
        check_reference(reference)?;
        Ok(Deposit {
            uid: uid.to_owned(),
            account,
            amount,
            kind,
            reference: reference.to_owned(),
        })
    }

    /// Whether `other` is the same deposit for idempotency (BW-DEP-8):
    /// account, amount, reference and type equal.
    pub fn same_as(&self, other: &Deposit) -> bool {
        self.account == other.account
            && self.amount == other.amount
            && self.reference == other.reference
            && self.kind == other.kind
    }
}

/// A deposit as posted: the deposit plus the texts the signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignedDeposit {
    /// The deposit.
    pub deposit: Deposit,
    /// The amount exactly as submitted (it is signed as submitted).
    pub amount_text: String,
    /// The nonce as submitted.
    pub nonce: String,
    /// The signature as submitted (base64).
    pub signature: String,
}

const FORM_FIELDS: [&str; 7] = [
    "account",
    "amount",
    "nonce",
    "ref",
    "signature",
    "type",
    "uid",
];

impl SignedDeposit {
    /// Parses the fields of a `POST /deposit` form (BW-DEP-1 … BW-DEP-5).
    /// Fields not listed there are ignored; `ref` may be absent (empty).
    /// Checks, in order: presence and uniqueness of the fields (in the order
    /// account, amount, nonce, ref, signature, type, uid), account, amount,
    /// type, amount sign, uid, reference.
    /// The account must be a mainnet address; see
    /// [`from_form_for`](Self::from_form_for).
    pub fn from_form(fields: &[(String, String)]) -> Result<SignedDeposit, DepositError> {
        SignedDeposit::from_form_for(fields, Network::Mainnet)
    }

    /// As [`from_form`](Self::from_form), with the account required to be
    /// an address of `network` (BW-DEP-2: the server's network; another
    /// network is `deposit.bad-account` wrapping `addr.wrong-network`).
    pub fn from_form_for(
        fields: &[(String, String)],
        network: Network,
    ) -> Result<SignedDeposit, DepositError> {
        let mut values: [Option<&str>; 7] = [None; 7];
        for (i, name) in FORM_FIELDS.iter().enumerate() {
            let mut it = fields.iter().filter(|(k, _)| k == name);
            values[i] = it.next().map(|(_, v)| v.as_str());
            if it.next().is_some() {
                return Err(DepositError::DuplicateField { field: name });
            }
            if values[i].is_none() && *name != "ref" {
                return Err(DepositError::MissingField { field: name });
            }
        }
        let get = |i: usize| values[i].unwrap_or("");
        let (account, amount, nonce, reference, signature, kind, uid) =
            (get(0), get(1), get(2), get(3), get(4), get(5), get(6));
        let account = Address::parse_for(account, network)
            .map_err(|source| DepositError::BadAccount { source })?;
        let money = Money::parse(amount).map_err(|source| DepositError::BadAmount { source })?;
        let kind = match kind {
            "0" => DepositType::Injection,
            "1" => DepositType::Bitcoin,
            other => {
                return Err(DepositError::BadType {
                    value: other.to_owned(),
                });
            }
        };
        let deposit = Deposit::new(uid, account, money, kind, reference)?;
        Ok(SignedDeposit {
            deposit,
            amount_text: amount.to_owned(),
            nonce: nonce.to_owned(),
            signature: signature.to_owned(),
        })
    }

    /// The signed document (BW-DEP-6):
    /// `account=…&amount=…&nonce=…&ref=…&type=…&uid=…`, each value normalised.
    pub fn document(&self) -> String {
        let d = &self.deposit;
        format!(
            "account={}&amount={}&nonce={}&ref={}&type={}&uid={}",
            normalize(&d.account.to_string()),
            normalize(&self.amount_text),
            normalize(&self.nonce),
            normalize(&d.reference),
            normalize(d.kind.as_str()),
            normalize(&d.uid),
        )
    }
}

/// An accepted deposit as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct DepositRecord {
    /// The deposit.
    pub deposit: Deposit,
    /// When it was accepted.
    pub created: Timestamp,
    /// The movement it caused.
    pub movement: MovementId,
}

/// The result of [`Ledger::accept_deposit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepositOutcome {
    /// The deposit was new and its movement was applied.
    Applied(Box<MovementRecord>),
    /// An equal deposit with this uid was accepted before; nothing changed.
    AlreadyApplied,
}

/// A deposit must be signed by the trusted account (BW-DEP-7):
/// `deposit.untrusted-signer` otherwise.
pub fn check_signer(signer: &Address, trusted: &Address) -> Result<(), DepositError> {
    if signer != trusted {
        return Err(DepositError::UntrustedSigner { signer: *signer });
    }
    Ok(())
}

impl Ledger {
    /// The checks of [`Ledger::accept_deposit`] that come before its
    /// movement, in order: the signer is the trusted account (BW-DEP-7),
    /// then the uid (BW-DEP-8). `Ok(true)`: the deposit is new and its
    /// movement is due; `Ok(false)`: an equal deposit was accepted before.
    pub fn deposit_is_new(
        &self,
        deposit: &Deposit,
        signer: &Address,
        trusted: &Address,
    ) -> Result<bool, DepositError> {
        check_signer(signer, trusted)?;
        match self.deposits.get(&deposit.uid) {
            None => Ok(true),
            Some(existing) if existing.deposit.same_as(deposit) => Ok(false),
            Some(_) => Err(DepositError::UidConflict {
                uid: deposit.uid.clone(),
            }),
        }
    }

    /// Accepts a deposit whose document was signed by `signer` (the verified
    /// signer, BW-DEP-7), with `trusted` the configured trusted account.
    /// Idempotent by uid (BW-DEP-8). All or nothing.
    pub fn accept_deposit(
        &mut self,
        now: Timestamp,
        deposit: &Deposit,
        signer: &Address,
        trusted: &Address,
    ) -> Result<DepositOutcome, DepositError> {
        if !self.deposit_is_new(deposit, signer, trusted)? {
            return Ok(DepositOutcome::AlreadyApplied);
        }
        let m = Movement::injection(deposit.account, deposit.amount, Some(deposit.uid.clone()))?;
        let record = self.apply(now, &m)?;
        self.deposits.insert(
            deposit.uid.clone(),
            DepositRecord {
                deposit: deposit.clone(),
                created: now,
                movement: record.id,
            },
        );
        Ok(DepositOutcome::Applied(Box::new(record)))
    }
}
