//! Raw WebSocket connectors (Axisor, zkde, Hashi) against in-test servers: auth forms,
//! subscriptions re-joined after the server drops us (asserted on the server side),
//! heartbeats, silent servers, auth failures not retried, bad frames counted.

mod common;

use std::time::Duration;

use common::{fast, is_state, Harness, RawServer, CAP};
use gatewatch_core::GatewayKind;
use gatewatch_net::{AuthMode, Command, ConnState, ConnectorSpec, NetEvent, Secret};
use serde_json::json;
use tokio_tungstenite::tungstenite::http::StatusCode;

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEyMyJ9.c2lnbmF0dXJl";

fn axisor(server: &RawServer, auth: AuthMode) -> ConnectorSpec {
    let mut spec = fast(ConnectorSpec::new(
        "axisor-test",
        GatewayKind::Axisor,
        server.url("/ws"),
    ));
    spec.credential = Some(Secret::new(JWT));
    spec.auth = auth;
    spec.subscriptions.rooms = vec!["market:BTC_USD".into(), "margin_guard".into()];
    spec
}

fn market_update(price: f64) -> serde_json::Value {
    json!({"type":"market_data_update","channel":"market_data","data":{
        "symbol":"BTC_USD","price":price,"timestamp":"2025-01-06T10:30:00Z"}})
}

/// Read the room subscriptions a fresh connection sends, in order.
async fn rooms_subscribed(conn: &mut common::ServerConn, n: usize) -> Vec<String> {
    let mut rooms = Vec::new();
    for _ in 0..n {
        let m = conn.recv_json().await;
        assert_eq!(m["type"], "subscribe", "{m}");
        rooms.push(m["channel"].as_str().expect("channel").to_owned());
    }
    rooms
}

#[tokio::test]
async fn axisor_header_auth_waits_for_connection_then_rejoins_rooms_after_drop() {
    let mut server = RawServer::start().await;
    let mut h = Harness::start(axisor(&server, AuthMode::Auto));

    let mut conn = server.accept().await;
    assert_eq!(
        conn.authorization.as_deref(),
        Some(format!("Bearer {JWT}").as_str())
    );
    // Nothing is sent before the server's `connection` message (no first-message auth).
    conn.send_json(
        json!({"type":"connection","status":"connected","userId":"user_123",
        "sessionId":"s1","serverTime":"2025-01-06T10:30:00Z"}),
    )
    .await;
    assert_eq!(
        rooms_subscribed(&mut conn, 2).await,
        vec!["market:BTC_USD", "margin_guard"]
    );
    h.wait_state(|s| *s == ConnState::Subscribed).await;

    conn.send_json(market_update(43250.5)).await;
    let (ev, _) = h.next_matching(|e| matches!(e, NetEvent::Event(_))).await;
    let NetEvent::Event(ev) = ev else {
        unreachable!()
    };
    assert_eq!(ev.event_type, "market_data_update");
    assert_eq!(ev.connection.as_str(), "axisor-test");

    // A room added at run time is sent now and remembered for later.
    h.handle
        .send(Command::SubscribeRoom("positions".into()))
        .await
        .expect("command accepted");
    assert_eq!(rooms_subscribed(&mut conn, 1).await, vec!["positions"]);
    // Commands of other gateways are refused.
    assert!(h
        .handle
        .send(Command::SubscribeLobby("L".into()))
        .await
        .is_err());

    // The server drops us: the connector comes back and re-joins all three rooms.
    conn.close().await;
    let mut conn2 = server.accept().await;
    conn2
        .send_json(json!({"type":"connection","status":"connected","userId":"user_123"}))
        .await;
    assert_eq!(
        rooms_subscribed(&mut conn2, 3).await,
        vec!["market:BTC_USD", "margin_guard", "positions"]
    );
    let (_, skipped) = h
        .next_matching(|e| matches!(e, NetEvent::Reconnected { .. }))
        .await;
    assert!(
        skipped.iter().any(|e| is_state(e, "reconnecting")),
        "went through reconnecting: {skipped:#?}"
    );
    let c = h.handle.counters().snapshot();
    assert_eq!(c.reconnects, 1);
    assert_eq!(c.events, 1);
    assert!(c.last_event_at.is_some());
    assert!(c.frames_out >= 5, "{c:?}");
    h.stop().await;
}

#[tokio::test]
async fn axisor_first_message_auth_and_server_errors() {
    let mut server = RawServer::start().await;
    let mut h = Harness::start(axisor(&server, AuthMode::FirstMessage));
    let mut conn = server.accept().await;
    assert_eq!(conn.authorization, None, "no header in first-message mode");
    let first = conn.recv_json().await;
    assert_eq!(first, json!({"type":"auth","token":JWT}));
    conn.send_json(json!({"type":"connection","status":"connected"}))
        .await;
    rooms_subscribed(&mut conn, 2).await;
    conn.send_json(json!({"type":"error","code":"INVALID_ROOM","message":"Invalid room"}))
        .await;
    let (ev, _) = h
        .next_matching(|e| matches!(e, NetEvent::ServerError { .. }))
        .await;
    let NetEvent::ServerError { code, message, .. } = ev else {
        unreachable!()
    };
    assert_eq!(code.as_deref(), Some("INVALID_ROOM"));
    assert_eq!(message, "Invalid room");
    // A non-auth error doesn't end the connection.
    assert_eq!(*h.state.borrow(), ConnState::Subscribed);
    h.stop().await;
}

#[tokio::test]
async fn axisor_authentication_failed_is_final() {
    let mut server = RawServer::start().await;
    let mut h = Harness::start(axisor(&server, AuthMode::Auto));
    let mut conn = server.accept().await;
    conn.send_json(
        json!({"type":"error","code":"AUTHENTICATION_FAILED","message":"Invalid token"}),
    )
    .await;
    let state = h.wait_state(ConnState::is_final).await;
    assert_eq!(
        state,
        ConnState::AuthFailed {
            message: "authentication failed: Invalid token".into()
        }
    );
    // Backoff is 10 ms in this spec: a retry would arrive well within this window.
    assert!(
        server
            .accept_within(Duration::from_millis(500))
            .await
            .is_none(),
        "auth failure must not be retried"
    );
    // A Reconnect command (new credentials) is the way out.
    h.handle.send(Command::Reconnect).await.expect("accepted");
    let _again = server.accept().await;
    h.stop().await;
}

#[tokio::test]
async fn http_401_on_upgrade_is_auth_failed() {
    let mut server = RawServer::start_with(|_| Some(StatusCode::UNAUTHORIZED)).await;
    let mut spec = fast(ConnectorSpec::new(
        "hashi-401",
        GatewayKind::Hashi,
        server.url("/"),
    ));
    spec.credential = Some(Secret::new("bad"));
    let mut h = Harness::start(spec);
    let state = h.wait_state(ConnState::is_final).await;
    assert!(
        matches!(&state, ConnState::AuthFailed { message } if message.contains("401")),
        "{state:?}"
    );
    assert!(server
        .accept_within(Duration::from_millis(300))
        .await
        .is_none());
    h.stop().await;
}

#[tokio::test]
async fn zkde_answers_pings_filters_events_and_uses_the_address_path() {
    let mut server = RawServer::start().await;
    let mut spec = fast(ConnectorSpec::new(
        "zkde-test",
        GatewayKind::Zkde,
        server.url("/ws/0x0123abcd"),
    ));
    spec.subscriptions.zkde_events = vec!["proof_complete".into()];
    let mut h = Harness::start(spec);
    let mut conn = server.accept().await;
    assert_eq!(conn.uri, "/ws/0x0123abcd");
    conn.send_json(json!({"type":"connected","message":"Connected to Capital OS..."}))
        .await;
    conn.send_json(json!({"type":"ping","timestamp":"2026-04-05T12:00:00Z"}))
        .await;
    assert_eq!(conn.recv_json().await, json!({"type":"pong"}));
    conn.send_json(
        json!({"type":"alert","data":{"severity":"high","alert_type":"drawdown",
        "message":"Drawdown 12%","action":"reduce"}}),
    )
    .await;
    conn.send_json(json!({"type":"proof_complete","data":{"proof_type":"risk","proof_hash":"0xabc","success":true}}))
        .await;
    let (ev, skipped) = h.next_matching(|e| matches!(e, NetEvent::Event(_))).await;
    let NetEvent::Event(ev) = ev else {
        unreachable!()
    };
    assert_eq!(
        ev.event_type, "proof_complete",
        "the alert was filtered out"
    );
    assert!(!skipped.iter().any(|e| matches!(e, NetEvent::Event(_))));
    let c = h.handle.counters().snapshot();
    assert_eq!((c.filtered, c.events), (1, 1));
    h.stop().await;
}

#[tokio::test]
async fn zkde_round_trip_is_measured_with_websocket_pings_that_do_not_hide_silence() {
    use futures_util::StreamExt;
    let mut server = RawServer::start().await;
    let mut spec = fast(ConnectorSpec::new(
        "zkde-rtt",
        GatewayKind::Zkde,
        server.url("/ws/0x1"),
    ));
    spec.heartbeat.interval = Duration::from_millis(100);
    spec.heartbeat.server_silence = Duration::from_millis(1_500);
    let h = Harness::start(spec);
    let mut conn = server.accept().await;
    conn.send_json(json!({"type":"connected"})).await;
    // zkde pings us (app level); we ping at the WebSocket level, which any server's stack
    // answers while it reads (tungstenite queues the pong by itself).
    let started = tokio::time::Instant::now();
    let mut pings = 0;
    while h.handle.counters().snapshot().heartbeat_rtt_ms.is_none() {
        assert!(started.elapsed() < CAP, "no round trip measured");
        if let Ok(Some(Ok(m))) =
            tokio::time::timeout(Duration::from_millis(50), conn.ws.next()).await
        {
            pings += usize::from(m.is_ping());
        }
    }
    assert!(pings >= 1);
    // The server keeps answering WebSocket pings but sends nothing: still rebuilt, since a
    // pong says nothing about the gateway behind the socket.
    let answering = tokio::spawn(async move { while conn.ws.next().await.is_some() {} });
    let _conn2 = server.accept().await;
    assert!(
        started.elapsed() >= Duration::from_millis(1_400),
        "not before the silence deadline"
    );
    answering.abort();
    h.stop().await;
}

#[tokio::test]
async fn zkde_silent_server_is_detected_and_rebuilt() {
    let mut server = RawServer::start().await;
    let mut spec = fast(ConnectorSpec::new(
        "zkde-silent",
        GatewayKind::Zkde,
        server.url("/ws/0x1"),
    ));
    spec.heartbeat.server_silence = Duration::from_millis(300);
    let mut h = Harness::start(spec);
    let mut conn = server.accept().await;
    conn.send_json(json!({"type":"connected"})).await;
    // Then nothing: the connector must give up on this socket and open another one.
    let started = tokio::time::Instant::now();
    let _conn2 = server.accept().await;
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "not before the deadline"
    );
    let (_, skipped) = h
        .next_matching(|e| matches!(e, NetEvent::Reconnected { .. }))
        .await;
    assert!(skipped.iter().any(|e| is_state(e, "reconnecting")));
    drop(conn);
    h.stop().await;
}

fn hashi(server: &RawServer) -> ConnectorSpec {
    let mut spec = fast(ConnectorSpec::new(
        "hashi-test",
        GatewayKind::Hashi,
        server.url("/"),
    ));
    spec.credential = Some(Secret::new(JWT));
    spec.subscriptions.lobbies = vec!["ABC123".into()];
    spec.heartbeat.interval = Duration::from_millis(100);
    spec.heartbeat.timeout = Duration::from_millis(400);
    spec
}

#[tokio::test]
async fn hashi_query_token_ping_pong_and_lobby_resubscribe() {
    let mut server = RawServer::start().await;
    let mut h = Harness::start(hashi(&server));
    let mut conn = server.accept().await;
    assert_eq!(conn.uri, format!("/?token={JWT}"));
    assert_eq!(conn.authorization, None);
    conn.send_json(json!({"type":"connected","data":{}})).await;
    assert_eq!(
        conn.recv_json().await,
        json!({"type":"subscribe","data":{"lobbyId":"ABC123"}})
    );
    assert_eq!(conn.recv_json().await, json!({"type":"ping"}));
    conn.send_json(json!({"type":"pong","data":{"timestamp":"2024-01-15T10:30:00.000Z"}}))
        .await;
    conn.send_json(
        json!({"type":"contract:event","data":{"type":"contract.initialized",
        "contractId":"550e8400-e29b-41d4-a716-446655440000","lobbyId":"ABC123",
        "timestamp":"2024-01-15T10:30:00.000Z","payload":{}}}),
    )
    .await;
    let (ev, _) = h.next_matching(|e| matches!(e, NetEvent::Event(_))).await;
    let NetEvent::Event(ev) = ev else {
        unreachable!()
    };
    assert_eq!(ev.event_type, "contract.initialized");
    assert!(h.handle.counters().snapshot().heartbeat_rtt_ms.is_some());

    h.handle
        .send(Command::SubscribeLobby("XYZ".into()))
        .await
        .expect("accepted");
    // Skip pings until the subscribe arrives.
    loop {
        let m = conn.recv_json().await;
        if m["type"] == "subscribe" {
            assert_eq!(m["data"]["lobbyId"], "XYZ");
            break;
        }
        assert_eq!(m["type"], "ping");
    }
    conn.close().await;
    let mut conn2 = server.accept().await;
    let mut lobbies = Vec::new();
    while lobbies.len() < 2 {
        let m = conn2.recv_json().await;
        if m["type"] == "subscribe" {
            lobbies.push(m["data"]["lobbyId"].as_str().expect("id").to_owned());
        }
    }
    assert_eq!(lobbies, vec!["ABC123", "XYZ"]);
    h.next_matching(|e| matches!(e, NetEvent::Reconnected { .. }))
        .await;
    h.stop().await;
}

#[tokio::test]
async fn hashi_unanswered_pings_rebuild_the_connection() {
    let mut server = RawServer::start().await;
    let mut h = Harness::start(hashi(&server));
    let mut conn = server.accept().await;
    assert_eq!(conn.recv_json().await["type"], "subscribe");
    assert_eq!(conn.recv_json().await["type"], "ping");
    // Never answer: after interval + timeout the connector reconnects.
    let _conn2 = server.accept().await;
    let (_, skipped) = h
        .next_matching(|e| matches!(e, NetEvent::Reconnected { .. }))
        .await;
    assert!(skipped.iter().any(|e| is_state(e, "reconnecting")));
    h.stop().await;
}

#[tokio::test]
async fn hashi_auth_error_message_is_final() {
    let mut server = RawServer::start().await;
    let mut h = Harness::start(hashi(&server));
    let mut conn = server.accept().await;
    conn.send_json(
        json!({"type":"error","data":{"message":"Authentication failed","code":"AUTH_ERROR"}}),
    )
    .await;
    let state = h.wait_state(ConnState::is_final).await;
    assert_eq!(
        state,
        ConnState::AuthFailed {
            message: "authentication failed: Authentication failed".into()
        }
    );
    assert!(server
        .accept_within(Duration::from_millis(500))
        .await
        .is_none());
    h.stop().await;
}

#[tokio::test]
async fn malformed_binary_and_oversized_frames_are_counted_not_fatal() {
    let mut server = RawServer::start().await;
    let mut spec = fast(ConnectorSpec::new(
        "zkde-bad",
        GatewayKind::Zkde,
        server.url("/ws/0x2"),
    ));
    spec.limits.max_message_size = 64 * 1024;
    spec.limits.max_frame_size = 64 * 1024;
    let mut h = Harness::start(spec);
    let mut conn = server.accept().await;
    conn.send_text("not json at all").await;
    conn.send_text(r#"{"type":"#).await;
    conn.send_text(r#"{"no_type":true}"#).await;
    conn.ws
        .send(tokio_tungstenite::tungstenite::Message::binary(vec![
            0u8, 1, 2,
        ]))
        .await
        .expect("send binary");
    conn.send_json(
        json!({"type":"agent_status_change","data":{"agent_id":"a1","status":"running"}}),
    )
    .await;
    // The good event after the bad ones still arrives.
    let (ev, skipped) = h.next_matching(|e| matches!(e, NetEvent::Event(_))).await;
    let NetEvent::Event(ev) = ev else {
        unreachable!()
    };
    assert_eq!(ev.event_type, "agent_status_change");
    let errors: Vec<_> = skipped
        .iter()
        .filter_map(|e| match e {
            NetEvent::DecodeError { preview, .. } => Some(preview.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_eq!(errors[0], "not json at all");
    assert_eq!(errors[3], "<binary frame, 3 bytes>");

    // 100 KiB > the 64 KiB limit: counted, the connection is rebuilt, nothing panics.
    let big = format!(
        r#"{{"type":"market_change","data":{{"blob":"{}"}}}}"#,
        "x".repeat(100 * 1024)
    );
    use futures_util::SinkExt;
    let _ = conn
        .ws
        .send(tokio_tungstenite::tungstenite::Message::text(big))
        .await;
    let (ev, _) = h
        .next_matching(|e| matches!(e, NetEvent::DecodeError { error, .. } if error.to_string().contains("size limit")))
        .await;
    assert!(matches!(ev, NetEvent::DecodeError { .. }));
    let _conn2 = server.accept().await;
    let c = h.handle.counters().snapshot();
    assert_eq!(c.decode_errors, 5, "{c:?}");
    assert_eq!(c.dropped_frames, 2, "{c:?}");
    assert_eq!(c.events, 1);
    h.stop().await;
}

/// Backoff end to end, under paused time: nothing listens on the port, so every attempt
/// fails; with 3 attempts allowed the connector reports attempts 1, 2, 3 with growing
/// delays, then gives up — in virtual time, instantly.
#[tokio::test(start_paused = true)]
async fn gives_up_after_max_attempts() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut spec = ConnectorSpec::new(
        "nobody",
        GatewayKind::Zkde,
        format!("ws://127.0.0.1:{port}/ws/0x1"),
    );
    spec.backoff.max_attempts = 3;
    spec.backoff.jitter = 0.0;
    let mut h = Harness::start(spec);
    let mut attempts = Vec::new();
    let final_state = loop {
        let (ev, _) = h
            .next_matching(|e| matches!(e, NetEvent::State { .. }))
            .await;
        let NetEvent::State { state, .. } = ev else {
            unreachable!()
        };
        match state {
            ConnState::Reconnecting { attempt, .. } => attempts.push(attempt),
            s if s.is_final() => break s,
            _ => {}
        }
    };
    assert_eq!(attempts, vec![1, 2, 3]);
    assert!(
        matches!(&final_state, ConnState::GaveUp { reason } if reason.starts_with("3 failed attempts")),
        "{final_state:?}"
    );
    let _ = CAP;
    h.stop().await;
}
