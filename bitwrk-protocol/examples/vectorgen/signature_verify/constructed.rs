//! Constructed cases: every header byte on one signature, recovery edge
//! cases (no private key needed) and random keys with their high-S twins.

use crate::{
    Case, Key, N, Net, Outcome, P, add256, address_of, b64, hash160, hex32, msg_digest,
    oracle_recover, sha256, small256, sub256,
};

use super::{Base, Expect, core_header, high_s_twin, vcase, with_header};

/// Every header byte on the [`Base`] signature, and the valid headers on an
/// uncompressed-key signature.
pub(super) fn header_sweep() -> Vec<Case> {
    let Base {
        msg, base, addr, ..
    } = super::base();
    let mut sweep = Vec::new();
    for h in 0..=255u8 {
        let mut c = vcase(
            &format!(
                "header byte {h} on a compressed-key signature made with header {}",
                base[0]
            ),
            &addr,
            msg,
            &b64(&with_header(&base, h)),
            Expect::Oracle,
        )
        .flag("HeaderSweep");
        if !(27..=34).contains(&h) {
            assert_eq!(c.outcome, Some(Outcome::Invalid("sig.bad-header")));
            c = c.flag("HeaderOutOfRange");
            if (35..=42).contains(&h) {
                c = c.flag("Bip137Header");
            }
            if core_header(h) == base[0] {
                c = c.flag("CoreHeaderAlias");
            }
        } else if h == base[0] {
            assert_eq!(c.outcome, Some(Outcome::Valid));
        } else {
            assert!(matches!(
                c.outcome,
                Some(Outcome::Invalid(
                    "sig.address-mismatch" | "sig.unrecoverable"
                ))
            ));
            if (h - 27) & 4 != (base[0] - 27) & 4 {
                c = c.flag("CompressionMismatch").req(&["BW-SIG-11"]);
            }
            if (h - 27) & 2 != 0 {
                c = c.flag("RecoveryIdHighX");
            }
        }
        sweep.push(c);
    }
    let ukey = Key::derived("verify-sweep-u", false, Net::Main);
    let ubase = ukey.sign(msg.as_bytes());
    for h in 27..=34u8 {
        let mut c = vcase(
            &format!(
                "header byte {h} on an uncompressed-key signature made with header {}",
                ubase[0]
            ),
            &ukey.address(),
            msg,
            &b64(&with_header(&ubase, h)),
            Expect::Oracle,
        )
        .flag("HeaderSweep");
        if h != ubase[0] {
            if (h - 27) & 4 != 0 {
                c = c.flag("CompressionMismatch").req(&["BW-SIG-11"]);
            }
            if (h - 27) & 2 != 0 {
                c = c.flag("RecoveryIdHighX");
            }
        }
        sweep.push(c);
    }
    sweep
}

/// Recovery ids 2 and 3, unrecoverable signatures and the point at infinity.
pub(super) fn recovery() -> Vec<Case> {
    let addr = super::base().addr;
    let mut rec = Vec::new();
    let rmsg = "recovery edge case";
    let e = msg_digest(rmsg.as_bytes());
    let s_any = {
        let mut s = sha256(b"bitwrk-vectorgen/s");
        if s >= N {
            s = sub256(&s, &N);
        }
        s
    };
    // recid 2/3: R.x = r + n must be < p. Find x in [n+1, p) on the curve.
    let mut found = 0;
    for t_ in 1u8..=255 {
        let x = add256(&N, &small256(t_));
        assert!(x < P);
        for (parity, prefix) in [(0u8, 2u8), (1, 3)] {
            let mut enc = vec![prefix];
            enc.extend_from_slice(&x);
            if secp256k1::PublicKey::from_slice(&enc).is_err() || found >= 2 {
                continue;
            }
            for compressed in [true, false] {
                let mut sig = [0u8; 65];
                sig[0] = 27 + 2 + parity + if compressed { 4 } else { 0 };
                sig[1..33].copy_from_slice(&small256(t_));
                sig[33..].copy_from_slice(&s_any);
                let pk = oracle_recover(&e, &sig).expect("libsecp recovers with x = r + n");
                let a = address_of(Net::Main, &hash160(&pk));
                let form = if compressed {
                    "compressed"
                } else {
                    "uncompressed"
                };
                rec.push(vcase(&format!("recovery id {} ({form}) with r = {t_}: R.x = r + n < p, so a key is recovered", 2 + parity), &a, rmsg, &b64(&sig), Expect::Valid).flag("RecoveryIdHighX"));
                // The same (r, s) with recovery id 0/1 uses R.x = r, another point (or none).
                let mut low = sig;
                low[0] -= 2;
                rec.push(
                    vcase(
                        &format!(
                            "same r, s with recovery id {parity} ({form}): R.x = r instead of r + n"
                        ),
                        &a,
                        rmsg,
                        &b64(&low),
                        Expect::Oracle,
                    )
                    .flag("RecoveryIdHighX"),
                );
            }
            found += 1;
        }
    }
    assert_eq!(found, 2);
    // recid 2/3 where r + n >= p: no such R.
    let mut big_r = [0u8; 32];
    big_r.copy_from_slice(&sub256(&P, &N));
    let mut sig_big = [0u8; 65];
    sig_big[0] = 27 + 4 + 2;
    sig_big[1..33].copy_from_slice(&big_r);
    sig_big[33..].copy_from_slice(&s_any);
    rec.push(
        vcase(
            "recovery id 2 with r = p - n: r + n = p is not a field element",
            &addr,
            rmsg,
            &b64(&sig_big),
            Expect::Code("sig.unrecoverable"),
        )
        .flag("RecoveryIdHighX"),
    );
    // recid 0 where r is not the x of any curve point.
    let not_x = (1u8..=255)
        .find(|t_| {
            let mut enc = vec![2u8];
            enc.extend_from_slice(&small256(*t_));
            secp256k1::PublicKey::from_slice(&enc).is_err()
        })
        .unwrap();
    let mut sig_nx = sig_big;
    sig_nx[0] = 31;
    sig_nx[1..33].copy_from_slice(&small256(not_x));
    rec.push(
        vcase(
            &format!("recovery id 0 with r = {not_x}: x^3 + 7 has no square root, no point R"),
            &addr,
            rmsg,
            &b64(&sig_nx),
            Expect::Code("sig.unrecoverable"),
        )
        .flag("Unrecoverable"),
    );
    // Q = r^-1 (sR - eG) is the point at infinity when R = G and s = e.
    let gx = hex32("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    let mut e_mod = e;
    if e_mod >= N {
        e_mod = sub256(&e_mod, &N);
    }
    let mut sig_inf = [0u8; 65];
    sig_inf[0] = 31; // G.y is even: recovery id 0
    sig_inf[1..33].copy_from_slice(&gx);
    sig_inf[33..].copy_from_slice(&e_mod);
    rec.push(
        vcase(
            "R = G and s = e: sR - eG is the point at infinity",
            &addr,
            rmsg,
            &b64(&sig_inf),
            Expect::Code("sig.unrecoverable"),
        )
        .flag("Unrecoverable"),
    );
    let mut sig_inf_odd = sig_inf;
    sig_inf_odd[0] = 32; // R = -G: sR - eG = -2eG, a valid key
    rec.push(vcase(
        "R = -G (odd y) and s = e: a key is recovered (-2e·G·r^-1)",
        &addr,
        rmsg,
        &b64(&sig_inf_odd),
        Expect::Code("sig.address-mismatch"),
    ));
    rec
}

/// Random keys and messages, with high-S twins.
pub(super) fn bulk() -> Vec<Case> {
    let mut bulk = Vec::new();
    for i in 0..40 {
        let net = if i % 5 == 4 { Net::Test } else { Net::Main };
        let k = Key::derived(&format!("verify-bulk-{i}"), i % 3 != 0, net);
        let m = match i % 4 {
            0 => format!("message {i}"),
            1 => "x".repeat(i * 7),
            2 => format!(
                "article=net.bitwrk%2Fbulk%2F{i}&type=SELL&price=uBTC{i}&address={}&nonce={:032x}",
                k.address(),
                i
            ),
            _ => format!("ünïcødé {i} \u{20ac}"),
        };
        let s = k.sign(m.as_bytes());
        let mut c = vcase(
            &format!(
                "random key #{i} ({}, {})",
                if k.compressed {
                    "compressed"
                } else {
                    "uncompressed"
                },
                k.net.name()
            ),
            &k.address(),
            &m,
            &b64(&s),
            Expect::Valid,
        );
        if net == Net::Test {
            c = c.flag("Testnet");
        }
        bulk.push(c);
        bulk.push(
            vcase(
                &format!("random key #{i}, high-S twin"),
                &k.address(),
                &m,
                &b64(&high_s_twin(&s)),
                Expect::Valid,
            )
            .flag("HighS")
            .req(&["BW-SIG-5"]),
        );
        if i % 4 == 0 {
            bulk.push(
                vcase(
                    &format!("random key #{i}, compression flag flipped"),
                    &k.address(),
                    &m,
                    &b64(&with_header(
                        &s,
                        if s[0] >= 31 { s[0] - 4 } else { s[0] + 4 },
                    )),
                    Expect::Code("sig.address-mismatch"),
                )
                .flag("CompressionMismatch")
                .req(&["BW-SIG-11"]),
            );
        }
    }
    bulk
}
