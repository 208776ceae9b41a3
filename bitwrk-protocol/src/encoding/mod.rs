//! Byte encodings used on the wire (spec section 3).
//!
//! * [`hex`]: lower-case hexadecimal (hashes, secrets);
//! * [`base64`]: the standard alphabet, padded, canonical (signatures);
//! * [`base58`]: Bitcoin base58 and base58check (addresses, WIF keys).

pub mod base58;
pub mod base64;
pub mod hex;
