//! The header parsers the server interprets — `Accept`, `If-None-Match`,
//! `X-Forwarded-For`, `User-Agent` (motd) — and the router never panic.
#![no_main]
use std::net::{IpAddr, SocketAddr};

use libfuzzer_sys::fuzz_target;
use ref_server::http::forwarded::client_ip;
use ref_server::http::negotiate::{negotiate, none_match};
use ref_server::http::router::Route;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = negotiate(Some(text));
    let _ = none_match(text, "\"sPLACED-c16\"");
    let proxy: IpAddr = "127.0.0.1".parse().unwrap();
    let peer = SocketAddr::new(proxy, 1);
    let ip = client_ip(peer, &[text], &[proxy]);
    let _ = ip.to_string();
    if let Some(route) = Route::of(text) {
        let _ = route.methods();
    }
});
