//! zkde (raw WebSocket, JSON text): the six event types, the `connected` greeting, the
//! server `ping`, and the client `pong`.
//!
//! The document lists each event's key fields but not where they sit: the decoder accepts
//! both `{type, data:{…}}` and `{type, …fields}` and hands the models the merged fields.
//! Field names follow the document (snake_case).

use serde::{Deserialize, Serialize};

use super::lenient as l;

/// The six zkde event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZkdeEventType {
    /// `strategy_update`.
    StrategyUpdate,
    /// `market_change`.
    MarketChange,
    /// `alert`.
    Alert,
    /// `proof_complete`.
    ProofComplete,
    /// `position_update`.
    PositionUpdate,
    /// `agent_status_change`.
    AgentStatusChange,
}

impl ZkdeEventType {
    /// Every type, in the document's order.
    pub const ALL: [ZkdeEventType; 6] = [
        Self::StrategyUpdate,
        Self::MarketChange,
        Self::Alert,
        Self::ProofComplete,
        Self::PositionUpdate,
        Self::AgentStatusChange,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StrategyUpdate => "strategy_update",
            Self::MarketChange => "market_change",
            Self::Alert => "alert",
            Self::ProofComplete => "proof_complete",
            Self::PositionUpdate => "position_update",
            Self::AgentStatusChange => "agent_status_change",
        }
    }

    /// Parse the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// `strategy_update`: a strategy is created, modified, or scored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StrategyUpdate {
    /// Strategy id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub strategy_id: String,
    /// Pool.
    #[serde(deserialize_with = "l::opt_string")]
    pub pool_id: Option<String>,
    /// APY.
    #[serde(deserialize_with = "l::opt_f64")]
    pub apy: Option<f64>,
    /// Risk score.
    #[serde(deserialize_with = "l::opt_f64")]
    pub risk_score: Option<f64>,
    /// When, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `market_change`: significant price or rate movement in a tracked pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MarketChange {
    /// What changed (price, rate, …).
    #[serde(deserialize_with = "l::opt_string")]
    pub change_type: Option<String>,
    /// Pool id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub pool_id: String,
    /// Old value.
    #[serde(deserialize_with = "l::opt_f64")]
    pub old_value: Option<f64>,
    /// New value.
    #[serde(deserialize_with = "l::opt_f64")]
    pub new_value: Option<f64>,
    /// Change in percent.
    #[serde(deserialize_with = "l::opt_f64")]
    pub change_pct: Option<f64>,
    /// When, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `alert`: a position crossed a threshold (drawdown, exposure, health factor).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Alert {
    /// Alert id, if the server gives one.
    #[serde(deserialize_with = "l::opt_string")]
    pub id: Option<String>,
    /// Alert id under another name, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub alert_id: Option<String>,
    /// The position concerned, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub position_id: Option<String>,
    /// `critical`, `high`, `medium`, `warning`, `low`, `info`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub severity: Option<String>,
    /// `drawdown`, `exposure`, `health_factor`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub alert_type: Option<String>,
    /// Text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
    /// Suggested action (advisory, never executed).
    #[serde(deserialize_with = "l::opt_string")]
    pub action: Option<String>,
    /// When, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

impl Alert {
    /// The id the risk-alert entity is keyed by: `id`, else `alert_id`, else the position,
    /// else the alert type (so repeated alerts of one kind update one entity).
    pub fn entity_id(&self) -> Option<&str> {
        [
            &self.id,
            &self.alert_id,
            &self.position_id,
            &self.alert_type,
        ]
        .into_iter()
        .filter_map(|s| s.as_deref())
        .find(|s| !s.is_empty())
    }
}

/// `proof_complete`: a proof is ready for verification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProofComplete {
    /// Proof type.
    #[serde(deserialize_with = "l::opt_string")]
    pub proof_type: Option<String>,
    /// Proof hash: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub proof_hash: String,
    /// Whether generation succeeded.
    #[serde(deserialize_with = "l::opt_bool")]
    pub success: Option<bool>,
    /// When, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `position_update`: a position's value changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PositionUpdate {
    /// Position id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub position_id: String,
    /// Current value.
    #[serde(deserialize_with = "l::opt_f64")]
    pub current_value: Option<f64>,
    /// When, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `agent_status_change`: an agent starts, stops, pauses, errors, or resumes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentStatusChange {
    /// Agent id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub agent_id: String,
    /// `running`, `stopped`, `paused`, `error`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub status: Option<String>,
    /// When, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// A decoded zkde data event: one variant per event type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ZkdeEvent {
    /// `strategy_update`.
    StrategyUpdate(Box<StrategyUpdate>),
    /// `market_change`.
    MarketChange(Box<MarketChange>),
    /// `alert`.
    Alert(Box<Alert>),
    /// `proof_complete`.
    ProofComplete(Box<ProofComplete>),
    /// `position_update`.
    PositionUpdate(Box<PositionUpdate>),
    /// `agent_status_change`.
    AgentStatusChange(Box<AgentStatusChange>),
}

/// The `connected` greeting: `{"type":"connected","message":"Connected to Capital OS..."}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Connected {
    /// Greeting text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
}

/// The server heartbeat: `{"type":"ping","timestamp":"2026-04-05T12:00:00Z"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ping {
    /// Server clock.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// Client → server messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ZkdeClientMessage {
    /// `{"type":"pong"}`: the answer to every server `ping` (the server drops a client
    /// that stays silent for 30 s).
    Pong,
}

impl ZkdeClientMessage {
    /// The exact JSON text to send.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
