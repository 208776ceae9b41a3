//! base58 and base58check decoding never panic; decoded data re-encodes to the input.
#![no_main]
use bitwrk_protocol::encoding::base58;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(bytes) = base58::decode(text) {
        assert_eq!(base58::encode(&bytes), text);
    }
    if let Ok(payload) = base58::decode_check(text) {
        assert_eq!(base58::encode_check(&payload), text);
    }
});
