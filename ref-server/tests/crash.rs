//! Crash safety (issue 8 item 4): the real `bitwrk-server` is killed with
//! SIGKILL at pseudo-random moments under concurrent load, 20 times. After
//! each restart every acknowledged bid, transaction message, deposit and
//! relation is there; at the end the log and the history tables agree
//! (nothing half-applied), the recovered ledger's invariants hold, and bid
//! expiry still fires after the restarts. Bounded: 20 rounds of at most
//! ~0.6 s of load each.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use ref_server::store::SqliteStore;
use support::Server;
use support::load::{
    Acked, BID_LIFETIME_SECS, CLIENTS, check_acked, check_log_and_ledger, client, flags, keys,
    request,
};

const ROUNDS: u64 = 20;

#[test]
fn kill_9_under_load_loses_nothing_acknowledged() {
    let k = Arc::new(keys());
    let flags = flags(&k);
    let flag_refs: Vec<&str> = flags.iter().map(String::as_str).collect();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut server = Server::start(&flag_refs);
    // A fixed pseudo-random schedule of kill moments (100–600 ms of load).
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut kills = 0;
    for round in 0..ROUNDS {
        let addr = server.addr;
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..CLIENTS as usize)
            .map(|c| {
                let (k, stop, acked) = (k.clone(), stop.clone(), acked.clone());
                thread::spawn(move || client(&[addr], &k, c, round, &stop, &acked))
            })
            .collect();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        thread::sleep(Duration::from_millis(100 + rng % 500));
        let (dir, db) = server.kill_hard();
        kills += 1;
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        server = Server::start_with_db(dir, db, &flag_refs);
        check_acked(server.addr, &acked.lock().unwrap());
    }
    let acked = acked.lock().unwrap();
    eprintln!(
        "crash test: {kills} kills; acknowledged and found: {} bids, {} deposits, {} relations, {} messages",
        acked.bids.len(),
        acked.deposits.len(),
        acked.relations.len(),
        acked.messages.len()
    );
    assert!(acked.bids.len() as u64 >= ROUNDS, "the load did too little");
    assert!(acked.deposits.len() as u64 >= ROUNDS && acked.relations.len() as u64 >= ROUNDS);
    assert!(!acked.messages.is_empty(), "no trade got its first message");

    // Timeouts still fire after the restarts: every acknowledged bid is
    // matched or expired once its lifetime is over.
    thread::sleep(Duration::from_secs(BID_LIFETIME_SECS + 1));
    for id in &acked.bids {
        let r = request(server.addr, "GET", &format!("/bid/{id}"), "").unwrap();
        let state = r.json().unwrap()["State"].as_u64();
        assert!(
            matches!(state, Some(2 | 3)),
            "bid {id} neither matched nor expired after its lifetime: {}",
            r.body
        );
    }

    // The log and the history tables agree, and the ledger is sound.
    let (_dir, db) = server.kill_hard();
    let store = SqliteStore::open(&db).unwrap();
    check_log_and_ledger(&store, &flags);
}
