//! The deposit-address protocol (spec section 14.3): a participant asks for
//! an address to pay bitcoin into, and the payment processor (signing as the
//! trusted account) answers with one. Both are `POST /account/<address>`
//! forms; the market keeps, per account, the pending request, the latest
//! answer and when it was stored.
//!
//! The flow is the one of bids and deposits: parse the form
//! ([`DepositAddressRequest::from_form`], [`DepositAddressMessage::from_form`]),
//! verify the signature over the document, and hand the verified value to
//! the market (`Market::request_deposit_address`,
//! `Market::store_deposit_info`), which checks the signer's authority, the
//! account's state and the nonce, and spends the nonce last.

use core::time::Duration;
use std::collections::BTreeMap;

use crate::address::{Address, AddressError, Network};
use crate::document::query_escape;
use crate::error::error_codes;
use crate::key::PrivateKey;
use crate::signature::{SignedDocument, sign_message};
use crate::time::Timestamp;

/// How long after stored deposit information the next request is refused
/// (BW-DEPADDR-4).
pub const REQUEST_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// The longest `reference` accepted, in bytes (BW-DEPADDR-6).
pub const MAX_REFERENCE_LEN: usize = 255;

/// The `action` of a deposit-address request.
pub const ACTION_REQUEST: &str = "requestdepositaddress";
/// The `action` of deposit information.
pub const ACTION_STORE: &str = "storedepositinfo";

/// Why a deposit-address form was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DepositAddressError {
    /// `action` is absent, repeated or not one of the two actions.
    UnknownAction {
        /// What arrived ("" if absent).
        found: String,
    },
    /// A required field is absent.
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// A field occurs more than once.
    DuplicateField {
        /// The field.
        field: &'static str,
    },
    /// `participant` is not an address of the server's network.
    BadParticipant {
        /// Why.
        source: AddressError,
    },
    /// `signer` is not an address of the server's network.
    BadSigner {
        /// Why.
        source: AddressError,
    },
    /// `depositaddress` is not an address of the server's network.
    BadDepositAddress {
        /// Why.
        source: AddressError,
    },
    /// `reference` is too long or holds a control character.
    BadReference,
    /// `participant` differs from the account addressed by the URL.
    ParticipantMismatch {
        /// The account of the URL.
        account: String,
        /// The participant of the form.
        participant: Address,
    },
    /// The signer may not sign this form.
    UntrustedSigner {
        /// The signer.
        signer: Address,
    },
    /// The account has a pending request already.
    PendingRequest,
    /// Deposit information was stored less than 24 hours ago.
    TooSoon {
        /// When a request is possible again.
        next: Timestamp,
    },
    /// Stored deposit information is not a well-formed form encoding.
    BadEncoding,
}

error_codes!(DepositAddressError {
    DepositAddressError::UnknownAction { found } => "depaddr.unknown-action", ("action must be requestdepositaddress or storedepositinfo, found {found:?}");
    DepositAddressError::MissingField { field } => "depaddr.missing-field", ("missing form field {field:?}");
    DepositAddressError::DuplicateField { field } => "depaddr.duplicate-field", ("form field {field:?} given more than once");
    DepositAddressError::BadParticipant { source } => "depaddr.bad-participant", ("bad participant: {source}");
    DepositAddressError::BadSigner { source } => "depaddr.bad-signer", ("bad signer: {source}");
    DepositAddressError::BadDepositAddress { source } => "depaddr.bad-deposit-address", ("bad deposit address: {source}");
    DepositAddressError::BadReference => "depaddr.bad-reference", ("reference must be at most 255 bytes without control characters");
    DepositAddressError::ParticipantMismatch { account, participant } => "depaddr.participant-mismatch", ("participant {participant} is not the account {account:?} addressed");
    DepositAddressError::UntrustedSigner { signer } => "depaddr.untrusted-signer", ("{signer} may not sign this deposit-address form");
    DepositAddressError::PendingRequest => "depaddr.pending-request", ("a deposit-address request is pending already");
    DepositAddressError::TooSoon { next } => "depaddr.too-soon", ("the next deposit address can be requested at {}", crate::rfc3339::format(*next));
    DepositAddressError::BadEncoding => "depaddr.bad-encoding", ("stored deposit information is not a form encoding");
});

/// The `action` of an `/account/<address>` POST form (BW-DEPADDR-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// `requestdepositaddress`.
    RequestDepositAddress,
    /// `storedepositinfo`.
    StoreDepositInfo,
}

impl AccountAction {
    /// The action a form names: exactly one `action` field with one of the
    /// two values, else `depaddr.unknown-action`.
    pub fn from_form(fields: &[(String, String)]) -> Result<AccountAction, DepositAddressError> {
        let mut it = fields.iter().filter(|(k, _)| k == "action");
        let found = it.next().map(|(_, v)| v.as_str()).unwrap_or("");
        match (found, it.next()) {
            (ACTION_REQUEST, None) => Ok(AccountAction::RequestDepositAddress),
            (ACTION_STORE, None) => Ok(AccountAction::StoreDepositInfo),
            _ => Err(DepositAddressError::UnknownAction {
                found: found.to_owned(),
            }),
        }
    }

    /// The form value.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccountAction::RequestDepositAddress => ACTION_REQUEST,
            AccountAction::StoreDepositInfo => ACTION_STORE,
        }
    }
}

/// The values of `names` in `fields`, each present exactly once, checked in
/// the order of `names`.
fn take<'a, const N: usize>(
    fields: &'a [(String, String)],
    names: [&'static str; N],
) -> Result<[&'a str; N], DepositAddressError> {
    let mut values = [""; N];
    for (slot, name) in values.iter_mut().zip(names) {
        let mut it = fields.iter().filter(|(k, _)| k == name);
        let Some((_, value)) = it.next() else {
            return Err(DepositAddressError::MissingField { field: name });
        };
        if it.next().is_some() {
            return Err(DepositAddressError::DuplicateField { field: name });
        }
        *slot = value.as_str();
    }
    Ok(values)
}

/// Go's `url.Values.Encode` of pairs already in key order: `k=v` joined by
/// `&`, both query-escaped (a space is `+`).
fn form_encode(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect();
    parts.join("&")
}

/// The signed document: [`form_encode`] with every `+` turned into `%20`
/// (BitWrk 0.7's quirk; a literal `+` is `%2B` already, BW-DEPADDR-3).
fn signed_document(pairs: &[(&str, &str)]) -> String {
    form_encode(pairs).replace('+', "%20")
}

fn parse_party(
    participant: &str,
    signer: &str,
    network: Network,
) -> Result<(Address, Address), DepositAddressError> {
    let participant = Address::parse_for(participant, network)
        .map_err(|source| DepositAddressError::BadParticipant { source })?;
    let signer = Address::parse_for(signer, network)
        .map_err(|source| DepositAddressError::BadSigner { source })?;
    Ok((participant, signer))
}

fn check_account(account: &str, participant: Address) -> Result<(), DepositAddressError> {
    if participant.to_string() == account {
        Ok(())
    } else {
        Err(DepositAddressError::ParticipantMismatch {
            account: account.to_owned(),
            participant,
        })
    }
}

/// A request for a deposit address (`action=requestdepositaddress`,
/// BW-DEPADDR-2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DepositAddressRequest {
    /// The nonce as submitted.
    pub nonce: String,
    /// Whose account the address is for.
    pub participant: Address,
    /// Who signed: the participant or the trusted account.
    pub signer: Address,
    /// The signature, base64 as submitted.
    pub signature: String,
}

/// The fields of a request, in the order they are checked.
pub const REQUEST_FIELDS: [&str; 4] = ["nonce", "participant", "signer", "signature"];

impl DepositAddressRequest {
    /// Parses the form posted to `/account/<account>` (BW-DEPADDR-2): the
    /// fields of [`REQUEST_FIELDS`] once each (in that order), `participant`
    /// and `signer` addresses of `network`, and `participant` equal to
    /// `account`. Other fields (`action` included) are ignored.
    pub fn from_form(
        account: &str,
        fields: &[(String, String)],
        network: Network,
    ) -> Result<DepositAddressRequest, DepositAddressError> {
        let [nonce, participant, signer, signature] = take(fields, REQUEST_FIELDS)?;
        let (participant, signer) = parse_party(participant, signer, network)?;
        check_account(account, participant)?;
        Ok(DepositAddressRequest {
            nonce: nonce.to_owned(),
            participant,
            signer,
            signature: signature.to_owned(),
        })
    }

    /// Builds and signs a request with `key` (the participant's or the
    /// trusted account's key), as a client does.
    pub fn signed(key: &PrivateKey, participant: Address, nonce: &str) -> DepositAddressRequest {
        let mut r = DepositAddressRequest {
            nonce: nonce.to_owned(),
            participant,
            signer: key.public_key().address(key.network()),
            signature: String::new(),
        };
        r.signature = sign_message(key, r.document().as_bytes()).to_base64();
        r
    }

    /// The form a client posts, `action` included.
    pub fn to_form(&self) -> Vec<(String, String)> {
        [
            ("action", ACTION_REQUEST.to_owned()),
            ("nonce", self.nonce.clone()),
            ("participant", self.participant.to_string()),
            ("signer", self.signer.to_string()),
            ("signature", self.signature.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The text the account keeps while the request is pending
    /// (BW-DEPADDR-4): the form encoding of all four fields, keys sorted,
    /// a space as `+`.
    pub fn stored_text(&self) -> String {
        let (p, s) = (self.participant.to_string(), self.signer.to_string());
        form_encode(&[
            ("nonce", &self.nonce),
            ("participant", &p),
            ("signature", &self.signature),
            ("signer", &s),
        ])
    }
}

impl SignedDocument for DepositAddressRequest {
    /// `nonce=…&participant=…&signer=…` (BW-DEPADDR-3).
    fn document(&self) -> String {
        let (p, s) = (self.participant.to_string(), self.signer.to_string());
        signed_document(&[("nonce", &self.nonce), ("participant", &p), ("signer", &s)])
    }
    fn signer(&self) -> &Address {
        &self.signer
    }
    fn signature(&self) -> &str {
        &self.signature
    }
}

/// Deposit information from the payment processor
/// (`action=storedepositinfo`, BW-DEPADDR-5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DepositAddressMessage {
    /// The nonce as submitted.
    pub nonce: String,
    /// Where the participant may pay.
    pub deposit_address: Address,
    /// Whose account it is for.
    pub participant: Address,
    /// Who signed (must be the trusted account).
    pub signer: Address,
    /// The processor's reference.
    pub reference: String,
    /// The signature, base64 as submitted.
    pub signature: String,
}

/// The fields of deposit information, in the order they are checked.
pub const MESSAGE_FIELDS: [&str; 6] = [
    "nonce",
    "depositaddress",
    "participant",
    "signer",
    "reference",
    "signature",
];

impl DepositAddressMessage {
    /// Parses the form posted to `/account/<account>` (BW-DEPADDR-5,
    /// BW-DEPADDR-6): the fields of [`MESSAGE_FIELDS`] once each (in that
    /// order), `participant`, `signer` and `depositaddress` addresses of
    /// `network`, `reference` at most [`MAX_REFERENCE_LEN`] bytes without
    /// control characters, and `participant` equal to `account`.
    pub fn from_form(
        account: &str,
        fields: &[(String, String)],
        network: Network,
    ) -> Result<DepositAddressMessage, DepositAddressError> {
        let m = DepositAddressMessage::parse_fields(fields, network)?;
        check_account(account, m.participant)?;
        Ok(m)
    }

    /// Reads deposit information as an account shows it
    /// ([`crate::wire::AccountJson`]'s `DepositInfo`), so that a client can
    /// verify it against the trusted account (BW-DEPADDR-7).
    pub fn from_stored_text(
        text: &str,
        network: Network,
    ) -> Result<DepositAddressMessage, DepositAddressError> {
        DepositAddressMessage::parse_fields(&form_decode(text)?, network)
    }

    fn parse_fields(
        fields: &[(String, String)],
        network: Network,
    ) -> Result<DepositAddressMessage, DepositAddressError> {
        let [
            nonce,
            deposit_address,
            participant,
            signer,
            reference,
            signature,
        ] = take(fields, MESSAGE_FIELDS)?;
        let deposit_address = Address::parse_for(deposit_address, network)
            .map_err(|source| DepositAddressError::BadDepositAddress { source })?;
        let (participant, signer) = parse_party(participant, signer, network)?;
        if reference.len() > MAX_REFERENCE_LEN || reference.chars().any(char::is_control) {
            return Err(DepositAddressError::BadReference);
        }
        Ok(DepositAddressMessage {
            nonce: nonce.to_owned(),
            deposit_address,
            participant,
            signer,
            reference: reference.to_owned(),
            signature: signature.to_owned(),
        })
    }

    /// Builds and signs deposit information with `key` (the trusted
    /// account's), as the payment processor does.
    pub fn signed(
        key: &PrivateKey,
        participant: Address,
        deposit_address: Address,
        reference: &str,
        nonce: &str,
    ) -> DepositAddressMessage {
        let mut m = DepositAddressMessage {
            nonce: nonce.to_owned(),
            deposit_address,
            participant,
            signer: key.public_key().address(key.network()),
            reference: reference.to_owned(),
            signature: String::new(),
        };
        m.signature = sign_message(key, m.document().as_bytes()).to_base64();
        m
    }

    /// The form the processor posts, `action` included.
    pub fn to_form(&self) -> Vec<(String, String)> {
        [
            ("action", ACTION_STORE.to_owned()),
            ("nonce", self.nonce.clone()),
            ("depositaddress", self.deposit_address.to_string()),
            ("participant", self.participant.to_string()),
            ("signer", self.signer.to_string()),
            ("reference", self.reference.clone()),
            ("signature", self.signature.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    fn texts(&self) -> [String; 3] {
        [
            self.deposit_address.to_string(),
            self.participant.to_string(),
            self.signer.to_string(),
        ]
    }

    /// The text the account keeps (BW-DEPADDR-5): the form encoding of all
    /// six fields, keys sorted, a space as `+`.
    pub fn stored_text(&self) -> String {
        let [d, p, s] = self.texts();
        form_encode(&[
            ("depositaddress", &d),
            ("nonce", &self.nonce),
            ("participant", &p),
            ("reference", &self.reference),
            ("signature", &self.signature),
            ("signer", &s),
        ])
    }
}

impl SignedDocument for DepositAddressMessage {
    /// `depositaddress=…&nonce=…&participant=…&reference=…&signer=…`
    /// (BW-DEPADDR-3).
    fn document(&self) -> String {
        let [d, p, s] = self.texts();
        signed_document(&[
            ("depositaddress", &d),
            ("nonce", &self.nonce),
            ("participant", &p),
            ("reference", &self.reference),
            ("signer", &s),
        ])
    }
    fn signer(&self) -> &Address {
        &self.signer
    }
    fn signature(&self) -> &str {
        &self.signature
    }
}

/// [`crate::document::form_decode`], refusals as `BadEncoding`.
fn form_decode(text: &str) -> Result<Vec<(String, String)>, DepositAddressError> {
    crate::document::form_decode(text).ok_or(DepositAddressError::BadEncoding)
}

/// An account's deposit-address state (BW-DEPADDR-4, BW-DEPADDR-5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct DepositAddressState {
    /// The pending request's stored text, "" if none.
    pub request: String,
    /// The latest deposit information's stored text, "" if none.
    pub info: String,
    /// When the latest deposit information was stored.
    pub last_info: Option<Timestamp>,
}

/// The deposit-address state of every account that has one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct DepositAddressBook {
    accounts: BTreeMap<Address, DepositAddressState>,
}

impl DepositAddressBook {
    /// An empty book.
    pub fn new() -> DepositAddressBook {
        DepositAddressBook::default()
    }

    /// The state of `account`, if it ever had one.
    pub fn get(&self, account: &Address) -> Option<&DepositAddressState> {
        self.accounts.get(account)
    }

    /// Every account with state, in address order.
    pub fn iter(&self) -> impl Iterator<Item = (&Address, &DepositAddressState)> {
        self.accounts.iter()
    }

    /// The accounts with a pending request, in address order (what a
    /// payment processor polls, `/query/accounts?requestdepositaddress=1`).
    pub fn pending(&self) -> impl Iterator<Item = &Address> {
        self.accounts
            .iter()
            .filter(|(_, s)| !s.request.is_empty())
            .map(|(a, _)| a)
    }

    /// Whether `request` may be stored at `now`, with `trusted` the trusted
    /// account: the signer is the participant or the trusted account, no
    /// request is pending, and no deposit information was stored in the
    /// last 24 hours (BW-DEPADDR-4). Changes nothing.
    pub fn check_request(
        &self,
        now: Timestamp,
        request: &DepositAddressRequest,
        trusted: &Address,
    ) -> Result<(), DepositAddressError> {
        if request.signer != request.participant && request.signer != *trusted {
            return Err(DepositAddressError::UntrustedSigner {
                signer: request.signer,
            });
        }
        let Some(state) = self.accounts.get(&request.participant) else {
            return Ok(());
        };
        if !state.request.is_empty() {
            return Err(DepositAddressError::PendingRequest);
        }
        if let Some(last) = state.last_info {
            let next = last.saturating_add(REQUEST_INTERVAL);
            if now < next {
                return Err(DepositAddressError::TooSoon { next });
            }
        }
        Ok(())
    }

    /// Stores a request that passed [`check_request`](Self::check_request).
    pub fn store_request(&mut self, request: &DepositAddressRequest) {
        self.accounts
            .entry(request.participant)
            .or_default()
            .request = request.stored_text();
    }

    /// Whether `message` may be stored: its signer is the trusted account
    /// (BW-DEPADDR-5).
    pub fn check_info(
        &self,
        message: &DepositAddressMessage,
        trusted: &Address,
    ) -> Result<(), DepositAddressError> {
        if message.signer == *trusted {
            Ok(())
        } else {
            Err(DepositAddressError::UntrustedSigner {
                signer: message.signer,
            })
        }
    }

    /// Stores deposit information that passed
    /// [`check_info`](Self::check_info) at `now`: it replaces older
    /// information and ends a pending request.
    pub fn store_info(&mut self, now: Timestamp, message: &DepositAddressMessage) {
        let state = self.accounts.entry(message.participant).or_default();
        state.info = message.stored_text();
        state.last_info = Some(now);
        state.request.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        // BW-DEPADDR-7
        assert_eq!(
            form_decode("a=b+c&d=%2B%3d").unwrap(),
            [("a".into(), "b c".into()), ("d".into(), "+=".into())]
        );
        assert_eq!(form_decode("").unwrap(), []);
        for bad in ["a", "a=%", "a=%2", "a=%zz", "a=%ff"] {
            assert_eq!(
                form_decode(bad),
                Err(DepositAddressError::BadEncoding),
                "{bad}"
            );
        }
    }

    #[test]
    fn documents_replace_plus() {
        // BW-DEPADDR-3
        assert_eq!(
            signed_document(&[("a", "x y+z"), ("b", "/")]),
            "a=x%20y%2Bz&b=%2F"
        );
        assert_eq!(form_encode(&[("a", "x y+z")]), "a=x+y%2Bz");
    }
}
