//! zkde: raw WebSocket at `/ws/{address}`, `connected` on open, JSON `ping` every N
//! seconds, and the client dropped when its `pong` does not come back in time.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gatewatch_core::event::GatewayKind;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{close, now_iso, queue_capacity, send_json, CLOSE_POLICY, MAX_CLIENT_MESSAGE};
use crate::hub::{Out, Shared, ZkdeMeta};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/ws/{address}", get(upgrade))
        .with_state(shared)
}

/// A Starknet address: `0x` and 1–64 hex digits.
pub(crate) fn valid_address(a: &str) -> bool {
    let Some(hex) = a.strip_prefix("0x").or_else(|| a.strip_prefix("0X")) else {
        return false;
    };
    (1..=64).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// The same address however it is spelled (case, leading zeros).
pub(crate) fn normalize_address(a: &str) -> String {
    let hex = a
        .strip_prefix("0x")
        .or_else(|| a.strip_prefix("0X"))
        .unwrap_or(a)
        .trim_start_matches('0')
        .to_ascii_lowercase();
    format!("0x{hex}")
}

async fn upgrade(
    ws: WebSocketUpgrade,
    Path(address): Path<String>,
    State(shared): State<Arc<Shared>>,
) -> Response {
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| serve(shared, socket, address))
}

/// When the next ping is due and whether one is unanswered: the heartbeat as a pure
/// struct, so its rule is tested without sockets.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    interval: std::time::Duration,
    timeout: std::time::Duration,
    next_ping: Instant,
    deadline: Option<Instant>,
}

impl Heartbeat {
    pub(crate) fn new(
        now: Instant,
        interval: std::time::Duration,
        timeout: std::time::Duration,
    ) -> Self {
        Heartbeat {
            interval,
            timeout,
            next_ping: now + interval,
            deadline: None,
        }
    }

    /// A ping went out at `now`: the oldest unanswered ping sets the deadline.
    pub(crate) fn pinged(&mut self, now: Instant) {
        self.next_ping = now + self.interval;
        if self.deadline.is_none() {
            self.deadline = Some(now + self.timeout);
        }
    }

    /// A pong came back.
    pub(crate) fn ponged(&mut self) {
        self.deadline = None;
    }

    pub(crate) fn next_ping(&self) -> Instant {
        self.next_ping
    }

    /// The instant the client is dropped if still silent (far away when none is pending).
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
            .unwrap_or_else(|| self.next_ping + self.timeout + self.interval)
    }

    pub(crate) fn expired(&self, now: Instant) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }
}

async fn serve(shared: Arc<Shared>, mut socket: WebSocket, address: String) {
    if !valid_address(&address) {
        let _ = send_json(
            &mut socket,
            &json!({"type": "error", "message": "Invalid Starknet address in path"}),
        )
        .await;
        return close(&mut socket, CLOSE_POLICY, "invalid address").await;
    }
    // zkde documents no credentials: `reject_auth` refuses the address instead.
    if shared.rejects_auth(GatewayKind::Zkde) {
        let _ = send_json(
            &mut socket,
            &json!({"type": "error", "message": "Connection refused"}),
        )
        .await;
        return close(&mut socket, CLOSE_POLICY, "refused").await;
    }
    let (tx, mut rx) = mpsc::channel(queue_capacity(&shared));
    let id = shared.zkde.add(
        tx,
        ZkdeMeta {
            address: address.clone(),
        },
    );
    let hello = json!({
        "type": "connected",
        "message": "Connected to Capital OS (gatewatch simulator)",
        "address": address,
    });
    let mut hb = Heartbeat::new(
        Instant::now(),
        shared.opts.zkde_ping_interval,
        shared.opts.zkde_pong_timeout,
    );
    if send_json(&mut socket, &hello).await {
        loop {
            tokio::select! {
                _ = shared.shutdown.cancelled() => break,
                _ = tokio::time::sleep_until(hb.next_ping()) => {
                    let now = Instant::now();
                    if shared.is_silent(GatewayKind::Zkde) {
                        // A silent server neither pings nor judges.
                        hb = Heartbeat::new(now, shared.opts.zkde_ping_interval, shared.opts.zkde_pong_timeout);
                        continue;
                    }
                    hb.pinged(now);
                    if !send_json(&mut socket, &json!({"type": "ping", "timestamp": now_iso()})).await {
                        break;
                    }
                }
                _ = tokio::time::sleep_until(hb.deadline()) => {
                    if hb.expired(Instant::now()) && !shared.is_silent(GatewayKind::Zkde) {
                        close(&mut socket, CLOSE_POLICY, "pong timeout").await;
                        break;
                    }
                }
                out = rx.recv() => match out {
                    Some(Out::Text(t)) => if socket.send(Message::Text(t)).await.is_err() { break },
                    None => break,
                },
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                        let reply = match v["type"].as_str() {
                            Some("pong") => {
                                hb.ponged();
                                None
                            }
                            // Lenient: a client ping gets a pong.
                            Some("ping") => Some(json!({"type": "pong", "timestamp": now_iso()})),
                            _ => None,
                        };
                        if let Some(reply) = reply {
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
    shared.zkde.remove(id);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn addresses_are_validated_and_normalized() {
        assert!(valid_address(
            "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"
        ));
        assert!(valid_address("0x123456"));
        assert!(!valid_address("123456"));
        assert!(!valid_address("0x"));
        assert!(!valid_address("0xzz"));
        assert!(!valid_address(&format!("0x{}", "1".repeat(65))));
        assert_eq!(normalize_address("0x00ABc"), normalize_address("0xabc"));
        assert_ne!(normalize_address("0xabc"), normalize_address("0xabd"));
    }

    #[tokio::test(start_paused = true)]
    async fn heartbeat_drops_only_after_an_unanswered_ping_times_out() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(t0, Duration::from_secs(30), Duration::from_secs(10));
        assert_eq!(hb.next_ping(), t0 + Duration::from_secs(30));
        assert!(
            !hb.expired(t0 + Duration::from_secs(100)),
            "nothing pending yet"
        );
        tokio::time::sleep_until(hb.next_ping()).await;
        hb.pinged(Instant::now());
        assert_eq!(hb.deadline(), t0 + Duration::from_secs(40));
        tokio::time::sleep(Duration::from_secs(9)).await;
        assert!(!hb.expired(Instant::now()));
        hb.ponged();
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!hb.expired(Instant::now()), "answered in time");
        tokio::time::sleep_until(hb.next_ping()).await;
        hb.pinged(Instant::now());
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(
            hb.expired(Instant::now()),
            "unanswered for the whole timeout"
        );
    }
}
