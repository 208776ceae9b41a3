//! Prints the worked examples of the specification (sections 2, 4, 5 and 6)
//! with every intermediate value.
//!
//! Run with `cargo run -p bitwrk-protocol --example worked_examples`. The
//! output is pasted into the spec; `tests/worked_examples.rs` includes this
//! file, recomputes the same items and checks that each printed line appears
//! verbatim in the spec file it belongs to, so the two cannot drift apart.
//!
//! Only the public API of `bitwrk-protocol` and `std` are used.

use bitwrk_protocol::document::{normalize, query_escape};
use bitwrk_protocol::encoding::{base58, base64, hex};
use bitwrk_protocol::hash::{hash160, sha256, sha256d};
use bitwrk_protocol::signature::{
    self, MESSAGE_MAGIC, compact_size, message_digest, sign_message, verify_message_text,
};
use bitwrk_protocol::{
    Address, Currency, ErrorCode, KeyPair, Money, Network, PrivateKey, Signature, money,
};

/// The order n of the secp256k1 group, big-endian.
pub const N_HEX: &str = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
/// The field prime p of secp256k1, big-endian.
pub const P_HEX: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";

/// The compressed test key of BitWrk 0.7 (addresses_test.go).
pub const WIF_COMPRESSED: &str = "L3p8oAcQTtuokSCRHQ7i4MhjWc9zornvpJLfmg62sYpLRJF9woSu";
/// The uncompressed test key of BitWrk 0.7 (addresses_test.go).
pub const WIF_UNCOMPRESSED: &str = "5KJvsngHeMpm884wtkJNzQGaCErckhHJBGFsvd3VyK5qMZXj3hS";
/// The message signed in section 5.
pub const MESSAGE: &str = "article=fnord&type=BUY&price=mBTC1.5&address=1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8&nonce=0123456789abcdef0123456789abcdef";

/// Width of the label column.
const LABEL_WIDTH: usize = 28;
/// Bytes per row when a long hex value is wrapped.
const ROW_BYTES: usize = 32;

/// One printed value.
#[derive(Debug)]
pub struct Item {
    /// What the value is.
    pub label: String,
    /// The value; long hex values span several lines.
    pub value: String,
}

impl Item {
    /// The text as printed (and as it must appear in the spec): the label
    /// padded to a column and the value on the same line, or, for a
    /// multi-line value, the label alone followed by the value's lines.
    pub fn render(&self) -> String {
        if self.value.contains('\n') {
            format!("{}\n{}", self.label, self.value)
        } else {
            format!("{:<w$} {}", self.label, self.value, w = LABEL_WIDTH)
        }
    }
}

/// A titled group of items that belongs to one spec file.
#[derive(Debug)]
pub struct Block {
    /// The spec file (under `spec/`) that quotes this block.
    pub file: &'static str,
    /// Heading printed above the block.
    pub title: &'static str,
    /// The values.
    pub items: Vec<Item>,
}

impl Block {
    fn new(file: &'static str, title: &'static str) -> Block {
        Block {
            file,
            title,
            items: Vec::new(),
        }
    }

    fn add(&mut self, label: &str, value: impl Into<String>) {
        self.items.push(Item {
            label: label.to_owned(),
            value: value.into(),
        });
    }

    /// Adds a hex value, wrapped into rows of 32 bytes when longer.
    fn add_hex(&mut self, label: &str, bytes: &[u8]) {
        let value = if bytes.len() > ROW_BYTES {
            bytes
                .chunks(ROW_BYTES)
                .map(hex::encode)
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            hex::encode(bytes)
        };
        self.add(label, value);
    }
}

fn hex32(s: &str) -> [u8; 32] {
    hex::decode_array::<32>(s).expect("constant is 64 lower-case hex characters")
}

/// a − b for 256-bit big-endian numbers with a ≥ b.
fn sub256(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

fn outcome<T, E: ErrorCode>(r: Result<T, E>) -> String {
    match r {
        Ok(_) => "accepted".to_owned(),
        Err(e) => format!("rejected, {}", e.code()),
    }
}

/// Derivation of a WIF key; `both_forms` also shows the serialisation the
/// key does not use.
fn key_block(title: &'static str, wif: &str, both_forms: bool) -> Block {
    let mut b = Block::new("04-identities.md", title);
    b.add("WIF", wif);
    let payload = base58::decode_check(wif).expect("test WIF is valid base58check");
    let raw = base58::decode(wif).expect("test WIF is valid base58");
    b.add_hex("base58 decoded", &raw);
    b.add_hex("checksum (last 4 bytes)", &raw[raw.len() - 4..]);
    b.add_hex("sha256d(payload)", sha256d(&payload).as_bytes());
    b.add_hex("version byte", &payload[..1]);
    b.add_hex("scalar d", &payload[1..33]);
    b.add(
        "compression flag",
        if payload.len() == 34 {
            hex::encode(&payload[33..])
        } else {
            "(none: uncompressed)".to_owned()
        },
    );
    let kp = KeyPair::from_wif(wif).expect("test WIF parses");
    let private = kp.private_key();
    let mut scalar = [0u8; 32];
    scalar.copy_from_slice(&payload[1..33]);
    for compressed in [true, false] {
        if !both_forms && compressed != private.is_compressed() {
            continue;
        }
        let key = PrivateKey::from_secret_bytes(&scalar, compressed, private.network())
            .expect("scalar is in range");
        let public = key.public_key();
        let ser = public.serialize();
        let tag = if compressed {
            "compressed"
        } else {
            "uncompressed"
        };
        let used = if compressed == private.is_compressed() {
            " (used)"
        } else {
            ""
        };
        b.add_hex(&format!("public key, {tag}{used}"), &ser);
        b.add_hex("  sha256", sha256(&ser).as_bytes());
        b.add_hex("  hash160", hash160(&ser).as_bytes());
        let mut vp = vec![Network::Mainnet.address_version()];
        vp.extend_from_slice(hash160(&ser).as_bytes());
        b.add_hex("  version ‖ hash160", &vp);
        b.add_hex("  checksum", &sha256d(&vp).as_bytes()[..4]);
        b.add("  address (mainnet)", base58::encode_check(&vp));
        b.add(
            "  address (testnet)",
            public.address(Network::Testnet).to_string(),
        );
    }
    b.add("address (from KeyPair)", kp.address().to_string());
    let testnet = PrivateKey::from_secret_bytes(&scalar, private.is_compressed(), Network::Testnet)
        .expect("scalar is in range");
    b.add("same key as testnet WIF", testnet.to_wif());
    b
}

fn signature_blocks() -> Vec<Block> {
    let kp = KeyPair::from_wif(WIF_COMPRESSED).expect("test WIF parses");
    let msg = MESSAGE.as_bytes();

    let mut d = Block::new("05-signatures.md", "digest");
    d.add("message", MESSAGE);
    d.add("message length", msg.len().to_string());
    d.add_hex("magic (0x18 ‖ text)", MESSAGE_MAGIC);
    d.add_hex("CompactSize(length)", &compact_size(msg.len() as u64));
    let mut hashed = MESSAGE_MAGIC.to_vec();
    hashed.extend_from_slice(&compact_size(msg.len() as u64));
    hashed.extend_from_slice(msg);
    d.add_hex("bytes hashed", &hashed);
    d.add_hex("sha256(bytes)", sha256(&hashed).as_bytes());
    let digest = message_digest(msg);
    d.add("digest e = sha256d(bytes)", digest.to_string());

    let mut s = Block::new("05-signatures.md", "signing");
    s.add("signer address", kp.address().to_string());
    let sig = sign_message(kp.private_key(), msg);
    s.add_hex("r", sig.r());
    s.add_hex("s", sig.s());
    s.add("s is high (s > n/2)", sig.is_high_s().to_string());
    s.add("recovery id", sig.recovery_id().to_string());
    s.add("header (27 + recid + 4)", sig.header().to_string());
    s.add_hex("65 bytes", sig.as_bytes());
    s.add("base64", sig.to_base64());

    let mut v = Block::new("05-signatures.md", "verification");
    let parsed = Signature::from_base64(&sig.to_base64()).expect("own signature parses");
    v.add("header", parsed.header().to_string());
    v.add("recid = (h − 27) & 3", parsed.recovery_id().to_string());
    v.add("compressed (h ≥ 31)", parsed.is_compressed().to_string());
    v.add("R.x = r + (recid>>1)·n", hex::encode(parsed.r()));
    v.add(
        "R.y parity",
        if parsed.recovery_id() & 1 == 1 {
            "odd"
        } else {
            "even"
        },
    );
    let q = parsed.recover(&digest).expect("own signature recovers");
    v.add_hex("recovered Q (serialised)", &q.serialize());
    v.add_hex("hash160(Q)", q.hash160().as_bytes());
    v.add(
        "address of Q (mainnet)",
        q.address(Network::Mainnet).to_string(),
    );
    v.add(
        "verify_message_text",
        outcome(verify_message_text(
            &kp.address().to_string(),
            msg,
            &sig.to_base64(),
        )),
    );

    // The uncompressed key signs the same message: header 27..=30.
    let ku = KeyPair::from_wif(WIF_UNCOMPRESSED).expect("test WIF parses");
    let mut u = Block::new("05-signatures.md", "uncompressed signer");
    let sig_u = sign_message(ku.private_key(), msg);
    u.add("signer address", ku.address().to_string());
    u.add_hex("r", sig_u.r());
    u.add_hex("s", sig_u.s());
    u.add("recovery id", sig_u.recovery_id().to_string());
    u.add("header (27 + recid)", sig_u.header().to_string());
    u.add("base64", sig_u.to_base64());
    u.add(
        "verify_message_text",
        outcome(verify_message_text(
            &ku.address().to_string(),
            msg,
            &sig_u.to_base64(),
        )),
    );

    // The high-S twin (r, n − s) with the other y parity: also valid (BW-SIG-5).
    let n = hex32(N_HEX);
    let mut h = Block::new("05-signatures.md", "high-S twin");
    let mut twin = *sig.as_bytes();
    twin[0] = sig.header() - sig.recovery_id() + (sig.recovery_id() ^ 1);
    twin[33..].copy_from_slice(&sub256(&n, sig.s()));
    let twin = Signature::from_slice(&twin).expect("twin is well-formed");
    h.add_hex("s' = n − s", twin.s());
    h.add("s' is high", twin.is_high_s().to_string());
    h.add("recid' = recid xor 1", twin.recovery_id().to_string());
    h.add("header'", twin.header().to_string());
    h.add("base64", twin.to_base64());
    h.add(
        "verify_message_text",
        outcome(verify_message_text(
            &kp.address().to_string(),
            msg,
            &twin.to_base64(),
        )),
    );

    // Rejections, each computed on a variant of the good signature.
    let mut x = Block::new("05-signatures.md", "rejections");
    let addr = kp.address().to_string();
    let good = *sig.as_bytes();
    let b64 = |bytes: &[u8]| base64::encode(bytes);
    let check = |sig_text: &str| outcome(verify_message_text(&addr, msg, sig_text));
    let mut bad = good;
    bad[0] = 35;
    x.add("header 35", check(&b64(&bad)));
    bad[0] = sig.header() - 4;
    x.add("compression bit cleared", check(&b64(&bad)));
    bad = good;
    bad[1..33].copy_from_slice(&n);
    x.add("r = n", check(&b64(&bad)));
    bad = good;
    bad[33..].copy_from_slice(&n);
    x.add("s = n", check(&b64(&bad)));
    bad[33..].copy_from_slice(&sub256(&n, &hex32(&format!("{:064x}", 1))));
    x.add("s = n − 1", outcome(Signature::from_slice(&bad)));
    let p = hex32(P_HEX);
    bad = good;
    bad[0] = 29; // recid 2: R.x = r + n
    bad[1..33].copy_from_slice(&sub256(&p, &n));
    x.add_hex("r = p − n (recid 2)", &bad[1..33]);
    x.add(
        "  recovery",
        outcome(Signature::from_slice(&bad).and_then(|s| s.recover(&digest))),
    );
    x.add("  verify_message_text", check(&b64(&bad)));
    x.add("64 bytes", check(&b64(&good[..64])));
    let text = sig.to_base64();
    x.add("base64 without padding", check(text.trim_end_matches('=')));
    x.add(
        "other message",
        outcome(verify_message_text(&addr, b"article=fnord", &text)),
    );
    x.add(
        "address with '0'",
        outcome(verify_message_text(&addr.replacen('1', "0", 1), msg, &text)),
    );
    x.add(
        "testnet address of signer",
        outcome(signature::verify_message(
            &kp.public_key().address(Network::Testnet),
            msg,
            &sig,
        )),
    );
    vec![d, s, v, u, h, x]
}

fn money_blocks() -> Vec<Block> {
    let mut p = Block::new("06-money.md", "parsing");
    for text in [
        "mBTC 1.5",
        "mBTC1.5",
        "BTC 0.00000001",
        "BTC -23.2549",
        "satoshi-1",
        "uBTC 0.01",
        "€ 1",
        "R$ 0.000000001",
        "BTC -0",
        "BTC 123456789",
        "BTC 0123456789",
        "satoshi 99999999999999999",
        "EUR 99999999",
        "1 BTC",
        "BTC  1",
        "BTC 1.",
        "BTC .5",
        "BTC +1",
        "BTC 0,2",
        "-BTC 12",
        "btc 1",
        "XBT 1",
        "satoshi 1.0",
        "BTC 0.000000010",
        "BTC 1234567890",
        "$ 100000000",
        "BTC 1234567890.123456789",
    ] {
        let value = match Money::parse(text) {
            Ok(m) => format!("{} {}", m.amount(), m.currency()),
            Err(e) => e.code().to_owned(),
        };
        p.add(&format!("{text:?}"), value);
    }

    let mut f = Block::new("06-money.md", "formatting");
    for (amount, currency) in [
        (0, Currency::Btc),
        (1, Currency::Btc),
        (-1, Currency::Btc),
        (99, Currency::Btc),
        (100, Currency::Btc),
        (4_500, Currency::Btc),
        (99_999, Currency::Btc),
        (100_000, Currency::Btc),
        (150_000, Currency::Btc),
        (10_000_000, Currency::Btc),
        (123_456_789, Currency::Btc),
        (99_999_999_999_999_999, Currency::Btc),
        (100_000_000_000_000_000, Currency::Btc),
        (i64::MAX, Currency::Btc),
        (i64::MIN, Currency::Btc),
        (0, Currency::Eur),
        (1, Currency::Eur),
        (2_500_000_000, Currency::Usd),
        (99_999_999_999_999_999, Currency::Eur),
        (100_000_000_000_000_000, Currency::Eur),
        (-1_000_000_000, Currency::Gbp),
    ] {
        let m = Money::new(amount, currency);
        let text = m.to_string();
        let back = match Money::parse(&text) {
            Ok(b) if b == m => "round-trips".to_owned(),
            Ok(_) => "parses to another amount".to_owned(),
            Err(e) => format!("does not parse: {}", e.code()),
        };
        f.add(
            &format!("{amount} {currency}"),
            format!("{text:?} ({back})"),
        );
    }

    let mut u = Block::new("06-money.md", "formatting in a given unit");
    let m = Money::new(150_000, Currency::Btc);
    for symbol in ["BTC", "mBTC", "uBTC", "satoshi"] {
        let unit = money::Unit::from_symbol(symbol).expect("unit exists");
        let text = m.format_in(unit, true).expect("same currency");
        u.add(&format!("150000 BTC in {symbol}"), format!("{text:?}"));
    }
    vec![p, f, u]
}

fn conventions_block() -> Block {
    let mut c = Block::new("02-conventions.md", "curve constants");
    c.add("n", N_HEX);
    c.add("p", P_HEX);
    let n = hex32(N_HEX);
    let p = hex32(P_HEX);
    c.add("p − n", hex::encode(&sub256(&p, &n)));
    let mut one = [0u8; 32];
    one[31] = 1;
    for compressed in [true, false] {
        let g = PrivateKey::from_secret_bytes(&one, compressed, Network::Mainnet)
            .expect("1 is a valid scalar")
            .public_key()
            .serialize();
        let label = if compressed {
            "G (compressed)"
        } else {
            "G (uncompressed)"
        };
        c.add_hex(label, &g);
    }
    c
}

fn encodings_block() -> Block {
    let mut e = Block::new("03-encodings.md", "encodings and hashes");
    e.add("hex(00 ab ff 10)", hex::encode(&[0x00, 0xab, 0xff, 0x10]));
    e.add(
        "hex decode \"00ABff10\"",
        outcome(hex::decode_array::<4>("00ABff10")),
    );
    e.add(
        "hex decode \"00abff1\" (4 bytes)",
        outcome(hex::decode_array::<4>("00abff1")),
    );
    e.add("base64(00 01)", base64::encode(&[0, 1]));
    for text in ["AAE=", "AAF=", "AAE", "AA E=", "AA-="] {
        e.add(
            &format!("base64 decode {text:?}"),
            outcome(base64::decode(text)),
        );
    }
    e.add("base58(00 00 01)", base58::encode(&[0, 0, 1]));
    e.add("base58(empty)", format!("{:?}", base58::encode(&[])));
    for text in ["112", "1l0O", "1é"] {
        e.add(
            &format!("base58 decode {text:?}"),
            outcome(base58::decode(text)),
        );
    }
    e.add(
        "base58check(00 01 02 03)",
        base58::encode_check(&[0, 1, 2, 3]),
    );
    e.add(
        "base58check decode \"1111\"",
        outcome(base58::decode_check("1111")),
    );
    e.add("sha256(\"\")", sha256(b"").to_string());
    e.add("sha256d(\"\")", sha256d(b"").to_string());
    e.add("hash160(\"\")", hash160(b"").to_string());
    e.add("sha256d(\"abc\")", sha256d(b"abc").to_string());
    e.add("hash160(\"abc\")", hash160(b"abc").to_string());
    e
}

fn documents_block() -> Block {
    let mut d = Block::new("07-documents.md", "escaping and normalisation");
    for text in [
        "net.bitwrk/blender/0/2.79/2G~trusted",
        "a b+c=é!*'()",
        "€ 1",
        "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8",
    ] {
        d.add(&format!("escape {text:?}"), query_escape(text));
    }
    for text in ["mBTC 1.5", " http://1.2.3.4:8082/ ", "R$ 0.5", "a\tb"] {
        d.add(&format!("normalize {text:?}"), normalize(text));
    }
    d
}

fn address_block() -> Block {
    let mut a = Block::new("04-identities.md", "address parsing");
    for text in [
        "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8",
        "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq9",
        "1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq0",
        " 1C7zdTfnkzmr13HfA2vNm5SJYRK6nEKyq8",
        "",
        "1111",
    ] {
        a.add(&format!("{text:?}"), outcome(Address::parse(text)));
    }
    let testnet = KeyPair::from_wif(WIF_COMPRESSED)
        .expect("test WIF parses")
        .public_key()
        .address(Network::Testnet)
        .to_string();
    a.add(
        &format!("{testnet:?} for mainnet"),
        outcome(Address::parse_for(&testnet, Network::Mainnet)),
    );
    // A 20-byte payload with a valid checksum: the length check fires.
    a.add(
        "base58check of 20 bytes",
        outcome(Address::parse(&base58::encode_check(&[0u8; 20]))),
    );
    // A 21-byte payload with version 0x05 (P2SH): unknown version.
    let mut p2sh = vec![0x05u8];
    p2sh.extend_from_slice(&[0u8; 20]);
    a.add(
        "version 0x05 payload",
        outcome(Address::parse(&base58::encode_check(&p2sh))),
    );
    a
}

/// Every block of worked examples, in print order.
pub fn compute() -> Vec<Block> {
    let mut blocks = vec![conventions_block(), encodings_block()];
    blocks.push(key_block("compressed key", WIF_COMPRESSED, true));
    blocks.push(key_block("uncompressed key", WIF_UNCOMPRESSED, false));
    blocks.push(address_block());
    blocks.extend(signature_blocks());
    blocks.extend(money_blocks());
    blocks.push(documents_block());
    blocks
}

fn main() {
    for block in compute() {
        println!("== {} — {} ==", block.file, block.title);
        for item in &block.items {
            println!("{}", item.render());
        }
        println!();
    }
}
