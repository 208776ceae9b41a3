//! The receipt (spec §19.9): the buyer's signed statement of which
//! encrypted result it received, and the rules for releasing the key.
//!
//! The signed text is the 64 lower-case hex characters of SHA-256 of the
//! ciphertext, signed as a Bitcoin message by the transaction's buyer
//! (BW-C2C-22). It travels as the form
//! `encresulthash=<hex>&encresulthashsig=<QueryEscape(base64)>`
//! (BW-C2C-23). The seller releases the key (sends `encresultkey` to the
//! server) only for a receipt whose hash is its own ciphertext's and whose
//! signature is the buyer's (BW-C2C-24).

use core::str::FromStr;

use super::C2cError;
use crate::address::Address;
use crate::document::{form_decode, query_escape};
use crate::hash::Hash256;
use crate::key::PrivateKey;
use crate::signature::{self, Signature};

/// Longest receipt form accepted (two fields of 64 and ≤ 120 characters).
pub const MAX_RECEIPT_FORM: usize = 512;

/// A receipt: the ciphertext hash and the buyer's signature over its hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// SHA-256 of the encrypted result.
    pub hash: Hash256,
    /// The buyer's signature over [`Receipt::message`].
    pub signature: Signature,
}

impl Receipt {
    /// Signs the hash of a received ciphertext (deterministic, RFC 6979).
    pub fn sign(key: &PrivateKey, hash: Hash256) -> Receipt {
        let signature = signature::sign_message(key, hash.to_string().as_bytes());
        Receipt { hash, signature }
    }

    /// The signed text: the hash as 64 lower-case hex characters.
    pub fn message(&self) -> String {
        self.hash.to_string()
    }

    /// The form body the buyer posts to the seller (BW-C2C-23).
    pub fn to_form(&self) -> String {
        format!(
            "encresulthash={}&encresulthashsig={}",
            self.hash,
            query_escape(&self.signature.to_base64())
        )
    }

    /// Parses a receipt form: exactly the two fields, once each, in any
    /// order, at most [`MAX_RECEIPT_FORM`] bytes.
    pub fn from_form(body: &[u8]) -> Result<Receipt, C2cError> {
        if body.len() > MAX_RECEIPT_FORM {
            return Err(C2cError::TooLarge {
                what: "receipt form",
                limit: MAX_RECEIPT_FORM as u64,
            });
        }
        let text = core::str::from_utf8(body).map_err(|_| C2cError::BadReceipt {
            reason: "not UTF-8",
        })?;
        let pairs = form_decode(text).ok_or(C2cError::BadReceipt {
            reason: "not a form",
        })?;
        let (mut hash, mut sig) = (None, None);
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "encresulthash" => &mut hash,
                "encresulthashsig" => &mut sig,
                _ => {
                    return Err(C2cError::BadReceipt {
                        reason: "unknown field",
                    });
                }
            };
            if slot.replace(v).is_some() {
                return Err(C2cError::Duplicate {
                    what: "receipt field",
                });
            }
        }
        let (Some(hash), Some(sig)) = (hash, sig) else {
            return Err(C2cError::BadReceipt {
                reason: "missing field",
            });
        };
        Ok(Receipt {
            hash: Hash256::from_str(&hash).map_err(|_| C2cError::BadReceipt {
                reason: "encresulthash is not 64 lower-case hex characters",
            })?,
            signature: Signature::from_base64(&sig).map_err(|_| C2cError::BadReceipt {
                reason: "encresulthashsig is not a base64 signature",
            })?,
        })
    }

    /// The seller's check before it releases the key (BW-C2C-24): the hash
    /// must be `ciphertext_hash` and the signature `buyer`'s.
    pub fn verify(
        self,
        buyer: &Address,
        ciphertext_hash: &Hash256,
    ) -> Result<AcceptedReceipt, C2cError> {
        if self.hash != *ciphertext_hash {
            return Err(C2cError::ReceiptHashMismatch);
        }
        signature::verify_message(buyer, self.message().as_bytes(), &self.signature)
            .map_err(|_| C2cError::ReceiptSignature)?;
        Ok(AcceptedReceipt(self))
    }
}

/// A receipt that passed [`Receipt::verify`]; only that check makes one,
/// and only one of these lets a seller release its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedReceipt(Receipt);

impl AcceptedReceipt {
    /// The checked receipt.
    pub fn get(&self) -> &Receipt {
        &self.0
    }
}
