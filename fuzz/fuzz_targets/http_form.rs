//! The server's form and path parsers never panic on arbitrary bytes; an
//! accepted form re-encodes to pairs that parse back to the same pairs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ref_server::http::form::{Form, decode_path, parse_pairs};

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'?').unwrap_or(data.len());
    let (body, query) = data.split_at(split);
    if let Ok(form) = Form::parse(body, query) {
        let _ = form.require_unique();
        for (k, _) in form.pairs() {
            let _ = form.single(k);
        }
        let encoded: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.pairs().iter())
            .finish();
        assert_eq!(parse_pairs(encoded.as_bytes()).as_deref(), Ok(form.pairs()));
    }
    let _ = decode_path(data);
});
