//! Who the client is: the TCP peer, or — only when the peer is a configured
//! trusted proxy — the address `X-Forwarded-For` names (spec §16, the
//! worker-URL origin check of BW-TX-13 and `/myip`).

use std::net::{IpAddr, SocketAddr};

/// The client's address for the origin check. Without trusted proxies it is
/// the TCP peer. When the peer is a trusted proxy, the `X-Forwarded-For`
/// members are read from the right, skipping trusted proxies, and the first
/// other address is the client; a malformed member stops the walk and the
/// last trusted hop is used (never a value the client could have forged).
pub fn client_ip(peer: SocketAddr, forwarded_for: &[&str], trusted: &[IpAddr]) -> IpAddr {
    let mut client = canonical(peer.ip());
    if !trusted.contains(&client) {
        return client;
    }
    let members = forwarded_for
        .iter()
        .rev()
        .flat_map(|h| h.rsplit(',').map(str::trim));
    for member in members {
        match parse_member(member) {
            Some(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// IPv4-mapped IPv6 peers are IPv4 clients.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One member: an IP, possibly bracketed, possibly with a port.
fn parse_member(member: &str) -> Option<IpAddr> {
    if let Ok(ip) = member.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    member.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// The address text the origin check compares with the worker URL's host:
/// BitWrk 0.7's `RemoteAddr` form, `ip:port` or `[ipv6]:port` (the check
/// strips the port).
pub fn remote_addr_text(ip: IpAddr) -> String {
    SocketAddr::new(ip, 0).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn peer_unless_trusted() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(sa("1.2.3.4:5"), &["9.9.9.9"], &[proxy]).to_string(),
            "1.2.3.4"
        );
        assert_eq!(
            client_ip(sa("10.0.0.1:5"), &["9.9.9.9, 8.8.8.8"], &[proxy]).to_string(),
            "8.8.8.8"
        );
        assert_eq!(
            client_ip(sa("10.0.0.1:5"), &["9.9.9.9", "10.0.0.1"], &[proxy]).to_string(),
            "9.9.9.9"
        );
        assert_eq!(
            client_ip(sa("10.0.0.1:5"), &["junk"], &[proxy]).to_string(),
            "10.0.0.1"
        );
        assert_eq!(
            client_ip(sa("10.0.0.1:5"), &["[::1]:80"], &[proxy]).to_string(),
            "::1"
        );
        assert_eq!(
            client_ip(sa("[::ffff:1.2.3.4]:5"), &[], &[]).to_string(),
            "1.2.3.4"
        );
        assert_eq!(remote_addr_text("::1".parse().unwrap()), "[::1]:0");
    }

    proptest! {
        #[test]
        fn never_panics(h in any::<String>(), g in "[0-9.,: \\[\\]a-f]{0,40}") {
            let proxy: IpAddr = "127.0.0.1".parse().unwrap();
            let _ = client_ip(sa("127.0.0.1:1"), &[&h, &g], &[proxy]);
        }
    }
}
