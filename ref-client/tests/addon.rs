//! The Blender add-on and its worker, imitated by a Python script
//! (`tests/addon/bitwrk_addon.py`, standard library only), against real
//! client daemons and the reference server: the add-on's probe, its
//! chunked `POST /buy/<article>` without a content type, the `303` to
//! `/file/<sha256>`; the worker's `/myip`, registration, job, re-registration
//! and unregistration. Without `python3` the test fails (CI installs it).

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::get;
use support::market::{
    Market, PAID, activities, assert_balances, grant, tx, tx_of, wait_for, wait_tx,
};
use support::worker::transform;

const ARTICLE: &str = "net.bitwrk/blender/0/2.80/512M";

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/addon/bitwrk_addon.py")
}

/// `python3 bitwrk_addon.py <args>`; fails the test clearly without python3.
fn python(args: &[&str]) -> Command {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "python3 is needed for the Blender add-on imitation (tests/addon/bitwrk_addon.py); install it"
    );
    let mut c = Command::new("python3");
    c.arg(script()).args(args);
    c
}

/// The Python worker, running until dropped or stopped.
struct Worker {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Worker {
    fn start(client: std::net::SocketAddr, extra: &[&str]) -> Worker {
        let addr = client.to_string();
        let mut args = vec!["worker", "--client", &addr, "--article", ARTICLE];
        args.extend_from_slice(extra);
        let mut child = python(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the worker starts");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let w = Worker { child, lines };
        let ready = w.line();
        assert!(ready.starts_with("ready http://127.0.0.1:"), "{ready}");
        assert!(ready.ends_with("/work"), "{ready}");
        w
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(60))
            .expect("a line from the worker")
    }

    /// SIGTERM: the worker unregisters and exits 0.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        assert_eq!(self.line(), "unregistered");
        assert!(self.child.wait().expect("wait").success());
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn blender_addon_buys_from_a_blender_worker() {
    let m = Market::start();
    grant(m.seller.addr, "SELL", ARTICLE, "mBTC 1");
    // The add-on gives no price: the buy needs a mandate.
    grant(m.buyer.addr, "BUY", ARTICLE, "mBTC 1");
    let worker = Worker::start(m.seller.addr, &[]);
    let workers = get(m.seller.addr, "/workers").json();
    let w = &workers[0];
    assert_eq!(w["Info"]["Article"], ARTICLE, "{workers}");
    assert!(
        w["Info"]["Id"]
            .as_str()
            .is_some_and(|id| id.starts_with("blender-127.0.0.1-")),
        "{workers}"
    );

    let dir = tempfile::tempdir().expect("dir");
    let blend: Vec<u8> = (0..30_000u32).map(|i| (i * 7 % 253) as u8).collect();
    std::fs::write(dir.path().join("scene.blend"), &blend).expect("blend");
    let (work_file, out_file) = (dir.path().join("work"), dir.path().join("out.exr"));
    let buyer = m.buyer.addr.to_string();
    let out = python(&[
        "buy",
        "--client",
        &buyer,
        "--article",
        ARTICLE,
        "--blend",
        &dir.path().join("scene.blend").display().to_string(),
        "--save-work",
        &work_file.display().to_string(),
        "--out",
        &out_file.display().to_string(),
    ])
    .output()
    .expect("the add-on runs");
    assert!(
        out.status.success(),
        "the add-on failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let work = std::fs::read(&work_file).expect("work");
    assert!(
        work.ends_with(&blend),
        "the .blend is the work's last record"
    );
    let result = std::fs::read(&out_file).expect("result");
    assert_eq!(
        result,
        transform(&work),
        "the worker's result reached the add-on"
    );
    let hash = bitwrk_protocol::hash::sha256(&result).to_string();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("result {hash} {}", result.len())
    );
    let job = worker.line();
    assert_eq!(
        job,
        format!("job 1 200 {}", bitwrk_protocol::hash::sha256(&work)),
        "the worker did the buyer's work"
    );

    // On the server: the buyer accepted, the seller is paid.
    let id = tx_of(m.buyer.addr, "BUY");
    let t = wait_tx(&m.srv.url, &id, "FINISHED", true);
    assert_eq!(t["Article"], ARTICLE);
    assert_eq!(t["Seller"], m.seller.address.as_str());
    assert_eq!(tx_of(m.seller.addr, "SELL"), id);
    wait_for("the buy to end", Duration::from_secs(20), || {
        (activities(m.buyer.addr, "BUY")[0]["Info"]["Alive"] == false).then_some(())
    });
    assert_balances(m.balances(), PAID, "after the add-on's buy");
    assert_eq!(tx(&m.srv.url, &id)["State"], 1);

    // The worker re-registered after its job (idle again), and
    // unregisters when stopped.
    wait_for("the worker to be idle", Duration::from_secs(10), || {
        (get(m.seller.addr, "/workers").json()[0]["Idle"] == true).then_some(())
    });
    worker.stop();
    let workers = get(m.seller.addr, "/workers").json();
    assert!(
        workers
            .as_array()
            .expect("array")
            .iter()
            .all(|w| w["Unregistered"] == true),
        "{workers}"
    );
}

#[test]
fn blender_worker_failure_reaches_the_addon_as_an_error() {
    let m = Market::start();
    grant(m.seller.addr, "SELL", ARTICLE, "mBTC 1");
    grant(m.buyer.addr, "BUY", ARTICLE, "mBTC 1");
    let worker = Worker::start(m.seller.addr, &["--fail"]);
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("scene.blend"), b"not much of a scene").expect("blend");
    let buyer = m.buyer.addr.to_string();
    let out = python(&[
        "buy",
        "--client",
        &buyer,
        "--article",
        ARTICLE,
        "--blend",
        &dir.path().join("scene.blend").display().to_string(),
    ])
    .output()
    .expect("the add-on runs");
    assert!(!out.status.success(), "the add-on must report the failure");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("answered 500"), "{err}");
    assert!(worker.line().starts_with("job 1 500 "));
    let id = tx_of(m.buyer.addr, "BUY");
    wait_tx(&m.srv.url, &id, "WORK_DISPUTED", true);
    wait_for("the refund", Duration::from_secs(20), || {
        (m.balances().0 == ("mBTC 10".to_owned(), "BTC 0".to_owned())).then_some(())
    });
}
