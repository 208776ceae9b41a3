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

// ---------------------------------------------------------------- whole transfers

struct World {
    tx: TxView,
    work: Vec<u8>,
    secret: crate::Hash256,
    identity: KeyPair,
}

fn world(work: Vec<u8>) -> World {
    let identity = buyer_key();
    let secret = sha256(b"buyer secret");
    let work_hash = sha256(&work);
    World {
        tx: TxView {
            buyer: *identity.address(),
            work_hash,
            work_secret_hash: sha256_concat(&[work_hash.as_bytes(), secret.as_bytes()]),
        },
        work,
        secret,
        identity,
    }
}

/// Runs a whole transfer between the two state machines; `store` holds the
/// seller's chunks (some may be there already). Returns the plaintext the
/// buyer decrypts and the number of chunks sent.
fn transfer(
    w: &World,
    probe: Option<&[u8]>,
    store: &mut Vec<(crate::Hash256, Vec<u8>)>,
) -> (Vec<u8>, usize) {
    let chunked = ChunkedWork::of(&w.work);
    let mut buyer = BuyerTransfer::new(chunked.clone(), w.secret, 1 << 30).unwrap();
    let mut seller = SellerTransfer::new(ResultKey::generate(&mut rng(9)), 1 << 30);
    let mut req = buyer.start().unwrap();
    if req == BuyerRequest::Probe {
        req = buyer.handle_probe(probe, &mut rng(10)).unwrap();
    }
    let mut sent = 0;
    let have = |store: &Vec<(crate::Hash256, Vec<u8>)>, k: &crate::Hash256| {
        store.iter().any(|(s, _)| s == k)
    };
    match req {
        BuyerRequest::Linear { buyer_secret } => {
            let mut d = SellerTransfer::linear_digest();
            d.update(&w.work).unwrap();
            let r = WorkRequest {
                buyer_secret: Some(buyer_secret.as_bytes()),
                work: Some(d.finish()),
                ..WorkRequest::default()
            };
            assert_eq!(
                seller
                    .handle_work_request(&w.tx, r, &mut |_| false)
                    .unwrap(),
                SellerAnswer::Work
            );
        }
        BuyerRequest::Chunked {
            part,
            body,
            buyer_secret,
            ..
        } => {
            let mut r = WorkRequest {
                buyer_secret: Some(buyer_secret.as_bytes()),
                ..WorkRequest::default()
            };
            if part == parts::SYNCINFO {
                r.syncinfo = Some(&body);
            } else {
                r.a32chunks = Some(&body);
            }
            let snapshot = store.clone();
            assert!(seller.work_chunks().is_empty());
            let SellerAnswer::Wishlist(wl) = seller
                .handle_work_request(&w.tx, r, &mut |k| have(&snapshot, k))
                .unwrap()
            else {
                panic!("wishlist expected")
            };
            // The driver's store keeps the file's chunk list meanwhile.
            assert_eq!(seller.work_chunks(), &chunked.chunks[..]);
            assert_eq!(seller.work_size(), w.work.len() as u64);
            // BW-C2C-35: chunks are released as the wishlist arrives, and
            // the streamed release is exactly the final list.
            let mut streamed = Vec::new();
            for b in wl.chunks(3) {
                streamed.extend(buyer.handle_wishlist_streaming(b).unwrap());
            }
            let BuyerRequest::ChunkData { chunks } = buyer.handle_wishlist_end().unwrap() else {
                panic!("chunk data expected")
            };
            assert_eq!(streamed, chunks);
            sent = chunks.len();
            let offs = chunked.offsets();
            for &i in &chunks {
                let (o, c) = (offs[i] as usize, chunked.chunks[i]);
                let mut piece = chunkstream::entry_header(c.size);
                piece.extend_from_slice(&w.work[o..o + c.size as usize]);
                seller
                    .handle_chunk_data(&piece, &mut |c, d| store.push((c.key, d.to_vec())))
                    .unwrap();
            }
            let order = seller.handle_chunk_data_end().unwrap().to_vec();
            let mut d = seller.assembly_digest();
            for c in order {
                let data = &store.iter().find(|(k, _)| *k == c.key).unwrap().1;
                d.update(data).unwrap();
            }
            seller.handle_assembled(&w.tx, d.finish()).unwrap();
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(seller.buyer_secret(), Some(w.secret));
    // The worker "computes" the reversed work.
    let plain: Vec<u8> = w.work.iter().rev().copied().collect();
    let mut enc = seller.encryptor().unwrap();
    let mut ct = plain.clone();
    for p in ct.chunks_mut(1000) {
        enc.apply(p).unwrap();
    }
    let h = seller.handle_result_sent(enc).unwrap();
    // BW-C2C-21: the answer is the ciphertext, as long as the result.
    assert_eq!(ct.len(), plain.len());
    assert_ne!(ct, plain);
    for p in ct.chunks(333) {
        buyer.handle_result(p).unwrap();
    }
    let BuyerRequest::Receipt { form } = buyer.handle_result_end(w.identity.private_key()).unwrap()
    else {
        panic!("receipt expected")
    };
    assert_eq!(buyer.ciphertext_hash(), Some(h));
    let release = seller.handle_receipt(&w.tx, form.as_bytes()).unwrap();
    assert_eq!(release.hash, sha256(&ct));
    assert_eq!(
        seller
            .handle_receipt(&w.tx, form.as_bytes())
            .unwrap_err()
            .code(),
        "c2c.duplicate"
    );
    buyer.handle_receipt_status(200).unwrap();
    let mut cipher = buyer.handle_key(&release.key).unwrap();
    cipher.apply(&mut ct);
    assert_eq!(buyer.state(), BuyerState::Done);
    (ct, sent)
}

#[test]
fn linear_transfer() {
    // BW-C2C-7, BW-C2C-28
    let w = world(bytes(b"small", 100));
    let (plain, _) = transfer(&w, None, &mut Vec::new());
    assert_eq!(plain, w.work.iter().rev().copied().collect::<Vec<_>>());
    // A chunked file whose probe fails also goes linear.
    let w = world(bytes(b"mid", 300_000));
    let (plain, sent) = transfer(&w, Some(b"not json"), &mut Vec::new());
    assert_eq!(sent, 0);
    assert_eq!(plain.len(), 300_000);
}

#[test]
fn chunked_transfers() {
    // BW-C2C-8, BW-C2C-15, BW-C2C-16, BW-C2C-17, BW-C2C-18
    let mut data = bytes(b"big", 400_000);
    // A repeated region: its chunks are requested once.
    let copy = data[100_000..200_000].to_vec();
    data.extend_from_slice(&copy);
    let w = world(data);
    let n = ChunkedWork::of(&w.work).chunks.len();
    let mut store = Vec::new();
    let (plain, sent) = transfer(&w, Some(probe::OPTIONS_BODY.as_bytes()), &mut store);
    assert_eq!(plain.len(), w.work.len());
    assert!(sent < n, "duplicates not requested: {sent} of {n}");
    // A second transfer of the same work requests nothing: the store has it.
    let (_, again) = transfer(&w, Some(probe::OPTIONS_BODY.as_bytes()), &mut store);
    assert_eq!(again, 0);
    // Legacy mode.
    let (plain, sent) = transfer(
        &w,
        Some(br#"{"Adler32Chunking":true,"GZIPCompression":true}"#),
        &mut Vec::new(),
    );
    assert_eq!(plain.len(), w.work.len());
    assert!(sent > 0);
}

#[test]
fn strangers_cannot_disturb_a_seller() {
    // BW-C2C-29, BW-C2C-30
    let w = world(bytes(b"victim", 300_000));
    let mut seller = SellerTransfer::new(ResultKey::generate(&mut rng(11)), 1 << 20);
    let chunked = ChunkedWork::of(&w.work);
    let sync = SyncInfo::new(
        chunked.chunks.clone(),
        Permutation::random(256, &mut rng(12)),
    )
    .unwrap();
    let json = sync.to_json();
    let wrong = sha256(b"guess").to_string();
    for secret in [Some(wrong.as_bytes()), None, Some(b"zz".as_slice())] {
        let r = WorkRequest {
            buyer_secret: secret,
            syncinfo: Some(&json),
            ..WorkRequest::default()
        };
        let e = seller
            .handle_work_request(&w.tx, r, &mut |_| false)
            .unwrap_err();
        assert!(["c2c.not-buyer", "c2c.unexpected", "c2c.bad-buyer-secret"].contains(&e.code()));
        assert_eq!(seller.state(), SellerState::AwaitingWork);
    }
    // A receipt or chunk data before the work is refused and changes nothing.
    assert_eq!(
        seller.handle_receipt(&w.tx, b"x=1").unwrap_err().code(),
        "c2c.unexpected"
    );
    assert_eq!(
        seller
            .handle_chunk_data(&[1], &mut |_, _| {})
            .unwrap_err()
            .code(),
        "c2c.unexpected"
    );
    // The genuine buyer then succeeds.
    let secret = w.secret.to_string();
    let r = WorkRequest {
        buyer_secret: Some(secret.as_bytes()),
        syncinfo: Some(&json),
        ..WorkRequest::default()
    };
    assert!(matches!(
        seller
            .handle_work_request(&w.tx, r, &mut |_| false)
            .unwrap(),
        SellerAnswer::Wishlist(_)
    ));
    // Bogus chunk data is refused; the real stream afterwards is accepted.
    assert_eq!(
        seller
            .handle_chunk_data(&[0x02, 0, 0], &mut |_, _| {})
            .unwrap_err()
            .code(),
        "c2c.unexpected-chunk"
    );
    let requested = seller.requested().to_vec();
    let offs = chunked.offsets();
    for c in &requested {
        let i = chunked.chunks.iter().position(|x| x == c).unwrap();
        let o = offs[i] as usize;
        let mut piece = chunkstream::entry_header(c.size);
        piece.extend_from_slice(&w.work[o..o + c.size as usize]);
        seller.handle_chunk_data(&piece, &mut |_, _| {}).unwrap();
    }
    assert_eq!(
        seller.handle_chunk_data_end().unwrap().len(),
        chunked.chunks.len()
    );
    // Assembled work with another hash is refused.
    let mut d = seller.assembly_digest();
    d.update(&vec![0; w.work.len()]).unwrap();
    assert_eq!(
        seller
            .handle_assembled(&w.tx, d.finish())
            .unwrap_err()
            .code(),
        "c2c.work-hash-mismatch"
    );
    assert_eq!(seller.state(), SellerState::Assembling);
    // Over-long assembled work is refused by the digest.
    let mut d = seller.assembly_digest();
    assert_eq!(
        d.update(&vec![0; w.work.len() + 1]).unwrap_err().code(),
        "c2c.too-large"
    );
}

#[test]
fn buyer_refusals() {
    // BW-C2C-6, BW-C2C-15, BW-C2C-28
    let w = world(bytes(b"refuse", 300_000));
    let chunked = ChunkedWork::of(&w.work);
    let mut b = BuyerTransfer::new(chunked.clone(), w.secret, 10).unwrap();
    assert_eq!(
        b.handle_wishlist(&[0]).unwrap_err().code(),
        "c2c.unexpected"
    );
    assert_eq!(b.start().unwrap(), BuyerRequest::Probe);
    let BuyerRequest::Chunked { .. } = b
        .handle_probe(Some(probe::OPTIONS_BODY.as_bytes()), &mut rng(1))
        .unwrap()
    else {
        panic!()
    };
    let slots = chunked.chunks.len() + shuffle::BUYER_PERMUTATION - 1;
    assert_eq!(
        b.handle_wishlist(&vec![0; wishlist::byte_len(slots) + 1])
            .unwrap_err()
            .code(),
        "c2c.wishlist-length"
    );
    // The first slot of a 256-permutation shuffle is a placeholder unless
    // p[0] = 0; ask for every slot so a placeholder is requested.
    // BW-C2C-35: streamed, the placeholder is refused at once and the
    // refused bytes are not kept.
    assert_eq!(
        b.handle_wishlist_streaming(&vec![0xff; wishlist::byte_len(slots) - 1])
            .unwrap_err()
            .code(),
        "c2c.wishlist-placeholder"
    );
    b.handle_wishlist(&vec![0xff; wishlist::byte_len(slots) - 1])
        .unwrap();
    b.handle_wishlist(&[0]).unwrap();
    assert_eq!(
        b.handle_wishlist_end().unwrap_err().code(),
        "c2c.wishlist-placeholder"
    );
    assert_eq!(check_status(500).unwrap_err().code(), "c2c.bad-status");
    // Result limit.
    let mut lin = BuyerTransfer::new(ChunkedWork::of(b"x"), w.secret, 10).unwrap();
    assert!(matches!(lin.start().unwrap(), BuyerRequest::Linear { .. }));
    assert_eq!(
        lin.handle_result(&[0; 11]).unwrap_err().code(),
        "c2c.too-large"
    );
    assert_eq!(
        lin.handle_key(&ResultKey::from_byte_array([0; 32]))
            .unwrap_err()
            .code(),
        "c2c.unexpected"
    );
    // BW-C2C-4: work of more than 262 144 chunks does not start.
    let mut many = ChunkedWork::of(b"x");
    many.chunks = vec![many.chunks[0]; syncinfo::MAX_TRANSFER_CHUNKS + 1];
    assert_eq!(
        BuyerTransfer::new(many, w.secret, 10).unwrap_err().code(),
        "c2c.too-many-chunks"
    );
    // Unchunked work of 16 MiB cannot travel.
    let mut big = ChunkedWork::of(b"x");
    big.size = MAX_LINEAR_WORK + 1;
    assert_eq!(
        BuyerTransfer::new(big, w.secret, 10).unwrap_err().code(),
        "c2c.too-large"
    );
}

// ---------------------------------------------------------------- limits, content types

/// The rows `| name | value | code |` of the spec table after `heading`.
fn spec_table(heading: &str) -> Vec<Vec<String>> {
    let spec = include_str!("../../../spec/19-client-transfer.md");
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
