//! Venue-independent projections of [`EntityState`]: what the store's typed tables, the
//! CLI and the UI show. Each `from_state` reads the gateway's object leniently (fields at
//! the top level or under `data`, numbers as numbers or numeric strings) and never panics.
//!
//! (Contract stub: the projections are implemented by the core decoder/reducer work.)

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::reduce::EntityState;

/// A position on any venue that carries them (Dimes, Axisor, zkde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PositionView {
    /// `dimes`, `axisor` or `zkde`.
    pub venue: String,
    /// The connection that last updated it.
    pub connection: String,
    /// The venue's position id.
    pub id: String,
    /// Market / symbol / pool.
    pub market: Option<String>,
    /// `long`/`short`, `yes`/`no`, … as the venue says.
    pub side: Option<String>,
    /// Size (venue units).
    pub size: Option<f64>,
    /// Entry price or entry value.
    pub entry: Option<f64>,
    /// Current value or current price.
    pub current_value: Option<f64>,
    /// Profit and loss.
    pub pnl: Option<f64>,
    /// Leverage.
    pub leverage: Option<f64>,
    /// Margin.
    pub margin: Option<f64>,
    /// Distance to liquidation as the venue gives it.
    pub distance_to_liquidation: Option<f64>,
    /// The venue (or Gatewatch's rules) flag it at risk.
    pub at_risk: bool,
    /// The venue's status (`pending`, `open`, `closing`, `closed`, `liquidated`, …).
    pub status: Option<String>,
    /// Between `position.opening` and `position.opened`.
    pub finalizing: bool,
    /// Closed, settled, liquidated, reverted or cancelled: belongs in history.
    pub closed: bool,
    /// May have missed updates (after a reconnect, before catch-up confirmed it).
    pub stale: bool,
    /// Type of the last event applied.
    pub last_event_type: String,
    /// First seen.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A Fusion intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IntentView {
    /// The connection that last updated it.
    pub connection: String,
    /// Intent id.
    pub id: String,
    /// Normalized status (`proofs_pending` … `completed`, `failed`), or `removed`.
    pub status: Option<String>,
    /// Proof status.
    pub proof_status: Option<String>,
    /// Solver.
    pub solver: Option<String>,
    /// Source chain.
    pub from_chain: Option<String>,
    /// Destination chain.
    pub to_chain: Option<String>,
    /// Amount, as the gateway spells it (often a big-number string).
    pub amount: Option<String>,
    /// HTLC state object or string, as given.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub htlc_state: Option<serde_json::Value>,
    /// Transaction hashes, as given.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub tx_hashes: Option<serde_json::Value>,
    /// Error.
    pub error: Option<String>,
    /// Failure reason.
    pub failure_reason: Option<String>,
    /// Terminal (completed, failed, removed).
    pub terminal: bool,
    /// First seen.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A Hashi lobby.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LobbyView {
    /// The connection that last updated it.
    pub connection: String,
    /// Lobby id.
    pub id: String,
    /// Lobby code (`ABC123`).
    pub code: Option<String>,
    /// Player ids currently in the lobby, as far as events tell.
    pub participants: Vec<String>,
    /// Participant count as the gateway last reported it.
    pub participant_count: Option<u64>,
    /// `lobby.deleted` seen.
    pub deleted: bool,
    /// Last event type.
    pub last_event_type: String,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A Hashi contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ContractView {
    /// The connection that last updated it.
    pub connection: String,
    /// Contract id.
    pub id: String,
    /// The lobby it belongs to.
    pub lobby_id: Option<String>,
    /// The lifecycle stage: the last `contract.*` event type applied.
    pub stage: String,
    /// Deleted or payout finalized.
    pub terminal: bool,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A Hashi storage item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StorageItemView {
    /// The connection that last updated it.
    pub connection: String,
    /// Storage id.
    pub id: String,
    /// Contract it belongs to.
    pub contract_id: Option<String>,
    /// Lobby it belongs to.
    pub lobby_id: Option<String>,
    /// Player who owns it.
    pub player_id: Option<String>,
    /// The last `storage.*` event type applied.
    pub stage: String,
    /// `storage.deleted` or `storage.multipart_aborted` seen.
    pub terminal: bool,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

impl PositionView {
    /// Project a position entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        let _ = state;
        None
    }
}

impl IntentView {
    /// Project an intent entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        let _ = state;
        None
    }
}

impl LobbyView {
    /// Project a lobby entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        let _ = state;
        None
    }
}

impl ContractView {
    /// Project a contract entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        let _ = state;
        None
    }
}

impl StorageItemView {
    /// Project a storage item entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        let _ = state;
        None
    }
}
