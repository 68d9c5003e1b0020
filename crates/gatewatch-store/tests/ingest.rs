//! The ingest path's bookkeeping (ids assigned by the store, duplicates, one state per
//! entity per batch) and the background WAL checkpointer.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use gatewatch_store::model::{EventOutcome, WriteBatch};
use gatewatch_store::synth::Synth;
use gatewatch_store::{stored_key, Store, StoreOptions};

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The WAL's current length in pages, as SQLite reports it.
/// The event row `id` exists and holds the stored form of `event`'s dedupe key.
async fn assert_row_holds(store: &Store, id: i64, event: &gatewatch_core::Event) {
    let (key,): (Vec<u8>,) = sqlx::query_as("SELECT dedupe_key FROM events WHERE id = ?")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .expect("the reported row exists");
    assert_eq!(key, stored_key(&event.dedupe_key, event.created_at));
}

async fn wal_pages(store: &Store) -> i64 {
    // PASSIVE with nothing to do still reports the log's length; it checkpoints what it
    // can, which doesn't change the length.
    let (_, log, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(store.pool())
        .await
        .expect("wal_checkpoint");
    log
}

#[tokio::test]
async fn reported_ids_are_the_stored_rows_and_duplicates_are_not_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("g.db"), StoreOptions::default())
        .await
        .expect("open");
    let mut synth = Synth::new(1, "ids", t0());
    synth.entities_per_kind = 40; // many events per entity within a batch
                                  // 333 events, every 7th a redelivery of the batch's first event: odd sizes exercise
                                  // every statement size.
    let first = synth.batch(333, 7);
    // The second batch redelivers ten events of the first, then new ones.
    let mut second = WriteBatch::new();
    second
        .events
        .extend(first.events.iter().skip(50).take(10).cloned());
    second.events.extend(synth.batch(77, 0).events);

    let mut expect_dupes = 0;
    for (n, batch) in [&first, &second].into_iter().enumerate() {
        if n == 1 {
            check_last_states(&store, &first).await;
        }
        let r = store.write_batch(batch).await.expect("write");
        assert_eq!(r.outcomes.len(), batch.events.len());
        let mut prev = 0;
        for (be, outcome) in batch.events.iter().zip(&r.outcomes) {
            match outcome {
                EventOutcome::Inserted { id } => {
                    assert!(*id > prev, "ids grow in batch order");
                    prev = *id;
                    assert_row_holds(&store, *id, &be.event).await;
                }
                EventOutcome::Duplicate => {}
            }
        }
        assert_eq!(r.last_event_id, Some(prev));
        expect_dupes += if n == 0 { 333 / 7 } else { 10 };
    }
    let (stored, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT dedupe_key) FROM events")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(stored, distinct);
    assert_eq!(stored as usize, 333 + 10 + 77 - expect_dupes);

    store.close().await;
}

/// Redeliveries of events the log already holds, scattered among new events of one batch:
/// the insert skips them (the store no longer looks keys up before inserting), they are
/// reported as duplicates, every other event gets the row it is reported with, and a
/// redelivered event's state is not applied even when it would win the guard.
#[tokio::test]
async fn redeliveries_between_new_events_are_skipped_and_their_states_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("g.db"), StoreOptions::default())
        .await
        .expect("open");
    let mut synth = Synth::new(2, "redeliver", t0());
    let first = synth.batch(300, 0);
    store.write_batch(&first).await.expect("first batch");

    // 290 new events with three redeliveries of the first batch among them (and one of
    // them twice), each carrying a state far newer than anything stored.
    let mut second = WriteBatch::new();
    let fresh = synth.batch(290, 0).events;
    let picks = [(5, 17), (120, 250), (121, 250), (289, 0)];
    let mut at = 0;
    for &(pos, from) in &picks {
        second.events.extend(fresh[at..pos].iter().cloned());
        at = pos;
        let mut again = first.events[from].clone();
        if let Some(s) = again.state.as_mut() {
            s.updated_at = t0() + chrono::Duration::days(365);
        }
        second.events.push(again);
    }
    second.events.extend(fresh[at..].iter().cloned());
    assert_eq!(second.events.len(), 294);

    let before: i64 = sqlx::query_as::<_, (i64,)>("SELECT count(*) FROM events")
        .fetch_one(store.pool())
        .await
        .expect("count")
        .0;
    let r = store.write_batch(&second).await.expect("second batch");
    assert_eq!((r.inserted, r.duplicates), (290, 4));
    let mut prev = 0;
    for (be, outcome) in second.events.iter().zip(&r.outcomes) {
        let redelivered = first
            .events
            .iter()
            .any(|f| f.event.dedupe_key == be.event.dedupe_key);
        match outcome {
            EventOutcome::Inserted { id } => {
                assert!(!redelivered, "a redelivery was reported inserted");
                assert!(*id > prev, "ids grow in batch order");
                prev = *id;
                assert_row_holds(&store, *id, &be.event).await;
            }
            EventOutcome::Duplicate => assert!(redelivered, "a new event was reported a duplicate"),
        }
    }
    assert_eq!(r.last_event_id, Some(prev));
    let (after, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT dedupe_key) FROM events")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!((after - before, after), (290, distinct));
    // No redelivered state reached an entity row (they were a year ahead).
    let (newest,): (i64,) = sqlx::query_as("SELECT max(updated_at) FROM entities")
        .fetch_one(store.pool())
        .await
        .expect("max");
    assert!(newest < (t0() + chrono::Duration::days(1)).timestamp_millis());
    let with_state = picks
        .iter()
        .filter(|&&(_, from)| first.events[from].state.is_some())
        .count();
    assert!(with_state >= 2, "the picks carry states");
    assert!(
        r.entities_refused >= with_state as u64,
        "refused: {}",
        r.entities_refused
    );
    store.close().await;
}

/// Into an empty file, the state kept for each entity is the batch's last one for it
/// (synthetic update times grow with the sequence).
async fn check_last_states(store: &Store, batch: &WriteBatch) {
    let mut last: HashMap<(String, String), i64> = HashMap::new();
    for be in &batch.events {
        if let Some(s) = &be.state {
            let k = (
                s.key.entity.kind.as_str().to_owned(),
                s.key.entity.id.clone(),
            );
            last.insert(k, s.updated_at.timestamp_millis());
        }
    }
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT kind, id, updated_at FROM entities")
            .fetch_all(store.pool())
            .await
            .expect("entities");
    assert_eq!(rows.len(), last.len());
    for (kind, id, at) in rows {
        assert_eq!(last.get(&(kind, id)), Some(&at));
    }
}

/// Write `batches` batches of 200 synthetic events; return the WAL length at the end and
/// the checkpoints done.
async fn ingest(opts: StoreOptions, batches: usize) -> (i64, u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("g.db"), opts)
        .await
        .expect("open");
    let mut synth = Synth::new(2, "wal", t0());
    for _ in 0..batches {
        store
            .write_batch(&synth.batch(200, 0))
            .await
            .expect("write");
        // Give the checkpointer its turn between batches, as the engine's 100 ms batching
        // does; without it a busy single-threaded test never lets the task run.
        tokio::task::yield_now().await;
    }
    let pages = wal_pages(&store).await;
    let done = store.checkpoints();
    assert_eq!(store.integrity_check().await.expect("check"), "ok");
    store.close().await;
    (pages, done)
}

// Depends on the background checkpointer getting CPU between batches: on a 2-core machine
// running the whole test suite in parallel it sometimes doesn't (seen: 3,788 pages in CI
// with a 256-page limit). Run it alone: `cargo test -p gatewatch-store --test ingest -- --ignored`.
#[ignore = "scheduling-dependent; run alone with --ignored"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_while_ingest_never_pauses() {
    let limit = 256;
    let bounded = StoreOptions {
        checkpoint_interval: Duration::ZERO,
        wal_limit_pages: limit,
        ..StoreOptions::default()
    };
    let (pages, done) = ingest(bounded, 40).await;
    assert!(done > 0, "background checkpoints ran");
    // One batch of 200 events writes a few hundred pages; the WAL restarts once it is
    // past the limit, so it never holds much more than the limit plus a couple of batches.
    assert!(
        pages < limit * 4,
        "WAL held {pages} pages with a limit of {limit}"
    );

    // Control: with the checkpointer held off (and no limit) the same ingest leaves a much
    // longer WAL, so the bound above is the checkpointer's doing.
    let unbounded = StoreOptions {
        checkpoint_interval: Duration::from_secs(3600),
        wal_limit_pages: i64::MAX,
        ..StoreOptions::default()
    };
    let (pages, _) = ingest(unbounded, 40).await;
    assert!(
        pages > limit * 4,
        "without a limit the WAL held only {pages} pages"
    );
}

/// Every row of `table`, each as one text of its quoted values, in `order`.
async fn rows_of(store: &Store, table: &str, order: &str) -> Vec<String> {
    let cols: Vec<(String,)> =
        sqlx::query_as(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .fetch_all(store.pool())
            .await
            .expect("columns");
    let row = cols
        .iter()
        .map(|(c,)| format!("quote({c})"))
        .collect::<Vec<_>>()
        .join(" || ',' || ");
    let rows: Vec<(String,)> =
        sqlx::query_as(&format!("SELECT {row} FROM {table} ORDER BY {order}"))
            .fetch_all(store.pool())
            .await
            .expect("rows");
    rows.into_iter().map(|(r,)| r).collect()
}

/// A window of batches (one transaction, entity states written once at the end) leaves
/// exactly the rows one batch holding all their events leaves — events and their ids,
/// entities, intent history — and reports the same; redeliveries of an earlier batch of
/// the window are duplicates (not inserted: no id spent) and their states not applied.
#[tokio::test]
async fn a_window_of_batches_stores_what_one_batch_of_all_their_events_stores() {
    let mut synth = Synth::new(3, "window", t0());
    synth.entities_per_kind = 30; // the same entities in every batch
    let b1 = synth.batch(250, 9);
    let mut b2 = synth.batch(180, 0);
    // Redeliveries of b1, carrying states that would win the guard if applied.
    for from in [3, 100, 249] {
        let mut again = b1.events[from].clone();
        if let Some(s) = again.state.as_mut() {
            s.updated_at = t0() + chrono::Duration::days(365);
        }
        b2.events.insert(from % 150, again);
    }
    let b3 = synth.batch(70, 0);
    let mut all = WriteBatch::new();
    for b in [&b1, &b2, &b3] {
        all.events.extend(b.events.iter().cloned());
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let one = Store::open(&dir.path().join("a.db"), StoreOptions::default())
        .await
        .expect("open a");
    let expect = one.write_batch(&all).await.expect("one batch");
    let window = Store::open(&dir.path().join("b.db"), StoreOptions::default())
        .await
        .expect("open b");
    let mut more: std::collections::VecDeque<_> = [b2.clone(), b3.clone()].into();
    let r = window.write_window(&b1, &mut more).await.expect("window");

    assert_eq!(r, expect);
    assert!(r.duplicates >= 3 + 250 / 9, "{}", r.duplicates);
    let (entities, max_id): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM entities), (SELECT max(id) FROM events)")
            .fetch_one(window.pool())
            .await
            .expect("count");
    assert_eq!(r.entities_written, entities as u64, "one write per entity");
    assert_eq!(max_id as u64, r.inserted, "no id spent on a duplicate");
    for (table, order) in [
        ("events", "id"),
        ("entities", "kind, id, venue"),
        ("intent_status_history", "id"),
    ] {
        let (a, b) = (
            rows_of(&one, table, order).await,
            rows_of(&window, table, order).await,
        );
        assert!(!a.is_empty(), "{table} holds rows");
        assert_eq!(a, b, "{table}");
    }
    one.close().await;
    window.close().await;
}
