//! Decoders: one per gateway, from a [`WireMessage`] to [`Decoded`]. Never panic on any input.

use chrono::{DateTime, Utc};

use crate::event::{ConnectionId, Decoded, GatewayKind};
use crate::wire::WireMessage;

/// Who received a message and when: stamped onto the decoded event.
#[derive(Debug, Clone)]
pub struct DecodeContext {
    /// The connection that received the message.
    pub connection: ConnectionId,
    /// Its gateway kind (selects the decoder).
    pub gateway: GatewayKind,
    /// When the frame was read.
    pub received_at: DateTime<Utc>,
}

/// Why a message could not be decoded. Counted and shown, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON at all.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not the shape the gateway's document gives (missing `type`, wrong types…).
    #[error("malformed {gateway} message: {reason}")]
    Malformed {
        /// Which gateway's decoder rejected it.
        gateway: GatewayKind,
        /// What was wrong.
        reason: String,
    },
    /// A wire message of the wrong transport for this gateway (text for Socket.IO or vice versa).
    #[error("{gateway} does not speak this transport")]
    WrongTransport {
        /// The gateway.
        gateway: GatewayKind,
    },
}

/// Decode one wire message of `ctx.gateway`.
pub fn decode(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    let _ = msg;
    Err(DecodeError::Malformed {
        gateway: ctx.gateway,
        reason: "decoder not implemented yet".into(),
    })
}
