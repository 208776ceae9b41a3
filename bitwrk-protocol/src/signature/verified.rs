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

use super::verifier::{SignedMessage, Verifier};
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

impl<T: SignedDocument> Verified<T> {
    /// `other` as verified, if it carries the very signed document this
    /// value carries: the same signer, document text and signature text.
    /// A verdict depends on nothing else (and the mode, which is this
    /// value's), so nothing needs checking again; otherwise `other` comes
    /// back unverified. For a check done before `other` could be built (a
    /// replay verifies many logged documents together, then parses each
    /// against the state it meets).
    pub fn vouch_for<U: SignedDocument>(&self, other: U) -> Result<Verified<U>, U> {
        let same = other.signer() == self.inner.signer()
            && other.signature() == self.inner.signature()
            && other.document() == self.inner.document();
        if same {
            Ok(Verified { inner: other })
        } else {
            Err(other)
        }
    }
}

/// Someone a driver trusts to have verified signed documents itself: the
/// other node of a cluster that checked a document's signature before
/// handing the document on, over a channel the driver authenticated. The
/// core never creates witnesses; a driver implements this for the proof it
/// holds (ref-server: a verdict under the cluster's MAC), and only
/// [`Verified::witnessed`] consumes it.
pub trait Witness {
    /// Whether this witness saw `signature` by `signer` over `document`
    /// verified (in the mode of the driver that trusts it).
    fn vouches(&self, signer: &Address, document: &str, signature: &str) -> bool;
}

impl<T: SignedDocument> Verified<T> {
    /// `doc` as verified on the word of `witness`, if the witness vouches
    /// for this very signed document (signer, document text, signature
    /// text); otherwise `doc` comes back, to be verified here. Where a
    /// verification came from is thus visible in the code that makes one:
    /// [`verify_document_in`] and the batch check verify here, this takes
    /// a check done elsewhere.
    pub fn witnessed<W: Witness + ?Sized>(witness: &W, doc: T) -> Result<Verified<T>, T> {
        if witness.vouches(doc.signer(), &doc.document(), doc.signature()) {
            Ok(Verified { inner: doc })
        } else {
            Err(doc)
        }
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

/// A deliberate bug, compiled only with the `fault-injection` feature:
/// [`verify_document_in`] that accepts a well-formed signature by *any* key,
/// without comparing the recovered address with the claimed signer
/// (BW-SIG-9). For the conformance suite's fault tests.
#[cfg(feature = "fault-injection")]
pub fn verify_document_any_signer<T: SignedDocument>(
    mode: VerifyMode,
    signed: T,
) -> Result<Verified<T>, SignatureError> {
    let signature = Signature::from_base64(signed.signature())?;
    match verify_message_in(
        mode,
        signed.signer(),
        signed.document().as_bytes(),
        &signature,
    ) {
        Ok(()) | Err(SignatureError::AddressMismatch { .. }) => Ok(Verified { inner: signed }),
        Err(e) => Err(e),
    }
}

/// Verifies many documents with `verifier` — its key cache, and one batch
/// check for the members whose signer it has cached (informative section
/// 5.A) — in the verifier's mode. Verdict `i` is the verdict of
/// [`verify_document_in`] in that mode for document `i`: the batch only
/// changes how fast it is reached. `rng` must be a cryptographically secure
/// generator whose output the signers cannot predict.
pub fn verify_documents<T: SignedDocument, R: rand_core::CryptoRng + ?Sized>(
    verifier: &mut Verifier,
    docs: Vec<T>,
    rng: &mut R,
) -> Vec<Result<Verified<T>, SignatureError>> {
    let texts: Vec<String> = docs.iter().map(SignedDocument::document).collect();
    let signatures: Vec<Result<Signature, SignatureError>> = docs
        .iter()
        .map(|d| Signature::from_base64(d.signature()))
        .collect();
    let items: Vec<SignedMessage<'_>> = docs
        .iter()
        .zip(&texts)
        .zip(&signatures)
        .filter_map(|((d, text), sig)| {
            sig.as_ref()
                .ok()
                .map(|sig| SignedMessage::new(*d.signer(), text.as_bytes(), *sig))
        })
        .collect();
    let mut verdicts = verifier.verify_batch(&items, rng).into_iter();
    docs.into_iter()
        .zip(signatures)
        .map(|(inner, sig)| {
            sig?;
            verdicts
                .next()
                .expect("one verdict per well-formed signature")
                .map(|()| Verified { inner })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Network;
    use crate::key::PrivateKey;

    struct Doc {
        signer: Address,
        text: &'static str,
        signature: &'static str,
    }

    impl SignedDocument for Doc {
        fn document(&self) -> String {
            self.text.to_owned()
        }
        fn signer(&self) -> &Address {
            &self.signer
        }
        fn signature(&self) -> &str {
            self.signature
        }
    }

    /// Vouches for the one (signer, text, signature) it saw.
    struct Saw(Address, &'static str, &'static str);

    impl Witness for Saw {
        fn vouches(&self, signer: &Address, document: &str, signature: &str) -> bool {
            (*signer, document, signature) == (self.0, self.1, self.2)
        }
    }

    /// A witness makes a `Verified` only of the very document it vouches
    /// for; anything else comes back unverified.
    #[test]
    fn witnessed_takes_only_what_the_witness_vouches_for() {
        let key = |b| {
            PrivateKey::from_secret_bytes(&[b; 32], true, Network::Mainnet)
                .unwrap()
                .public_key()
                .address(Network::Mainnet)
        };
        let (a, b) = (key(1), key(2));
        let saw = Saw(a, "x=1", "c2ln");
        let doc = |signer, text, signature| Doc {
            signer,
            text,
            signature,
        };
        assert!(Verified::witnessed(&saw, doc(a, "x=1", "c2ln")).is_ok());
        for other in [
            doc(b, "x=1", "c2ln"),
            doc(a, "x=2", "c2ln"),
            doc(a, "x=1", "c2lo"),
        ] {
            assert!(Verified::witnessed(&saw, other).is_err());
        }
    }
}
