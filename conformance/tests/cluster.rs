//! The whole suite through each node of a three-node cluster of the
//! reference server on one PostgreSQL database (ref-server README, "Several
//! nodes on one PostgreSQL"): a follower forwards inputs to the leader and
//! serves reads itself, and every case must pass through every node.
//! Needs `BITWRK_TEST_POSTGRES=postgres://…` (`.ci/postgres.sh start`);
//! skipped with a message without it.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use clap::Parser;
use conformance::{profile, report};
use ref_server::config::Args;

const ENV: &str = "BITWRK_TEST_POSTGRES";

/// A node running in a thread of its own; stops when dropped.
struct Node {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start_node(db: &str, name: &str) -> Node {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut argv: Vec<String> = vec!["bitwrk-server".into()];
    argv.extend(profile::reference_server_flags());
    argv.extend(["--listen", &addr.to_string(), "--db", db, "--node", name].map(str::to_owned));
    let args = Args::try_parse_from(&argv).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let stop = async move {
                let _ = stop_rx.await;
            };
            if let Err(e) = ref_server::server::run_on(args, listener, stop).await {
                eprintln!("node stopped: {e}");
            }
        });
    });
    Node {
        url: format!("http://{addr}/"),
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

/// Whether `POST /nonce` through `url` succeeds (a leader is reachable).
fn writable(url: &str) -> bool {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let req = format!(
        "POST /nonce HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    let mut out = String::new();
    s.write_all(req.as_bytes()).is_ok()
        && s.read_to_string(&mut out).is_ok()
        && out.starts_with("HTTP/1.1 200")
}

// BW-HTTP-47, BW-CONF-1: the suite passes through the leader and through
// each follower.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suite_passes_through_every_node_of_a_cluster() {
    let Ok(admin) = std::env::var(ENV) else {
        eprintln!("skipped: {ENV} is not set (see .ci/postgres.sh)");
        return;
    };
    let mut random = [0u8; 4];
    getrandom_bytes(&mut random);
    let name = format!(
        "bw_conformance_{}",
        random
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let admin2 = admin.clone();
    let name2 = name.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = postgres::Client::connect(&admin2, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name2}"))
            .unwrap();
    })
    .await
    .unwrap();
    let base = admin.split('?').next().unwrap();
    let db = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
    let nodes: Vec<Node> = (0..3).map(|i| start_node(&db, &format!("c{i}"))).collect();
    let started = Instant::now();
    while !writable(&nodes[0].url) {
        assert!(started.elapsed() < Duration::from_secs(10), "no leader");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for node in &nodes {
        let report = conformance::run_suite(&node.url, None, false)
            .await
            .expect("the suite runs");
        let failed: Vec<&str> = report.failures().map(|r| r.id).collect();
        if !failed.is_empty() {
            println!("{}", report::text(&report));
        }
        assert!(
            failed.is_empty(),
            "cases failed through {}: {failed:?}",
            node.url
        );
        assert_eq!(report.count("skip"), 0, "no case skips with the test clock");
        eprintln!(
            "cluster conformance through {}: {} cases pass",
            node.url,
            report.records.len()
        );
    }
    drop(nodes);
    tokio::task::spawn_blocking(move || {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
    })
    .await
    .unwrap();
}

/// A few random bytes from the clock and the process id (a database name
/// only needs to differ between runs).
fn getrandom_bytes(out: &mut [u8]) {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id()) << 32;
    for (i, b) in out.iter_mut().enumerate() {
        *b = (t >> (8 * (i % 8))) as u8;
    }
}
