//! What a connector reports: its state and the events it hands to the engine.

use chrono::{DateTime, Utc};
use gatewatch_core::{ConnectionId, DecodeError, Event};
use serde::{Deserialize, Serialize};

/// The state of one connection, as the CLI and the UI show it.
///
/// Serialized as `{"state":"reconnecting","attempt":2,"next_try_at":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ConnState {
    /// Opening the TCP/TLS/WebSocket connection.
    Connecting,
    /// The WebSocket is open; the gateway's handshake is under way.
    Connected,
    /// The gateway accepted our credentials (Socket.IO connect ack, Axisor `connection`).
    Authenticated,
    /// Every subscription has been sent: data flows.
    Subscribed,
    /// Waiting before the next attempt.
    Reconnecting {
        /// 1 for the first retry.
        attempt: u32,
        /// When the next attempt starts.
        next_try_at: DateTime<Utc>,
    },
    /// The gateway rejected the credentials. Final until the user changes them (or asks
    /// for a reconnect).
    AuthFailed {
        /// `authentication failed: <the server's message>`.
        message: String,
    },
    /// Too many failed attempts in a row (or a configuration the connector can't use).
    GaveUp {
        /// Why, secrets redacted.
        reason: String,
    },
    /// Shut down on request.
    Stopped,
}

impl ConnState {
    /// The snake_case name of the state.
    pub fn name(&self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Connected => "connected",
            ConnState::Authenticated => "authenticated",
            ConnState::Subscribed => "subscribed",
            ConnState::Reconnecting { .. } => "reconnecting",
            ConnState::AuthFailed { .. } => "auth_failed",
            ConnState::GaveUp { .. } => "gave_up",
            ConnState::Stopped => "stopped",
        }
    }

    /// Whether the connector has stopped trying on its own (auth failed, gave up, stopped).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ConnState::AuthFailed { .. } | ConnState::GaveUp { .. } | ConnState::Stopped
        )
    }
}

impl std::fmt::Display for ConnState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnState::Reconnecting {
                attempt,
                next_try_at,
            } => write!(
                f,
                "reconnecting (attempt {attempt}, next try at {})",
                next_try_at.format("%H:%M:%S%.3f")
            ),
            ConnState::AuthFailed { message } => f.write_str(message),
            ConnState::GaveUp { reason } => write!(f, "gave up: {reason}"),
            other => f.write_str(other.name()),
        }
    }
}

/// Everything a connector hands to the engine, through one bounded channel (a slow engine
/// slows the socket reads: backpressure, never unbounded memory).
#[derive(Debug, Clone)]
pub enum NetEvent {
    /// A decoded data event (unknown event names included, as `EventBody::Unknown`).
    Event(Event),
    /// Several decoded data events of one connection, in wire order: the events of one burst
    /// of frames that were read together. One message per burst instead of one per event
    /// keeps the channel hand-off (and the consumer's wake-ups) off the per-event cost.
    /// Never empty; a burst of one event is sent as [`NetEvent::Event`].
    Events(Vec<Event>),
    /// The connection changed state.
    State {
        /// Which connection.
        connection: ConnectionId,
        /// Its new state.
        state: ConnState,
    },
    /// A message that could not be decoded (counted; the connection carries on).
    DecodeError {
        /// Which connection.
        connection: ConnectionId,
        /// What was wrong.
        error: DecodeError,
        /// The start of the message, secrets redacted.
        preview: String,
    },
    /// A non-auth error reported by the server (Axisor `INVALID_ROOM`, Fusion `error`, …).
    ServerError {
        /// Which connection.
        connection: ConnectionId,
        /// The server's code, if any.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// The connection came back after a drop and every subscription was re-sent: the
    /// engine's hook to catch up on what was missed (Dimes `GET /positions`).
    Reconnected {
        /// Which connection.
        connection: ConnectionId,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_json_is_what_the_ui_reads() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .expect("valid")
            .with_timezone(&Utc);
        let s = ConnState::Reconnecting {
            attempt: 2,
            next_try_at: at,
        };
        let v = serde_json::to_value(&s).expect("serializes");
        assert_eq!(
            v,
            serde_json::json!({"state":"reconnecting","attempt":2,"next_try_at":"2026-01-02T03:04:05Z"})
        );
        let back: ConnState = serde_json::from_value(v).expect("round trip");
        assert_eq!(back, s);
        let v = serde_json::to_value(ConnState::AuthFailed {
            message: "authentication failed: Unauthorized".into(),
        })
        .expect("serializes");
        assert_eq!(v["state"], "auth_failed");
        assert_eq!(v["message"], "authentication failed: Unauthorized");
        assert_eq!(
            serde_json::to_value(ConnState::Subscribed).expect("serializes"),
            serde_json::json!({"state":"subscribed"})
        );
    }
}
