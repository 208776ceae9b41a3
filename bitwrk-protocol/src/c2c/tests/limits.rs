//! Limits, timeouts and content types against the spec's tables.

use super::*;

// ---------------------------------------------------------------- limits, content types

/// The rows `| name | value | code |` of the spec table after `heading`.
fn spec_table(heading: &str) -> Vec<Vec<String>> {
    let spec = include_str!("../../../../spec/19-client-transfer.md");
    let at = spec.find(heading).expect("heading in spec §19");
    spec[at..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn limits_are_the_spec_table() {
    // BW-C2C-31: the code's limits are the table's, and each is enforced
    // with the table's code.
    let rows = spec_table("**[BW-C2C-31]**");
    let want = |name: &str| -> (u64, String) {
        let r = rows
            .iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name}"));
        (r[1].parse().unwrap_or(0), r[2].trim_matches('`').to_owned())
    };
    let check = |name: &str, ours: u64, code: &str| {
        let (v, c) = want(name);
        assert_eq!((v, c.as_str()), (ours, code), "{name}");
    };
    check(
        "linear work",
        MAX_LINEAR_WORK,
        SellerTransfer::linear_digest()
            .update(&vec![0; MAX_LINEAR_WORK as usize + 1])
            .unwrap_err()
            .code(),
    );
    check(
        "`syncinfojson` part",
        syncinfo::MAX_SYNCINFO_JSON as u64,
        SyncInfo::from_json(&vec![b' '; syncinfo::MAX_SYNCINFO_JSON + 1])
            .unwrap_err()
            .code(),
    );
    check(
        "`a32chunks` part",
        syncinfo::MAX_LEGACY_STREAM as u64,
        SyncInfo::from_legacy(&vec![0; syncinfo::MAX_LEGACY_STREAM + 1])
            .unwrap_err()
            .code(),
    );
    let many = vec![
        ChunkInfo {
            key: sha256(b"x"),
            size: 1
        };
        syncinfo::MAX_TRANSFER_CHUNKS + 1
    ];
    check(
        "chunks per work",
        syncinfo::MAX_TRANSFER_CHUNKS as u64,
        SyncInfo::new(many, Permutation::trivial())
            .unwrap_err()
            .code(),
    );
    let big = ChunkInfo {
        key: sha256(b"x"),
        size: chunking::MAX_CHUNK as u32 + 1,
    };
    check(
        "chunk size",
        chunking::MAX_CHUNK as u64,
        SyncInfo::new(vec![big], Permutation::trivial())
            .unwrap_err()
            .code(),
    );
    check(
        "permutation length",
        shuffle::MAX_PERMUTATION as u64,
        Permutation::new((0..1025).collect()).unwrap_err().code(),
    );
    check(
        "receipt form",
        receipt::MAX_RECEIPT_FORM as u64,
        Receipt::from_form(&[b'a'; 513]).unwrap_err().code(),
    );
    let mut long = b"{}".to_vec();
    long.resize(probe::MAX_PROBE_BODY + 1, b' ');
    check(
        "probe answer (buyer)",
        probe::MAX_PROBE_BODY as u64,
        Capabilities::parse(&long).unwrap_err().code(),
    );
    // Exactly at the limits, accepted.
    assert!(
        SellerTransfer::linear_digest()
            .update(&vec![0; MAX_LINEAR_WORK as usize])
            .is_ok()
    );
    assert!(Permutation::new((0..1024).collect()).is_ok());
}

#[test]
fn timeouts_are_the_spec_table() {
    // BW-C2C-32
    let rows = spec_table("| Timeout | Seconds |");
    let got: Vec<(String, u64)> = rows
        .iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("connect".to_owned(), timeouts::CONNECT),
            ("assist answer headers".to_owned(), timeouts::ASSIST_HEADERS),
            ("request".to_owned(), timeouts::REQUEST),
        ]
    );
}

#[test]
fn content_types() {
    // BW-C2C-34, BW-C2C-23
    assert_eq!(body_kind(parts::FORM).unwrap(), BodyKind::Form);
    assert_eq!(
        body_kind("application/x-www-form-urlencoded; charset=utf-8").unwrap(),
        BodyKind::Form
    );
    assert_eq!(
        body_kind("multipart/form-data; boundary=\"abc\"").unwrap(),
        BodyKind::Multipart {
            boundary: "abc".into()
        }
    );
    assert_eq!(
        body_kind("Multipart/Form-Data; BOUNDARY=x").unwrap(),
        BodyKind::Multipart {
            boundary: "x".into()
        }
    );
    for bad in [
        "multipart/form-data",
        "multipart/mixed; boundary=x",
        "text/plain",
        "",
        "multipart/form-data; boundary=",
    ] {
        assert_eq!(
            body_kind(bad).unwrap_err().code(),
            "c2c.unexpected",
            "{bad}"
        );
    }
}

#[test]
fn gzip_offer_never_changes_the_mode() {
    // BW-C2C-33: the seller offers gzip (and so must accept it); for the
    // buyer it is only a permission.
    assert!(
        Capabilities::parse(probe::OPTIONS_BODY.as_bytes())
            .unwrap()
            .gzip
    );
    for (chunking, syncinfo) in [(true, true), (true, false), (false, true), (false, false)] {
        let with = Capabilities {
            chunking,
            gzip: true,
            syncinfo,
        };
        let without = Capabilities {
            gzip: false,
            ..with
        };
        assert_eq!(
            Mode::choose(true, Some(&with)),
            Mode::choose(true, Some(&without))
        );
    }
}
