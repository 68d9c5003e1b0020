//! The Socket.IO connectors (Dimes partner + customer, Fusion) against Node's reference
//! `socket.io` server (npm, not our code): `tests/node/ref/socketio-server.mjs`. The server
//! records what it received; the tests assert on that record.
//!
//! Needs `node` and `npm ci` in tests/node. Without node the tests print a loud SKIPPED
//! line and return (CI has node, so there they run).

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::{fast, Harness, CAP};
use gatewatch_core::{Direction, GatewayKind};
use gatewatch_net::{AuthMode, Command, ConnState, ConnectorSpec, FrameTap, NetEvent, Secret};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command as Process};
use tokio::sync::mpsc;

const GOOD_KEY: &str = "dm_sbx_skey_good";
const GOOD_JWT: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjdXN0In0.sig";
const PARTNER: &str = "/v1/ws/prediction-markets/positions";
const CUSTOMER: &str = "/v1/ws/prediction-markets/customer-positions";

struct NodeServer {
    port: u16,
    records: mpsc::Receiver<Value>,
    _child: Child,
}

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/node")
}

/// Start the reference server, or `None` (after a loud message) when node is missing.
async fn node_server() -> Option<NodeServer> {
    let has_node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_node {
        eprintln!("\n*** SKIPPED: `node` not found; the Socket.IO reference-server tests did NOT run ***\n");
        return None;
    }
    let dir = node_dir();
    assert!(
        dir.join("node_modules/socket.io").exists(),
        "run `npm ci` in {} first",
        dir.display()
    );
    let mut child = Process::new("node")
        .arg("ref/socketio-server.mjs")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn node");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, mut records) = mpsc::channel(1024);
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                if tx.send(v).await.is_err() {
                    break;
                }
            }
        }
    });
    let first = tokio::time::timeout(CAP, records.recv())
        .await
        .expect("server started in time")
        .expect("server printed its port");
    let port = first["port"].as_u64().expect("port") as u16;
    Some(NodeServer {
        port,
        records,
        _child: child,
    })
}

impl NodeServer {
    fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{}", self.port, path)
    }

    /// The next record matching `pred`.
    async fn record(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let r = tokio::time::timeout(CAP, self.records.recv())
                .await
                .expect("server record in time")
                .expect("server alive");
            if pred(&r) {
                return r;
            }
        }
    }

    /// Any record matching `pred` within `d` (to assert that none comes).
    async fn record_within(&mut self, d: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            match tokio::time::timeout_at(deadline, self.records.recv()).await {
                Ok(Some(r)) if pred(&r) => return Some(r),
                Ok(Some(_)) => continue,
                _ => return None,
            }
        }
    }
}

fn kind_is(r: &Value, kind: &str) -> bool {
    r["kind"] == kind
}

async fn events_until(h: &mut Harness, last_type: &str) -> Vec<gatewatch_core::Event> {
    let mut out = Vec::new();
    loop {
        let (ev, _) = h.next_matching(|e| matches!(e, NetEvent::Event(_))).await;
        let NetEvent::Event(ev) = ev else {
            unreachable!()
        };
        let done = ev.event_type == last_type;
        out.push(ev);
        if done {
            return out;
        }
    }
}

fn dimes(
    server: &NodeServer,
    kind: GatewayKind,
    ns: &str,
    auth: AuthMode,
    cred: &str,
) -> ConnectorSpec {
    let mut spec = fast(ConnectorSpec::new(
        format!("{kind}-ref").as_str(),
        kind,
        server.url(ns),
    ));
    spec.credential = Some(Secret::new(cred));
    spec.auth = auth;
    spec
}

#[tokio::test]
async fn dimes_partner_auth_payload_events_with_dots_colons_and_arguments() {
    let Some(mut server) = node_server().await else {
        return;
    };
    let tap = FrameTap::new(1024);
    let mut frames = tap.subscribe();
    let spec = dimes(
        &server,
        GatewayKind::DimesPartner,
        PARTNER,
        AuthMode::Auto,
        GOOD_KEY,
    );
    let mut h = Harness::start_with_tap(spec, tap);

    let connect = server.record(|r| kind_is(r, "connect")).await;
    assert_eq!(connect["nsp"], PARTNER);
    assert_eq!(connect["auth"], json!({"apiKey": GOOD_KEY}));
    assert_eq!(connect["authorization"], Value::Null);

    let events = events_until(&mut h, "position.closed").await;
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        vec![
            "position.opened",
            "position.close_requested",
            "custom:thing.happened/v2",
            "position.closed"
        ]
    );
    assert_eq!(
        events[0].external_id.as_deref(),
        Some("evt_position.opened_1")
    );
    assert!(
        matches!(events[2].body, gatewatch_core::EventBody::Unknown),
        "unknown names are kept"
    );
    h.wait_state(|s| *s == ConnState::Subscribed).await;

    // The inspector saw the connect packet, with the key redacted.
    let mut saw_connect = false;
    while let Some(f) = frames.try_recv() {
        assert!(
            !f.text.contains("good"),
            "secret leaked into a frame: {}",
            f.text
        );
        if f.direction == Direction::Out && f.text.starts_with("40") {
            assert_eq!(f.text, format!(r#"40{PARTNER},{{"apiKey":"[redacted]"}}"#));
            saw_connect = true;
        }
    }
    assert!(saw_connect);
    h.stop().await;
    // A polite namespace disconnect on shutdown.
    server.record(|r| kind_is(r, "disconnect")).await;
}

#[tokio::test]
async fn dimes_partner_header_form() {
    let Some(mut server) = node_server().await else {
        return;
    };
    let spec = dimes(
        &server,
        GatewayKind::DimesPartner,
        PARTNER,
        AuthMode::Header,
        GOOD_KEY,
    );
    let mut h = Harness::start(spec);
    let connect = server.record(|r| kind_is(r, "connect")).await;
    assert_eq!(connect["authorization"], format!("Api-Key {GOOD_KEY}"));
    assert_eq!(connect["auth"], json!({}));
    events_until(&mut h, "position.closed").await;
    h.stop().await;
}

#[tokio::test]
async fn dimes_round_trip_is_measured_with_websocket_pings() {
    let Some(mut server) = node_server().await else {
        return;
    };
    let mut spec = dimes(
        &server,
        GatewayKind::DimesPartner,
        PARTNER,
        AuthMode::Auto,
        GOOD_KEY,
    );
    // Engine.IO v4: the server pings, we answer; our own WebSocket ping (answered by the
    // server's `ws` stack) is what measures the round trip.
    spec.heartbeat.interval = Duration::from_millis(100);
    let mut h = Harness::start(spec);
    server.record(|r| kind_is(r, "connect")).await;
    h.wait_state(|s| *s == ConnState::Subscribed).await;
    let started = tokio::time::Instant::now();
    while h.handle.counters().snapshot().heartbeat_rtt_ms.is_none() {
        assert!(started.elapsed() < CAP, "no round trip measured");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h.stop().await;
}

#[tokio::test]
async fn dimes_customer_token_payload_and_bearer_header() {
    let Some(mut server) = node_server().await else {
        return;
    };
    for auth in [AuthMode::Auto, AuthMode::Header] {
        let spec = dimes(
            &server,
            GatewayKind::DimesCustomer,
            CUSTOMER,
            auth,
            GOOD_JWT,
        );
        let mut h = Harness::start(spec);
        let connect = server.record(|r| kind_is(r, "connect")).await;
        assert_eq!(connect["nsp"], CUSTOMER);
        if auth == AuthMode::Header {
            assert_eq!(connect["authorization"], format!("Bearer {GOOD_JWT}"));
        } else {
            assert_eq!(connect["auth"], json!({"token": GOOD_JWT}));
        }
        let events = events_until(&mut h, "position.opening").await;
        assert_eq!(events[0].event_type, "notification");
        h.stop().await;
    }
}

#[tokio::test]
async fn dimes_auth_error_event_then_disconnect_is_final() {
    let Some(mut server) = node_server().await else {
        return;
    };
    let spec = dimes(
        &server,
        GatewayKind::DimesPartner,
        PARTNER,
        AuthMode::Auto,
        "dm_sbx_skey_wrong",
    );
    let mut h = Harness::start(spec);
    server.record(|r| kind_is(r, "connect")).await;
    let state = h.wait_state(ConnState::is_final).await;
    assert_eq!(
        state,
        ConnState::AuthFailed {
            message: "authentication failed: Unauthorized".into()
        }
    );
    assert!(
        server
            .record_within(Duration::from_millis(500), |r| kind_is(r, "connect"))
            .await
            .is_none(),
        "auth failure must not be retried"
    );
    h.stop().await;
}

#[tokio::test]
async fn middleware_rejection_is_auth_failed_and_final() {
    let Some(mut server) = node_server().await else {
        return;
    };
    let spec = dimes(
        &server,
        GatewayKind::DimesCustomer,
        CUSTOMER,
        AuthMode::Auto,
        "eyJ.bad.jwt",
    );
    let mut h = Harness::start(spec);
    server.record(|r| kind_is(r, "rejected")).await;
    let state = h.wait_state(ConnState::is_final).await;
    assert_eq!(
        state,
        ConnState::AuthFailed {
            message: "authentication failed: Unauthorized".into()
        }
    );
    assert!(server
        .record_within(Duration::from_millis(500), |r| kind_is(r, "rejected")
            || kind_is(r, "connect"))
        .await
        .is_none());
    h.stop().await;
}

#[tokio::test]
async fn fusion_emits_with_arguments_ping_pong_and_resubscribe_after_drop() {
    let Some(mut server) = node_server().await else {
        return;
    };
    let mut spec = fast(ConnectorSpec::new(
        "fusion-ref",
        GatewayKind::Fusion,
        format!("{}?drop_once=fusion-test", server.url("/")),
    ));
    spec.subscriptions.intents = vec!["123".into()];
    spec.subscriptions.all_intents = true;
    spec.heartbeat.interval = Duration::from_millis(100);
    let mut h = Harness::start(spec);

    let first = server.record(|r| kind_is(r, "connect")).await;
    let sid1 = first["sid"].clone();
    let all = server.record(|r| r["event"] == "subscribe:all").await;
    assert_eq!(all["args"], json!([]));
    assert_eq!(all["sid"], sid1);
    // The server drops us right after subscribe:all; the reconnect re-sends both.
    let second = server.record(|r| kind_is(r, "connect")).await;
    let sid2 = second["sid"].clone();
    assert_ne!(sid1, sid2);
    let again = server.record(|r| r["event"] == "subscribe:all").await;
    assert_eq!(again["sid"], sid2);
    let intent = server
        .record(|r| r["event"] == "subscribe:intent" && r["sid"] == sid2)
        .await;
    // The id stays a JSON string (rust_socketio sends the number 123 here).
    assert_eq!(intent["args"], json!(["123"]));
    h.next_matching(|e| matches!(e, NetEvent::Reconnected { .. }))
        .await;

    // Runtime subscription with an argument.
    h.handle
        .send(Command::SubscribeIntent("0xabc".into()))
        .await
        .expect("accepted");
    let r = server
        .record(|r| r["event"] == "subscribe:intent" && r["args"] == json!(["0xabc"]))
        .await;
    assert_eq!(r["sid"], sid2);
    let (ev, _) = h
        .next_matching(|e| matches!(e, NetEvent::Event(ev) if ev.payload["intentId"] == "0xabc"))
        .await;
    let NetEvent::Event(ev) = ev else {
        unreachable!()
    };
    assert_eq!(ev.event_type, "intent:status");

    // App-level ping → pong: each ping the server records is answered; the round trip
    // shows up in the counters.
    let mut pings = 0;
    while h.handle.counters().snapshot().heartbeat_rtt_ms.is_none() {
        server.record(|r| r["event"] == "ping").await;
        pings += 1;
        assert!(pings < 50, "pings sent but no pong measured");
    }
    let c = h.handle.counters().snapshot();
    assert_eq!(c.reconnects, 1);
    assert!(c.events >= 4, "{c:?}");
    h.stop().await;
}
