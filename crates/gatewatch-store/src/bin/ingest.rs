//! Durability harness: ingests synthetic batches into a store until killed.
//!
//! `gatewatch-store-ingest <db> <run>`: run `r<run>` of the synthetic stream, written as the
//! engine writes a flood: windows of [`WINDOW`] batches, each one transaction
//! ([`Store::write_window`]). After each window commits it prints
//! `committed <run> <upto> <last_event_id>` and flushes: every event of this run with
//! sequence number `<= upto` is committed. Each window's first batch re-delivers events
//! (within the batch, from the previous batch, and the previous run's first events) so the
//! dedupe key is exercised across batches, runs and crashes. `tests/durability.rs` kills it
//! with SIGKILL at random points and checks the file.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{TimeZone, Utc};
use gatewatch_store::model::WriteBatch;
use gatewatch_store::synth::Synth;
use gatewatch_store::{BatchSource, Store, StoreOptions};

const BATCH: usize = 200;
/// Batches per transaction.
const WINDOW: usize = 3;

/// The batches after a window's first: fresh events with duplicates among them.
struct More<'a> {
    synth: &'a mut Synth,
    left: usize,
}

impl BatchSource for More<'_> {
    async fn next_batch(&mut self) -> Option<WriteBatch> {
        self.left = self.left.checked_sub(1)?;
        Some(self.synth.batch(BATCH, 10))
    }
}
const SEED: u64 = 5;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let db = PathBuf::from(
        args.next()
            .context("usage: gatewatch-store-ingest <db> <run>")?,
    );
    let run: u64 = args
        .next()
        .context("missing <run>")?
        .parse()
        .context("<run>")?;
    let store = Store::open(&db, StoreOptions::default()).await?;
    let t0 = Utc
        .with_ymd_and_hms(2025, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut synth = Synth::new(SEED + run, &format!("r{run}"), t0);
    synth.entities_per_kind = 500;

    // The previous run's first events: stored already if that run got that far.
    let mut redeliver = Vec::new();
    if run > 0 {
        let mut prev = Synth::new(SEED + run - 1, &format!("r{}", run - 1), t0);
        prev.entities_per_kind = 500;
        redeliver = prev.batch(50, 0).events;
    }
    let mut stdout = std::io::stdout().lock();
    loop {
        let mut batch = synth.batch(BATCH, 10);
        let last = batch.events.last().cloned();
        batch.events.append(&mut redeliver);
        let mut more = More {
            synth: &mut synth,
            left: WINDOW - 1,
        };
        let report = store.write_window(&batch, &mut more).await?;
        // Only after the commit returned: this is the promise the test checks.
        writeln!(
            stdout,
            "committed {run} {} {}",
            synth.seq().saturating_sub(1),
            report.last_event_id.unwrap_or(0)
        )?;
        stdout.flush()?;
        redeliver.extend(last);
    }
}
