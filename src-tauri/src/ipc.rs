//! The IPC contract: every type a command takes or returns, and the live batch.
//!
//! Types the engine crates already define with the JSON the UI expects (`PositionView`,
//! `ConnectionStatus`, `Toast`, `AlertRow`, `AlertThresholds`, …) are used as they are; the
//! ones here exist because the UI needs a shape no engine type has (a batch, a frame row with
//! its decoded type, a connection's settings with a write-only credential). `scripts/gen-bindings`
//! writes all of them to `ui/src/lib/bindings/` with ts-rs, so the TypeScript is never written
//! by hand.

use chrono::{DateTime, Utc};
use gatewatch_core::alerts::Toast;
use gatewatch_core::views::{ContractView, IntentView, LobbyView, PositionView, StorageItemView};
use gatewatch_core::{Direction, EntityKind, GatewayKind};
use gatewatch_engine::ConnectionStatus;
use gatewatch_store::AlertRow;
use serde::{Deserialize, Serialize};

/// What the UI shows about the app itself: proves the Rust ↔ web round trip end to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppInfo {
    /// The app's version (the workspace version the binary was built from).
    pub version: String,
    /// The gateway kinds the core knows, as spelled in config files and on the wire.
    pub gateway_kinds: Vec<String>,
}

impl AppInfo {
    /// The answer for this build.
    pub fn current() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            gateway_kinds: GatewayKind::ALL
                .iter()
                .map(|kind| kind.as_str().to_owned())
                .collect(),
        }
    }
}

/// One frame in or out, as the inspector lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FrameRow {
    /// Increases by one per frame for the app's lifetime (across engine restarts).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    /// Connection name.
    pub connection: String,
    /// Gateway kind.
    pub gateway: GatewayKind,
    /// In or out.
    pub direction: Direction,
    /// When it was read or written.
    pub at: DateTime<Utc>,
    /// The event (or control message / Socket.IO packet) type, when the frame has one.
    pub event_type: Option<String>,
    /// The entity the event concerns.
    pub entity_kind: Option<EntityKind>,
    /// The entity's id.
    pub entity_id: Option<String>,
    /// Why an inbound frame did not decode.
    pub decode_error: Option<String>,
    /// The raw frame, secrets already redacted.
    pub text: String,
}

/// Fusion's last `mempool:stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MempoolStats {
    /// The connection it came from.
    pub connection: String,
    /// All intents.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub total: Option<u64>,
    /// Submitted.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub submitted: Option<u64>,
    /// Matched.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub matched: Option<u64>,
    /// Executing.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub executing: Option<u64>,
    /// Completed.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub completed: Option<u64>,
    /// Failed.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub failed: Option<u64>,
    /// Cancelled.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub cancelled: Option<u64>,
    /// When the stats were last updated.
    pub at: DateTime<Utc>,
}

/// The whole state of the engine, not a change: see [`UiBatch::reset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngineReset {
    /// The engine runs on its embedded simulator (the "demo data" banner).
    pub demo: bool,
}

/// What changed since the previous batch. Entities are upserts: one in a batch replaces the
/// one with the same (venue or connection, id). Connections are the whole list whenever
/// present, so a connection missing from it is gone. A batch with `reset` is the whole state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UiBatch {
    /// Set when the batch carries the whole state of a (re)started engine (or the state
    /// resent after the subscriber fell behind): the UI replaces its connections and
    /// entities with the batch's instead of merging, so what a removed connection or the
    /// demo mode left behind goes away without restarting the app.
    pub reset: Option<EngineReset>,
    /// Every connection's status: all of them when present (empty: unchanged).
    pub connections: Vec<ConnectionStatus>,
    /// Positions that changed.
    pub positions: Vec<PositionView>,
    /// Intents that changed.
    pub intents: Vec<IntentView>,
    /// Lobbies that changed.
    pub lobbies: Vec<LobbyView>,
    /// Contracts that changed.
    pub contracts: Vec<ContractView>,
    /// Storage items that changed.
    pub storage_items: Vec<StorageItemView>,
    /// New frames, oldest first.
    pub frames: Vec<FrameRow>,
    /// New toasts, oldest first.
    pub toasts: Vec<Toast>,
    /// New alerts, oldest first.
    pub alerts: Vec<AlertRow>,
    /// The latest mempool stats, when they changed.
    pub mempool: Option<MempoolStats>,
    /// Frames not delivered since the previous batch (inspector paused, or a burst larger
    /// than the ring): a count to add up, not a total.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub frames_dropped: u64,
}

impl UiBatch {
    /// Nothing to send.
    pub fn is_empty(&self) -> bool {
        self.reset.is_none()
            && self.connections.is_empty()
            && self.positions.is_empty()
            && self.intents.is_empty()
            && self.lobbies.is_empty()
            && self.contracts.is_empty()
            && self.storage_items.is_empty()
            && self.frames.is_empty()
            && self.toasts.is_empty()
            && self.alerts.is_empty()
            && self.mempool.is_none()
            && self.frames_dropped == 0
    }
}

/// Everything the UI shows, at start-up: the whole state as one batch, plus what the app is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Snapshot {
    /// The state (every entity, every connection, the inspector's ring).
    #[serde(flatten)]
    pub batch: UiBatch,
    /// Running on the embedded simulator.
    pub demo: bool,
    /// The app's version.
    pub version: String,
}

/// One row of the event log (`search_events`, an intent's timeline).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EventRow {
    /// Row id: newer rows have larger ids (pass the last one as `before_id` for the next page).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// Connection.
    pub connection: String,
    /// Gateway kind, as the store wrote it from [`GatewayKind`].
    #[cfg_attr(feature = "ts", ts(as = "GatewayKind"))]
    pub gateway: String,
    /// The gateway's event type.
    pub event_type: String,
    /// Entity kind, as the store wrote it from [`EntityKind`].
    #[cfg_attr(feature = "ts", ts(as = "Option<EntityKind>"))]
    pub entity_kind: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Severity, as the store wrote it from `Severity`.
    #[cfg_attr(feature = "ts", ts(as = "gatewatch_core::Severity"))]
    pub severity: String,
    /// The gateway's time.
    pub created_at: Option<DateTime<Utc>>,
    /// When Gatewatch received it.
    pub received_at: DateTime<Utc>,
    /// The payload, redacted.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub payload: serde_json::Value,
}

impl From<gatewatch_store::EventRow> for EventRow {
    fn from(r: gatewatch_store::EventRow) -> Self {
        Self {
            id: r.id,
            connection: r.connection,
            gateway: r.gateway,
            event_type: r.event_type,
            entity_kind: r.entity_kind,
            entity_id: r.entity_id,
            severity: r.severity,
            created_at: r.created_at,
            received_at: r.received_at,
            payload: r.payload,
        }
    }
}

/// Which events `search_events` / `export_events` return (newest first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EventFilter {
    /// Only this connection.
    pub connection: Option<String>,
    /// Only this direction. The event log holds what was received: `out` matches nothing.
    pub direction: Option<Direction>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only this entity id.
    pub entity_id: Option<String>,
    /// The payload contains this text.
    pub text: Option<String>,
    /// Only rows older than this id (keyset pagination).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub before_id: Option<i64>,
    /// Page size (search only; 0 means the default of 100).
    pub limit: u32,
}

impl EventFilter {
    /// The store's filter (empty strings mean "any").
    pub fn to_store(&self) -> gatewatch_store::EventFilter {
        let some = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        gatewatch_store::EventFilter {
            connection: some(&self.connection),
            event_type: some(&self.event_type),
            entity_id: some(&self.entity_id),
            // Free text is matched as typed: leading spaces can matter in JSON.
            text: self.text.clone().filter(|t| !t.is_empty()),
            before_id: self.before_id,
            limit: (self.limit > 0).then_some(self.limit),
            ..Default::default()
        }
    }

    /// Whether the filter can match stored (received) events at all.
    pub fn matches_received(&self) -> bool {
        self.direction != Some(Direction::Out)
    }
}

/// An intent looked up by id: its current view and its events, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntentDetail {
    /// The intent as the live state (or, failing that, the store) knows it.
    pub intent: Option<IntentView>,
    /// Its events from the event log, oldest first.
    pub timeline: Vec<EventRow>,
}

/// Where a connection's credential comes from. Write-only: a secret is never sent back,
/// only whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Credential {
    /// No credential (zkde, Fusion).
    None,
    /// An environment variable holds it.
    Env {
        /// The variable's name.
        var: String,
    },
    /// An OS keychain entry (service `gatewatch`) holds it.
    Keychain {
        /// The entry's name.
        entry: String,
    },
    /// A secret typed in the app (saved to the keychain) or written in the file.
    Literal {
        /// Whether one is stored.
        set: bool,
    },
}

/// What a connection subscribes to; each list applies to one gateway kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Subscriptions {
    /// Axisor rooms and channels.
    pub rooms: Vec<String>,
    /// zkde event types (`*` for all).
    pub zkde_events: Vec<String>,
    /// Hashi lobbies.
    pub lobbies: Vec<String>,
    /// Fusion intent ids.
    pub intents: Vec<String>,
    /// Fusion `subscribe:all`.
    pub all_intents: bool,
}

/// One connection as the Settings view edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionSettings {
    /// Unique name; also the keychain entry of a secret typed in the app.
    pub name: String,
    /// Gateway kind.
    pub kind: GatewayKind,
    /// The gateway URL (a `?token=` in it is shown redacted).
    pub url: String,
    /// Free label (`production`, `sandbox`, …).
    pub environment: String,
    /// Where the credential comes from.
    pub credential: Credential,
    /// What to subscribe to.
    #[serde(default)]
    pub subscriptions: Subscriptions,
}

/// `test_connection`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TestResult {
    /// The gateway accepted the connection (and the credential, if any).
    pub ok: bool,
    /// What happened, in words (never the secret).
    pub message: String,
}
