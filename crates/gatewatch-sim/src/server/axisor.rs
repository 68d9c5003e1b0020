//! Axisor: raw WebSocket at `/ws`, JWT by `Authorization: Bearer` at upgrade or a first
//! `{"type":"auth","token"}` message, rooms and channels.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gatewatch_core::event::GatewayKind;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{
    auth_header, close, now_iso, queue_capacity, send_json, CLOSE_POLICY, MAX_CLIENT_MESSAGE,
};
use crate::creds::Credentials;
use crate::hub::{AxisorMeta, Out, Shared};

/// Channels the document's examples subscribe to, plus the `channel` values its events carry.
const CHANNELS: [&str; 7] = [
    "positions",
    "notifications",
    "margin_guard",
    "alerts",
    "market_data",
    "historical_data",
    "system",
];

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().route("/ws", get(upgrade)).with_state(shared)
}

async fn upgrade(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    State(shared): State<Arc<Shared>>,
) -> Response {
    let bearer = auth_header(&headers, "Bearer");
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| serve(shared, socket, bearer))
}

/// The user behind a token, unless auth is being rejected.
fn authenticate(shared: &Shared, token: &str) -> Option<String> {
    if shared.rejects_auth(GatewayKind::Axisor) {
        return None;
    }
    Credentials::get()
        .axisor_user(token)
        .map(|u| u.subject.clone())
}

fn error(code: &str, message: &str) -> Value {
    json!({"type": "error", "code": code, "message": message})
}

async fn reject(socket: &mut WebSocket) {
    let _ = send_json(
        socket,
        &error("AUTHENTICATION_FAILED", "Invalid or expired token"),
    )
    .await;
    close(socket, CLOSE_POLICY, "authentication failed").await;
}

/// Whether a client may join `room`; the reason when not.
pub(crate) fn check_room(room: &str, user: &str) -> Result<(), &'static str> {
    if CHANNELS.contains(&room) {
        return Ok(());
    }
    let plausible = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-/.".contains(c))
    };
    match room.split_once(':') {
        Some(("user", id)) if id == user => Ok(()),
        Some(("user", _)) => Err("Cannot subscribe to another user's room"),
        Some(("market", symbol)) if plausible(symbol) => Ok(()),
        Some(("admin", level)) if plausible(level) => Ok(()),
        _ => Err("Unknown room"),
    }
}

async fn wait_for_auth(shared: &Shared, socket: &mut WebSocket) -> Option<String> {
    let deadline = tokio::time::sleep(shared.opts.axisor_auth_timeout);
    tokio::pin!(deadline);
    loop {
        let msg = tokio::select! {
            _ = shared.shutdown.cancelled() => return None,
            _ = &mut deadline => {
                let _ = send_json(socket, &error("AUTHENTICATION_FAILED", "Authentication timeout")).await;
                close(socket, CLOSE_POLICY, "authentication timeout").await;
                return None;
            }
            msg = socket.recv() => msg,
        };
        match msg {
            Some(Ok(Message::Text(text))) => {
                let v: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                if v["type"] == "auth" {
                    let user = v["token"].as_str().and_then(|t| authenticate(shared, t));
                    if user.is_none() {
                        reject(socket).await;
                    }
                    return user;
                }
                let _ = send_json(
                    socket,
                    &error("AUTHENTICATION_FAILED", "Authenticate first"),
                )
                .await;
                close(socket, CLOSE_POLICY, "not authenticated").await;
                return None;
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

async fn serve(shared: Arc<Shared>, mut socket: WebSocket, bearer: Option<String>) {
    let user = match bearer {
        Some(token) => match authenticate(&shared, &token) {
            Some(u) => u,
            None => return reject(&mut socket).await,
        },
        None => match wait_for_auth(&shared, &mut socket).await {
            Some(u) => u,
            None => return,
        },
    };
    let (tx, mut rx) = mpsc::channel(queue_capacity(&shared));
    let rooms = BTreeSet::from([format!("user:{user}")]);
    let id = shared.axisor.add(
        tx,
        AxisorMeta {
            user: user.clone(),
            rooms,
        },
    );
    if send_json(&mut socket, &connected(&user)).await {
        loop {
            tokio::select! {
                _ = shared.shutdown.cancelled() => break,
                out = rx.recv() => match out {
                    Some(Out::Text(t)) => if socket.send(Message::Text(t)).await.is_err() { break },
                    None => break,
                },
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Text(t))) => {
                        if !handle(&shared, id, &user, t.as_str(), &mut socket).await {
                            break;
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let _ = send_json(&mut socket, &error("INVALID_MESSAGE", "Binary frames are not supported")).await;
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
            }
        }
    }
    shared.axisor.remove(id);
}

fn connected(user: &str) -> Value {
    static SESSION: AtomicU64 = AtomicU64::new(1);
    json!({
        "type": "connection",
        "status": "connected",
        "userId": user,
        "sessionId": format!("session_{}", SESSION.fetch_add(1, Ordering::Relaxed)),
        "serverTime": now_iso(),
    })
}

/// Handles one client message; false when the connection must end.
async fn handle(shared: &Shared, id: u64, user: &str, text: &str, socket: &mut WebSocket) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return send_json(
            socket,
            &error("INVALID_MESSAGE", "Messages must be JSON objects"),
        )
        .await;
    };
    // Lenient: the room may come as `channel` (the document) or `room`.
    let channel = v["channel"]
        .as_str()
        .or_else(|| v["room"].as_str())
        .map(str::to_owned);
    let reply = match v["type"].as_str() {
        Some("subscribe") => match channel {
            Some(room) => match check_room(&room, user) {
                Ok(()) => {
                    let rooms = shared.axisor.with(id, |m| {
                        m.rooms.insert(room.clone());
                        m.rooms.iter().cloned().collect::<Vec<_>>()
                    });
                    json!({"type": "room_subscription", "channel": room, "status": "subscribed", "subscribedRooms": rooms})
                }
                Err(why) => {
                    let mut e = error("INVALID_ROOM", why);
                    e["channel"] = json!(room);
                    e
                }
            },
            None => error("INVALID_ROOM", "`channel` is required"),
        },
        Some("unsubscribe") => match channel {
            Some(room) => {
                let rooms = shared.axisor.with(id, |m| {
                    m.rooms.remove(&room);
                    m.rooms.iter().cloned().collect::<Vec<_>>()
                });
                json!({"type": "room_subscription", "channel": room, "status": "unsubscribed", "subscribedRooms": rooms})
            }
            None => error("INVALID_ROOM", "`channel` is required"),
        },
        Some("list_rooms") => {
            let rooms = shared
                .axisor
                .with(id, |m| m.rooms.iter().cloned().collect::<Vec<_>>());
            json!({"type": "room_subscription", "status": "listed", "subscribedRooms": rooms})
        }
        Some("auth") => match v["token"].as_str().and_then(|t| authenticate(shared, t)) {
            Some(u) if u == user => connected(user),
            _ => {
                reject(socket).await;
                return false;
            }
        },
        Some("ping") => json!({"type": "pong", "timestamp": now_iso()}),
        _ => error("INVALID_MESSAGE", "Unknown message type"),
    };
    send_json(socket, &reply).await
}

#[cfg(test)]
mod tests {
    use super::check_room;

    #[test]
    fn rooms_follow_the_documented_patterns() {
        for ok in [
            "positions",
            "notifications",
            "margin_guard",
            "market:BTC_USD",
            "admin:1",
            "user:user_123",
        ] {
            assert_eq!(check_room(ok, "user_123"), Ok(()), "{ok}");
        }
        for bad in [
            "user:user_456",
            "market:",
            "nonsense",
            "admin:",
            "market:<script>",
            "",
        ] {
            assert!(check_room(bad, "user_123").is_err(), "{bad}");
        }
    }
}
