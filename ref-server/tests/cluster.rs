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
    for uid in ["before-pause", "after-takeover"] {
        let r = request(b.server.addr, "GET", &format!("/deposit/{uid}"), "").unwrap();
        assert_eq!(r.status, 200, "{uid}: {}", r.body);
    }
}
