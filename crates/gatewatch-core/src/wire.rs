//! What crosses the wire, before decoding: the input to a decoder and the frame record the
//! inspector shows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{ConnectionId, GatewayKind};

/// One message as a connector received it, ready for [`crate::decode`].
#[derive(Debug, Clone, Copy)]
pub enum WireMessage<'a> {
    /// A raw WebSocket text frame (Axisor, zkde, Hashi).
    Text(&'a str),
    /// A Socket.IO event: its name and its JSON arguments (Dimes, Fusion).
    SocketIo {
        /// The event name (`position.opened`, `intent:status`, `error`, …).
        event: &'a str,
        /// The event's arguments (usually one object).
        args: &'a [serde_json::Value],
    },
}

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Direction {
    /// Server → Gatewatch.
    In,
    /// Gatewatch → server.
    Out,
}

impl Direction {
    /// `in` or `out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// One frame in or out, as the inspector and recordings see it. `text` is already redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Frame {
    /// Which connection.
    pub connection: ConnectionId,
    /// Which gateway kind.
    pub gateway: GatewayKind,
    /// In or out.
    pub direction: Direction,
    /// When it was read or written.
    pub at: DateTime<Utc>,
    /// The frame's text (for Socket.IO, the whole Engine.IO/Socket.IO packet, e.g.
    /// `42/ns,["position.opened",{…}]`), with secrets redacted.
    pub text: String,
}
