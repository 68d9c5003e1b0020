//! The five servers. Each raw-WebSocket connection is one task that `select!`s on the
//! shutdown token, its outgoing queue (scenario events) and the client's messages;
//! Socket.IO connections are socketioxide sockets registered in a hub.

pub(crate) mod axisor;
pub(crate) mod dimes;
pub(crate) mod fusion;
pub(crate) mod hashi;
pub(crate) mod zkde;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::HeaderMap;
use serde_json::Value;

use crate::hub::Shared;
use crate::options::Rate;

/// The largest message a client may send (they only send small control messages).
pub(crate) const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// Close code for auth failures and heartbeat timeouts (RFC 6455 "policy violation").
pub(crate) const CLOSE_POLICY: u16 = 1008;

/// Per-client queue length: deep enough for `--rate max` bursts, shallow enough that a
/// client that stops reading is noticed quickly at the demo rate.
pub(crate) fn queue_capacity(shared: &Shared) -> usize {
    match shared.opts.rate {
        Rate::Max => 16_384,
        _ => 1_024,
    }
}

/// Socket.IO per-socket packet buffer (socketioxide's default of 128 overflows at once
/// under load).
pub(crate) fn sio_buffer(shared: &Shared) -> usize {
    match shared.opts.rate {
        Rate::Max => 65_536,
        _ => 4_096,
    }
}

/// Sends one JSON message; false when the client is gone.
pub(crate) async fn send_json(socket: &mut WebSocket, v: &Value) -> bool {
    socket
        .send(Message::Text(v.to_string().into()))
        .await
        .is_ok()
}

/// Sends a close frame (best effort: the client may already be gone).
pub(crate) async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// The token of an `Authorization: <scheme> <token>` header, scheme case-insensitive.
pub(crate) fn auth_header(headers: &HeaderMap, scheme: &str) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (s, token) = value.trim().split_once(' ')?;
    s.eq_ignore_ascii_case(scheme)
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The current wall-clock time in the documents' ISO 8601 form.
pub(crate) fn now_iso() -> String {
    crate::script::iso(chrono::Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_header_takes_the_named_scheme_only() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::AUTHORIZATION,
            axum::http::HeaderValue::from_static("bearer abc.def"),
        );
        assert_eq!(auth_header(&h, "Bearer").as_deref(), Some("abc.def"));
        assert_eq!(auth_header(&h, "Api-Key"), None);
        h.insert(
            axum::http::header::AUTHORIZATION,
            axum::http::HeaderValue::from_static("Api-Key "),
        );
        assert_eq!(auth_header(&h, "Api-Key"), None);
        assert_eq!(auth_header(&HeaderMap::new(), "Bearer"), None);
    }
}
