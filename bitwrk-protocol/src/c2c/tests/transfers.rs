//! Whole transfers between a `BuyerTransfer` and a `SellerTransfer`.

use super::*;

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
