//! The driver against a store whose disk fails (BW-HTTP-20).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bitwrk_protocol::address::Network;
use bitwrk_protocol::document::normalize;
use bitwrk_protocol::key::PrivateKey;
use bitwrk_protocol::money::Currency;
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::wire::PriceAggregate;
use clap::Parser;

use super::*;
use crate::clock::Clock;
use crate::config::Args;
use crate::store::{HistoryQuery, PriceGrain, SqliteStore};

/// SQLite, whose commits fail once `broken` is set (a full or failing
/// disk).
struct FailingDisk {
    inner: SqliteStore,
    broken: AtomicBool,
}

impl Store for FailingDisk {
    fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(StoreError::Backend("disk I/O error".into()));
        }
        self.inner.commit(commit)
    }
    fn last_seq(&self) -> Result<Seq, StoreError> {
        self.inner.last_seq()
    }
    fn latest_snapshot(&self) -> Result<Option<crate::store::Snapshot>, StoreError> {
        self.inner.latest_snapshot()
    }
    fn write_snapshot(&self, s: &crate::store::Snapshot) -> Result<(), StoreError> {
        self.inner.write_snapshot(s)
    }
    fn events_after(
        &self,
        after: Seq,
        f: &mut dyn FnMut(crate::store::LoggedEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.inner.events_after(after, f)
    }
    fn bid(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.inner.bid(id)
    }
    fn tx(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.inner.tx(id)
    }
    fn movement(&self, id: u64) -> Result<Option<serde_json::Value>, StoreError> {
        self.inner.movement(id)
    }
    fn deposit(&self, uid: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.inner.deposit(uid)
    }
    fn relation(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.inner.relation(key)
    }
    fn history(&self, q: &HistoryQuery) -> Result<Vec<serde_json::Value>, StoreError> {
        self.inner.history(q)
    }
    fn price_totals(
        &self,
        article: &str,
        currency: Currency,
        grain: PriceGrain,
        slots: core::ops::RangeInclusive<u64>,
    ) -> Result<Vec<(u64, PriceAggregate)>, StoreError> {
        self.inner.price_totals(article, currency, grain, slots)
    }
    fn backup(&self, path: &std::path::Path) -> Result<(), StoreError> {
        self.inner.backup(path)
    }
}

fn key(byte: u8) -> PrivateKey {
    PrivateKey::from_secret_bytes(&[byte; 32], true, Network::Mainnet).unwrap()
}

/// A deposit form of uBTC 1 for `account`, signed by `trusted`.
fn deposit_form(
    trusted: &PrivateKey,
    account: &str,
    nonce: &str,
    uid: &str,
) -> Vec<(String, String)> {
    let amount = "uBTC 1";
    let doc = format!(
        "account={account}&amount={}&nonce={nonce}&ref=&type=1&uid={uid}",
        normalize(amount)
    );
    let sig = sign_message(trusted, doc.as_bytes()).to_base64();
    [
        ("type", "1"),
        ("account", account),
        ("amount", amount),
        ("nonce", nonce),
        ("uid", uid),
        ("ref", ""),
        ("signature", &sig),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// BW-HTTP-20: once an event cannot be made durable, its request and every
/// request waiting with it or after it get 500 `http.internal`, never a
/// success; the driver takes no further input and reports the failure; the
/// store holds nothing of the failed events. BW-HTTP-19: the nonces issued
/// before the failure were durable together with the deposit spending them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_answers_500_and_stops_the_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let disk = Arc::new(FailingDisk {
        inner: SqliteStore::open(dir.path().join("d.db")).unwrap(),
        broken: AtomicBool::new(false),
    });
    let trusted = key(1);
    let account = key(2).public_key().address(Network::Mainnet).to_string();
    let args = Args::try_parse_from([
        "bitwrk-server".to_owned(),
        "--trusted-account".to_owned(),
        trusted.public_key().address(Network::Mainnet).to_string(),
    ])
    .unwrap();
    let (market, last) = recover(&*disk, args.market_config().unwrap()).unwrap();
    let failures = Arc::new(AtomicUsize::new(0));
    let f = failures.clone();
    let running = start(market, last, disk.clone(), Clock::system(), move |_| {
        f.fetch_add(1, Ordering::SeqCst);
    });
    let driver = running.driver.clone();

    let n = driver.nonce().await.unwrap();
    let ok = driver
        .deposit(deposit_form(&trusted, &account, &n, "deposit-0001"))
        .await;
    assert_eq!(ok.as_deref(), Ok("deposit-0001"));
    let durable = disk.last_seq().unwrap();
    assert_eq!(durable, 2, "the nonce's event and the deposit's event");

    // The disk fails: two deposits wait for the same failed commit or the
    // next one.
    let (n2, n3) = (driver.nonce().await.unwrap(), driver.nonce().await.unwrap());
    disk.broken.store(true, Ordering::SeqCst);
    let (r2, r3) = tokio::join!(
        driver.deposit(deposit_form(&trusted, &account, &n2, "deposit-0002")),
        driver.deposit(deposit_form(&trusted, &account, &n3, "deposit-0003")),
    );
    for r in [r2, r3] {
        let e = r.expect_err("no success after a failed commit");
        assert_eq!(e.code, "http.internal", "{e:?}");
        assert_eq!(e.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    let after_failure = disk.last_seq().unwrap();
    // No input is taken any more, even with the disk back.
    disk.broken.store(false, Ordering::SeqCst);
    let n4 = driver.nonce().await;
    let later = match n4 {
        Ok(n4) => {
            driver
                .deposit(deposit_form(&trusted, &account, &n4, "deposit-0004"))
                .await
        }
        Err(e) => Err(e),
    };
    assert!(
        later.is_err(),
        "an input accepted after the failure: {later:?}"
    );
    assert_eq!(
        failures.load(Ordering::SeqCst),
        1,
        "the failure is reported once"
    );
    assert_eq!(
        disk.last_seq().unwrap(),
        after_failure,
        "nothing after the failure is stored"
    );
    // At most the nonce events that went to disk before it broke.
    let mut late = Vec::new();
    disk.events_after(durable, &mut |e| {
        late.push(e.event);
        Ok(())
    })
    .unwrap();
    assert!(
        late.iter()
            .all(|e| matches!(e, bitwrk_protocol::market::Event::NonceIssued { .. })),
        "{late:?}"
    );
    for uid in ["deposit-0002", "deposit-0003", "deposit-0004"] {
        assert!(disk.deposit(uid).unwrap().is_none(), "{uid} stored");
    }
    assert!(disk.deposit("deposit-0001").unwrap().is_some());
    drop(driver);
    running.join();
}
