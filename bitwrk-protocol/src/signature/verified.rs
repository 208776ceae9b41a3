//! Capability tokens for checked signatures (spec sections 10 and 12).
//!
//! A [`Verified<T>`] can only be obtained from [`verify_document`], which
//! checks the signature `T` carries over the document `T` describes, made by
//! the signer `T` names. The state machines of the marketplace (bid
//! admission, transaction messages) take `Verified<…>` values only, so it is
//! a compile-time error to feed them an unchecked message — the approach of
//! rustls's `HandshakeSignatureValid`.
//!
//! Deserialising a `Verified<T>` verifies the signature again, so a stored
//! or replayed input cannot smuggle an unchecked value in. Deserialisation
//! has no way to learn a [`VerifyMode`] and verifies strictly; a driver that
//! accepts documents in [`VerifyMode::Compat07`] stores the unverified form
//! and verifies it again with [`verify_document_in`] (as the market's event
//! log does).

use core::ops::Deref;

use super::{Signature, SignatureError, VerifyMode, verify_message_in};
use crate::address::Address;

/// A value carrying a signed document: the text that is signed, the claimed
/// signer and the signature in its base64 wire form.
pub trait SignedDocument {
    /// The exact text covered by the signature (BW-DOC-3).
    fn document(&self) -> String;
    /// The address that claims to have signed.
    fn signer(&self) -> &Address;
    /// The signature, standard base64 as received.
    fn signature(&self) -> &str;
}

/// A `T` whose signature has been verified. Only [`verify_document`] (and,
/// inside this crate, test helpers) create values of this type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<T> {
    inner: T,
}

impl<T> Verified<T> {
    /// Wraps `inner` without checking. Crate-internal: for tests and model
    /// checkers that construct inputs whose signatures are not the subject.
    #[allow(dead_code)]
    pub(crate) fn new_unchecked(inner: T) -> Verified<T> {
        Verified { inner }
    }

    /// The verified value.
    pub fn get(&self) -> &T {
        &self.inner
    }

    /// Gives the value back, dropping the proof of verification.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T> Deref for Verified<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

/// Checks the signature of `signed` (BW-SIG-2 … BW-SIG-10) in strict mode
/// and, on success, returns the value as [`Verified`].
pub fn verify_document<T: SignedDocument>(signed: T) -> Result<Verified<T>, SignatureError> {
    verify_document_in(VerifyMode::Strict, signed)
}

/// [`verify_document`] in `mode` (BW-SIG-13, BW-SIG-14): bids, transaction
/// messages, deposits and relations all go through here.
pub fn verify_document_in<T: SignedDocument>(
    mode: VerifyMode,
    signed: T,
) -> Result<Verified<T>, SignatureError> {
    let signature = Signature::from_base64(signed.signature())?;
    verify_message_in(
        mode,
        signed.signer(),
        signed.document().as_bytes(),
        &signature,
    )?;
    Ok(Verified { inner: signed })
}

impl<T: serde::Serialize> serde::Serialize for Verified<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.inner.serialize(s)
    }
}

impl<'de, T: serde::Deserialize<'de> + SignedDocument> serde::Deserialize<'de> for Verified<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let inner = T::deserialize(d)?;
        verify_document(inner).map_err(serde::de::Error::custom)
    }
}
