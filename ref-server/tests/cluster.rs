//! Several `bitwrk-server` nodes on one PostgreSQL database (README,
//! "Several nodes on one PostgreSQL"): failover under load, fencing of a
//! paused leader, and catch-up of a restarted node. Needs a PostgreSQL
//! server: `BITWRK_TEST_POSTGRES=postgres://…` (`.ci/postgres.sh start`
//! prints it); without it every test here is skipped with a message.
//! Bounded: 10 kill rounds of well under a second of load each.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bitwrk_protocol::document::{normalize, query_escape};
use postgres::{Client, NoTls};
use ref_server::store::PostgresStore;
use support::Server;
use support::load::{
    Acked, CLIENTS, Keys, address, check_acked, check_log_and_ledger, client, flags, keys, nonce,
    request, sig,
};

const ENV: &str = "BITWRK_TEST_POSTGRES";
/// The lease of the test nodes.
const LEASE_MS: u64 = 1_000;
/// A new leader must accept writes within this after the old one died.
const FAILOVER_BOUND: Duration = Duration::from_secs(5);

/// A database of its own in the test cluster, dropped at the end.
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    fn new(test: &str) -> Option<TestDb> {
        let Ok(admin) = std::env::var(ENV) else {
            eprintln!("skipped {test}: {ENV} is not set (see .ci/postgres.sh)");
            return None;
        };
        let mut random = [0u8; 4];
        getrandom::fill(&mut random).unwrap();
        let name = format!(
            "bw_{test}_{}",
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let mut c = Client::connect(&admin, NoTls).expect("connecting to the test cluster");
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.split('?').next().unwrap();
        let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
        Some(TestDb { admin, name, url })
    }

    fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }

    /// (epoch, node) of the lease row.
    fn leader(&self) -> (i64, String) {
        let row = self
            .client()
            .query_one("SELECT epoch, node FROM leader", &[])
            .unwrap();
        (row.get(0), row.get(1))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// One node: a name and its running server.
struct Node {
    name: String,
    server: Server,
}

fn start_node(db: &TestDb, name: &str, flags: &[String]) -> Node {
    let mut extra: Vec<String> = flags.to_vec();
    extra.extend([
        "--node".into(),
        name.into(),
        "--lease-ms".into(),
        LEASE_MS.to_string(),
        "--trusted-proxies".into(),
        "127.0.0.1".into(),
    ]);
    let refs: Vec<&str> = extra.iter().map(String::as_str).collect();
    Node {
        name: name.to_owned(),
        server: Server::start_url(&db.url, &refs),
    }
}

/// Waits until a write (a nonce) goes through `node`; the time it took.
fn until_writable(node: &Server, bound: Duration) -> Duration {
    let start = Instant::now();
    loop {
        if nonce(node.addr).is_ok() {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < bound,
            "no write went through {} within {bound:?}",
            node.addr
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Posts a deposit of `uid` to `addr`; whether it was acknowledged.
fn deposit(addr: std::net::SocketAddr, k: &Keys, uid: &str) -> bool {
    let n = match nonce(addr) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("deposit {uid}: no nonce from {addr}: {e}");
            return false;
        }
    };
    let acct = address(&k.buyers[0]);
    let amount = "mBTC 1";
    let doc = format!(
        "account={acct}&amount={}&nonce={n}&ref=&type=1&uid={uid}",
        normalize(amount)
    );
    let body = format!(
        "type=1&account={acct}&amount={}&nonce={n}&uid={uid}&ref=&signature={}",
        query_escape(amount),
        sig(&k.trusted, &doc)
    );
    match request(addr, "POST", "/deposit", &body) {
        Ok(r) if r.status == 302 => true,
        Ok(r) => {
            eprintln!("deposit {uid}: {} {}", r.status, r.body.trim());
            false
        }
        Err(e) => {
            eprintln!("deposit {uid}: {e}");
            false
        }
    }
}

// BW-HTTP-47, BW-HTTP-48, BW-HTTP-49: kill -9 of the leader under load through every
// node, 10 times: a follower takes over within the bound, nothing
// acknowledged is lost, the restarted node catches up from the log, and
// the ledger is conserved.
#[test]
fn leader_killed_under_load_fails_over_and_loses_nothing() {
    let Some(db) = TestDb::new("failover") else {
        return;
    };
    let k = Arc::new(keys());
    let flags = flags(&k);
    let mut nodes: Vec<Node> = (0..3)
        .map(|i| start_node(&db, &format!("n{i}"), &flags))
        .collect();
    until_writable(&nodes[0].server, FAILOVER_BOUND);
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut failovers = Vec::new();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..10u64 {
        let addrs: Vec<_> = nodes.iter().map(|n| n.server.addr).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..CLIENTS as usize)
            .map(|c| {
                let (k, stop, acked, addrs) =
                    (k.clone(), stop.clone(), acked.clone(), addrs.clone());
                thread::spawn(move || client(&addrs, &k, c, round, &stop, &acked))
            })
            .collect();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        thread::sleep(Duration::from_millis(150 + rng % 300));
        let (_, leader) = db.leader();
        let i = nodes
            .iter()
            .position(|n| n.name == leader)
            .expect("the leader is one of the nodes");
        let dead = nodes.remove(i);
        drop(dead.server.kill_hard());
        let survivor = &nodes[(round as usize) % nodes.len()].server;
        failovers.push(until_writable(survivor, FAILOVER_BOUND));
        thread::sleep(Duration::from_millis(100));
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        // Restarted with nothing in memory: it recovers from the log and
        // serves every acknowledged write.
        let back = start_node(&db, &dead.name, &flags);
        check_acked(back.server.addr, &acked.lock().unwrap());
        nodes.insert(i, back);
    }
    let acked = acked.lock().unwrap();
    for n in &nodes {
        check_acked(n.server.addr, &acked);
    }
    failovers.sort();
    eprintln!(
        "cluster failover: 10 kills; time to the first write through a survivor: min {:?}, median {:?}, max {:?}; acknowledged: {} bids, {} deposits, {} relations, {} messages",
        failovers[0],
        failovers[5],
        failovers[9],
        acked.bids.len(),
        acked.deposits.len(),
        acked.relations.len(),
        acked.messages.len()
    );
    assert!(
        acked.bids.len() >= 10 && acked.deposits.len() >= 10,
        "the load did too little"
    );
    drop(nodes);
    let store = PostgresStore::open(&db.url).unwrap();
    check_log_and_ledger(&store, &flags);
}

// BW-HTTP-48: a leader paused (SIGSTOP) past its lease is replaced; resumed,
// it commits nothing (the epoch fences it), answers no input with success,
// and stops.
#[test]
fn paused_leader_is_fenced() {
    let Some(db) = TestDb::new("paused") else {
        return;
    };
    let k = keys();
    let flags = flags(&k);
    let mut a = start_node(&db, "a", &flags);
    until_writable(&a.server, FAILOVER_BOUND);
    let b = start_node(&db, "b", &flags);
    until_writable(&b.server, FAILOVER_BOUND);
    let (old_epoch, leader) = db.leader();
    assert_eq!(leader, "a");
    assert!(
        deposit(b.server.addr, &k, "before-pause"),
        "a write through the follower"
    );
    a.server.signal("STOP");
    // Inputs sent to the paused leader wait in its sockets.
    let addr = a.server.addr;
    let stuck: Vec<_> = (0..4)
        .map(|i| {
            let k = keys();
            thread::spawn(move || deposit(addr, &k, &format!("to-paused-{i}")))
        })
        .collect();
    // An input through the follower, handed on to the paused leader: the
    // follower answers once b took over (not after its answer timeout).
    let via_b = {
        let (k, addr) = (keys(), b.server.addr);
        thread::spawn(move || {
            let sent = Instant::now();
            (deposit(addr, &k, "via-follower"), sent.elapsed())
        })
    };
    let taken = Instant::now();
    while db.leader().1 != "b" {
        assert!(taken.elapsed() < FAILOVER_BOUND, "b did not take over");
        thread::sleep(Duration::from_millis(20));
    }
    let (new_epoch, _) = db.leader();
    assert!(new_epoch > old_epoch);
    assert!(
        deposit(b.server.addr, &k, "after-takeover"),
        "the new leader takes writes"
    );
    let (stored_via_b, took) = via_b.join().unwrap();
    assert!(
        took < FAILOVER_BOUND,
        "the write through the follower waited {took:?}"
    );
    a.server.signal("CONT");
    for t in stuck {
        assert!(
            !t.join().unwrap(),
            "the deposed leader acknowledged an input"
        );
    }
    assert!(
        a.server.exited_within(Duration::from_secs(5)),
        "the deposed leader did not stop"
    );
    let mut c = db.client();
    let first_new: i64 = c
        .query_one(
            "SELECT MIN(seq) FROM events WHERE epoch = $1",
            &[&new_epoch],
        )
        .unwrap()
        .get(0);
    let late: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM events WHERE epoch <> $1 AND seq > $2",
            &[&new_epoch, &first_new],
        )
        .unwrap()
        .get(0);
    assert_eq!(late, 0, "an event of an old epoch after the takeover");
    let leaked: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM deposits WHERE uid LIKE 'to-paused-%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(leaked, 0, "a deposit sent to the paused leader was stored");
    // Refused (node.leader-lost, nothing stored), or applied by b if it
    // reached b after the takeover.
    let via: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM deposits WHERE uid = 'via-follower'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(via, i64::from(stored_via_b));
    for uid in ["before-pause", "after-takeover"] {
        let r = request(b.server.addr, "GET", &format!("/deposit/{uid}"), "").unwrap();
        assert_eq!(r.status, 200, "{uid}: {}", r.body);
    }
}

/// A bid of `who` (type `kind`, nonce `n`), signed by `signer`: the form
/// body, the signed document and the signature.
fn bid_form(
    who: &bitwrk_protocol::key::PrivateKey,
    signer: &bitwrk_protocol::key::PrivateKey,
    kind: &str,
    n: &str,
) -> (String, String, String) {
    let doc = format!(
        "article={}&type={kind}&price={}&address={}&nonce={n}",
        query_escape(support::load::ARTICLE),
        normalize("mBTC 0.01"),
        address(who)
    );
    let signature = bitwrk_protocol::signature::sign_message(signer, doc.as_bytes()).to_base64();
    (
        format!("{doc}&signature={}", query_escape(&signature)),
        doc,
        signature,
    )
}

// BW-HTTP-50, BW-HTTP-51: a follower verifies the signature of a write
// itself. A good bid through it is accepted; a bid with a bad signature is
// refused by the follower with the signature's code while the leader is
// paused (so the leader never saw it), and no bid of it is stored.
#[test]
fn follower_refuses_a_bad_signature_itself() {
    let Some(db) = TestDb::new("fverify") else {
        return;
    };
    let k = keys();
    let flags = flags(&k);
    let a = start_node(&db, "a", &flags);
    until_writable(&a.server, FAILOVER_BOUND);
    let b = start_node(&db, "b", &flags);
    until_writable(&b.server, FAILOVER_BOUND);
    assert_eq!(db.leader().1, "a");
    let (seller, other) = (&k.sellers[0], &k.buyers[0]);
    let n = nonce(b.server.addr).unwrap();
    let (good, _, _) = bid_form(seller, seller, "SELL", &n);
    let r = request(b.server.addr, "POST", "/bid", &good).unwrap();
    assert_eq!(r.status, 303, "a good bid through the follower: {}", r.body);
    let n = nonce(b.server.addr).unwrap();
    let (bad, _, _) = bid_form(seller, other, "SELL", &n);
    // The follower must have applied the nonce before it can parse the bid.
    thread::sleep(Duration::from_millis(200));
    a.server.signal("STOP");
    let addr = b.server.addr;
    let (tx, rx) = std::sync::mpsc::channel();
    let sender = thread::spawn(move || {
        let _ = tx.send(request(addr, "POST", "/bid", &bad));
    });
    // Well within the lease: the leader is still the leader, and paused.
    let answer = rx.recv_timeout(Duration::from_millis(400));
    let still_a = db.leader().1 == "a";
    a.server.signal("CONT");
    sender.join().unwrap();
    let r = answer
        .expect("the follower answered while the leader was paused")
        .unwrap();
    assert!(still_a, "no takeover happened meanwhile");
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.header("x-bitwrk-error")
            .is_some_and(|c| c.starts_with("sig.")),
        "a signature code, got {:?}: {}",
        r.header("x-bitwrk-error"),
        r.body
    );
    let bids: i64 = db
        .client()
        .query_one("SELECT COUNT(*) FROM bids", &[])
        .unwrap()
        .get(0);
    assert_eq!(bids, 1, "only the good bid is stored");
}

// BW-HTTP-52, BW-HTTP-53, BW-HTTP-54, BW-HTTP-55: the leader refuses a forwarded
// request without the cluster's MAC, with a wrong one, or with one over
// another request, with `node.bad-mac` (and stores nothing); a verdict
// under the real key is trusted without verifying again (shown with a
// signature that does not verify), and a follower's replay of the log
// (BW-MARKET-4) still refuses that event and stops the follower.
#[test]
fn leader_refuses_forged_forwarded_requests() {
    use ref_server::cluster::attest::{ClusterKey, Covered, hex};
    use ref_server::verify::Claim;
    let Some(db) = TestDb::new("forged") else {
        return;
    };
    let k = keys();
    let flags = flags(&k);
    let a = start_node(&db, "a", &flags);
    until_writable(&a.server, FAILOVER_BOUND);
    let mut b = start_node(&db, "b", &flags);
    until_writable(&b.server, FAILOVER_BOUND);
    assert_eq!(db.leader().1, "a");
    let (seller, other) = (&k.sellers[0], &k.buyers[0]);
    let n = nonce(a.server.addr).unwrap();
    let (bad, doc, signature) = bid_form(seller, other, "SELL", &n);
    let signer = bitwrk_protocol::address::Address::parse(&address(seller)).unwrap();
    let digest = Claim::digest(&signer, &doc, &signature);
    let secret: Vec<u8> = db
        .client()
        .query_one("SELECT secret FROM cluster_secret", &[])
        .unwrap()
        .get(0);
    assert_eq!(secret.len(), 32);
    let real = ClusterKey::new(secret).unwrap();
    let stranger = ClusterKey::new(vec![0x42; 32]).unwrap();
    fn covered<'a>(digest: &'a [u8; 32], body: &'a str) -> Covered<'a> {
        Covered {
            node: "b",
            verified: Some(digest),
            method: "POST",
            target: "/bid",
            body: body.as_bytes(),
        }
    }
    let digest_hex = hex(&digest);
    let forgeries: Vec<Vec<(&str, String)>> = vec![
        vec![("x-bitwrk-forwarded-by", "b".into())],
        vec![
            ("x-bitwrk-forwarded-by", "b".into()),
            ("x-bitwrk-verified", digest_hex.clone()),
            ("x-bitwrk-mac", "00".repeat(32)),
        ],
        vec![
            ("x-bitwrk-forwarded-by", "b".into()),
            ("x-bitwrk-verified", digest_hex.clone()),
            ("x-bitwrk-mac", stranger.sign(&covered(&digest, &bad))),
        ],
        vec![
            ("x-bitwrk-forwarded-by", "b".into()),
            ("x-bitwrk-verified", digest_hex.clone()),
            ("x-bitwrk-mac", real.sign(&covered(&digest, "another=body"))),
        ],
        vec![
            ("x-bitwrk-forwarded-by", "b".into()),
            ("x-bitwrk-verified", "not hex".into()),
            ("x-bitwrk-mac", real.sign(&covered(&digest, &bad))),
        ],
    ];
    for headers in &forgeries {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = a.server.post_form("/bid", &h, &bad);
        assert_eq!(r.status, 403, "{headers:?}: {}", r.text());
        assert_eq!(r.code(), Some("node.bad-mac"), "{headers:?}: {}", r.text());
    }
    // The same request from a client (no forwarding headers): the leader
    // verifies it and refuses the signature.
    let r = a.server.post_form("/bid", &[], &bad);
    assert!(
        r.code().is_some_and(|c| c.starts_with("sig.")),
        "{:?}",
        r.code()
    );
    let bids = |db: &TestDb| -> i64 {
        db.client()
            .query_one("SELECT COUNT(*) FROM bids", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(bids(&db), 0, "no forgery stored a bid");
    // Under the real key the verdict is trusted: the leader does not verify
    // again (what the key is worth; it is the database's).
    let mac = real.sign(&covered(&digest, &bad));
    let r = a.server.post_form(
        "/bid",
        &[
            ("x-bitwrk-forwarded-by", "b"),
            ("x-bitwrk-verified", &digest_hex),
            ("x-bitwrk-mac", &mac),
        ],
        &bad,
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(bids(&db), 1);
    // Replay verifies every signature again: the follower cannot apply the
    // event and stops.
    assert!(
        b.server.exited_within(Duration::from_secs(5)),
        "the follower applied a bid whose signature does not verify"
    );
}
