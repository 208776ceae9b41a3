//! Relations between accounts (spec section 14.2).
//!
//! A relation is a signed statement by its **source** account about a
//! **target** account: "I trust it" (`trusts`) or "it works for me"
//! (`worksfor`), switched on or off by `enabled`. The only relation with an
//! effect on the marketplace is a `trusts` relation from the server's trust
//! account to a seller, which allows that seller to sell `~trusted` articles
//! (BW-BID-11, [`RelationStore::is_trusted_by`]).
//!
//! The flow for a `POST /rel` form is:
//!
//! 1. check the nonce with [`NonceRegistry::check`](crate::nonce::NonceRegistry::check);
//! 2. [`SignedRelation::from_form`] (fields, addresses, values);
//! 3. [`verify_document`](crate::signature::verified::verify_document), which
//!    checks that the source signed [`SignedRelation::document`];
//! 4. consume the nonce ticket;
//! 5. [`RelationStore::apply`], which takes only a
//!    [`Verified<SignedRelation>`].

use core::fmt;
use std::collections::BTreeMap;

use crate::address::{Address, AddressError, Network};
use crate::document::normalize;
use crate::error::error_codes;
use crate::key::PrivateKey;
use crate::signature::sign_message;
use crate::signature::verified::{SignedDocument, Verified};
use crate::time::Timestamp;

/// What a relation states (BW-REL-3). Form and JSON text `trusts` or
/// `worksfor`; the numbers 1 and 2 are BitWrk 0.7's internal values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RelationType {
    /// The source trusts the target.
    Trusts = 1,
    /// The target works for the source.
    Worksfor = 2,
}

impl RelationType {
    /// Every type, in numeric order.
    pub const ALL: [RelationType; 2] = [RelationType::Trusts, RelationType::Worksfor];

    /// The text form, `trusts` or `worksfor`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RelationType::Trusts => "trusts",
            RelationType::Worksfor => "worksfor",
        }
    }

    /// BitWrk 0.7's number for the type: 1 (`trusts`) or 2 (`worksfor`).
    pub const fn as_int(self) -> u8 {
        self as u8
    }

    /// Parses the exact text `trusts` or `worksfor` (case-sensitive).
    pub fn parse(s: &str) -> Option<RelationType> {
        match s {
            "trusts" => Some(RelationType::Trusts),
            "worksfor" => Some(RelationType::Worksfor),
            _ => None,
        }
    }
}

impl fmt::Display for RelationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for RelationType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RelationType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        RelationType::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown relation type {s:?}")))
    }
}

/// Why a relation form was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelationError {
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
    /// `source` is not a valid address of the required network.
    BadSource {
        /// Why.
        source: AddressError,
    },
    /// `target` is not a valid address of the required network.
    BadTarget {
        /// Why.
        source: AddressError,
    },
    /// Source and target are the same account.
    SameSourceTarget,
    /// `enabled` is neither `true` nor `false`.
    BadEnabled {
        /// The text received.
        found: String,
    },
    /// `type` is neither `trusts` nor `worksfor`.
    BadType {
        /// The text received.
        found: String,
    },
}

error_codes!(RelationError {
    RelationError::MissingField { field } => "relation.missing-field", ("missing form field {field:?}");
    RelationError::DuplicateField { field } => "relation.duplicate-field", ("form field {field:?} given more than once");
    RelationError::BadSource { source } => "relation.bad-source", ("bad relation source: {source}");
    RelationError::BadTarget { source } => "relation.bad-target", ("bad relation target: {source}");
    RelationError::SameSourceTarget => "relation.same-source-target", ("source and target must differ");
    RelationError::BadEnabled { found } => "relation.bad-enabled", ("enabled must be true or false, found {found:?}");
    RelationError::BadType { found } => "relation.bad-type", ("relation type must be trusts or worksfor, found {found:?}");
});

/// The form fields of `POST /rel`, in the order their presence and
/// uniqueness are checked (BW-REL-1).
pub const FORM_FIELDS: [&str; 6] = ["enabled", "nonce", "signature", "source", "target", "type"];

/// The signed relation document (BW-REL-5):
/// `enabled=…&nonce=…&source=…&target=…&type=…`, each value normalised.
pub fn relation_document(
    enabled: bool,
    nonce: &str,
    source: &Address,
    target: &Address,
    kind: RelationType,
) -> String {
    format!(
        "enabled={}&nonce={}&source={}&target={}&type={}",
        normalize(if enabled { "true" } else { "false" }),
        normalize(nonce),
        normalize(&source.to_string()),
        normalize(&target.to_string()),
        normalize(kind.as_str()),
    )
}

/// A relation form whose fields passed [`SignedRelation::from_form`],
/// awaiting signature verification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignedRelation {
    source: Address,
    target: Address,
    kind: RelationType,
    enabled: bool,
    nonce: String,
    signature: String,
}

impl SignedRelation {
    /// Parses a `POST /rel` form with participant addresses on mainnet.
    /// See [`from_form_for`](Self::from_form_for).
    pub fn from_form(fields: &[(String, String)]) -> Result<SignedRelation, RelationError> {
        SignedRelation::from_form_for(fields, Network::Mainnet)
    }

    /// Parses a `POST /rel` form (BW-REL-1 … BW-REL-4) whose addresses must
    /// be on `network`. Checks, in order (BW-REL-7): presence and uniqueness
    /// of the fields in the order of [`FORM_FIELDS`], `source`, `target`,
    /// source ≠ target, `enabled`, `type`. Other fields are ignored. The
    /// nonce is not looked at here: the caller checks it first and consumes
    /// it after the signature verified.
    pub fn from_form_for(
        fields: &[(String, String)],
        network: Network,
    ) -> Result<SignedRelation, RelationError> {
        let mut values = [""; 6];
        for (slot, name) in values.iter_mut().zip(FORM_FIELDS) {
            let mut it = fields.iter().filter(|(k, _)| k == name);
            let Some((_, value)) = it.next() else {
                return Err(RelationError::MissingField { field: name });
            };
            if it.next().is_some() {
                return Err(RelationError::DuplicateField { field: name });
            }
            *slot = value.as_str();
        }
        let [enabled, nonce, signature, source, target, kind] = values;
        let source = Address::parse_for(source, network)
            .map_err(|source| RelationError::BadSource { source })?;
        let target = Address::parse_for(target, network)
            .map_err(|source| RelationError::BadTarget { source })?;
        if source == target {
            return Err(RelationError::SameSourceTarget);
        }
        let enabled = match enabled {
            "true" => true,
            "false" => false,
            other => {
                return Err(RelationError::BadEnabled {
                    found: other.to_owned(),
                });
            }
        };
        let kind = RelationType::parse(kind).ok_or_else(|| RelationError::BadType {
            found: kind.to_owned(),
        })?;
        Ok(SignedRelation {
            source,
            target,
            kind,
            enabled,
            nonce: nonce.to_owned(),
            signature: signature.to_owned(),
        })
    }

    /// Builds and signs a relation from `key`'s address (what a client
    /// does). The source is the key's address on the key's network.
    pub fn signed(
        key: &PrivateKey,
        kind: RelationType,
        target: Address,
        enabled: bool,
        nonce: &str,
    ) -> SignedRelation {
        let source = key.public_key().address(key.network());
        let document = relation_document(enabled, nonce, &source, &target, kind);
        SignedRelation {
            source,
            target,
            kind,
            enabled,
            nonce: nonce.to_owned(),
            signature: sign_message(key, document.as_bytes()).to_base64(),
        }
    }

    /// The form fields, in the order of [`FORM_FIELDS`].
    pub fn to_form(&self) -> Vec<(String, String)> {
        let enabled = if self.enabled { "true" } else { "false" };
        [
            ("enabled", enabled.to_owned()),
            ("nonce", self.nonce.clone()),
            ("signature", self.signature.clone()),
            ("source", self.source.to_string()),
            ("target", self.target.to_string()),
            ("type", self.kind.as_str().to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The source account (the signer).
    pub fn source(&self) -> &Address {
        &self.source
    }
    /// The target account.
    pub fn target(&self) -> &Address {
        &self.target
    }
    /// The type.
    pub fn kind(&self) -> RelationType {
        self.kind
    }
    /// Whether the relation is switched on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }
    /// The nonce as submitted.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
}

impl SignedDocument for SignedRelation {
    fn document(&self) -> String {
        relation_document(
            self.enabled,
            &self.nonce,
            &self.source,
            &self.target,
            self.kind,
        )
    }
    fn signer(&self) -> &Address {
        &self.source
    }
    fn signature(&self) -> &str {
        &self.signature
    }
}

/// A stored relation; the JSON shape is BitWrk 0.7's (BW-REL-9).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Relation {
    /// The account making the statement (and signing it).
    pub source: Address,
    /// The account the statement is about.
    pub target: Address,
    /// `trusts` or `worksfor`.
    #[serde(rename = "Type")]
    pub kind: RelationType,
    /// Whether the relation is switched on.
    pub enabled: bool,
    /// The signed document.
    pub document: String,
    /// The signature, base64.
    pub signature: String,
    /// When this version of the relation was stored.
    #[serde(with = "crate::rfc3339")]
    pub last_modified: Timestamp,
}

impl Relation {
    /// The relation a verified form describes, stored at `now`.
    pub fn from_verified(now: Timestamp, signed: &Verified<SignedRelation>) -> Relation {
        Relation {
            source: signed.source,
            target: signed.target,
            kind: signed.kind,
            enabled: signed.enabled,
            document: signed.document(),
            signature: signed.signature.clone(),
            last_modified: now,
        }
    }

    /// The store key: (source, type, target).
    pub fn key(&self) -> (Address, RelationType, Address) {
        (self.source, self.kind, self.target)
    }
}

/// Every relation, one per (source, type, target) (BW-REL-8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<Relation>", into = "Vec<Relation>")]
pub struct RelationStore {
    relations: BTreeMap<(Address, RelationType, Address), Relation>,
}

/// Snapshots store the relations as a list; the key is each relation's own.
impl From<Vec<Relation>> for RelationStore {
    fn from(list: Vec<Relation>) -> RelationStore {
        RelationStore {
            relations: list.into_iter().map(|r| (r.key(), r)).collect(),
        }
    }
}

impl From<RelationStore> for Vec<Relation> {
    fn from(store: RelationStore) -> Vec<Relation> {
        store.relations.into_values().collect()
    }
}

impl RelationStore {
    /// An empty store.
    pub fn new() -> RelationStore {
        RelationStore::default()
    }

    /// Stores a verified relation at `now`, replacing any relation with the
    /// same source, type and target (last write wins, BW-REL-8). Returns the
    /// relation it replaced.
    pub fn apply(&mut self, now: Timestamp, signed: &Verified<SignedRelation>) -> Option<Relation> {
        let relation = Relation::from_verified(now, signed);
        self.relations.insert(relation.key(), relation)
    }

    /// The relation from `source` of type `kind` to `target`, if one was stored.
    pub fn get(&self, source: &Address, kind: RelationType, target: &Address) -> Option<&Relation> {
        self.relations.get(&(*source, kind, *target))
    }

    /// Whether `trust_account` has an enabled `trusts` relation to `seller`
    /// (BW-REL-10): the condition for selling `~trusted` articles.
    pub fn is_trusted_by(&self, trust_account: &Address, seller: &Address) -> bool {
        self.get(trust_account, RelationType::Trusts, seller)
            .is_some_and(|r| r.enabled)
    }

    /// Number of stored relations.
    pub fn len(&self) -> usize {
        self.relations.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.relations.is_empty()
    }

    /// Every stored relation, ordered by (source, type, target).
    pub fn iter(&self) -> impl Iterator<Item = &Relation> {
        self.relations.values()
    }
}

#[cfg(test)]
mod tests;
