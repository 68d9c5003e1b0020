//! Alert latency: from a frame received to the `Notify` call answered.
//!
//! Each iteration takes one frame as a connector hands it over (a Dimes
//! `position.liquidated` Socket.IO event or an Axisor `position_status_update` text frame
//! crossing the margin threshold, each for a new position so that every one raises a
//! critical alert), then runs `decode` → `Reducer::apply` → `AlertEngine::on_event` →
//! `Notifier::notify`, and stops the clock:
//!
//! - recording notifier: when `notify` returns (the pure in-process cost);
//! - `DesktopNotifier`: when the notification server answered the D-Bus `Notify` call on
//!   the sender thread (run under `dbus-run-session` with a notification daemon, e.g.
//!   `tests/notify/bench_notify.sh`, which uses python-dbusmock's).
//!
//! Alerts are sent one at a time (the next frame after the previous notification was
//! answered): this measures latency, not queueing. Grouping and the per-minute cap are
//! off so that every frame notifies. Not measured: the network, the connector's own
//! parsing of Engine.IO/WebSocket framing, and the SQLite write (which runs beside, not
//! before, the notification).
//!
//! `cargo bench -p gatewatch-engine --bench alert_latency` (env `ALERT_BENCH_N` and
//! `ALERT_BENCH_DESKTOP_N` change the counts).

use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use gatewatch_core::alerts::AlertEngine;
use gatewatch_core::config::AlertThresholds;
use gatewatch_core::reduce::Reducer;
use gatewatch_core::{decode, ConnectionId, DecodeContext, Decoded, GatewayKind, WireMessage};
use gatewatch_engine::notify::{DesktopNotifier, Notifier, RecordingNotifier};
use serde_json::{json, Value};

/// One frame as received: owned, built before the clock starts.
enum Frame {
    Text(String),
    Sio(&'static str, Vec<Value>),
}

fn frame(i: usize) -> (GatewayKind, Frame) {
    if i & 1 == 0 {
        let envelope = json!({
            "id": format!("evt_bench_{i}"), "type": "position.liquidated",
            "created_at": "2026-11-24T10:00:05.000Z",
            "data": {"id": format!("dm_pos_bench_{i}"), "status": "liquidated", "close_reason": "liquidated",
                     "market": {"ticker": "BTC-100K-DEC YES"}, "entry": {"price": 0.61, "size": 100},
                     "result": {"realized_pnl": -42.5, "collected_liquidation_fee_usdc": 1.25},
                     "fees": {"open": 0.1}}
        });
        (
            GatewayKind::DimesPartner,
            Frame::Sio("position.liquidated", vec![envelope]),
        )
    } else {
        let text = json!({
            "type": "position_status_update", "channel": "positions",
            "data": {"userId": "user_123", "position": {
                "id": format!("pos_bench_{i}"), "symbol": "BTC_USD", "side": "long", "size": 1000,
                "entryPrice": 43000, "currentPrice": 39400, "margin": 100, "leverage": 10, "pnl": -360,
                "distanceToLiquidation": 0.62, "isAtRisk": true, "updatedAt": "2026-11-24T10:00:05Z"}}
        })
        .to_string();
        (GatewayKind::Axisor, Frame::Text(text))
    }
}

struct Pipeline {
    reducer: Reducer,
    alerts: AlertEngine,
    conns: [ConnectionId; 2],
}

impl Pipeline {
    fn new() -> Self {
        Self {
            reducer: Reducer::new(),
            alerts: AlertEngine::new(AlertThresholds {
                group_window_secs: 0,
                max_notifications_per_minute: u32::MAX,
                ..AlertThresholds::default()
            }),
            conns: [
                ConnectionId::new("dimes-partner"),
                ConnectionId::new("axisor"),
            ],
        }
    }

    /// Frame → notifications handed to `notifier`; returns how many.
    fn run(&mut self, gateway: GatewayKind, f: &Frame, notifier: &dyn Notifier) -> usize {
        let ctx = DecodeContext {
            connection: self.conns[usize::from(gateway == GatewayKind::Axisor)].clone(),
            gateway,
            received_at: Utc::now(),
        };
        let msg = match f {
            Frame::Text(t) => WireMessage::Text(t),
            Frame::Sio(event, args) => WireMessage::SocketIo { event, args },
        };
        let Ok(Decoded::Event(ev)) = decode(&ctx, msg) else {
            return 0;
        };
        let applied = self.reducer.apply(&ev);
        let mut sent = 0;
        for alert in self.alerts.on_event(&ev, applied, Utc::now()) {
            if alert.os_notify && notifier.notify(&alert).is_ok() {
                sent += 1;
            }
        }
        sent
    }
}

fn report(name: &str, mut v: Vec<Duration>) {
    if v.is_empty() {
        println!("{name}: no samples");
        return;
    }
    v.sort_unstable();
    let pct = |p: usize| v[(v.len() * p / 100).min(v.len() - 1)];
    let mean = v.iter().sum::<Duration>() / u32::try_from(v.len()).unwrap_or(u32::MAX);
    println!(
        "{name}: n={} p50={:.3} ms p99={:.3} ms max={:.3} ms mean={:.3} ms",
        v.len(),
        pct(50).as_secs_f64() * 1e3,
        pct(99).as_secs_f64() * 1e3,
        v[v.len() - 1].as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3,
    );
}

fn env_n(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn recording(n: usize) {
    let notifier = RecordingNotifier::new();
    let mut p = Pipeline::new();
    let frames: Vec<_> = (0..n).map(frame).collect();
    let mut lat = Vec::with_capacity(n);
    for (g, f) in &frames {
        let t0 = Instant::now();
        let sent = p.run(*g, f, &notifier);
        let dt = t0.elapsed();
        if sent == 1 {
            lat.push(dt);
        }
    }
    if lat.len() != n {
        println!(
            "recording: only {} of {n} frames notified (decoder or rules not ready?)",
            lat.len()
        );
    }
    report("frame → notify() returned (RecordingNotifier)", lat);
}

fn desktop(n: usize) {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        println!("desktop: skipped (no session bus; run tests/notify/bench_notify.sh)");
        return;
    }
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let notifier = match DesktopNotifier::with_delivery_hook(Box::new(move |d| {
        if let Ok(t) = tx.lock() {
            let _ = t.send(d);
        }
    })) {
        Ok(n) => n,
        Err(e) => {
            println!("desktop: {e}");
            return;
        }
    };
    let mut p = Pipeline::new();
    let frames: Vec<_> = (0..n).map(frame).collect();
    let mut lat = Vec::with_capacity(n);
    let mut failed = 0;
    for (g, f) in &frames {
        let t0 = Instant::now();
        if p.run(*g, f, &notifier) != 1 {
            continue;
        }
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(d) if d.error.is_none() => lat.push(d.done.duration_since(t0)),
            Ok(_) => failed += 1,
            Err(_) => {
                println!("desktop: no answer from the sender thread in 30 s");
                break;
            }
        }
    }
    if failed > 0 {
        println!("desktop: {failed} Notify calls failed (no notification daemon on this bus?)");
    }
    report("frame → Notify answered (DesktopNotifier, D-Bus)", lat);
    notifier.close(Duration::from_secs(5));
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    recording(env_n("ALERT_BENCH_N", 20_000));
    desktop(env_n("ALERT_BENCH_DESKTOP_N", 1_000));
}
