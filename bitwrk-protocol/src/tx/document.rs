//! Transaction messages and their canonical signed document (spec
//! section 12.6).
//!
//! A message arrives as form pairs for one transaction. The signed document
//! is built from every pair except `signature` and `address`, with `txid`
//! present: each pair is written `escape(k)=escape(v)`, or `escape(k)` alone
//! when the value is empty; the strings are sorted bytewise and joined with
//! `&` (BW-TXDOC-3).

use core::fmt;
use std::collections::BTreeMap;

use crate::address::{Address, AddressError};
use crate::document::query_escape;
use crate::error::ErrorCode;
use crate::hash::Hash256;
use crate::ids::TxId;
use crate::key::PrivateKey;
use crate::signature::{SignedDocument, sign_message};

/// The form field that names the transaction.
pub const TXID: &str = "txid";
/// The form field carrying the signature (not signed).
pub const SIGNATURE: &str = "signature";
/// The form field carrying the sender's address (not signed).
pub const ADDRESS: &str = "address";

/// Why a transaction message's form was rejected before verification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxDocError {
    /// A parameter name occurs more than once.
    DuplicateArgument {
        /// The repeated name.
        name: String,
    },
    /// `txid` is present and differs from the transaction addressed.
    TxidMismatch {
        /// The transaction addressed (from the request path).
        expected: TxId,
        /// The value of the `txid` parameter.
        found: String,
    },
    /// No `signature` parameter.
    MissingSignature,
    /// No `address` parameter.
    MissingAddress,
    /// The `address` parameter is not a valid address (code `addr.*`).
    Address(AddressError),
}

impl TxDocError {
    /// The codes of this module's own variants (`addr.*` codes come from
    /// [`AddressError`]).
    pub const CODES: &'static [&'static str] = &[
        "txdoc.duplicate-argument",
        "txdoc.txid-mismatch",
        "txdoc.missing-signature",
        "txdoc.missing-address",
    ];
}

impl ErrorCode for TxDocError {
    fn code(&self) -> &'static str {
        match self {
            TxDocError::DuplicateArgument { .. } => Self::CODES[0],
            TxDocError::TxidMismatch { .. } => Self::CODES[1],
            TxDocError::MissingSignature => Self::CODES[2],
            TxDocError::MissingAddress => Self::CODES[3],
            TxDocError::Address(e) => e.code(),
        }
    }
}

impl fmt::Display for TxDocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxDocError::DuplicateArgument { name } => {
                write!(f, "argument {name:?} occurs more than once")
            }
            TxDocError::TxidMismatch { expected, found } => write!(
                f,
                "txid parameter {found:?} does not match the transaction {expected}"
            ),
            TxDocError::MissingSignature => f.write_str("missing signature parameter"),
            TxDocError::MissingAddress => f.write_str("missing address parameter"),
            TxDocError::Address(e) => write!(f, "bad sender address: {e}"),
        }
    }
}

impl std::error::Error for TxDocError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TxDocError::Address(e) => Some(e),
            _ => None,
        }
    }
}

/// `escape(k)=escape(v)`, or `escape(k)` for an empty value (BW-TXDOC-3).
pub fn escape_pair(key: &str, value: &str) -> String {
    if value.is_empty() {
        query_escape(key)
    } else {
        format!("{}={}", query_escape(key), query_escape(value))
    }
}

/// The canonical document of `pairs` (BW-TXDOC-3): escaped pairs sorted
/// bytewise as whole strings and joined with `&`. The caller passes the
/// signed pairs only (no `signature`, no `address`; `txid` included).
pub fn canonical_document<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut escaped: Vec<String> = pairs.into_iter().map(|(k, v)| escape_pair(k, v)).collect();
    escaped.sort_unstable();
    escaped.join("&")
}

/// The text a buyer signs as the receipt for an encrypted result: the
/// 64-character lower-case hex of `encresulthash` (BW-TXDOC-6).
pub fn receipt_document(encrypted_result_hash: &Hash256) -> String {
    encrypted_result_hash.to_string()
}

/// A transaction message as received: for which transaction, from whom,
/// the arguments (without `txid`, `signature` and `address`) and the
/// signature text. Verify it with
/// [`verify_document`](crate::signature::verify_document).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TxMessage {
    /// The transaction addressed.
    pub txid: TxId,
    /// The claimed sender.
    pub sender: Address,
    /// Argument names and values, `txid` excluded.
    pub arguments: BTreeMap<String, String>,
    /// The signature, base64 as received.
    pub signature: String,
}

impl TxMessage {
    /// Parses the form pairs of a message addressed to `txid` (BW-TXDOC-1,
    /// BW-TXDOC-2, BW-TXDOC-4, BW-TXDOC-5), checking in this order:
    /// duplicate names, `txid`, `signature` present, `address` present,
    /// `address` valid.
    pub fn from_form(txid: TxId, pairs: &[(String, String)]) -> Result<TxMessage, TxDocError> {
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in pairs {
            if map.insert(k.clone(), v.clone()).is_some() {
                return Err(TxDocError::DuplicateArgument { name: k.clone() });
            }
        }
        if let Some(found) = map.remove(TXID)
            && found != txid.to_string()
        {
            return Err(TxDocError::TxidMismatch {
                expected: txid,
                found,
            });
        }
        let signature = map.remove(SIGNATURE).ok_or(TxDocError::MissingSignature)?;
        let address = map.remove(ADDRESS).ok_or(TxDocError::MissingAddress)?;
        let sender = Address::parse(&address).map_err(TxDocError::Address)?;
        Ok(TxMessage {
            txid,
            sender,
            arguments: map,
            signature,
        })
    }

    /// The argument names, sorted.
    pub fn argument_names(&self) -> Vec<&str> {
        self.arguments.keys().map(String::as_str).collect()
    }

    /// The value of argument `name`.
    pub fn argument(&self, name: &str) -> Option<&str> {
        self.arguments.get(name).map(String::as_str)
    }

    /// The signed pairs: the arguments plus `txid`.
    pub fn signed_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .arguments
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.push((TXID.to_owned(), self.txid.to_string()));
        pairs
    }

    /// Builds and signs a message (what a client does): the form pairs to
    /// send, `txid`, `address` and `signature` included.
    pub fn sign_form(
        key: &PrivateKey,
        txid: TxId,
        arguments: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        sign_tx_form(key, &txid.to_string(), arguments)
    }
}

/// [`TxMessage::sign_form`] for a transaction named by an opaque identifier
/// text, as a client holds it (BW-HTTP-5): the form pairs to send, `txid`,
/// `address` and `signature` included.
pub fn sign_tx_form(
    key: &PrivateKey,
    txid: &str,
    arguments: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut signed: Vec<(&str, &str)> = arguments.to_vec();
    signed.push((TXID, txid));
    let document = canonical_document(signed.iter().copied());
    let signature = sign_message(key, document.as_bytes());
    let mut pairs: Vec<(String, String)> = signed
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.push((
        ADDRESS.to_owned(),
        key.public_key().address(key.network()).to_string(),
    ));
    pairs.push((SIGNATURE.to_owned(), signature.to_base64()));
    pairs
}

impl SignedDocument for TxMessage {
    fn document(&self) -> String {
        let pairs = self.signed_pairs();
        canonical_document(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    fn signer(&self) -> &Address {
        &self.sender
    }

    fn signature(&self) -> &str {
        &self.signature
    }
}
