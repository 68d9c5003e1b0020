//! Canary test: secrets given to connectors never show up in what they hand to others —
//! frames on the tap, events, states, errors — nor in log output captured at trace level
//! with `LOG_CAP` applied. A control run without the cap shows the canary does leak through
//! tungstenite's trace log, so the test can fail.
//!
//! One test per binary: it installs the global log/tracing bridge.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{fast, Harness, RawServer};
use gatewatch_core::GatewayKind;
use gatewatch_net::{AuthMode, ConnState, ConnectorSpec, FrameTap, NetEvent, Secret, LOG_CAP};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

const CANARY: &str = "CANARY";
const KEY: &str = concat!("dm_live_skey_", "CANARY0123456789");
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUlkifQ.CANARYsignature";

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Buf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buf {
    type Writer = Buf;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Everything the connectors handed out, as text.
#[derive(Default)]
struct Seen {
    outputs: Vec<String>,
}

async fn collect(h: &mut Harness, until: impl Fn(&NetEvent) -> bool, seen: &mut Seen) {
    let (ev, skipped) = h.next_matching(until).await;
    for e in skipped.iter().chain(std::iter::once(&ev)) {
        seen.outputs.push(format!("{e:?}"));
        if let NetEvent::Event(ev) = e {
            seen.outputs
                .push(serde_json::to_string(ev).expect("serializes"));
        }
    }
}

/// Axisor (header + first message), Hashi (query token) and a Dimes Socket.IO handshake
/// (auth payload), each with the canary in its credential and echoed back by the server.
async fn scenario(seen: &mut Seen) {
    let tap = FrameTap::new(4096);
    let mut frames = tap.subscribe();

    // Axisor, header then first-message auth.
    for auth in [AuthMode::Header, AuthMode::FirstMessage] {
        let mut server = RawServer::start().await;
        let mut spec = fast(ConnectorSpec::new(
            "axisor",
            GatewayKind::Axisor,
            server.url("/ws"),
        ));
        spec.credential = Some(Secret::new(JWT));
        spec.auth = auth;
        let mut h = Harness::start_with_tap(spec, tap.clone());
        let mut conn = server.accept().await;
        if auth == AuthMode::FirstMessage {
            assert!(
                conn.recv_text().await.contains(JWT),
                "the server does get the token"
            );
        } else {
            assert_eq!(conn.authorization, Some(format!("Bearer {JWT}")));
        }
        conn.send_json(json!({"type":"connection","status":"connected"}))
            .await;
        conn.send_json(
            json!({"type":"in_app_notification","channel":"notifications","data":{
            "id":"notif_1","title":"t","message":format!("your token {JWT}"),"token":JWT,
            "createdAt":"2025-01-06T10:30:00Z"}}),
        )
        .await;
        conn.send_json(
            json!({"type":"error","code":"INVALID_ROOM","message":format!("bad room for {JWT}")}),
        )
        .await;
        collect(&mut h, |e| matches!(e, NetEvent::ServerError { .. }), seen).await;
        conn.send_json(json!({"type":"error","code":"AUTHENTICATION_FAILED","message":format!("expired {JWT}")}))
            .await;
        collect(
            &mut h,
            |e| matches!(e, NetEvent::State { state, .. } if state.is_final()),
            seen,
        )
        .await;
        h.stop().await;
    }

    // Hashi: the token rides in the query string; a malformed frame echoes it back.
    let mut server = RawServer::start().await;
    let mut spec = fast(ConnectorSpec::new(
        "hashi",
        GatewayKind::Hashi,
        server.url("/"),
    ));
    spec.credential = Some(Secret::new(JWT));
    let mut h = Harness::start_with_tap(spec, tap.clone());
    let mut conn = server.accept().await;
    assert!(conn.uri.contains(JWT));
    conn.send_text(format!("garbage ?token={JWT}")).await;
    collect(&mut h, |e| matches!(e, NetEvent::DecodeError { .. }), seen).await;
    conn.close().await;
    collect(
        &mut h,
        |e| matches!(e, NetEvent::State { state, .. } if state.name() == "reconnecting"),
        seen,
    )
    .await;
    h.stop().await;

    // A Dimes partner Socket.IO handshake played by hand: open, connect with the key, ack,
    // then an event that carries the key in its data.
    let mut server = RawServer::start().await;
    let ns = "/v1/ws/prediction-markets/positions";
    let mut spec = fast(ConnectorSpec::new(
        "dimes",
        GatewayKind::DimesPartner,
        server.url(ns),
    ));
    spec.credential = Some(Secret::new(KEY));
    let mut h = Harness::start_with_tap(spec, tap.clone());
    let mut conn = server.accept().await;
    assert!(
        conn.uri
            .starts_with("/socket.io/?EIO=4&transport=websocket"),
        "{}",
        conn.uri
    );
    conn.send_text(r#"0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
        .await;
    assert_eq!(
        conn.recv_text().await,
        format!(r#"40{ns},{{"apiKey":"{KEY}"}}"#)
    );
    conn.send_text(format!(r#"40{ns},{{"sid":"n1"}}"#)).await;
    let env = json!({"id":"evt_1","type":"position.opened","created_at":"2025-06-01T10:00:05.000Z",
        "data":{"id":"dm_pos_1","status":"open","note":format!("opened with {KEY}")}});
    conn.send_text(format!(r#"42{ns},["position.opened",{env}]"#))
        .await;
    collect(&mut h, |e| matches!(e, NetEvent::Event(_)), seen).await;
    conn.send_text(format!(r#"42{ns},["error",{{"error":{{"type":"AUTHENTICATION_ERROR","code":"unauthorized","message":"key {KEY} revoked"}}}}]"#))
        .await;
    collect(
        &mut h,
        |e| matches!(e, NetEvent::State { state, .. } if state.is_final()),
        seen,
    )
    .await;
    h.stop().await;

    // A URL the connector can't use still never prints its token.
    let mut spec = ConnectorSpec::new("bad", GatewayKind::Hashi, format!("ftp://h/?token={JWT}"));
    spec.credential = Some(Secret::new(JWT));
    let mut h = Harness::start_with_tap(spec, tap.clone());
    let state = h.wait_state(ConnState::is_final).await;
    seen.outputs.push(format!("{state:?} {state}"));
    h.stop().await;

    while let Some(f) = frames.try_recv() {
        seen.outputs
            .push(serde_json::to_string(&f).expect("serializes"));
    }
    assert_eq!(tap.lost(), 0);
}

#[tokio::test]
async fn canary_never_reaches_frames_events_or_capped_logs() {
    let logs = Buf::default();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(format!("trace,{LOG_CAP}")))
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish()
        .try_init()
        .expect("first subscriber in this binary");

    let mut seen = Seen::default();
    scenario(&mut seen).await;
    assert!(
        seen.outputs.len() > 20,
        "the scenario produced output: {}",
        seen.outputs.len()
    );
    for out in &seen.outputs {
        assert!(!out.contains(CANARY), "secret handed out: {out}");
    }
    // The outputs are redacted, not empty.
    let all = seen.outputs.join("\n");
    assert!(all.contains("[redacted]"), "{all}");
    assert!(
        all.contains("authentication failed: expired [redacted]"),
        "{all}"
    );
    let log = logs.text();
    assert!(log.contains("starting connector"), "logs were captured");
    assert!(
        log.contains("token=[redacted]"),
        "the Hashi URL is logged, redacted"
    );
    assert!(!log.contains(CANARY), "secret in logs:\n{log}");

    // Control: the same flows without the cap leak through tungstenite's trace of the
    // handshake request — which is why LOG_CAP exists.
    let uncapped = Buf::default();
    let sub = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("trace"))
        .with_writer(uncapped.clone())
        .with_ansi(false)
        .finish();
    {
        let _guard = tracing::subscriber::set_default(sub);
        let mut seen = Seen::default();
        scenario(&mut seen).await;
    }
    assert!(
        uncapped.text().contains(CANARY),
        "control run: tungstenite's trace output should have shown the handshake"
    );
}
