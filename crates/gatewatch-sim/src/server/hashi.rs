//! Hashi: raw WebSocket with the JWT in `?token=`, `connected`, `ping` → `pong`,
//! `subscribe` / `unsubscribe` to lobby rooms; players are auto-joined to their lobbies.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::Router;
use gatewatch_core::event::GatewayKind;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{close, now_iso, queue_capacity, send_json, CLOSE_POLICY, MAX_CLIENT_MESSAGE};
use crate::creds::Credentials;
use crate::hub::{lock, HashiMeta, Out, Shared};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // The document's URL has no path (`wss://socket.dev.hashi.gg?token=`): any path works.
    Router::new().fallback(upgrade).with_state(shared)
}

async fn upgrade(
    ws: WebSocketUpgrade,
    RawQuery(query): RawQuery,
    State(shared): State<Arc<Shared>>,
) -> Response {
    let token = query.as_deref().and_then(token_of);
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| serve(shared, socket, token))
}

/// The `token` parameter of a query string (percent-decoded).
pub(crate) fn token_of(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

fn error(code: &str, message: &str) -> Value {
    json!({"type": "error", "data": {"message": message, "code": code}})
}

/// The lobby a `subscribe` names: `data.lobbyId` (documented shape), top-level `lobbyId`,
/// or the same with `lobbyCode`.
pub(crate) fn lobby_of(v: &Value) -> Option<String> {
    ["lobbyId", "lobbyCode"]
        .iter()
        .find_map(|k| v["data"][k].as_str().or_else(|| v[k].as_str()))
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .map(str::to_owned)
}

async fn serve(shared: Arc<Shared>, mut socket: WebSocket, token: Option<String>) {
    let player = token
        .as_deref()
        .filter(|_| !shared.rejects_auth(GatewayKind::Hashi))
        .and_then(|t| Credentials::get().hashi_player(t))
        .map(|p| p.subject.clone());
    let Some(player) = player else {
        let _ = send_json(&mut socket, &error("AUTH_ERROR", "Authentication failed")).await;
        return close(&mut socket, CLOSE_POLICY, "authentication failed").await;
    };
    let (tx, mut rx) = mpsc::channel(queue_capacity(&shared));
    let id = shared.hashi.add(
        tx,
        HashiMeta {
            player: player.clone(),
            lobbies: BTreeSet::new(),
        },
    );
    let hello = json!({
        "type": "connected",
        "data": {"playerId": player, "message": "Connected to Hashi WebSocket", "timestamp": now_iso()},
    });
    if send_json(&mut socket, &hello).await {
        loop {
            tokio::select! {
                _ = shared.shutdown.cancelled() => break,
                out = rx.recv() => match out {
                    Some(Out::Text(t)) => if socket.send(Message::Text(t)).await.is_err() { break },
                    None => break,
                },
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Text(t))) => {
                        if let Some(reply) = handle(&shared, id, t.as_str()) {
                            if !send_json(&mut socket, &reply).await {
                                break;
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
            }
        }
    }
    shared.hashi.remove(id);
}

/// Handles one client message; the reply, if any (a successful subscribe has none: the
/// document defines no acknowledgement).
fn handle(shared: &Shared, id: u64, text: &str) -> Option<Value> {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Some(error("INVALID_MESSAGE", "Messages must be JSON objects"));
    };
    match v["type"].as_str() {
        Some("ping") => Some(json!({"type": "pong", "data": {"timestamp": now_iso()}})),
        Some(ty @ ("subscribe" | "unsubscribe")) => {
            let Some(lobby) = lobby_of(&v) else {
                return Some(error("INVALID_MESSAGE", "lobbyId is required"));
            };
            shared.hashi.with(id, |m| {
                if ty == "subscribe" {
                    m.lobbies.insert(lobby);
                } else {
                    m.lobbies.remove(&lobby);
                }
            });
            None
        }
        _ => Some(error("INVALID_MESSAGE", "Unknown message type")),
    }
}

/// The lobbies a player is auto-joined to (they are a participant), id and code.
pub(crate) fn auto_lobbies(shared: &Shared, player: &str) -> Vec<(String, String)> {
    lock(&shared.script).world().lobbies_of(player)
}

#[cfg(test)]
mod tests {
    use super::lobby_of;
    use serde_json::json;

    #[test]
    fn subscribe_accepts_the_documented_and_the_lenient_shapes() {
        assert_eq!(
            lobby_of(&json!({"type":"subscribe","data":{"lobbyId":"L1"}})).as_deref(),
            Some("L1")
        );
        assert_eq!(
            lobby_of(&json!({"type":"subscribe","lobbyId":"L2"})).as_deref(),
            Some("L2")
        );
        assert_eq!(
            lobby_of(&json!({"type":"subscribe","data":{"lobbyCode":"ABC123"}})).as_deref(),
            Some("ABC123")
        );
        assert_eq!(
            lobby_of(&json!({"type":"subscribe","data":{"lobbyId":""}})),
            None
        );
        assert_eq!(
            lobby_of(&json!({"type":"subscribe","data":{"lobbyId":7}})),
            None
        );
        assert_eq!(lobby_of(&json!({"type":"subscribe"})), None);
    }
}
