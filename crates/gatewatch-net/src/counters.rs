//! Per-connection counters: lock-free atomics the socket loop bumps, and a serializable
//! snapshot for the engine, CLI and UI.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Live counters of one connection.
#[derive(Debug, Default)]
pub struct Counters {
    /// Frames read (text and binary, not WebSocket control frames).
    pub frames_in: AtomicU64,
    /// Frames written.
    pub frames_out: AtomicU64,
    /// Data events handed to the engine.
    pub events: AtomicU64,
    /// Messages that could not be decoded (malformed, oversized, unsupported).
    pub decode_errors: AtomicU64,
    /// Successful re-connects after a drop.
    pub reconnects: AtomicU64,
    /// Inbound frames discarded by the connector: oversized, binary/unsupported packets,
    /// other namespaces.
    pub dropped_frames: AtomicU64,
    /// zkde events removed by the client-side event filter.
    pub filtered: AtomicU64,
    /// Errors the server reported (auth failures included).
    pub server_errors: AtomicU64,
    /// Last data event, milliseconds since the Unix epoch (0 = none yet).
    pub last_event_at_ms: AtomicI64,
    /// Last heartbeat round trip in milliseconds (`u64::MAX` = none measured yet).
    pub heartbeat_rtt_ms: AtomicU64,
}

impl Counters {
    /// Fresh counters.
    pub fn new() -> Self {
        Self {
            heartbeat_rtt_ms: AtomicU64::new(u64::MAX),
            ..Self::default()
        }
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    /// A consistent-enough copy (each field read atomically, not all at once).
    pub fn snapshot(&self) -> CountersSnapshot {
        let last = self.last_event_at_ms.load(Relaxed);
        let rtt = self.heartbeat_rtt_ms.load(Relaxed);
        CountersSnapshot {
            frames_in: self.frames_in.load(Relaxed),
            frames_out: self.frames_out.load(Relaxed),
            events: self.events.load(Relaxed),
            decode_errors: self.decode_errors.load(Relaxed),
            reconnects: self.reconnects.load(Relaxed),
            dropped_frames: self.dropped_frames.load(Relaxed),
            filtered: self.filtered.load(Relaxed),
            server_errors: self.server_errors.load(Relaxed),
            last_event_at: (last != 0)
                .then(|| DateTime::<Utc>::from_timestamp_millis(last))
                .flatten(),
            heartbeat_rtt_ms: (rtt != u64::MAX).then_some(rtt),
        }
    }
}

/// A copy of [`Counters`] at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CountersSnapshot {
    /// Frames read.
    pub frames_in: u64,
    /// Frames written.
    pub frames_out: u64,
    /// Data events handed to the engine.
    pub events: u64,
    /// Messages that could not be decoded.
    pub decode_errors: u64,
    /// Successful re-connects after a drop.
    pub reconnects: u64,
    /// Inbound frames discarded by the connector.
    pub dropped_frames: u64,
    /// zkde events removed by the client-side filter.
    pub filtered: u64,
    /// Errors the server reported.
    pub server_errors: u64,
    /// When the last data event arrived.
    pub last_event_at: Option<DateTime<Utc>>,
    /// Last heartbeat round trip, milliseconds.
    pub heartbeat_rtt_ms: Option<u64>,
}
