//! Address parsing never panics, and an accepted address prints back to the
//! exact input (only canonical spellings are accepted, BW-ADDR-2).
#![no_main]
use bitwrk_protocol::Address;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(a) = Address::parse(text) {
        assert_eq!(a.to_string(), text);
    }
});
