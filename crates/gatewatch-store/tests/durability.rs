//! Durability: an ingesting process is SIGKILLed at random points; after each kill the file
//! passes `PRAGMA integrity_check`, holds every event the process reported committed, and
//! holds no dedupe key twice. `GATEWATCH_DURABILITY_KILLS` raises the number of kills
//! (default 20).

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use gatewatch_store::synth::Synth;
use gatewatch_store::{stored_key, Store, StoreOptions};
use rand::Rng;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Parse `committed <run> <upto> <last_event_id>`.
fn parse(line: &str) -> Option<(u64, u64, i64)> {
    let mut it = line.strip_prefix("committed ")?.split(' ');
    Some((
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_nothing_committed() {
    let kills: u64 = std::env::var("GATEWATCH_DURABILITY_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("durable.db");
    let exe = env!("CARGO_BIN_EXE_gatewatch-store-ingest");
    let t0 = Utc
        .with_ymd_and_hms(2025, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut rng = rand::rng();
    let mut total_committed = 0u64;

    for run in 0..kills {
        let mut child = Command::new(exe)
            .arg(&db)
            .arg(run.to_string())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the ingest harness");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Let it commit 1..=4 batches (waiting on its own report), then kill it somewhere
        // in the next 0..30 ms: mid-batch, mid-commit or mid-checkpoint.
        let wait_for = rng.random_range(1..=4);
        let mut last = None;
        let mut seen = 0;
        while seen < wait_for {
            let line = lines
                .next_line()
                .await
                .expect("read stdout")
                .unwrap_or_else(|| panic!("run {run}: harness exited early"));
            if let Some(c) = parse(&line) {
                last = Some(c);
                seen += 1;
            }
        }
        tokio::time::sleep(Duration::from_micros(rng.random_range(0..30_000))).await;
        child.start_kill().expect("SIGKILL");
        let status = child.wait().await.expect("wait");
        assert!(!status.success(), "run {run}: killed, not exited");
        // Lines printed before the kill are promises too.
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(c) = parse(&line) {
                last = Some(c);
            }
        }
        let (r, upto, last_id) = last.expect("at least one commit reported");
        assert_eq!(r, run);

        let store = Store::open(&db, StoreOptions::default())
            .await
            .expect("reopen after kill");
        assert_eq!(
            store.integrity_check().await.expect("integrity"),
            "ok",
            "run {run}"
        );
        let synth = Synth::new(0, &format!("r{run}"), t0);
        // Keys are stored as their creation time and hash (`stored_key`).
        let keys: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT dedupe_key FROM events")
            .fetch_all(store.pool())
            .await
            .expect("keys");
        let keys: HashSet<Vec<u8>> = keys.into_iter().map(|(k,)| k).collect();
        for seq in 0..=upto {
            assert!(
                keys.contains(&stored_key(&synth.dedupe_key(seq), Some(synth.created_at(seq)))[..]),
                "run {run}: committed event {seq} missing"
            );
        }
        let (found,): (i64,) = sqlx::query_as("SELECT count(*) FROM events WHERE id = ?")
            .bind(last_id)
            .fetch_one(store.pool())
            .await
            .expect("last id");
        assert_eq!(found, 1, "run {run}: reported event id {last_id} missing");
        let dupes: Vec<(String,)> = sqlx::query_as(
            "SELECT hex(dedupe_key) FROM events GROUP BY dedupe_key HAVING count(*) > 1",
        )
        .fetch_all(store.pool())
        .await
        .expect("dupes");
        assert!(dupes.is_empty(), "run {run}: duplicated keys {dupes:?}");
        total_committed += upto + 1;
        store.close().await;
    }
    assert!(total_committed >= kills, "every run committed something");
}
