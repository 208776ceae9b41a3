//! Signature parsing (raw bytes and base64) never panics; accepted signatures
//! re-encode to the input, and recovery on them never panics.
#![no_main]
use bitwrk_protocol::Signature;
use bitwrk_protocol::signature::message_digest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = Signature::from_slice(data) {
        assert_eq!(&sig.as_bytes()[..], data);
        let _ = sig.recover(&message_digest(b"fuzz"));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(sig) = Signature::from_base64(text) {
            assert_eq!(sig.to_base64(), text);
        }
    }
});
