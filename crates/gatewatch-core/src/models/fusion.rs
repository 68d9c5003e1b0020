//! Fusion (Socket.IO v4, default namespace): the nine server events, `pong`, and the client
//! events `subscribe:intent`, `unsubscribe:intent`, `subscribe:all`, `unsubscribe:all`,
//! `ping`.
//!
//! Each server event has one argument, an object with the fields the document lists
//! (camelCase). `status` is the normalized frontend string; `oldStatus` (on
//! `intent:status_changed`) is the backend's internal enum: both are kept.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient as l;

/// The server event names of the document (`error` and `pong` are control messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FusionEventName {
    /// `intent:status`: primary per-intent update.
    #[serde(rename = "intent:status")]
    IntentStatus,
    /// `intent:proof`: proof status update.
    #[serde(rename = "intent:proof")]
    IntentProof,
    /// `intent:new`: a new intent (subscribe:all).
    #[serde(rename = "intent:new")]
    IntentNew,
    /// `intent:status_changed`: internal status changed (subscribe:all).
    #[serde(rename = "intent:status_changed")]
    IntentStatusChanged,
    /// `intent:proof_changed`: proof status changed (subscribe:all).
    #[serde(rename = "intent:proof_changed")]
    IntentProofChanged,
    /// `intent:removed`.
    #[serde(rename = "intent:removed")]
    IntentRemoved,
    /// `intent:not_found`.
    #[serde(rename = "intent:not_found")]
    IntentNotFound,
    /// `mempool:stats`.
    #[serde(rename = "mempool:stats")]
    MempoolStats,
}

impl FusionEventName {
    /// Every data event name.
    pub const ALL: [FusionEventName; 8] = [
        Self::IntentStatus,
        Self::IntentProof,
        Self::IntentNew,
        Self::IntentStatusChanged,
        Self::IntentProofChanged,
        Self::IntentRemoved,
        Self::IntentNotFound,
        Self::MempoolStats,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IntentStatus => "intent:status",
            Self::IntentProof => "intent:proof",
            Self::IntentNew => "intent:new",
            Self::IntentStatusChanged => "intent:status_changed",
            Self::IntentProofChanged => "intent:proof_changed",
            Self::IntentRemoved => "intent:removed",
            Self::IntentNotFound => "intent:not_found",
            Self::MempoolStats => "mempool:stats",
        }
    }

    /// Parse the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The formatted intent update of `intent:status`, `intent:new` and
/// `intent:status_changed` (which adds `oldStatus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IntentUpdate {
    /// Intent id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub intent_id: String,
    /// Normalized status: `proofs_pending`, `proofs_verified`, `matched`,
    /// `waiting_for_source_lock`, `executing`, `completed`, `failed`.
    #[serde(deserialize_with = "l::opt_string")]
    pub status: Option<String>,
    /// Backend's internal status before the change (`intent:status_changed` only).
    #[serde(deserialize_with = "l::opt_string")]
    pub old_status: Option<String>,
    /// Proof status.
    #[serde(deserialize_with = "l::opt_string")]
    pub proof_status: Option<String>,
    /// Solver.
    #[serde(deserialize_with = "l::opt_string")]
    pub solver: Option<String>,
    /// Source chain.
    #[serde(deserialize_with = "l::opt_string")]
    pub from_chain: Option<String>,
    /// Destination chain.
    #[serde(deserialize_with = "l::opt_string")]
    pub to_chain: Option<String>,
    /// Amount (kept as text: often a big number).
    #[serde(deserialize_with = "l::opt_string")]
    pub amount: Option<String>,
    /// Created.
    #[serde(deserialize_with = "l::opt_string")]
    pub created_at: Option<String>,
    /// Updated.
    #[serde(deserialize_with = "l::opt_string")]
    pub updated_at: Option<String>,
    /// Matched.
    #[serde(deserialize_with = "l::opt_string")]
    pub matched_at: Option<String>,
    /// Completed.
    #[serde(deserialize_with = "l::opt_string")]
    pub completed_at: Option<String>,
    /// HTLC state, as given (object or string).
    #[serde(deserialize_with = "l::opt_value")]
    pub htlc_state: Option<Value>,
    /// Transaction hashes, as given.
    #[serde(deserialize_with = "l::opt_value")]
    pub tx_hashes: Option<Value>,
    /// Error, as given.
    #[serde(deserialize_with = "l::opt_value")]
    pub error: Option<Value>,
    /// Failure reason.
    #[serde(deserialize_with = "l::opt_string")]
    pub failure_reason: Option<String>,
    /// Emission time.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

impl IntentUpdate {
    /// Whether the normalized status is `failed`.
    pub fn is_failed(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("failed"))
    }
}

/// `intent:proof` and `intent:proof_changed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IntentProof {
    /// Intent id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub intent_id: String,
    /// Proof status.
    #[serde(deserialize_with = "l::opt_string")]
    pub proof_status: Option<String>,
    /// Previous proof status.
    #[serde(deserialize_with = "l::opt_string")]
    pub old_proof_status: Option<String>,
    /// When the proof was generated.
    #[serde(deserialize_with = "l::opt_string")]
    pub proof_generated_at: Option<String>,
    /// Emission time.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `intent:removed` and `intent:not_found` (which has no timestamp).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IntentRef {
    /// Intent id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub intent_id: String,
    /// Emission time.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `mempool:stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MempoolStats {
    /// All intents.
    #[serde(deserialize_with = "l::opt_u64")]
    pub total: Option<u64>,
    /// Submitted.
    #[serde(deserialize_with = "l::opt_u64")]
    pub submitted: Option<u64>,
    /// Matched.
    #[serde(deserialize_with = "l::opt_u64")]
    pub matched: Option<u64>,
    /// Executing.
    #[serde(deserialize_with = "l::opt_u64")]
    pub executing: Option<u64>,
    /// Completed.
    #[serde(deserialize_with = "l::opt_u64")]
    pub completed: Option<u64>,
    /// Failed.
    #[serde(deserialize_with = "l::opt_u64")]
    pub failed: Option<u64>,
    /// Cancelled.
    #[serde(deserialize_with = "l::opt_u64")]
    pub cancelled: Option<u64>,
    /// Emission time, if given.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `pong`: `{timestamp}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pong {
    /// Server clock.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `error` (invalid client payloads such as a bad intentId). Shape not given: accepted
/// as an object with `message`/`code` (flat or under `error`) or as a bare string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FusionError {
    /// Code, if any.
    #[serde(deserialize_with = "l::opt_string")]
    pub code: Option<String>,
    /// Text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
}

impl FusionError {
    /// Read from the first argument, whatever its shape.
    pub fn from_value(v: Option<&Value>) -> Self {
        match v {
            Some(Value::String(s)) => Self {
                code: None,
                message: Some(s.clone()),
            },
            Some(v @ Value::Object(_)) => {
                let mut e = Self::deserialize(v).unwrap_or_default();
                match v.get("error") {
                    Some(inner @ Value::Object(_)) => {
                        let inner = Self::deserialize(inner).unwrap_or_default();
                        e.code = e.code.or(inner.code);
                        e.message = e.message.or(inner.message);
                    }
                    Some(other) if e.message.is_none() => e.message = l::value_to_string(other),
                    _ => {}
                }
                e
            }
            _ => Self::default(),
        }
    }
}

/// A decoded Fusion data event: one variant per event name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", content = "data")]
pub enum FusionEvent {
    /// `intent:status`.
    #[serde(rename = "intent:status")]
    IntentStatus(Box<IntentUpdate>),
    /// `intent:proof`.
    #[serde(rename = "intent:proof")]
    IntentProof(Box<IntentProof>),
    /// `intent:new`.
    #[serde(rename = "intent:new")]
    IntentNew(Box<IntentUpdate>),
    /// `intent:status_changed`.
    #[serde(rename = "intent:status_changed")]
    IntentStatusChanged(Box<IntentUpdate>),
    /// `intent:proof_changed`.
    #[serde(rename = "intent:proof_changed")]
    IntentProofChanged(Box<IntentProof>),
    /// `intent:removed`.
    #[serde(rename = "intent:removed")]
    IntentRemoved(Box<IntentRef>),
    /// `intent:not_found`.
    #[serde(rename = "intent:not_found")]
    IntentNotFound(Box<IntentRef>),
    /// `mempool:stats`.
    #[serde(rename = "mempool:stats")]
    MempoolStats(Box<MempoolStats>),
}

/// Client → server events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FusionClientMessage {
    /// `subscribe:intent` with the intent id (the server answers `intent:status` if it exists).
    SubscribeIntent(String),
    /// `unsubscribe:intent` with the intent id.
    UnsubscribeIntent(String),
    /// `subscribe:all`: every intent, plus `mempool:stats`.
    SubscribeAll,
    /// `unsubscribe:all`.
    UnsubscribeAll,
    /// `ping`: the server answers `pong`.
    Ping,
}

impl FusionClientMessage {
    /// The Socket.IO event name.
    pub fn event_name(&self) -> &'static str {
        match self {
            Self::SubscribeIntent(_) => "subscribe:intent",
            Self::UnsubscribeIntent(_) => "unsubscribe:intent",
            Self::SubscribeAll => "subscribe:all",
            Self::UnsubscribeAll => "unsubscribe:all",
            Self::Ping => "ping",
        }
    }

    /// The event's arguments: the intent id as a JSON *string* (never a number, even when
    /// the id looks numeric), or none.
    pub fn args(&self) -> Vec<Value> {
        match self {
            Self::SubscribeIntent(id) | Self::UnsubscribeIntent(id) => {
                vec![Value::String(id.clone())]
            }
            _ => Vec::new(),
        }
    }

    /// The Socket.IO event array as JSON text: `["subscribe:intent","0xabc"]`, `["ping"]`.
    /// A connector prefixes it with the packet type (`42`).
    pub fn to_json(&self) -> String {
        let mut items = vec![Value::String(self.event_name().to_owned())];
        items.extend(self.args());
        Value::Array(items).to_string()
    }
}
