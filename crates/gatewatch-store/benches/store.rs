//! Store benchmark: ingest rate and query latency with a large event log.
//!
//! `cargo bench -p gatewatch-store --bench store` (release build). Environment:
//! `GATEWATCH_BENCH_EVENTS` (default 1,000,000), `GATEWATCH_BENCH_BATCH` (default 10,000, the
//! engine writer's `MAX_BATCH`), `GATEWATCH_BENCH_WINDOW` (batches per transaction, default
//! 5: what the engine's writer puts in one `Store::write_window` under a flood; 1 = one
//! `write_batch` per batch), `GATEWATCH_BENCH_PAYLOAD=uniform` (payloads of 300–1500
//! bytes whatever the kind, instead of the simulator's sizes per kind),
//! `GATEWATCH_BENCH_DIR` (default: a temporary directory, removed afterwards),
//! `GATEWATCH_BENCH_ENTITIES` (distinct ids per entity kind, default 10,000: most events
//! of a batch then touch a different entity, the worst case for page locality),
//! `GATEWATCH_BENCH_QUERIES=0` (ingest only: for profiling the write path).
//! Prints a markdown table; the numbers in docs/store.md come from here.

use std::time::{Duration, Instant};

// The allocator of the `gatewatch` binary and the desktop app, so the Rust side of the write
// path is measured as it ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use chrono::{TimeZone, Utc};
use gatewatch_core::EntityKind;
use gatewatch_store::synth::Synth;
use gatewatch_store::{EventFilter, Store, StoreOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Stats {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    Stats {
        p50: at(0.5),
        p99: at(0.99),
        max: at(1.0),
    }
}

/// Bytes this process has written through `write(2)`-like calls (Linux `/proc/self/io`
/// `wchar`; 0 elsewhere): the WAL appends and the checkpoints' copies.
fn io_write_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("wchar:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time of the calling thread (the main thread's share of event generation).
fn cpu_time() -> Duration {
    // `/proc/thread-self/stat` fields 14 and 15, in 10 ms ticks: too coarse per batch, so
    // use `schedstat` (nanoseconds on CPU) instead.
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// CPU time (user + system) used so far by this process's threads, summed by thread name
/// (Linux `/proc/self/task/*/stat`, in clock ticks of 10 ms; empty elsewhere). sqlx runs
/// each SQLite connection on its own `sqlx-sqlite-worker` thread.
fn cpu_by_thread() -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for t in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: comm may hold spaces; fields after it are plain.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after `comm`.
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let name = if comm.starts_with("sqlx-sqlite") {
            "sqlx-sqlite-worker (SQLite)".to_owned()
        } else if comm.starts_with("tokio") {
            "tokio workers".to_owned()
        } else {
            "main (events, serialization, sqlx calls)".to_owned()
        };
        *out.entry(name).or_insert(0) += ticks(11) + ticks(12);
    }
    out
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total = env_usize("GATEWATCH_BENCH_EVENTS", 1_000_000);
    // The engine's writer closes a batch at this many events (under load; at a trickle, after
    // 100 ms).
    let batch_size = env_usize("GATEWATCH_BENCH_BATCH", 10_000).max(1);
    let window = env_usize("GATEWATCH_BENCH_WINDOW", 5).max(1);
    let tmp = tempfile::tempdir()?;
    let dir = std::env::var("GATEWATCH_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| tmp.path().to_owned());
    let path = dir.join("bench.db");
    let _ = std::fs::remove_file(&path);
    let mut opts = StoreOptions::default();
    if let Some(p) = std::env::var("GATEWATCH_BENCH_PAGE_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        opts.page_size = p;
    }
    let store = Store::open(&path, opts).await?;

    let t0 = Utc
        .with_ymd_and_hms(2025, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut synth = Synth::new(42, "bench", t0);
    synth.entities_per_kind = env_usize("GATEWATCH_BENCH_ENTITIES", 10_000).max(1) as u64;
    if std::env::var("GATEWATCH_BENCH_PAYLOAD").is_ok_and(|v| v == "uniform") {
        synth.payload_sizes = gatewatch_store::synth::PayloadSizes::Uniform;
    }
    let mut written = 0usize;
    let mut bytes = 0usize;
    let mut write_time = Duration::ZERO;
    let mut batch_times = Vec::new();
    let io_before = io_write_bytes();
    let cpu_before = cpu_by_thread();
    let mut synth_cpu = Duration::ZERO;
    let wall = Instant::now();
    while written < total {
        // One window: its batches made first (not timed), then written as the engine's
        // writer writes them under a flood.
        let made = cpu_time();
        let mut batches = std::collections::VecDeque::new();
        let mut n = 0;
        while batches.len() < window && written + n < total {
            let b = synth.batch(batch_size.min(total - written - n), 0);
            n += b.events.len();
            bytes += b
                .events
                .iter()
                .map(|e| e.event.payload.to_string().len())
                .sum::<usize>();
            batches.push_back(b);
        }
        synth_cpu += cpu_time().saturating_sub(made);
        let Some(first) = batches.pop_front() else {
            break;
        };
        // The rest of the window, made before the clock starts.
        let mut more = batches;
        let start = Instant::now();
        let report = store.write_window(&first, &mut more).await?;
        let took = start.elapsed();
        write_time += took;
        batch_times.push(took);
        anyhow::ensure!(
            report.inserted as usize == n,
            "every synthetic event is new"
        );
        written += n;
    }
    let wall = wall.elapsed();
    let written_bytes = io_write_bytes().saturating_sub(io_before);
    let cpu_after = cpu_by_thread();

    let b = stats(batch_times);
    let db_size = std::fs::metadata(&path)?.len();
    println!("## gatewatch-store benchmark\n");
    println!(
        "{total} events, batch {batch_size}, {window} batches per transaction, {} ids per entity kind, average payload {} bytes, \
         db file {:.0} MiB\n",
        synth.entities_per_kind,
        bytes / total.max(1),
        db_size as f64 / 1048576.0
    );
    println!("| measure | value |\n| --- | --- |");
    println!(
        "| ingest (write_batch time only) | {:.0} events/s |",
        written as f64 / write_time.as_secs_f64()
    );
    println!(
        "| ingest (wall, incl. generating events) | {:.0} events/s |",
        written as f64 / wall.as_secs_f64()
    );
    println!(
        "| bytes written by the process (WAL + checkpoints) | {:.1} KiB per event |",
        written_bytes as f64 / 1024.0 / written.max(1) as f64
    );
    for (name, after) in &cpu_after {
        let before = cpu_before.get(name).copied().unwrap_or(0);
        let mut us = (after - before) as f64 * 10_000.0 / written.max(1) as f64;
        let mut note = String::new();
        if name.starts_with("main") {
            // The main thread also generated the events: take that out.
            let gen = synth_cpu.as_secs_f64() * 1e6 / written.max(1) as f64;
            us -= gen;
            note = format!(" (generating them took another {gen:.1} us, not counted)");
        }
        println!("| CPU per event, {name} | {us:.1} us{note} |");
    }
    println!(
        "| transaction (window) p50 / p99 / max | {} / {} / {} ms |",
        ms(b.p50),
        ms(b.p99),
        ms(b.max)
    );

    if std::env::var("GATEWATCH_BENCH_QUERIES").is_ok_and(|v| v == "0") {
        store.close().await;
        return Ok(());
    }
    // Queries with the full log in place; ids drawn at random from the synthetic space.
    let mut rng = StdRng::seed_from_u64(7);
    let iters = 1_000;
    let ids = synth.entities_per_kind;
    let mut run = Vec::new();
    let mut intent_rows = 0;
    for _ in 0..iters {
        let id = format!("intent_{}", rng.random_range(0..ids));
        let s = Instant::now();
        intent_rows += usize::from(store.intent(&id).await?.is_some());
        run.push(s.elapsed());
    }
    let intent = stats(std::mem::take(&mut run));
    let mut history_len = 0;
    for _ in 0..iters {
        let id = format!("intent_{}", rng.random_range(0..ids));
        let s = Instant::now();
        history_len += store
            .entity_events(EntityKind::Intent, &id, 200)
            .await?
            .len();
        run.push(s.elapsed());
    }
    let history = stats(std::mem::take(&mut run));
    let mut at_risk = 0;
    for _ in 0..iters {
        let s = Instant::now();
        at_risk = store.positions_at_risk().await?.len();
        run.push(s.elapsed());
    }
    let risk = stats(std::mem::take(&mut run));
    for _ in 0..iters {
        let f = EventFilter {
            event_type: Some("position.closed".into()),
            limit: Some(100),
            ..Default::default()
        };
        let s = Instant::now();
        store.events(&f).await?;
        run.push(s.elapsed());
    }
    let by_type = stats(std::mem::take(&mut run));
    for _ in 0..20 {
        let f = EventFilter {
            text: Some(format!("dm_pos_{}\"", rng.random_range(0..ids))),
            limit: Some(100),
            ..Default::default()
        };
        let s = Instant::now();
        store.events(&f).await?;
        run.push(s.elapsed());
    }
    let text = stats(std::mem::take(&mut run));
    let row = |name: &str, s: &Stats| {
        println!(
            "| {name} p50 / p99 / max | {} / {} / {} ms |",
            ms(s.p50),
            ms(s.p99),
            ms(s.max)
        )
    };
    row(
        &format!("intent by id ({intent_rows}/{iters} found)"),
        &intent,
    );
    row(
        &format!("one intent's history (avg {} events)", history_len / iters),
        &history,
    );
    row(&format!("positions at risk ({at_risk} rows)"), &risk);
    row("newest 100 events of one type", &by_type);
    row(
        &format!(
            "free-text search, newest {} events (payloads decompressed and scanned)",
            gatewatch_store::TEXT_SEARCH_WINDOW
        ),
        &text,
    );
    store.close().await;
    Ok(())
}
