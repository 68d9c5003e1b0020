//! Shared helpers for the integration tests: fixture loading and decoding.
#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use gatewatch_core::{
    decode, DecodeContext, DecodeError, Decoded, Event, GatewayKind, WireMessage,
};
use serde_json::Value;

/// The receive time stamped on every decoded fixture.
pub fn received_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A decode context for `gateway`.
pub fn ctx(gateway: GatewayKind) -> DecodeContext {
    DecodeContext::new(format!("{gateway}-test").as_str(), gateway, received_at())
}

/// The fixture's JSON.
pub fn fixture(dir: &str, name: &str) -> Value {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", dir, name]
        .iter()
        .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Decode a JSON value the way the gateway's connector would hand it over: Socket.IO
/// fixtures are `{"event": name, "args": [...]}`, raw-WS fixtures are the text frame.
pub fn decode_value(gateway: GatewayKind, v: &Value) -> Result<Decoded, DecodeError> {
    if gateway.is_socketio() {
        let event = v["event"].as_str().unwrap_or_default();
        let args = v["args"].as_array().cloned().unwrap_or_default();
        decode(&ctx(gateway), WireMessage::SocketIo { event, args: &args })
    } else {
        let text = v.to_string();
        decode(&ctx(gateway), WireMessage::Text(&text))
    }
}

/// Decode a fixture file.
pub fn decode_fixture(gateway: GatewayKind, dir: &str, name: &str) -> Result<Decoded, DecodeError> {
    decode_value(gateway, &fixture(dir, name))
}

/// Decode a fixture that must be an event.
pub fn event(gateway: GatewayKind, dir: &str, name: &str) -> Event {
    match decode_fixture(gateway, dir, name) {
        Ok(Decoded::Event(e)) => e,
        other => panic!("{dir}/{name}: expected an event, got {other:?}"),
    }
}

/// A time from RFC 3339 text.
pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad test time {s}: {e}"))
        .with_timezone(&Utc)
}
