//! The zig-zag varint of chunk lengths (Go's `binary.PutVarint`), spec §19.5.
//!
//! A signed value `v` is mapped to `(v << 1) ^ (v >> 63)` and written as
//! LEB128: seven bits per byte, least significant group first, the high bit
//! set on every byte but the last (BW-C2C-14).

use super::C2cError;

/// The longest encoding of a 64-bit value.
pub const MAX_VARINT_LEN: usize = 10;

/// Appends the encoding of `v` to `out`.
pub fn encode(v: i64, out: &mut Vec<u8>) {
    let mut u = ((v << 1) ^ (v >> 63)) as u64;
    while u >= 0x80 {
        out.push((u as u8) | 0x80);
        u >>= 7;
    }
    out.push(u as u8);
}

/// The encoding of `v`.
pub fn to_vec(v: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_VARINT_LEN);
    encode(v, &mut out);
    out
}

/// Incremental decoder, one byte at a time. Accepts non-minimal encodings
/// as Go's `binary.ReadVarint` does; refuses more than 64 bits.
#[derive(Clone, Debug, Default)]
pub struct Decoder {
    value: u64,
    shift: u32,
    len: usize,
}

impl Decoder {
    /// A decoder at the start of a varint.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Whether no byte of the current varint has been read.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Feeds one byte: `Ok(Some(v))` once the varint is complete (the
    /// decoder is then reset), `Ok(None)` if more bytes are needed.
    pub fn push(&mut self, b: u8) -> Result<Option<i64>, C2cError> {
        if self.len == MAX_VARINT_LEN - 1 && b > 1 {
            return Err(C2cError::BadVarint);
        }
        self.value |= u64::from(b & 0x7f) << self.shift;
        self.len += 1;
        if b < 0x80 {
            let u = self.value;
            *self = Decoder::new();
            return Ok(Some(((u >> 1) as i64) ^ -((u & 1) as i64)));
        }
        self.shift += 7;
        Ok(None)
    }
}

/// Decodes one varint from the start of `bytes`: the value and the number
/// of bytes it took.
pub fn decode(bytes: &[u8]) -> Result<(i64, usize), C2cError> {
    let mut d = Decoder::new();
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(v) = d.push(b)? {
            return Ok((v, i + 1));
        }
    }
    Err(C2cError::Truncated { what: "a varint" })
}
