//! Dimes position gateways (partner and customer, Socket.IO v4): the event envelope, the
//! ten `position.*` events, `notification` (customer gateway) and the authentication error.
//!
//! Dimes sends nothing we must answer, so there are no client messages here: auth travels
//! in the Socket.IO handshake.
//!
//! The position object's full REST shape is not in the document: `id`, `status` and
//! `close_reason` are typed; the known sections (`entry`, `current`, `risk`, `fees`,
//! `timing`, `result`) stay JSON in the event's payload ([`Position::section`]) and are read
//! leniently by [`crate::views`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient as l;

/// The envelope every Dimes event arrives in: `{id, type, created_at, data}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Envelope<T> {
    /// The event id (`evt_…`): the key duplicates are detected by.
    #[serde(deserialize_with = "l::opt_string")]
    pub id: Option<String>,
    /// `position.opened`, `notification`, … (the Socket.IO event name when absent).
    #[serde(rename = "type", deserialize_with = "l::opt_string")]
    pub event_type: Option<String>,
    /// When the event was emitted (ISO 8601).
    #[serde(deserialize_with = "l::opt_string")]
    pub created_at: Option<String>,
    /// The payload.
    pub data: T,
}

/// The position object carried by every `position.*` event (same shape as
/// `GET /positions/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Position {
    /// Position id (`dm_pos_…`): the entity's identity.
    #[serde(deserialize_with = "l::id_string")]
    pub id: String,
    /// `pending`, `open`, `closing`, `closed`, `settled`, `liquidated`, `cancelled`.
    #[serde(deserialize_with = "l::opt_string")]
    pub status: Option<String>,
    /// Closed shapes: `closed`, `settled`, `liquidated`, `reverted`.
    #[serde(deserialize_with = "l::opt_string")]
    pub close_reason: Option<String>,
}

impl Position {
    /// One section (`entry`, `current`, `risk`, `fees`, `timing`, `result`, or any other
    /// member) of a position object `data` — an event's `payload["data"]` or an entity's
    /// data — unless it is absent or `null`. The sections are not copied into the typed
    /// body: every reader (the views, the store) reads the payload or the entity's merged
    /// data, and the copies were ~15 % of the decode work of a Dimes event
    /// (docs/connectors.md, "Third pass").
    pub fn section<'a>(data: &'a Value, name: &str) -> Option<&'a Value> {
        data.get(name).filter(|v| !v.is_null())
    }
}

/// A `position.*` event.
pub type PositionEvent = Envelope<Position>;

/// The ten `position.*` event types of the document, in lifecycle order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PositionEventType {
    /// `position.created`: on-chain position account created (status `pending`).
    #[serde(rename = "position.created")]
    Created,
    /// `position.opening`: finalize-open tx confirmed, not yet indexed (status `pending`).
    #[serde(rename = "position.opening")]
    Opening,
    /// `position.opened`: finalized and indexed (status `open`).
    #[serde(rename = "position.opened")]
    Opened,
    /// `position.close_requested`: user asked to close (status `closing`).
    #[serde(rename = "position.close_requested")]
    CloseRequested,
    /// `position.closed`: close finalized (status `closed`).
    #[serde(rename = "position.closed")]
    Closed,
    /// `position.settled`: market resolved (status `settled`).
    #[serde(rename = "position.settled")]
    Settled,
    /// `position.liquidated`: liquidated (status `liquidated`).
    #[serde(rename = "position.liquidated")]
    Liquidated,
    /// `position.force_unwound`: partially unwound, still open (status `open`).
    #[serde(rename = "position.force_unwound")]
    ForceUnwound,
    /// `position.reverted`: open failed, collateral refunded (status `cancelled`).
    #[serde(rename = "position.reverted")]
    Reverted,
    /// `position.cancelled`: cancelled before opening, EVM only (status `cancelled`).
    #[serde(rename = "position.cancelled")]
    Cancelled,
}

impl PositionEventType {
    /// Every type, in lifecycle order.
    pub const ALL: [PositionEventType; 10] = [
        Self::Created,
        Self::Opening,
        Self::Opened,
        Self::CloseRequested,
        Self::Closed,
        Self::Settled,
        Self::Liquidated,
        Self::ForceUnwound,
        Self::Reverted,
        Self::Cancelled,
    ];

    /// The wire spelling (`position.opened`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "position.created",
            Self::Opening => "position.opening",
            Self::Opened => "position.opened",
            Self::CloseRequested => "position.close_requested",
            Self::Closed => "position.closed",
            Self::Settled => "position.settled",
            Self::Liquidated => "position.liquidated",
            Self::ForceUnwound => "position.force_unwound",
            Self::Reverted => "position.reverted",
            Self::Cancelled => "position.cancelled",
        }
    }

    /// Parse the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The position `status` the document gives for this event.
    pub fn status(self) -> &'static str {
        match self {
            Self::Created | Self::Opening => "pending",
            Self::Opened | Self::ForceUnwound => "open",
            Self::CloseRequested => "closing",
            Self::Closed => "closed",
            Self::Settled => "settled",
            Self::Liquidated => "liquidated",
            Self::Reverted | Self::Cancelled => "cancelled",
        }
    }

    /// Whether the position is over after this event (closed shape).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Closed | Self::Settled | Self::Liquidated | Self::Reverted | Self::Cancelled
        )
    }
}

/// The `data` of a `notification` event (customer gateway).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notification {
    /// Machine-readable code (see [`NotificationCode`]).
    #[serde(deserialize_with = "l::opt_string")]
    pub code: Option<String>,
    /// Human-readable description.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
    /// Context; varies by code.
    pub params: NotificationParams,
}

impl Notification {
    /// The code, when it is one the document defines.
    pub fn known_code(&self) -> Option<NotificationCode> {
        self.code.as_deref().and_then(NotificationCode::parse)
    }
}

/// `data.params` of a notification: the union of the three codes' params.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationParams {
    /// The position concerned (all three codes).
    #[serde(deserialize_with = "l::opt_string")]
    pub position_id: Option<String>,
    /// `ORDER_FULFILLMENT_RETRYING`: slippage tolerance in basis points.
    #[serde(deserialize_with = "l::opt_f64")]
    pub slippage_bps: Option<f64>,
    /// `PARTIAL_OPEN_PROGRESS`: amount filled so far (kept as text: may be a big number).
    #[serde(deserialize_with = "l::opt_string")]
    pub cumulative_filled_making_amount: Option<String>,
    /// `PARTIAL_OPEN_PROGRESS`: target amount (kept as text).
    #[serde(deserialize_with = "l::opt_string")]
    pub target_making_amount: Option<String>,
    /// `PARTIAL_OPEN_PROGRESS`: which attempt.
    #[serde(deserialize_with = "l::opt_u64")]
    pub attempt_number: Option<u64>,
}

/// The three notification codes of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationCode {
    /// Order could not be filled at current slippage; retrying.
    OrderFulfillmentRetrying,
    /// A floor or retry leg of a FAK partial-open filled; cumulative progress.
    PartialOpenProgress,
    /// The floor FOK failed after retries; the position reverted.
    PartialOpenFloorMissed,
}

impl NotificationCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderFulfillmentRetrying => "ORDER_FULFILLMENT_RETRYING",
            Self::PartialOpenProgress => "PARTIAL_OPEN_PROGRESS",
            Self::PartialOpenFloorMissed => "PARTIAL_OPEN_FLOOR_MISSED",
        }
    }

    /// Parse the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::OrderFulfillmentRetrying,
            Self::PartialOpenProgress,
            Self::PartialOpenFloorMissed,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// A `notification` event.
pub type NotificationEvent = Envelope<Notification>;

/// The `error` event: `{"error":{"type":"AUTHENTICATION_ERROR","code":"unauthorized",
/// "message":"Unauthorized"}}`. The fields are also accepted at the top level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorEvent {
    /// The documented nested error.
    #[serde(deserialize_with = "l::opt")]
    pub error: Option<ErrorDetail>,
    /// Top-level `type` (lenient alternative).
    #[serde(rename = "type", deserialize_with = "l::opt_string")]
    pub error_type: Option<String>,
    /// Top-level `code` (lenient alternative).
    #[serde(deserialize_with = "l::opt_string")]
    pub code: Option<String>,
    /// Top-level `message` (lenient alternative).
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
}

/// The nested `error` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorDetail {
    /// `AUTHENTICATION_ERROR`, …
    #[serde(rename = "type", deserialize_with = "l::opt_string")]
    pub error_type: Option<String>,
    /// `unauthorized`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub code: Option<String>,
    /// Human-readable text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
}

impl ErrorEvent {
    /// Read an error from any JSON: the documented object, its fields at the top level, or
    /// a bare string (what Socket.IO libraries report for middleware rejections).
    pub fn from_value(v: &Value) -> Self {
        match v {
            Value::String(s) => Self {
                message: Some(s.clone()),
                ..Self::default()
            },
            Value::Object(_) => {
                let mut e = Self::deserialize(v).unwrap_or_default();
                // `{"error":"text"}`: the nested form as a plain string.
                if e.error.is_none() && e.message.is_none() {
                    e.message = v.get("error").and_then(l::value_to_string);
                }
                e
            }
            _ => Self::default(),
        }
    }

    /// The error type (nested first).
    pub fn error_type(&self) -> Option<&str> {
        self.error
            .as_ref()
            .and_then(|e| e.error_type.as_deref())
            .or(self.error_type.as_deref())
    }

    /// The error code (nested first).
    pub fn code(&self) -> Option<&str> {
        self.error
            .as_ref()
            .and_then(|e| e.code.as_deref())
            .or(self.code.as_deref())
    }

    /// The message (nested first).
    pub fn message(&self) -> Option<&str> {
        self.error
            .as_ref()
            .and_then(|e| e.message.as_deref())
            .or(self.message.as_deref())
    }

    /// Whether this is an authentication failure (type `AUTHENTICATION_ERROR` or code
    /// `unauthorized`; a bare "Unauthorized"/"authentication" message counts too, since
    /// that is all a middleware rejection carries).
    pub fn is_auth(&self) -> bool {
        let t = self.error_type().unwrap_or_default().to_ascii_lowercase();
        let c = self.code().unwrap_or_default().to_ascii_lowercase();
        let m = self.message().unwrap_or_default().to_ascii_lowercase();
        t.contains("auth")
            || c == "unauthorized"
            || c.contains("auth")
            || m.contains("unauthorized")
            || m.contains("authentication")
    }
}

/// A decoded Dimes data event: one variant per event type, carrying the typed envelope.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "event")]
pub enum DimesEvent {
    /// `position.created`.
    #[serde(rename = "position.created")]
    PositionCreated(Box<PositionEvent>),
    /// `position.opening`.
    #[serde(rename = "position.opening")]
    PositionOpening(Box<PositionEvent>),
    /// `position.opened`.
    #[serde(rename = "position.opened")]
    PositionOpened(Box<PositionEvent>),
    /// `position.close_requested`.
    #[serde(rename = "position.close_requested")]
    PositionCloseRequested(Box<PositionEvent>),
    /// `position.closed`.
    #[serde(rename = "position.closed")]
    PositionClosed(Box<PositionEvent>),
    /// `position.settled`.
    #[serde(rename = "position.settled")]
    PositionSettled(Box<PositionEvent>),
    /// `position.liquidated`.
    #[serde(rename = "position.liquidated")]
    PositionLiquidated(Box<PositionEvent>),
    /// `position.force_unwound`.
    #[serde(rename = "position.force_unwound")]
    PositionForceUnwound(Box<PositionEvent>),
    /// `position.reverted`.
    #[serde(rename = "position.reverted")]
    PositionReverted(Box<PositionEvent>),
    /// `position.cancelled`.
    #[serde(rename = "position.cancelled")]
    PositionCancelled(Box<PositionEvent>),
    /// `notification` (customer gateway).
    #[serde(rename = "notification")]
    Notification(Box<NotificationEvent>),
}

impl DimesEvent {
    /// Wrap a position envelope in the variant of its type.
    pub fn position(kind: PositionEventType, env: PositionEvent) -> Self {
        match kind {
            PositionEventType::Created => Self::PositionCreated(Box::new(env)),
            PositionEventType::Opening => Self::PositionOpening(Box::new(env)),
            PositionEventType::Opened => Self::PositionOpened(Box::new(env)),
            PositionEventType::CloseRequested => Self::PositionCloseRequested(Box::new(env)),
            PositionEventType::Closed => Self::PositionClosed(Box::new(env)),
            PositionEventType::Settled => Self::PositionSettled(Box::new(env)),
            PositionEventType::Liquidated => Self::PositionLiquidated(Box::new(env)),
            PositionEventType::ForceUnwound => Self::PositionForceUnwound(Box::new(env)),
            PositionEventType::Reverted => Self::PositionReverted(Box::new(env)),
            PositionEventType::Cancelled => Self::PositionCancelled(Box::new(env)),
        }
    }

    /// The position event type, `None` for notifications.
    pub fn position_type(&self) -> Option<PositionEventType> {
        Some(match self {
            Self::PositionCreated(_) => PositionEventType::Created,
            Self::PositionOpening(_) => PositionEventType::Opening,
            Self::PositionOpened(_) => PositionEventType::Opened,
            Self::PositionCloseRequested(_) => PositionEventType::CloseRequested,
            Self::PositionClosed(_) => PositionEventType::Closed,
            Self::PositionSettled(_) => PositionEventType::Settled,
            Self::PositionLiquidated(_) => PositionEventType::Liquidated,
            Self::PositionForceUnwound(_) => PositionEventType::ForceUnwound,
            Self::PositionReverted(_) => PositionEventType::Reverted,
            Self::PositionCancelled(_) => PositionEventType::Cancelled,
            Self::Notification(_) => return None,
        })
    }

    /// The position envelope, `None` for notifications.
    pub fn position_event(&self) -> Option<&PositionEvent> {
        match self {
            Self::PositionCreated(e)
            | Self::PositionOpening(e)
            | Self::PositionOpened(e)
            | Self::PositionCloseRequested(e)
            | Self::PositionClosed(e)
            | Self::PositionSettled(e)
            | Self::PositionLiquidated(e)
            | Self::PositionForceUnwound(e)
            | Self::PositionReverted(e)
            | Self::PositionCancelled(e) => Some(e),
            Self::Notification(_) => None,
        }
    }
}
