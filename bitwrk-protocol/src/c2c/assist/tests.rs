use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::error::ErrorCode;
use crate::hash::sha256;

fn key(first: u8) -> Hash256 {
    let mut k = [0x55u8; 32];
    k[0] = first;
    Hash256::from_byte_array(k)
}

fn chunks(firsts: &[u8]) -> Vec<ChunkInfo> {
    firsts
        .iter()
        .map(|&f| ChunkInfo {
            key: key(f),
            size: 1000,
        })
        .collect()
}

#[test]
fn tickets_are_128_bit_and_distinct() {
    // BW-C2C-36
    let mut rng = StdRng::seed_from_u64(7);
    let a = Ticket::generate(&mut rng);
    let b = Ticket::generate(&mut rng);
    assert_ne!(a, b);
    assert_eq!(a.to_string().len(), 32);
    assert_eq!(Ticket::parse(&a.to_string()), Ok(a));
    assert_eq!(
        Ticket::parse("00000000").unwrap_err().code(),
        "c2c.bad-ticket"
    );
    assert_eq!(
        Ticket::parse(&a.to_string().to_uppercase())
            .unwrap_err()
            .code(),
        "c2c.bad-ticket"
    );
    assert!(!format!("{a:?}").contains(&a.to_string()));
}

#[test]
fn ticket_header_is_a_json_array_of_ticket_urls() {
    // BW-C2C-36
    let mut rng = StdRng::seed_from_u64(1);
    let t = [Ticket::generate(&mut rng), Ticket::generate(&mut rng)];
    let url = "http://127.0.0.1:8082/00112233445566778899aabbccddeeff";
    let mut seen_first = BTreeSet::new();
    for _ in 0..32 {
        let h = ticket_header(url, &t, &mut rng);
        let urls = parse_ticket_header(h.as_bytes()).unwrap();
        assert_eq!(urls.len(), 2);
        let mut sorted = urls.clone();
        sorted.sort();
        let mut want: Vec<String> = t.iter().map(|t| format!("{url}/assist/{t}")).collect();
        want.sort();
        assert_eq!(sorted, want);
        seen_first.insert(urls[0].clone());
    }
    assert_eq!(seen_first.len(), 2, "both orders occur");
    assert_eq!(
        parse_ticket_header(b"{\"a\":1}").unwrap_err().code(),
        "c2c.bad-assist-url"
    );
    let long = format!("[\"{}\"]", "a".repeat(2000));
    assert!(parse_ticket_header(long.as_bytes()).unwrap().is_empty());
}

#[test]
fn assist_syncinfo_is_the_shuffled_order_with_trivial_perm() {
    // BW-C2C-37
    let cs = chunks(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    let perm = Permutation::random(5, &mut StdRng::seed_from_u64(3));
    let sync = SyncInfo::new(cs.clone(), perm).unwrap();
    let a = assist_syncinfo(&sync).unwrap();
    let want: Vec<ChunkInfo> = sync
        .shuffled_indices()
        .into_iter()
        .flatten()
        .map(|i| cs[i])
        .collect();
    assert_eq!(a.chunks(), &want[..]);
    assert_ne!(a.chunks(), &cs[..], "the order is the shuffled one");
    assert_eq!(a.perm().as_slice(), &[0]);
    assert!(a.to_json().ends_with(b"\"Perm\":[0]}\n"));
}

#[test]
fn handprints_match_on_three_of_four() {
    // BW-C2C-40 (0.7's own cases, fingers written as the first key byte)
    let h = |f: &[u8]| Handprint::of(&chunks(f));
    assert!(h(&[1, 2, 3, 4]).matches(&h(&[2, 3, 4, 5])));
    assert!(!h(&[1, 2, 3, 4]).matches(&h(&[3, 4, 5, 6])));
    // The four smallest distinct keys, in any order, repeated or not.
    assert_eq!(h(&[9, 4, 4, 1, 7, 3, 2, 8]), h(&[1, 2, 3, 4]));
    assert!(h(&[9, 4, 1, 7, 3, 2, 8]).matches(&h(&[4, 3, 2, 1])));
    // Fewer than four distinct keys: no handprint, no match (0.7 bug 16).
    assert_eq!(h(&[1, 2, 3, 3, 3]).fingers(), None);
    assert!(!h(&[1, 2, 3]).matches(&h(&[1, 2, 3])));
    assert!(!h(&[1, 2, 3]).matches(&h(&[1, 2, 3, 4])));
    assert!(h(&[1, 2, 3, 4]).matches(&h(&[1, 2, 3, 4])));
}

#[test]
fn pool_grants_like_0_7() {
    // BW-C2C-41
    let same = Handprint::of(&chunks(&[1, 2, 3, 4]));
    let other = Handprint::of(&chunks(&[7, 8, 9, 10]));
    let mut p: TicketPool<&str> = TicketPool::new();
    assert!(p.init_node("a", same).is_empty());
    // No other node: the tickets are pooled, never granted to the source.
    assert_eq!(p.new_ticket("t1".into(), "a"), None);
    assert_eq!(p.new_ticket("t2".into(), "a"), None);
    assert_eq!(
        p.new_ticket("t2".into(), "a"),
        None,
        "a duplicate is ignored"
    );
    assert_eq!(p.pooled(), 2);
    // A ticket of an unknown source is ignored.
    assert_eq!(p.new_ticket("t9".into(), "z"), None);
    assert_eq!(p.pooled(), 2);
    // A non-matching node gets nothing.
    assert!(p.init_node("x", other).is_empty());
    // A matching node gets one ticket of the source (one edge per pair).
    let g = p.init_node("b", same);
    assert_eq!(
        g,
        vec![Grant {
            node: "b",
            ticket: "t1".into()
        }]
    );
    assert_eq!(p.pooled(), 1);
    // A new ticket of b goes to a (matching, interested, no edge b→a).
    assert_eq!(
        p.new_ticket("u1".into(), "b"),
        Some(Grant {
            node: "a",
            ticket: "u1".into()
        })
    );
    // The second one finds no node: a has its edge from b, b is the source.
    assert_eq!(p.new_ticket("u2".into(), "b"), None);
    // A node that is no longer interested gets nothing.
    p.set_interested(&"c", true);
    assert!(p.init_node("c", same).len() == 2);
    p.set_interested(&"c", false);
    p.exit_node(&"a");
    assert_eq!(p.pooled(), 0, "c took t2 and u2; nothing of a is left");
    let g = p.init_node("d", same);
    assert!(g.is_empty());
    // c is not interested; b is and has no edge from d.
    assert_eq!(
        p.new_ticket("v1".into(), "d"),
        Some(Grant {
            node: "b",
            ticket: "v1".into()
        })
    );
    p.set_interested(&"b", false);
    assert_eq!(p.new_ticket("v2".into(), "d"), None, "nobody is interested");
    assert_eq!(p.pooled(), 1);
    assert_eq!(p.nodes(), 4);
    // Exiting removes the node's unspent tickets and edges.
    p.exit_node(&"d");
    assert_eq!(p.pooled(), 0);
}

#[test]
fn assist_urls_parse_only_in_the_strict_grammar() {
    // BW-C2C-38
    let ok = parse_assist_url(b"http://192.0.2.7:8082/0a1b2c3d/assist/00000001").unwrap();
    assert_eq!(ok.ip, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)));
    assert_eq!(ok.port, 8082);
    let v6 = parse_assist_url(
        b"http://[2001:db8::1]/00112233445566778899aabbccddeeff/assist/00112233445566778899aabbccddeeff",
    )
    .unwrap();
    assert_eq!(v6.port, 80);
    for bad in [
        &b"https://192.0.2.7:8082/0a1b2c3d/assist/00"[..],
        b"http://example.com:8082/0a1b2c3d/assist/00",
        b"http://192.0.2.7:8082/0a1b2c3d/assist/0",
        b"http://192.0.2.7:8082/0a1b2c3d/assist/00?x=1",
        b"http://192.0.2.7:8082/0a1b2c3d/assist/00#f",
        b"http://u@192.0.2.7:8082/0a1b2c3d/assist/00",
        b"http://192.0.2.7:0/0a1b2c3d/assist/00",
        b"http://192.0.2.7:99999/0a1b2c3d/assist/00",
        b"http://192.0.2.7:/0a1b2c3d/assist/00",
        b"http://192.0.2.7:8082/0A1B2C3D/assist/00",
        b"http://192.0.2.7:8082/x/0a1b2c3d/assist/00",
        b"http://192.0.2.7:8082/0a1b2c3d/assist/00/",
        b"http://192.0.2.7:8082/0a1b2c3d/other/00",
        b"http://192.0.2.7:8082/0a1b2c3d/assist/%30%30",
        b"http://192.0.2.7",
        b"http://[::1/0a1b2c3d/assist/00",
        b"http://0x7f.1:80/0a1b2c3d/assist/00",
        b"http://192.0.2.7:8082/0a1b2c3d/assist/\xff\xfe",
    ] {
        assert_eq!(
            parse_assist_url(bad).unwrap_err().code(),
            "c2c.bad-assist-url",
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let long = format!(
        "http://192.0.2.7:8082/0a1b2c3d/assist/{}",
        "00".repeat(MAX_ASSIST_URL)
    );
    assert!(parse_assist_url(long.as_bytes()).is_err());
    let t65 = format!("http://192.0.2.7:8082/0a1b2c3d/assist/{}", "00".repeat(33));
    assert!(parse_assist_url(t65.as_bytes()).is_err());
}

#[test]
fn admission_by_address_class() {
    // BW-C2C-38
    use AddrClass::*;
    let class = |s: &str| AddrClass::of(s.parse().unwrap());
    assert_eq!(class("0.0.0.0"), Unspecified);
    assert_eq!(class("::"), Unspecified);
    assert_eq!(class("255.255.255.255"), NotUnicast);
    assert_eq!(class("224.0.0.1"), NotUnicast);
    assert_eq!(class("ff02::1"), NotUnicast);
    assert_eq!(class("240.0.0.1"), NotUnicast);
    assert_eq!(class("127.0.0.1"), Loopback);
    assert_eq!(class("::1"), Loopback);
    assert_eq!(class("::ffff:127.0.0.1"), Loopback);
    assert_eq!(class("10.1.2.3"), Private);
    assert_eq!(class("172.16.0.1"), Private);
    assert_eq!(class("192.168.1.1"), Private);
    assert_eq!(class("169.254.1.1"), Private);
    assert_eq!(class("100.64.0.1"), Private);
    assert_eq!(class("fd00::1"), Private);
    assert_eq!(class("fe80::1"), Private);
    assert_eq!(class("8.8.8.8"), Public);
    assert_eq!(class("2001:4860::8888"), Public);
    let url = |host: &str| {
        parse_assist_url(format!("http://{host}:8082/0a1b2c3d/assist/00").as_bytes()).unwrap()
    };
    for own in [Loopback, Private, Public] {
        assert!(admit(&url("0.0.0.0"), own).is_err());
        assert!(admit(&url("255.255.255.255"), own).is_err());
        assert!(admit(&url("8.8.8.8"), own).is_ok());
    }
    assert!(admit(&url("127.0.0.1"), Loopback).is_ok());
    assert!(admit(&url("127.0.0.1"), Private).is_err());
    assert!(admit(&url("127.0.0.1"), Public).is_err());
    assert!(admit(&url("[::ffff:127.0.0.1]"), Public).is_err());
    assert!(admit(&url("10.0.0.1"), Private).is_ok());
    assert!(admit(&url("10.0.0.1"), Loopback).is_err());
    assert!(admit(&url("10.0.0.1"), Public).is_err());
    assert_eq!(
        admit(&url("10.0.0.1"), Public).unwrap_err().code(),
        "c2c.bad-assist-url"
    );
    assert_eq!(own_class("http://127.0.0.1:8082/"), Loopback);
    assert_eq!(own_class("http://[::1]:8082/"), Loopback);
    assert_eq!(own_class("http://192.168.0.2:8082/"), Private);
    assert_eq!(own_class("http://myhost.example:8082/"), Public);
}

#[test]
fn only_long_keys_take_a_secret() {
    // BW-C2C-42
    assert!(takes_secret_with_ticket(
        "http://127.0.0.1:1/00112233445566778899aabbccddeeff"
    ));
    assert!(!takes_secret_with_ticket("http://127.0.0.1:1/0a1b2c3d"));
    assert!(!takes_secret_with_ticket(
        "http://127.0.0.1:1/00112233445566778899AABBCCDDEEFF"
    ));
    let _ = sha256(b"");
}
