//! Money parsing never panics; whatever parses formats canonically and the
//! canonical form parses back to the same value (BW-MONEY-2..7).
#![no_main]
use bitwrk_protocol::Money;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(m) = Money::parse(text) {
        let canonical = m.to_string();
        let again = Money::parse(&canonical).expect("canonical form of a parsed amount parses");
        assert_eq!(again, m);
        assert_eq!(again.to_string(), canonical);
    }
});
