//! What the CLI and the UI show about each connection: its state and counters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use gatewatch_core::GatewayKind;
use gatewatch_net::ConnState;
use serde::Serialize;

/// Counters the engine keeps per connection (the connector keeps the wire-level ones).
#[derive(Debug, Default)]
pub struct EngineCounters {
    /// Events the reducer saw as duplicates.
    pub duplicates: AtomicU64,
    /// Events older than the entity's state.
    pub stale: AtomicU64,
    /// Events applied (created or updated an entity) or kept without an entity.
    pub events: AtomicU64,
    rate: Mutex<RateWindow>,
}

/// A sliding one-second-bucket window for events/s.
#[derive(Debug, Default)]
struct RateWindow {
    /// (second, count) for the last few seconds.
    buckets: [(i64, u64); 5],
}

impl EngineCounters {
    /// Count one event at `now` for the events/s figure.
    pub fn tick_event(&self, now: DateTime<Utc>) {
        self.events.fetch_add(1, Ordering::Relaxed);
        let sec = now.timestamp();
        if let Ok(mut w) = self.rate.lock() {
            let slot = (sec.rem_euclid(5)) as usize;
            if let Some(b) = w.buckets.get_mut(slot) {
                if b.0 == sec {
                    b.1 += 1;
                } else {
                    *b = (sec, 1);
                }
            }
        }
    }

    /// Events per second over the last complete seconds (up to 4).
    pub fn events_per_sec(&self, now: DateTime<Utc>) -> f64 {
        let sec = now.timestamp();
        let Ok(w) = self.rate.lock() else {
            return 0.0;
        };
        // Average over the 4 complete seconds before the current one.
        let total: u64 = w
            .buckets
            .iter()
            .filter(|(s, _)| *s < sec && *s >= sec - 4)
            .map(|(_, c)| *c)
            .sum();
        total as f64 / 4.0
    }
}

/// The counters of one connection as the UI's `Counters` type.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Counters {
    /// Frames read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub frames_in: u64,
    /// Frames written.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub frames_out: u64,
    /// Events decoded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub events: u64,
    /// Frames that failed to decode.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub decode_errors: u64,
    /// Duplicate deliveries.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duplicates: u64,
    /// Out-of-order deliveries that didn't move an entity.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub stale: u64,
    /// Reconnections.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reconnects: u64,
    /// Frames a slow subscriber (the inspector) missed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub dropped_frames: u64,
    /// When the last event arrived.
    pub last_event_at: Option<DateTime<Utc>>,
    /// Events per second (recent average).
    pub events_per_sec: f64,
    /// Last heartbeat round-trip.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub heartbeat_rtt_ms: Option<u64>,
}

/// One connection as the CLI and the UI see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConnectionStatus {
    /// Connection name.
    pub connection: String,
    /// Gateway kind.
    pub gateway: GatewayKind,
    /// Environment label.
    pub environment: String,
    /// URL, secrets redacted.
    pub url: String,
    /// Connector state.
    pub state: ConnState,
    /// Counters.
    pub counters: Counters,
    /// Last error the connection reported (auth failure, server error, decode error).
    pub last_error: Option<String>,
}
