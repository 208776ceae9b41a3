use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::KeyPair;
use crate::error::ErrorCode;
use crate::hash::{sha256, sha256_concat};

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

fn bytes(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(sha256(&[seed, &i.to_be_bytes()].concat()).as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

fn buyer_key() -> KeyPair {
    KeyPair::from_wif("L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu").unwrap()
}

// ---------------------------------------------------------------- shuffle

/// BitWrk 0.7's shuffle simulated literally: slots keep their values (a
/// copy is read), placeholders are `None`.
fn go_shuffle(perm: &[u32], items: &[u32]) -> Vec<Option<u32>> {
    let k = perm.len();
    let mut buf: Vec<Option<u32>> = vec![None; k];
    let mut idx = 0;
    let mut out = Vec::new();
    let inputs = items.iter().map(|&v| Some(v)).chain((1..k).map(|_| None));
    for v in inputs {
        let i = idx;
        idx = (idx + 1) % k;
        buf[perm[i] as usize] = v;
        out.push(buf[i]);
    }
    out
}

#[test]
fn shuffle_matches_copying_simulation_and_inverts() {
    // BW-C2C-11, BW-C2C-12, BW-C2C-13
    let mut r = rng(1);
    for k in [1usize, 2, 3, 7, 256] {
        let p = Permutation::random(k, &mut r);
        for n in [0usize, 1, 5, 300] {
            let items: Vec<u32> = (0..n as u32).collect();
            let s = shuffle::shuffle(&p, items.iter().copied());
            assert_eq!(s, go_shuffle(p.as_slice(), &items), "k={k} n={n}");
            assert_eq!(s.len(), n + k - 1);
            assert_eq!(s.iter().flatten().count(), n);
            assert_eq!(shuffle::unshuffle(&p, s), items);
        }
    }
    // The inverse formula on a fixed permutation.
    let p = Permutation::new(vec![2, 0, 1]).unwrap();
    assert_eq!(p.inverse().as_slice(), &[0, 1, 2]);
    assert_eq!(
        shuffle::shuffle(&p, [10, 11, 12, 13]),
        [None, None, Some(10), Some(11), Some(12), Some(13)]
    );
    let p = Permutation::new(vec![1, 0]).unwrap();
    assert_eq!(p.inverse().as_slice(), &[0, 1]);
    assert_eq!(
        shuffle::shuffle(&p, [10, 11, 12]),
        [None, Some(10), Some(11), Some(12)]
    );
    let p = Permutation::new(vec![0, 2, 1]).unwrap();
    assert_eq!(p.inverse().as_slice(), &[2, 1, 0]);
    let s = shuffle::shuffle(&p, [10, 11, 12, 13]);
    assert_eq!(s, [Some(10), None, Some(11), Some(13), Some(12), None]);
    assert_eq!(shuffle::unshuffle(&p, s), [10, 11, 12, 13]);
    // The trivial permutation does not reorder.
    assert_eq!(
        shuffle::shuffle(&Permutation::trivial(), [1, 2]),
        [Some(1), Some(2)]
    );
}

#[test]
fn permutations_are_checked() {
    // BW-C2C-10
    for bad in [vec![], vec![1], vec![0, 0], vec![0, 2], vec![0; 1025]] {
        assert_eq!(
            Permutation::new(bad).unwrap_err().code(),
            "c2c.bad-permutation"
        );
    }
    let p = Permutation::random(256, &mut rng(2));
    assert!(Permutation::new(p.as_slice().to_vec()).is_ok());
    assert_ne!(p, Permutation::random(256, &mut rng(3)));
}

// ---------------------------------------------------------------- varint

#[test]
fn varint_encoding() {
    // BW-C2C-14: 1000 is d0 0f (BitWrk 0.7 reference, §6.5).
    assert_eq!(varint::to_vec(1000), [0xd0, 0x0f]);
    assert_eq!(varint::to_vec(0), [0]);
    assert_eq!(varint::to_vec(-1), [1]);
    assert_eq!(varint::to_vec(63), [0x7e]);
    assert_eq!(varint::to_vec(64), [0x80, 0x01]);
    assert_eq!(varint::to_vec(131_072), [0x80, 0x80, 0x10]);
    assert_eq!(varint::to_vec(i64::MIN).len(), 10);
    for v in [0i64, 1, -1, 1000, 131_072, i64::MAX, i64::MIN, -65] {
        let e = varint::to_vec(v);
        assert_eq!(varint::decode(&e).unwrap(), (v, e.len()));
    }
    // Non-minimal encodings are read as Go reads them.
    assert_eq!(varint::decode(&[0x80, 0x00]).unwrap(), (0, 2));
    assert_eq!(
        varint::decode(&[0xff; 10]).unwrap_err().code(),
        "c2c.bad-varint"
    );
    assert_eq!(
        varint::decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
            .unwrap_err()
            .code(),
        "c2c.bad-varint"
    );
    assert_eq!(varint::decode(&[0x80]).unwrap_err().code(), "c2c.truncated");
}

// ---------------------------------------------------------------- wishlist

#[test]
fn wishlist_bits() {
    // BW-C2C-15
    let bits = [true, false, true, true, false, false, false, false, true];
    let w = wishlist::encode(&bits);
    assert_eq!(w, [0b1011_0000, 0b1000_0000]);
    assert_eq!(wishlist::decode(&w, 9).unwrap(), bits);
    assert!(!wishlist::decode(&w, 10).unwrap()[9]);
    assert_eq!(
        wishlist::decode(&w, 17).unwrap_err().code(),
        "c2c.wishlist-length"
    );
    assert_eq!(
        wishlist::decode(&[0x01], 7).unwrap_err().code(),
        "c2c.wishlist-padding"
    );
    assert_eq!(wishlist::decode(&[], 0).unwrap(), Vec::<bool>::new());
    let shuffled = [None, Some(0), Some(1)];
    assert_eq!(
        chunkstream::requested(&shuffled, &[true, false, true]).unwrap_err(),
        C2cError::WishlistPlaceholder { position: 0 }
    );
    assert_eq!(
        chunkstream::requested(&shuffled, &[false, false, true]).unwrap(),
        [1]
    );
}

// ---------------------------------------------------------------- syncinfo

#[test]
fn syncinfo_json_bytes() {
    // BW-C2C-9
    let c = ChunkInfo {
        key: sha256(b"a"),
        size: 1,
    };
    let s = SyncInfo::new(vec![c, c], Permutation::new(vec![1, 0]).unwrap()).unwrap();
    let json = String::from_utf8(s.to_json()).unwrap();
    assert_eq!(
        json,
        format!(
            "{{\"Chunks\":[{{\"Key\":\"{k}\",\"Size\":1}},{{\"Key\":\"{k}\",\"Size\":1}}],\"Perm\":[1,0]}}\n",
            k = sha256(b"a")
        )
    );
    assert_eq!(SyncInfo::from_json(json.as_bytes()).unwrap(), s);
    assert_eq!(s.total_size(), 2);
}

#[test]
fn syncinfo_refusals() {
    // BW-C2C-9, BW-C2C-10, BW-C2C-4 (too many chunks, below)
    let k = sha256(b"a").to_string();
    let cases: &[(String, &str)] = &[
        ("{".into(), "c2c.bad-syncinfo"),
        ("{\"Chunks\":[],\"Perm\":[0]}".into(), "c2c.bad-syncinfo"),
        ("{\"Chunks\":null,\"Perm\":[0]}".into(), "c2c.bad-syncinfo"),
        (
            format!("{{\"Chunks\":[{{\"Key\":\"{k}\",\"Size\":1}}]}}"),
            "c2c.bad-permutation",
        ),
        (
            format!("{{\"Chunks\":[{{\"Key\":\"{k}\",\"Size\":1}}],\"Perm\":[]}}"),
            "c2c.bad-permutation",
        ),
        (
            format!("{{\"Chunks\":[{{\"Key\":\"{k}\",\"Size\":1}}],\"Perm\":[0,0]}}"),
            "c2c.bad-permutation",
        ),
        (
            format!("{{\"Chunks\":[{{\"Key\":\"{k}\",\"Size\":1}}],\"Perm\":[5000000000]}}"),
            "c2c.bad-permutation",
        ),
        (
            format!("{{\"Chunks\":[{{\"Key\":\"{k}00\",\"Size\":1}}],\"Perm\":[0]}}"),
            "c2c.bad-chunk-key",
        ),
        (
            format!(
                "{{\"Chunks\":[{{\"Key\":\"{}\",\"Size\":1}}],\"Perm\":[0]}}",
                k.to_uppercase()
            ),
            "c2c.bad-chunk-key",
        ),
        (
            format!("{{\"Chunks\":[{{\"Key\":\"{k}\",\"Size\":0}}],\"Perm\":[0]}}"),
            "c2c.bad-chunk-size",
        ),
        (
            format!("{{\"Chunks\":[{{\"Key\":\"{k}\",\"Size\":131073}}],\"Perm\":[0]}}"),
            "c2c.bad-chunk-size",
        ),
        (
            format!("{{\"Chunks\":[{{\"Key\":\"{k}\",\"Size\":-1}}],\"Perm\":[0]}}"),
            "c2c.bad-syncinfo",
        ),
    ];
    for (doc, code) in cases {
        assert_eq!(
            SyncInfo::from_json(doc.as_bytes()).unwrap_err().code(),
            *code,
            "{doc}"
        );
    }
    let big = vec![b' '; syncinfo::MAX_SYNCINFO_JSON + 1];
    assert_eq!(
        SyncInfo::from_json(&big).unwrap_err().code(),
        "c2c.too-large"
    );
    let many = vec![
        ChunkInfo {
            key: sha256(b"x"),
            size: 1
        };
        syncinfo::MAX_TRANSFER_CHUNKS + 1
    ];
    assert_eq!(
        SyncInfo::new(many, Permutation::trivial())
            .unwrap_err()
            .code(),
        "c2c.too-many-chunks"
    );
}

#[test]
fn legacy_stream() {
    // BW-C2C-16
    let c1 = ChunkInfo {
        key: sha256(b"1"),
        size: 1000,
    };
    let c2 = ChunkInfo {
        key: sha256(b"2"),
        size: 5,
    };
    let s = SyncInfo::new(vec![c1, c2], Permutation::trivial()).unwrap();
    let l = s.to_legacy();
    assert_eq!(l.len(), 32 + 2 + 32 + 1);
    assert_eq!(&l[32..34], &[0xd0, 0x0f]);
    assert_eq!(SyncInfo::from_legacy(&l).unwrap(), s);
    assert_eq!(
        SyncInfo::from_legacy(&l[..40]).unwrap_err().code(),
        "c2c.truncated"
    );
    assert_eq!(
        SyncInfo::from_legacy(&l[..33]).unwrap_err().code(),
        "c2c.truncated"
    );
    assert_eq!(
        SyncInfo::from_legacy(&[]).unwrap_err().code(),
        "c2c.bad-syncinfo"
    );
    let mut neg = l[..32].to_vec();
    neg.push(1); // -1
    assert_eq!(
        SyncInfo::from_legacy(&neg).unwrap_err().code(),
        "c2c.bad-chunk-size"
    );
}

// ---------------------------------------------------------------- chunk streams

#[test]
fn chunk_data_reader() {
    // BW-C2C-17, BW-C2C-18
    let a = bytes(b"a", 300);
    let b = bytes(b"b", 5);
    let info = |d: &[u8]| ChunkInfo {
        key: sha256(d),
        size: d.len() as u32,
    };
    let stream = chunkstream::encode([a.as_slice(), b.as_slice()]);
    for split in [1, 3, 1000] {
        let mut r = chunkstream::ChunkDataReader::new(vec![info(&a), info(&b)]);
        let mut got = Vec::new();
        for piece in stream.chunks(split) {
            r.push(piece, &mut |c, d| got.push((c.key, d.to_vec())))
                .unwrap();
        }
        r.finish().unwrap();
        assert_eq!(got, [(sha256(&a), a.clone()), (sha256(&b), b.clone())]);
    }
    let expect = || chunkstream::ChunkDataReader::new(vec![info(&a), info(&b)]);
    let code = |data: &[u8]| {
        let mut r = expect();
        match r.push(data, &mut |_, _| {}) {
            Err(e) => e.code(),
            Ok(()) => r.finish().map(|()| "ok").unwrap_or_else(|e| e.code()),
        }
    };
    assert_eq!(code(&stream), "ok");
    assert_eq!(code(&stream[..stream.len() - 1]), "c2c.truncated");
    assert_eq!(code(&stream[..302]), "c2c.truncated");
    assert_eq!(
        code(&[stream.as_slice(), &[0]].concat()),
        "c2c.unsolicited-data"
    );
    let mut wrong = stream.clone();
    wrong[5] ^= 1;
    assert_eq!(code(&wrong), "c2c.unexpected-chunk");
    assert_eq!(
        code(&chunkstream::encode([b.as_slice()])),
        "c2c.unexpected-chunk"
    );
    assert_eq!(code(&[0x81, 0x80, 0x20]), "c2c.bad-chunk-size");
}

// ---------------------------------------------------------------- crypt

#[test]
fn aes_256_ofb() {
    // BW-C2C-19: NIST SP 800-38A F.4.5 (OFB-AES256.Encrypt), first block.
    let key: ResultKey = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
        .parse()
        .unwrap();
    let iv: [u8; 16] = core::array::from_fn(|i| i as u8);
    let mut block: [u8; 16] =
        crate::encoding::hex::decode_array("6bc1bee22e409f96e93d7e117393172a").unwrap();
    ResultCipher::with_iv(&key, &iv).apply(&mut block);
    assert_eq!(
        crate::encoding::hex::encode(&block),
        "dc7e84bfda79164b7ecd8486985d3860"
    );
    // FIPS-197 C.3: with a zero IV, the first keystream block is AES-256 of
    // zero, so encrypting 00112233…ff's XOR with it is that AES output.
    let k: ResultKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        .parse()
        .unwrap();
    let pt: [u8; 16] =
        crate::encoding::hex::decode_array("00112233445566778899aabbccddeeff").unwrap();
    let mut ks = vec![0u8; 16];
    ResultCipher::with_iv(&k, &pt).apply(&mut ks);
    assert_eq!(
        crate::encoding::hex::encode(&ks),
        "8ea2b7ca516745bfeafc49904b496089"
    );
    // Stream in pieces == all at once; decrypting restores.
    let data = bytes(b"result", 1000);
    let whole = crypt::apply(&k, &data);
    let mut c = k.cipher();
    let mut pieces = data.clone();
    for p in pieces.chunks_mut(7) {
        c.apply(p);
    }
    assert_eq!(pieces, whole);
    assert_eq!(crypt::apply(&k, &whole), data);
    // BW-C2C-20: keys come from the RNG, fresh each time.
    let mut r = rng(4);
    assert_ne!(ResultKey::generate(&mut r), ResultKey::generate(&mut r));
    assert_eq!(format!("{k:?}"), "ResultKey(…)");
}

// ---------------------------------------------------------------- receipt

#[test]
fn receipts() {
    // BW-C2C-22, BW-C2C-23, BW-C2C-24
    let kp = buyer_key();
    let h = sha256(b"ciphertext");
    let r = Receipt::sign(kp.private_key(), h);
    let form = r.to_form();
    assert!(form.starts_with(&format!("encresulthash={h}&encresulthashsig=")));
    let escaped = form.split_once("&encresulthashsig=").unwrap().1;
    assert!(!escaped.contains(['+', '=', '/']), "{escaped}");
    let back = Receipt::from_form(form.as_bytes()).unwrap();
    assert_eq!(back, r);
    assert!(back.clone().verify(kp.address(), &h).is_ok());
    assert_eq!(
        back.clone()
            .verify(kp.address(), &sha256(b"other"))
            .unwrap_err()
            .code(),
        "c2c.receipt-hash-mismatch"
    );
    let other = KeyPair::from_wif("5KJvsngHeMpm884wtkJNzQGaCErckhHJBGFsvd3VyK5qMZXj3hS").unwrap();
    assert_eq!(
        back.verify(other.address(), &h).unwrap_err().code(),
        "c2c.receipt-signature"
    );
    let sig = form.split_once("&").unwrap().1;
    for (bad, code) in [
        (sig.to_string(), "c2c.bad-receipt"),
        (format!("{sig}&encresulthash={h}&x=1"), "c2c.bad-receipt"),
        (format!("{form}&encresulthash={h}"), "c2c.duplicate"),
        (
            format!("encresulthash={}&{sig}", h.to_string().to_uppercase()),
            "c2c.bad-receipt",
        ),
        ("encresulthash=%zz".into(), "c2c.bad-receipt"),
        ("a".repeat(600), "c2c.too-large"),
    ] {
        assert_eq!(
            Receipt::from_form(bad.as_bytes()).unwrap_err().code(),
            code,
            "{bad}"
        );
    }
    // Field order does not matter.
    let swapped = format!("{sig}&encresulthash={h}");
    assert_eq!(Receipt::from_form(swapped.as_bytes()).unwrap(), r);
}

// ---------------------------------------------------------------- probe, endpoints

#[test]
fn probe_and_modes() {
    // BW-C2C-5, BW-C2C-6
    let ours = Capabilities::parse(probe::OPTIONS_BODY.as_bytes()).unwrap();
    assert_eq!(ours, Capabilities::ALL);
    assert_eq!(Mode::choose(true, Some(&ours)), Mode::SyncInfo);
    let legacy = Capabilities::parse(br#"{"Adler32Chunking":true}"#).unwrap();
    assert_eq!(Mode::choose(true, Some(&legacy)), Mode::Legacy);
    assert_eq!(Mode::choose(false, Some(&ours)), Mode::Linear);
    assert_eq!(Mode::choose(true, None), Mode::Linear);
    assert_eq!(Capabilities::parse(b"{}").unwrap(), Capabilities::default());
    assert_eq!(
        Capabilities::parse(b"[1]").unwrap_err().code(),
        "c2c.bad-probe"
    );
    assert_eq!(
        Capabilities::parse(br#"{"SyncInfo":"yes"}"#)
            .unwrap_err()
            .code(),
        "c2c.bad-probe"
    );
}

#[test]
fn endpoints() {
    // BW-C2C-25, BW-C2C-26, BW-C2C-27 (assist paths are told apart)
    let mut r = rng(5);
    let k = EndpointKey::generate(&mut r);
    assert_ne!(k, EndpointKey::generate(&mut r));
    let url = k.worker_url("http://1.2.3.4:8082/").unwrap();
    assert_eq!(url.len(), "http://1.2.3.4:8082/".len() + 32);
    let path = &url["http://1.2.3.4:8082".len()..];
    assert_eq!(endpoint::route(path).unwrap(), Route::Main(k));
    assert_eq!(
        endpoint::route(&format!("{path}/x")).unwrap(),
        Route::Main(k)
    );
    assert_eq!(
        endpoint::route(&format!("{path}/assist/00ff")).unwrap(),
        Route::Assist(k, "00ff".into())
    );
    assert_eq!(
        endpoint::route(&format!("{path}/assist/0")).unwrap(),
        Route::Main(k)
    );
    for bad in [
        "/",
        "",
        "/0a1b2c3d",
        "/0a1b2c3d/",
        &path.to_uppercase(),
        &format!("{path}0"),
    ] {
        assert_eq!(
            endpoint::route(bad).unwrap_err().code(),
            "c2c.bad-endpoint",
            "{bad}"
        );
    }
    assert!(k.worker_url("https://h/").is_err());
    assert!(
        k.worker_url(&format!("http://{}/", "h".repeat(240)))
            .is_err()
    );
}

mod limits;
mod transfers;
