//! Seller endpoints (spec §19.1): the unguessable key in the worker URL and
//! the routing of request paths.

use core::fmt;

use rand_core::CryptoRng;

use super::C2cError;
use crate::encoding::hex;

/// Bytes of an endpoint key: 128 bits (BW-C2C-25; BitWrk 0.7 used 32).
pub const ENDPOINT_KEY_LEN: usize = 16;

/// Longest worker URL the server accepts (spec §12: < 256 characters).
pub const MAX_WORKER_URL: usize = 255;

/// An endpoint key: [`ENDPOINT_KEY_LEN`] bytes from a CSPRNG, 32 lower-case
/// hex characters in the URL.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EndpointKey([u8; ENDPOINT_KEY_LEN]);

impl EndpointKey {
    /// Draws a fresh key (BW-C2C-25).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> EndpointKey {
        let mut k = [0u8; ENDPOINT_KEY_LEN];
        rng.fill_bytes(&mut k);
        EndpointKey(k)
    }

    /// Wraps raw bytes.
    pub const fn from_byte_array(bytes: [u8; ENDPOINT_KEY_LEN]) -> EndpointKey {
        EndpointKey(bytes)
    }

    /// The worker URL: `prefix` (`http://host:port/`, ending in `/`) and the
    /// key; refused if it would be too long for the server.
    pub fn worker_url(&self, prefix: &str) -> Result<String, C2cError> {
        let url = format!("{prefix}{self}");
        if !prefix.starts_with("http://") || !prefix.ends_with('/') || url.len() > MAX_WORKER_URL {
            return Err(C2cError::BadEndpoint);
        }
        Ok(url)
    }
}

impl fmt::Display for EndpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

/// Does not print the key (it is a capability).
impl fmt::Debug for EndpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EndpointKey(…)")
    }
}

/// Where a request path leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// The endpoint itself (`/<key>` or `/<key>/` followed by anything
    /// that is not an assist path): probe, work, chunk data, receipt.
    Main(EndpointKey),
    /// An assistive-download ticket `/<key>/assist/<hex>` (BW-C2C-27).
    Assist(EndpointKey, String),
}

/// Routes a request path (BW-C2C-26): the first segment must be exactly 32
/// lower-case hex characters; anything else is [`C2cError::BadEndpoint`]
/// (404). Whether the key is live is the driver's table lookup.
pub fn route(path: &str) -> Result<Route, C2cError> {
    let rest = path.strip_prefix('/').ok_or(C2cError::BadEndpoint)?;
    let (seg, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let key = EndpointKey(hex::decode_array(seg).map_err(|_| C2cError::BadEndpoint)?);
    match tail.strip_prefix("assist/") {
        Some(t)
            if !t.is_empty()
                && t.len() % 2 == 0
                && t.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(Route::Assist(key, t.to_owned()))
        }
        _ => Ok(Route::Main(key)),
    }
}
