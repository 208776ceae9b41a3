//! Who the client is: the TCP peer, or — only when the peer is a configured
//! trusted proxy — the address `X-Forwarded-For` names (spec §16, the
//! worker-URL origin check of BW-TX-13 and `/myip`).

use std::net::{IpAddr, SocketAddr};

/// A malformed `X-Forwarded-For` element from a trusted proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadForwardedFor {
    /// The element.
    pub element: String,
}

/// The peer address of a request (BW-HTTP-41, BW-HTTP-42): the TCP peer,
/// unless it is a trusted proxy; then the `X-Forwarded-For` elements (all
/// header lines joined) are read from the right, and the first element
/// that is not a trusted proxy is the peer address, or the leftmost one if
/// all are. An unparseable element met on the way is refused. IPv4-mapped
/// IPv6 addresses are IPv4 addresses.
pub fn client_ip(
    peer: SocketAddr,
    forwarded_for: &[&str],
    trusted: &[IpAddr],
) -> Result<IpAddr, BadForwardedFor> {
    let mut client = canonical(peer.ip());
    if !trusted.contains(&client) {
        return Ok(client);
    }
    let members = forwarded_for
        .iter()
        .rev()
        .flat_map(|h| h.rsplit(',').map(str::trim));
    for member in members {
        let ip = parse_member(member).ok_or_else(|| BadForwardedFor {
            element: member.to_owned(),
        })?;
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    Ok(client)
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

/// The host text of an address (BW-HTTP-41): dotted decimal, or RFC 5952
/// for IPv6 (Rust's `Display` of `Ipv6Addr` is RFC 5952), no brackets.
pub fn host_text(ip: IpAddr) -> String {
    canonical(ip).to_string()
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

    // BW-HTTP-41, BW-HTTP-42
    #[test]
    fn peer_unless_trusted() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let ip = |peer: &str, h: &[&str]| client_ip(sa(peer), h, &[proxy]).map(|i| i.to_string());
        assert_eq!(ip("1.2.3.4:5", &["9.9.9.9"]).unwrap(), "1.2.3.4");
        assert_eq!(ip("1.2.3.4:5", &["junk"]).unwrap(), "1.2.3.4");
        assert_eq!(ip("10.0.0.1:5", &["9.9.9.9, 8.8.8.8"]).unwrap(), "8.8.8.8");
        assert_eq!(
            ip("10.0.0.1:5", &["9.9.9.9", "10.0.0.1"]).unwrap(),
            "9.9.9.9"
        );
        assert_eq!(ip("10.0.0.1:5", &["10.0.0.1"]).unwrap(), "10.0.0.1");
        assert_eq!(ip("10.0.0.1:5", &[]).unwrap(), "10.0.0.1");
        assert_eq!(ip("10.0.0.1:5", &["[::1]:80"]).unwrap(), "::1");
        assert_eq!(ip("10.0.0.1:5", &["1.1.1.1:4711"]).unwrap(), "1.1.1.1");
        assert!(ip("10.0.0.1:5", &["junk"]).is_err());
        assert_eq!(ip("10.0.0.1:5", &["junk, 2.2.2.2"]).unwrap(), "2.2.2.2");
        assert_eq!(
            client_ip(sa("[::ffff:1.2.3.4]:5"), &[], &[])
                .unwrap()
                .to_string(),
            "1.2.3.4"
        );
        assert_eq!(remote_addr_text("::1".parse().unwrap()), "[::1]:0");
        assert_eq!(
            host_text("2001:db8:0:0:0:0:0:7".parse().unwrap()),
            "2001:db8::7"
        );
    }

    proptest! {
        #[test]
        fn never_panics(h in any::<String>(), g in "[0-9.,: \\[\\]a-f]{0,40}") {
            let proxy: IpAddr = "127.0.0.1".parse().unwrap();
            let _ = client_ip(sa("127.0.0.1:1"), &[&h, &g], &[proxy]);
        }
    }
}
