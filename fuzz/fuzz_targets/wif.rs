//! WIF parsing never panics, and an accepted key prints back to the exact input.
#![no_main]
use bitwrk_protocol::PrivateKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(k) = PrivateKey::from_wif(text) {
        assert_eq!(k.to_wif(), text);
    }
});
