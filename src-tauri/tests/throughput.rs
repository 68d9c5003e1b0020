//! How the live stream behaves under load: the bridge on a simulator sending ~5,000 events a
//! second across the five gateways, for ten seconds. Prints batches/s, frames/s delivered,
//! frames per batch, frames dropped and the JSON volume sent to the webview. A measurement,
//! so it is ignored by default:
//! `cargo test -p gatewatch-app --release --test throughput -- --ignored --nocapture`
//! It still asserts the bridge's promises: at most ~30 batches a second, and every frame the
//! ring received either delivered or counted as dropped.

use std::time::{Duration, Instant};

use gatewatch_app::bridge::BatchSink;
use gatewatch_app::ipc::UiBatch;
use gatewatch_app::{Bridge, BridgeOptions};
use gatewatch_core::GatewayKind;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct Measure(mpsc::UnboundedSender<(usize, UiBatch)>);

impl BatchSink for Measure {
    fn send_batch(&self, batch: UiBatch) -> Result<(), String> {
        // What the Channel would do: serialize to JSON.
        let bytes = serde_json::to_vec(&batch).map_err(|e| e.to_string())?.len();
        self.0.send((bytes, batch)).map_err(|e| e.to_string())
    }
}

/// A config file with one connection per simulated gateway (the simulator's own credentials).
fn config_for(info: &gatewatch_sim::SimInfo) -> String {
    let mut text = String::new();
    for kind in GatewayKind::ALL {
        let Some(g) = info.gateway(kind) else {
            continue;
        };
        text.push_str(&format!(
            "[[connection]]\nname = \"{kind}\"\nkind = \"{kind}\"\nurl = \"{}\"\nenvironment = \"load\"\n",
            g.url
        ));
        match kind {
            GatewayKind::Zkde => {}
            GatewayKind::Fusion => text.push_str("all_intents = true\n"),
            _ => {
                let cred = g.credential(0).unwrap_or_default();
                text.push_str(&format!("credential = {{ literal = \"{cred}\" }}\n"));
            }
        }
        if kind == GatewayKind::Axisor {
            text.push_str("rooms = [\"positions\", \"notifications\", \"margin_guard\", \"market:BTC_USD\", \"market:ETH_USD\"]\n");
        }
        text.push('\n');
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn five_thousand_events_a_second() {
    let rate = 5_000.0;
    let sim_token = CancellationToken::new();
    let sim = gatewatch_sim::start(
        gatewatch_sim::SimOptions {
            rate: gatewatch_sim::Rate::PerSecond(rate),
            ..Default::default()
        },
        sim_token.clone(),
    )
    .await
    .expect("a simulator");
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, config_for(sim.info())).expect("a config file");
    let bridge = Bridge::new(BridgeOptions {
        config_path: Some(config),
        db: Some(dir.path().join("load.db")),
        os_notifications: false,
    });
    bridge.start().await.expect("the engine starts");
    let (tx, mut rx) = mpsc::unbounded_channel();
    bridge.subscribe_live("main", Measure(tx));

    // Let the connections settle, then measure a window.
    tokio::time::sleep(Duration::from_secs(2)).await;
    while rx.try_recv().is_ok() {}
    let window = Duration::from_secs(10);
    let start = Instant::now();
    let (mut batches, mut frames, mut dropped, mut bytes, mut max_frames, mut entities) =
        (0u64, 0u64, 0u64, 0u64, 0usize, 0u64);
    let mut seqs = Vec::new();
    while start.elapsed() < window {
        match tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
            Ok(Some((size, b))) => {
                batches += 1;
                frames += b.frames.len() as u64;
                dropped += b.frames_dropped;
                bytes += size as u64;
                max_frames = max_frames.max(b.frames.len());
                entities += (b.positions.len()
                    + b.intents.len()
                    + b.lobbies.len()
                    + b.contracts.len()
                    + b.storage_items.len()) as u64;
                seqs.extend(b.frames.iter().map(|f| f.seq));
            }
            Ok(None) => panic!("the stream ended"),
            Err(_) => {}
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let status = bridge
        .snapshot()
        .await
        .expect("a snapshot")
        .batch
        .connections;
    let events_per_sec: f64 = status.iter().map(|c| c.counters.events_per_sec).sum();
    println!(
        "simulator rate {rate}/s; engine events/s (last 4 s) {events_per_sec:.0}\n\
         batches/s {:.1}; frames delivered/s {:.0}; frames per batch avg {:.0}, max {max_frames}; \
         frames dropped {dropped}; entity upserts/s {:.0}; JSON to the webview {:.2} MB/s",
        batches as f64 / secs,
        frames as f64 / secs,
        frames as f64 / batches.max(1) as f64,
        entities as f64 / secs,
        bytes as f64 / secs / 1e6,
    );
    assert!(
        batches as f64 / secs <= 31.0,
        "{batches} batches in {secs:.1}s"
    );
    let span = match (seqs.first(), seqs.last()) {
        (Some(a), Some(b)) => b - a + 1,
        _ => 0,
    };
    // Gaps in the sequence are frames the reader skipped: each one must be counted as dropped.
    assert!(
        span - frames <= dropped,
        "{} frames missing, {dropped} reported dropped",
        span - frames
    );
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "frames in order");
    bridge.shutdown().await;
    sim_token.cancel();
    sim.stopped().await;
}
