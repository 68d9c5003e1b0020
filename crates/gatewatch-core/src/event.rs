//! The normalized event and the vocabulary shared by every crate.
//!
//! Every gateway's messages decode into either an [`Event`] (something that happened to an
//! entity, kept in the event log) or a [`Control`] message (handshake, heartbeat, auth and
//! subscription replies, handled by the connector).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::models::{axisor::AxisorEvent, dimes::DimesEvent, fusion::FusionEvent};
use crate::models::{hashi::HashiEvent, zkde::ZkdeEvent};

/// The name of a configured connection (`"dimes-partner-prod"`), unique within a config.
///
/// Cheap to clone: every event carries one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConnectionId(#[cfg_attr(feature = "ts", ts(type = "string"))] pub Arc<str>);

impl ConnectionId {
    /// A connection id from any string.
    pub fn new(name: impl AsRef<str>) -> Self {
        Self(Arc::from(name.as_ref()))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ConnectionId {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

/// The six kinds of gateway connection Gatewatch speaks.
///
/// Dimes has two gateways (partner and customer) with the same events but different auth
/// and scope, so they are two kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum GatewayKind {
    /// Dimes partner gateway (Socket.IO, API key, every position of the partner).
    DimesPartner,
    /// Dimes customer gateway (Socket.IO, JWT, one customer's positions + notifications).
    DimesCustomer,
    /// Axisor (raw WebSocket, JWT, rooms).
    Axisor,
    /// zkde (raw WebSocket, address in the path).
    Zkde,
    /// Hashi (raw WebSocket, JWT in the query string, lobby rooms).
    Hashi,
    /// Fusion (Socket.IO, intents).
    Fusion,
}

impl GatewayKind {
    /// Every kind, in the order the simulator assigns ports (Dimes, Axisor, zkde, Hashi, Fusion).
    pub const ALL: [GatewayKind; 6] = [
        GatewayKind::DimesPartner,
        GatewayKind::DimesCustomer,
        GatewayKind::Axisor,
        GatewayKind::Zkde,
        GatewayKind::Hashi,
        GatewayKind::Fusion,
    ];

    /// The config/CLI spelling: `dimes-partner`, `dimes-customer`, `axisor`, `zkde`, `hashi`, `fusion`.
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayKind::DimesPartner => "dimes-partner",
            GatewayKind::DimesCustomer => "dimes-customer",
            GatewayKind::Axisor => "axisor",
            GatewayKind::Zkde => "zkde",
            GatewayKind::Hashi => "hashi",
            GatewayKind::Fusion => "fusion",
        }
    }

    /// The venue name shown to users (both Dimes gateways are the `dimes` venue).
    pub fn venue(self) -> &'static str {
        match self {
            GatewayKind::DimesPartner | GatewayKind::DimesCustomer => "dimes",
            other => other.as_str(),
        }
    }

    /// Whether the gateway speaks Socket.IO v4 (otherwise raw WebSocket with JSON text frames).
    pub fn is_socketio(self) -> bool {
        matches!(
            self,
            GatewayKind::DimesPartner | GatewayKind::DimesCustomer | GatewayKind::Fusion
        )
    }
}

impl fmt::Display for GatewayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown gateway kind spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown gateway kind `{0}` (expected one of: dimes-partner, dimes-customer, axisor, zkde, hashi, fusion)")]
pub struct UnknownGatewayKind(pub String);

impl FromStr for GatewayKind {
    type Err = UnknownGatewayKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GatewayKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownGatewayKind(s.to_owned()))
    }
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum EntityKind {
    /// A trading position (Dimes, Axisor, zkde).
    Position,
    /// A Fusion cross-chain intent.
    Intent,
    /// A Hashi lobby.
    Lobby,
    /// A Hashi contract.
    Contract,
    /// A Hashi storage item.
    StorageItem,
    /// A market / symbol / pool (Axisor market data, zkde market changes).
    Market,
    /// A zkde strategy.
    Strategy,
    /// A zkde proof.
    Proof,
    /// A zkde agent.
    Agent,
    /// A user-facing notification (Dimes `notification`, Axisor `in_app_notification`).
    Notification,
    /// A price alert (Axisor).
    PriceAlert,
    /// A risk alert (zkde `alert`).
    RiskAlert,
    /// A margin-guard or auto-close run (Axisor).
    MarginGuardRun,
    /// A service of the gateway operator (Axisor system events).
    Service,
    /// Fusion mempool statistics.
    Mempool,
}

impl EntityKind {
    /// The snake_case spelling used in the database, JSON lines and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Position => "position",
            EntityKind::Intent => "intent",
            EntityKind::Lobby => "lobby",
            EntityKind::Contract => "contract",
            EntityKind::StorageItem => "storage_item",
            EntityKind::Market => "market",
            EntityKind::Strategy => "strategy",
            EntityKind::Proof => "proof",
            EntityKind::Agent => "agent",
            EntityKind::Notification => "notification",
            EntityKind::PriceAlert => "price_alert",
            EntityKind::RiskAlert => "risk_alert",
            EntityKind::MarginGuardRun => "margin_guard_run",
            EntityKind::Service => "service",
            EntityKind::Mempool => "mempool",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The entity an event concerns: kind + the gateway's own id for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct EntityRef {
    /// What sort of thing.
    pub kind: EntityKind,
    /// The gateway's id (`dm_pos_…`, `pos_123`, an intent id, a lobby id, a symbol…).
    pub id: String,
}

impl EntityRef {
    /// Shorthand constructor.
    pub fn new(kind: EntityKind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
        }
    }
}

/// How much an event matters to a human.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Severity {
    /// Routine data (market ticks, candles).
    Debug,
    /// Normal lifecycle events.
    #[default]
    Info,
    /// Something a user should notice (force unwound, degraded service, medium alerts).
    Warning,
    /// Money at risk (liquidation, margin risk, auto-close, critical alerts).
    Critical,
}

impl Severity {
    /// The snake_case spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// The typed body of an event, one variant per gateway family.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "family", content = "body", rename_all = "snake_case")]
pub enum EventBody {
    /// Dimes (partner or customer).
    Dimes(DimesEvent),
    /// Axisor.
    Axisor(AxisorEvent),
    /// zkde.
    Zkde(ZkdeEvent),
    /// Hashi.
    Hashi(HashiEvent),
    /// Fusion.
    Fusion(FusionEvent),
    /// An event name/type the documents don't define: kept, logged, never dropped.
    /// The raw payload is in [`Event::payload`].
    Unknown,
}

/// One normalized event: what every gateway's data messages decode into.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Which configured connection received it.
    pub connection: ConnectionId,
    /// Which gateway kind that connection is.
    pub gateway: GatewayKind,
    /// The gateway's own event type (`position.opened`, `margin_guard_execution`,
    /// `contract.initialized`, `intent:status`, …). For Hashi this is the inner `data.type`.
    pub event_type: String,
    /// The gateway's event id when it gives one (Dimes `evt_…`).
    pub external_id: Option<String>,
    /// The key duplicates are detected by: `id:<external id>` when there is one, else
    /// `c:<hex hash>` of the gateway, the event type and the payload's content
    /// ([`crate::decode::content_hash`]).
    pub dedupe_key: String,
    /// The entity this event concerns, when it concerns one.
    pub entity: Option<EntityRef>,
    /// When the gateway says the event happened (from the payload).
    pub created_at: Option<DateTime<Utc>>,
    /// When Gatewatch received the frame.
    pub received_at: DateTime<Utc>,
    /// How much it matters.
    pub severity: Severity,
    /// The typed body.
    pub body: EventBody,
    /// The original payload (the Dimes envelope, the whole JSON message of a raw-WS gateway,
    /// the first Socket.IO argument of Fusion), secrets already redacted by the connector.
    /// Reads as a [`serde_json::Value`] (`Deref`).
    pub payload: Payload,
}

/// An event's payload: a [`serde_json::Value`], held either as the tree or as the
/// (redacted) JSON text read onto a [`crate::tape::OwnedTape`], whose tree is built the first
/// time something reads it as a `Value`.
///
/// Why: building and dropping the tree is the largest cost left on the Socket.IO path,
/// and most of a payload is only ever stored or shown (docs/connectors.md, "Eighth pass").
/// Today every decoder gives a tree; the text form is the next step of that plan.
/// Equality, `Debug` and serialization are the value's, whichever way it is held.
#[derive(Clone, Default)]
pub struct Payload(PayloadRepr);

/// As small as a `Value` (the text form behind one pointer): events are moved through
/// channels and bursts, and a larger payload cost ~1k instructions per event.
#[derive(Clone)]
enum PayloadRepr {
    Tree(serde_json::Value),
    Text(Arc<TextPayload>),
}

struct TextPayload {
    tape: crate::tape::OwnedTape,
    tree: std::sync::OnceLock<serde_json::Value>,
}

impl Default for PayloadRepr {
    fn default() -> Self {
        PayloadRepr::Tree(serde_json::Value::Null)
    }
}

impl Payload {
    /// A payload kept as its JSON text; `None` when the text is not JSON (or nests deeper
    /// than the tape reads).
    pub fn from_text(text: String) -> Option<Self> {
        let tape = crate::tape::OwnedTape::read(text).ok()?;
        Some(Payload(PayloadRepr::Text(Arc::new(TextPayload {
            tape,
            tree: std::sync::OnceLock::new(),
        }))))
    }

    /// The JSON text, when the payload is held as text.
    pub fn text(&self) -> Option<&str> {
        match &self.0 {
            PayloadRepr::Text(t) => Some(t.tape.text()),
            PayloadRepr::Tree(_) => None,
        }
    }

    /// The payload's tape, when it is held as text: its fields read without the tree.
    pub fn tape(&self) -> Option<crate::tape::Cursor<'_, '_>> {
        match &self.0 {
            PayloadRepr::Text(t) => Some(t.tape.root()),
            PayloadRepr::Tree(_) => None,
        }
    }

    /// The value, taken out.
    pub fn into_value(self) -> serde_json::Value {
        match self.0 {
            PayloadRepr::Tree(v) => v,
            PayloadRepr::Text(t) => match Arc::try_unwrap(t) {
                Ok(t) => t
                    .tree
                    .into_inner()
                    .unwrap_or_else(|| t.tape.root().to_value()),
                Err(shared) => (*Payload(PayloadRepr::Text(shared))).clone(),
            },
        }
    }
}

impl From<serde_json::Value> for Payload {
    fn from(value: serde_json::Value) -> Self {
        Payload(PayloadRepr::Tree(value))
    }
}

impl std::ops::Deref for Payload {
    type Target = serde_json::Value;

    fn deref(&self) -> &serde_json::Value {
        match &self.0 {
            PayloadRepr::Tree(v) => v,
            PayloadRepr::Text(t) => t.tree.get_or_init(|| t.tape.root().to_value()),
        }
    }
}

/// Changing the payload makes it a tree (the text would no longer be its text).
impl std::ops::DerefMut for Payload {
    fn deref_mut(&mut self) -> &mut serde_json::Value {
        if let PayloadRepr::Text(_) = &self.0 {
            let value = std::mem::take(self).into_value();
            self.0 = PayloadRepr::Tree(value);
        }
        match &mut self.0 {
            PayloadRepr::Tree(v) => v,
            PayloadRepr::Text(_) => unreachable!("made a tree above"),
        }
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl PartialEq<serde_json::Value> for Payload {
    fn eq(&self, other: &serde_json::Value) -> bool {
        **self == *other
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(Payload::from)
    }
}

impl Event {
    /// The time used to order events of one entity: `created_at`, else `received_at`.
    pub fn effective_time(&self) -> DateTime<Utc> {
        self.created_at.unwrap_or(self.received_at)
    }
}

/// Protocol-level messages a connector handles itself; not entity events.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "control", rename_all = "snake_case")]
pub enum Control {
    /// The server accepted the connection (zkde and Hashi `connected`, Axisor `connection`
    /// with status `connected`).
    Connected {
        /// Axisor `userId`.
        user_id: Option<String>,
        /// Axisor `sessionId`.
        session_id: Option<String>,
        /// zkde/Hashi greeting text.
        message: Option<String>,
    },
    /// A server heartbeat that must be answered (zkde `{"type":"ping"}` → `{"type":"pong"}`).
    Ping {
        /// The server's timestamp, if any.
        timestamp: Option<String>,
    },
    /// A reply to our heartbeat (Hashi and Fusion `pong`).
    Pong {
        /// The server's timestamp, if any.
        timestamp: Option<String>,
    },
    /// Authentication was rejected (Dimes `AUTHENTICATION_ERROR`, Axisor
    /// `AUTHENTICATION_FAILED`, Hashi `AUTH_ERROR`). Final until credentials change.
    AuthFailed {
        /// The server's code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// Any other server error (Axisor `INVALID_ROOM`, `RATE_LIMIT_EXCEEDED`, Fusion `error`,
    /// Hashi `error` with another code).
    Error {
        /// The server's code, if any.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// Axisor `room_subscription` reply.
    Subscription {
        /// The room the reply is about.
        channel: Option<String>,
        /// `subscribed`, `unsubscribed`, or the status the server gave.
        status: String,
        /// The rooms the server says we are in now.
        rooms: Vec<String>,
    },
}

/// The result of decoding one wire message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "decoded", rename_all = "snake_case")]
pub enum Decoded {
    /// A data event about an entity (or an unknown event, kept as [`EventBody::Unknown`]).
    Event(Event),
    /// A protocol message for the connector.
    Control(Control),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A payload held as text reads, compares, prints and serializes as the same payload
    /// held as a tree; changing it makes it a tree.
    #[test]
    fn payload_as_text_is_the_payload_as_a_tree() {
        let text = r#"{"id":"evt_1","data":{"id":"dm_pos_1","n":[1,2.5,"\u00e9"]},"id":"evt_2"}"#;
        let tree: Value = serde_json::from_str(text).expect("json");
        let held = Payload::from_text(text.to_owned()).expect("reads");
        let plain = Payload::from(tree.clone());
        assert_eq!(held.text(), Some(text));
        assert_eq!(plain.text(), None);
        assert!(plain.tape().is_none());
        let tape = held.tape().expect("a tape");
        assert_eq!(
            tape.get("id").and_then(|c| c.as_str()).as_deref(),
            Some("evt_2")
        );
        assert_eq!(*held, tree);
        assert_eq!(held, plain);
        assert_eq!(held, tree);
        assert_eq!(held.get("data"), tree.get("data"));
        assert_eq!(format!("{held:?}"), format!("{tree:?}"));
        assert_eq!(
            serde_json::to_string(&held).expect("ser"),
            serde_json::to_string(&tree).expect("ser")
        );
        let back: Payload = serde_json::from_str(text).expect("de");
        assert_eq!(back, tree);
        assert_eq!(held.clone().into_value(), tree);

        let mut changed = held.clone();
        changed["id"] = json!("evt_3");
        assert_eq!(changed.text(), None, "no longer its text");
        assert_eq!(changed.get("id"), Some(&json!("evt_3")));
        assert_eq!(
            held.get("id"),
            Some(&json!("evt_2")),
            "the clone is untouched"
        );

        assert!(Payload::from_text("{".to_owned()).is_none());
        assert!(Payload::from_text(r#"{"a":1} x"#.to_owned()).is_none());
        assert_eq!(Payload::default(), Value::Null);
        assert_eq!(
            std::mem::size_of::<Payload>(),
            std::mem::size_of::<Value>(),
            "as small as a Value"
        );
    }
}
