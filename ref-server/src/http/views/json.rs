//! JSON bodies: the core's 0.7-shaped views (`bitwrk_protocol::wire`,
//! spec §15.A) written with Go's escaping. Values read back from the
//! store's history are decoded into the same views first, so a body from
//! the store is byte-identical to one from the market (member order
//! included).

use bitwrk_protocol::wire;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::http::errors::ApiError;

pub use bitwrk_protocol::wire::{
    AccountJson, BidJson, DepositJson, MovementJson, RelationJson, TmessageJson, TransactionJson,
};

/// A view as a JSON value (for the store's history records).
pub fn value<T: Serialize>(view: &T) -> Value {
    serde_json::to_value(view).unwrap_or(Value::Null)
}

/// A stored history value decoded into its view.
pub fn from_store<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            "http.internal",
            format!("stored {what} does not decode: {e}"),
        )
    })
}

/// A body in Go's `encoding/json` form, with the final line feed.
pub fn body<T: Serialize + ?Sized>(view: &T) -> String {
    wire::to_go_json(view)
}
