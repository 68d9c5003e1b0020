//! What goes in and comes out of the store: batches, reports, rows and filters.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gatewatch_core::reduce::{Applied, EntityState};
use gatewatch_core::{EntityKind, Event, Frame, GatewayKind, Severity};
use serde::{Deserialize, Serialize};

/// How [`crate::Store::open`] sets up the file.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections in the pool, at least 3: one is held by the writer (every write goes
    /// through it), the others serve readers and the background checkpointer.
    pub max_connections: u32,
    /// How long a connection waits for SQLite's lock before giving up.
    pub busy_timeout: Duration,
    /// Create the file (and its directory) when missing. Off for read-only commands.
    pub create_if_missing: bool,
    /// How long the background checkpointer lets committed batches gather in the WAL before
    /// copying them into the database file (one pair of fsyncs per interval, not per batch).
    pub checkpoint_interval: Duration,
    /// WAL length (in 4 KiB pages) past which the writer stops relying on the background
    /// checkpointer and restarts the WAL itself before its next batch, so the file stays
    /// bounded even when ingest never pauses.
    pub wal_limit_pages: i64,
    /// Page size of a NEW database file (bytes, a power of two from 512 to 65,536); an
    /// existing file keeps its own.
    pub page_size: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 4,
            busy_timeout: Duration::from_secs(5),
            create_if_missing: true,
            checkpoint_interval: Duration::from_millis(250),
            // 256 MiB.
            wal_limit_pages: 65_536,
            page_size: 4096,
        }
    }
}

/// One event of a batch and, when the reducer applied it, the entity state that resulted.
#[derive(Debug, Clone)]
pub struct BatchEvent {
    /// The normalized event (every one is logged, incl. unknown and stale ones).
    pub event: Event,
    /// What the reducer did with it, logged in the `applied` column.
    pub applied: Option<Applied>,
    /// The entity state after applying it (`Created`/`Updated` only).
    pub state: Option<EntityState>,
}

/// Everything the engine hands the store in one transaction.
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    /// Events in arrival order.
    pub events: Vec<BatchEvent>,
    /// Redacted frames (when recording).
    pub frames: Vec<Frame>,
    /// Alerts raised.
    pub alerts: Vec<AlertRow>,
    /// Connection state and counters.
    pub connections: Vec<ConnectionRow>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an event with the reducer's verdict and resulting state.
    pub fn push_event(
        &mut self,
        event: Event,
        applied: Option<Applied>,
        state: Option<EntityState>,
    ) {
        self.events.push(BatchEvent {
            event,
            applied,
            state,
        });
    }

    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.frames.is_empty()
            && self.alerts.is_empty()
            && self.connections.is_empty()
    }
}

/// What happened to one event of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EventOutcome {
    /// Stored with this row id.
    Inserted {
        /// The event's row id (`events.id`).
        id: i64,
    },
    /// Its dedupe key was already stored (earlier batch, earlier in this batch, or before a
    /// restart): not stored again.
    Duplicate,
}

/// What [`crate::Store::write_batch`] committed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchReport {
    /// One outcome per [`WriteBatch::events`], same order.
    pub outcomes: Vec<EventOutcome>,
    /// Events stored.
    pub inserted: u64,
    /// Events not stored because their dedupe key was already there.
    pub duplicates: u64,
    /// Entity states written (entities + typed tables).
    pub entities_written: u64,
    /// Entity states refused because the stored state is newer or terminal (belt and braces
    /// behind the reducer), or because their event was a duplicate.
    pub entities_refused: u64,
    /// Frames stored.
    pub frames: u64,
    /// Alerts stored or updated.
    pub alerts: u64,
    /// The largest event row id committed, if any.
    pub last_event_id: Option<i64>,
}

/// Per-connection state and counters (one row per connection, overwritten).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConnectionRow {
    /// Connection name.
    pub connection: String,
    /// Gateway kind.
    pub gateway: GatewayKind,
    /// `production`, `sandbox`, `simulator`, … as configured.
    pub environment: Option<String>,
    /// The connector's state, as it serializes it.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub state: serde_json::Value,
    /// Frames received.
    pub frames_in: u64,
    /// Frames sent.
    pub frames_out: u64,
    /// Events decoded.
    pub events: u64,
    /// Frames that failed to decode.
    pub decode_errors: u64,
    /// Duplicate events.
    pub duplicates: u64,
    /// Reconnections.
    pub reconnects: u64,
    /// When the last event arrived.
    pub last_event_at: Option<DateTime<Utc>>,
    /// When this row was written.
    pub updated_at: DateTime<Utc>,
}

/// An alert raised by Gatewatch's rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AlertRow {
    /// Unique id (rewriting the same id updates `notified_os`).
    pub id: String,
    /// How much it matters.
    pub severity: Severity,
    /// Connection it came from.
    pub connection: String,
    /// Gateway kind.
    pub gateway: GatewayKind,
    /// Entity kind, when about one.
    pub entity_kind: Option<EntityKind>,
    /// Entity id, when about one.
    pub entity_id: Option<String>,
    /// One line.
    pub title: String,
    /// Details.
    pub body: String,
    /// When raised.
    pub at: DateTime<Utc>,
    /// An OS notification was shown.
    pub notified_os: bool,
}

impl AlertRow {
    /// The stored row of an alert the rules raised; `notified_os` says whether an OS
    /// notification was (or is due to be) shown.
    pub fn from_alert(a: &gatewatch_core::alerts::Alert, notified_os: bool) -> Self {
        Self {
            id: a.id.clone(),
            severity: a.severity,
            connection: a.connection.to_string(),
            gateway: a.gateway,
            entity_kind: a.entity.as_ref().map(|e| e.kind),
            entity_id: a.entity.as_ref().map(|e| e.id.clone()),
            title: a.title.clone(),
            body: a.body.clone(),
            at: a.at,
            notified_os,
        }
    }
}

/// One row of the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct EventRow {
    /// Row id: increases with insertion order; the keyset for pagination.
    pub id: i64,
    /// Connection.
    pub connection: String,
    /// Gateway kind as spelled in config (`dimes-partner`, …).
    pub gateway: String,
    /// The gateway's event type.
    pub event_type: String,
    /// The gateway's event id, if any.
    pub external_id: Option<String>,
    /// Entity kind (`position`, `intent`, …), if any.
    pub entity_kind: Option<String>,
    /// Entity id, if any.
    pub entity_id: Option<String>,
    /// `debug`, `info`, `warning`, `critical`.
    pub severity: String,
    /// The gateway's time.
    pub created_at: Option<DateTime<Utc>>,
    /// When Gatewatch received it.
    pub received_at: DateTime<Utc>,
    /// What the reducer did (`created`, `updated`, `stale`, `duplicate`, `no_entity`).
    pub applied: Option<String>,
    /// The redacted payload.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub payload: serde_json::Value,
}

/// Which positions [`crate::Store::positions`] returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PositionFilter {
    /// Only this venue (`dimes`, `axisor`, `zkde`).
    pub venue: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only positions flagged (or not flagged) at risk.
    pub at_risk: Option<bool>,
    /// `Some(true)`: open positions only; `Some(false)`: history (closed) only.
    pub open: Option<bool>,
    /// Only this position id.
    pub id: Option<String>,
    /// At most this many (newest update first); default 500.
    pub limit: Option<u32>,
}

/// Which events [`crate::Store::events`] returns, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventFilter {
    /// Only this connection.
    pub connection: Option<String>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only this entity kind.
    pub entity_kind: Option<EntityKind>,
    /// Only this entity id.
    pub entity_id: Option<String>,
    /// Received at or after.
    pub since: Option<DateTime<Utc>>,
    /// Received before.
    pub until: Option<DateTime<Utc>>,
    /// Payload contains this text (case-insensitive for ASCII), searched within the newest
    /// [`crate::TEXT_SEARCH_WINDOW`] events.
    pub text: Option<String>,
    /// Keyset pagination: only ids below this (pass the last id of the previous page).
    pub before_id: Option<i64>,
    /// Page size; default 100, at most 10,000.
    pub limit: Option<u32>,
}

/// How much event log to keep. Entities are never pruned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retention {
    /// Drop events (and frames) received longer ago than this.
    pub max_age: Duration,
    /// Keep at most this many events (and as many frames); the oldest go first.
    pub max_events: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(30 * 24 * 3600),
            max_events: 2_000_000,
        }
    }
}

/// What [`crate::Store::prune`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Events removed because too old.
    pub events_by_age: u64,
    /// Events removed to respect the size cap.
    pub events_by_size: u64,
    /// Frames removed.
    pub frames: u64,
}

/// What [`crate::Store::reconcile_positions`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReconcileReport {
    /// Positions not known before.
    pub created: u64,
    /// Known positions updated (and confirmed: stale cleared).
    pub updated: u64,
    /// Positions left alone because the cache holds a terminal or newer state (still
    /// confirmed: their stale flag is cleared).
    pub kept: u64,
    /// Objects without an id: skipped.
    pub invalid: u64,
    /// Positions of this venue still stale after reconcile (not in the snapshot).
    pub still_stale: Vec<String>,
    /// The entity states written, to feed back into the reducer.
    pub states: Vec<EntityState>,
}

/// One recorded change of an intent's status or proof status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IntentStatusChange {
    /// Intent id.
    pub intent_id: String,
    /// Status after the change.
    pub status: Option<String>,
    /// Proof status after the change.
    pub proof_status: Option<String>,
    /// Effective time of the event that made it.
    pub at: DateTime<Utc>,
    /// That event's row id (may have been pruned from the log since).
    pub event_id: Option<i64>,
    /// That event's type.
    pub event_type: String,
}

/// A user-facing notification (Dimes `notification`, Axisor `in_app_notification`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NotificationRow {
    /// Venue.
    pub venue: String,
    /// Notification id.
    pub id: String,
    /// Connection.
    pub connection: String,
    /// Code (`ORDER_FULFILLMENT_RETRYING`, …).
    pub code: Option<String>,
    /// Human-readable message.
    pub message: Option<String>,
    /// The position it is about, if any.
    pub position_id: Option<String>,
    /// When.
    pub updated_at: DateTime<Utc>,
    /// The notification object.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub payload: serde_json::Value,
}
