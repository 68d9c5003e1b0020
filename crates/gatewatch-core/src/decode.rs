//! Decoders: one per gateway, from a [`WireMessage`] to [`Decoded`]. Never panic on any input.
//!
//! Every decoder follows the same steps: check the transport, parse the JSON, find the
//! message type, split control messages (handshake, heartbeat, auth and subscription
//! replies) from data events, check the identity the document gives the event's entity,
//! build the typed body, and stamp the shared fields (`dedupe_key`, `created_at`,
//! severity). Unknown message types become [`EventBody::Unknown`] events that keep the
//! payload; only input we cannot identify at all is an error.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::event::{
    ConnectionId, Control, Decoded, EntityKind, EntityRef, Event, EventBody, GatewayKind, Severity,
};
use crate::models::lenient::value_to_string;
use crate::models::{axisor, dimes, fusion, hashi, zkde};
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

impl DecodeContext {
    /// Shorthand constructor.
    pub fn new(
        connection: impl Into<ConnectionId>,
        gateway: GatewayKind,
        received_at: DateTime<Utc>,
    ) -> Self {
        Self {
            connection: connection.into(),
            gateway,
            received_at,
        }
    }

    fn malformed(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Malformed {
            gateway: self.gateway,
            reason: reason.into(),
        }
    }
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
    match ctx.gateway {
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer => decode_dimes(ctx, msg),
        GatewayKind::Axisor => decode_axisor(ctx, msg),
        GatewayKind::Zkde => decode_zkde(ctx, msg),
        GatewayKind::Hashi => decode_hashi(ctx, msg),
        GatewayKind::Fusion => decode_fusion(ctx, msg),
    }
}

/// Parse a gateway timestamp: RFC 3339 (also without a zone, read as UTC), or epoch
/// seconds / milliseconds / microseconds / nanoseconds as a number or numeric string.
pub fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                        .into_iter()
                        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
                        .map(|n| n.and_utc())
                })
                .or_else(|| s.parse::<f64>().ok().and_then(from_epoch))
        }
        Value::Number(n) => n.as_f64().and_then(from_epoch),
        _ => None,
    }
}

/// Epoch number to time; the unit is guessed from the magnitude (seconds below 1e11, i.e.
/// before year 5138; then ms, µs, ns).
fn from_epoch(f: f64) -> Option<DateTime<Utc>> {
    if !f.is_finite() {
        return None;
    }
    let a = f.abs();
    let ms = if a < 1e11 {
        f * 1e3
    } else if a < 1e14 {
        f
    } else if a < 1e17 {
        f / 1e3
    } else {
        f / 1e6
    };
    // chrono's range is about ±262,000 years; stay well inside it before the cast.
    if ms.abs() > 8.0e15 {
        return None;
    }
    DateTime::from_timestamp_millis(ms.round() as i64)
}

/// The key duplicates are detected by: `id:<external id>` when the gateway gives an event
/// id, else `h:<hex>` of xxh3 over the gateway, the event type and the key-sorted JSON of
/// the payload, so the same content delivered twice gets the same key.
pub fn dedupe_key(
    gateway: GatewayKind,
    event_type: &str,
    external_id: Option<&str>,
    payload: &Value,
) -> String {
    if let Some(id) = external_id {
        return format!("id:{id}");
    }
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(gateway.as_str().as_bytes());
    buf.push(0);
    buf.extend_from_slice(event_type.as_bytes());
    buf.push(0);
    canonical_json(payload, &mut buf);
    format!("h:{:016x}", xxhash_rust::xxh3::xxh3_64(&buf))
}

/// JSON with object keys sorted, whatever map order serde_json was built with (the
/// `preserve_order` feature may be switched on by another crate in the build).
fn canonical_json(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical_json(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_string(k, out);
                out.push(b':');
                canonical_json(v, out);
            }
            out.push(b'}');
        }
    }
}

fn write_json_string(s: &str, out: &mut Vec<u8>) {
    // Writing into a Vec cannot fail; the fallback keeps the bytes distinct anyway.
    if serde_json::to_writer(&mut *out, s).is_err() {
        out.extend_from_slice(s.as_bytes());
    }
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// The fields of an event that are not yet stamped with context.
struct Draft {
    event_type: String,
    external_id: Option<String>,
    entity: Option<EntityRef>,
    created_at: Option<DateTime<Utc>>,
    severity: Severity,
    body: EventBody,
}

impl Draft {
    fn unknown(event_type: impl Into<String>, entity: Option<EntityRef>) -> Self {
        Self {
            event_type: event_type.into(),
            external_id: None,
            entity,
            created_at: None,
            severity: Severity::Info,
            body: EventBody::Unknown,
        }
    }

    fn finish(self, ctx: &DecodeContext, payload: Value) -> Decoded {
        let dedupe_key = dedupe_key(
            ctx.gateway,
            &self.event_type,
            self.external_id.as_deref(),
            &payload,
        );
        Decoded::Event(Event {
            connection: ctx.connection.clone(),
            gateway: ctx.gateway,
            event_type: self.event_type,
            external_id: self.external_id,
            dedupe_key,
            entity: self.entity,
            created_at: self.created_at,
            received_at: ctx.received_at,
            severity: self.severity,
            body: self.body,
            payload,
        })
    }
}

fn text_json(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Value, DecodeError> {
    match msg {
        WireMessage::Text(text) => {
            let v: Value =
                serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
            if v.is_object() {
                Ok(v)
            } else {
                Err(ctx.malformed("message is not a JSON object"))
            }
        }
        WireMessage::SocketIo { .. } => Err(DecodeError::WrongTransport {
            gateway: ctx.gateway,
        }),
    }
}

fn socketio<'a>(
    ctx: &DecodeContext,
    msg: WireMessage<'a>,
) -> Result<(&'a str, &'a [Value]), DecodeError> {
    match msg {
        WireMessage::SocketIo { event, args } => Ok((event, args)),
        WireMessage::Text(_) => Err(DecodeError::WrongTransport {
            gateway: ctx.gateway,
        }),
    }
}

/// A non-empty string (or number) field.
fn id_at(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(value_to_string)
        .filter(|s| !s.trim().is_empty())
}

/// The first of several keys that holds a non-empty id.
fn id_any(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| id_at(v, k))
}

/// The first of several keys that holds a parseable time.
fn time_any(v: &Value, keys: &[&str]) -> Option<DateTime<Utc>> {
    keys.iter().find_map(|k| v.get(*k).and_then(parse_time))
}

fn message_type(ctx: &DecodeContext, msg: &Value) -> Result<String, DecodeError> {
    msg.get("type")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ctx.malformed("no `type`"))
}

fn typed<T: DeserializeOwned>(ctx: &DecodeContext, v: &Value) -> Result<T, DecodeError> {
    T::deserialize(v).map_err(|e| ctx.malformed(e.to_string()))
}

/// The fields of a raw-WebSocket event: `data` when it is an object, the message itself
/// otherwise. When both carry fields (`{type, timestamp, data:{…}}`) they are merged,
/// `data` winning.
pub(crate) fn event_fields(msg: &Value) -> Cow<'_, Value> {
    const ENVELOPE: [&str; 3] = ["type", "channel", "data"];
    match (msg.as_object(), msg.get("data")) {
        (Some(top), Some(whole @ Value::Object(data))) => {
            if top.keys().all(|k| ENVELOPE.contains(&k.as_str())) {
                Cow::Borrowed(whole)
            } else {
                let mut merged: Map<String, Value> = top
                    .iter()
                    .filter(|(k, _)| !ENVELOPE.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (k, v) in data {
                    merged.insert(k.clone(), v.clone());
                }
                Cow::Owned(Value::Object(merged))
            }
        }
        _ => Cow::Borrowed(msg),
    }
}

fn require_id(
    ctx: &DecodeContext,
    v: &Value,
    keys: &[&str],
    what: &str,
) -> Result<String, DecodeError> {
    id_any(v, keys).ok_or_else(|| ctx.malformed(format!("{what} without `{}`", keys[0])))
}

// ---------------------------------------------------------------------------------------
// Dimes
// ---------------------------------------------------------------------------------------

fn decode_dimes(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use dimes::{DimesEvent, ErrorEvent, NotificationCode, PositionEventType};

    let (name, args) = socketio(ctx, msg)?;
    if name == "error" || name == "connect_error" {
        let e = ErrorEvent::from_value(args.first().unwrap_or(&Value::Null));
        let control = if e.is_auth() {
            Control::AuthFailed {
                code: e
                    .code()
                    .or(e.error_type())
                    .unwrap_or("AUTHENTICATION_ERROR")
                    .to_owned(),
                message: e.message().unwrap_or("authentication failed").to_owned(),
            }
        } else {
            Control::Error {
                code: e.code().or(e.error_type()).map(str::to_owned),
                message: e.message().unwrap_or("error").to_owned(),
            }
        };
        return Ok(Decoded::Control(control));
    }

    let Some(envelope) = args.first().filter(|a| a.is_object()) else {
        // A name we know must carry the envelope; an unknown one is kept whatever it holds.
        if name == "notification" || PositionEventType::parse(name).is_some() {
            return Err(ctx.malformed(format!("`{name}` without an envelope object")));
        }
        return Ok(Draft::unknown(name, None).finish(ctx, unknown_args(args)));
    };
    let event_type = envelope
        .get("type")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
        .to_owned();
    if event_type.is_empty() {
        return Err(ctx.malformed("no event name and no `type`"));
    }
    let external_id = id_at(envelope, "id");
    let created_at = envelope.get("created_at").and_then(parse_time);
    let data = envelope.get("data").unwrap_or(&Value::Null);

    let draft = if let Some(kind) = PositionEventType::parse(&event_type) {
        let id = require_id(ctx, data, &["id"], "position event: `data`")?;
        let mut env: dimes::PositionEvent = typed(ctx, envelope)?;
        env.data.id.clone_from(&id);
        let severity = match kind {
            PositionEventType::Liquidated => Severity::Critical,
            PositionEventType::ForceUnwound | PositionEventType::Reverted => Severity::Warning,
            _ => Severity::Info,
        };
        Draft {
            event_type,
            external_id,
            entity: Some(EntityRef::new(EntityKind::Position, id)),
            created_at,
            severity,
            body: EventBody::Dimes(DimesEvent::position(kind, env)),
        }
    } else if event_type == "notification" {
        let id = external_id
            .clone()
            .ok_or_else(|| ctx.malformed("notification without envelope `id`"))?;
        let env: dimes::NotificationEvent = typed(ctx, envelope)?;
        let severity = match env.data.known_code() {
            Some(NotificationCode::PartialOpenFloorMissed) => Severity::Warning,
            _ => Severity::Info,
        };
        Draft {
            event_type,
            external_id,
            entity: Some(EntityRef::new(EntityKind::Notification, id)),
            created_at,
            severity,
            body: EventBody::Dimes(DimesEvent::Notification(Box::new(env))),
        }
    } else {
        let entity = id_at(data, "id").map(|id| EntityRef::new(EntityKind::Position, id));
        Draft {
            external_id,
            created_at,
            ..Draft::unknown(event_type, entity)
        }
    };
    Ok(draft.finish(ctx, envelope.clone()))
}

/// The payload of an unknown Socket.IO event: its one argument, or all of them.
fn unknown_args(args: &[Value]) -> Value {
    match args {
        [] => Value::Null,
        [one] => one.clone(),
        many => Value::Array(many.to_vec()),
    }
}

// ---------------------------------------------------------------------------------------
// Axisor
// ---------------------------------------------------------------------------------------

/// Where Axisor puts an event's time, in order of preference.
const AXISOR_TIME_KEYS: [&str; 8] = [
    "timestamp",
    "updatedAt",
    "executedAt",
    "triggeredAt",
    "createdAt",
    "deliveredAt",
    "closedAt",
    "startTime",
];

fn decode_axisor(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use axisor::{AxisorEvent as E, AxisorEventType as T};

    let msg = text_json(ctx, msg)?;
    let msg_type = message_type(ctx, &msg)?;
    let fields = event_fields(&msg);
    let f: &Value = &fields;

    match msg_type.as_str() {
        "connection" => {
            let c: axisor::Connection = typed(ctx, f)?;
            let ok = match c.status.as_deref() {
                None => true,
                Some(s) => matches!(
                    s.to_ascii_lowercase().as_str(),
                    "connected" | "authenticated"
                ),
            };
            let control = if ok {
                Control::Connected {
                    user_id: c.user_id,
                    session_id: c.session_id,
                    message: c.message,
                }
            } else {
                Control::AuthFailed {
                    code: c.status.unwrap_or_default(),
                    message: c
                        .message
                        .unwrap_or_else(|| "authentication failed".to_owned()),
                }
            };
            return Ok(Decoded::Control(control));
        }
        "room_subscription" => {
            let r: axisor::RoomSubscription = typed(ctx, f)?;
            return Ok(Decoded::Control(Control::Subscription {
                channel: r.channel,
                status: r.status.unwrap_or_default(),
                rooms: r.subscribed_rooms,
            }));
        }
        "error" => {
            let e = axisor::AxisorError::from_message(&msg);
            let message = e.message.clone().unwrap_or_else(|| "error".to_owned());
            let control = if e.is_auth() {
                Control::AuthFailed {
                    code: e.code.unwrap_or_default(),
                    message,
                }
            } else {
                Control::Error {
                    code: e.code,
                    message,
                }
            };
            return Ok(Decoded::Control(control));
        }
        _ => {}
    }

    let Some(kind) = T::parse(&msg_type) else {
        let draft = Draft::unknown(msg_type, None);
        return Ok(draft.finish(ctx, msg));
    };
    let position = f.get("position").unwrap_or(&Value::Null);
    let created_at =
        time_any(f, &AXISOR_TIME_KEYS).or_else(|| time_any(position, &AXISOR_TIME_KEYS));
    let what = kind.as_str();
    let (entity, severity, body) = match kind {
        T::MarketDataUpdate => {
            let id = require_id(ctx, f, &["symbol"], what)?;
            let mut m: axisor::MarketDataUpdate = typed(ctx, f)?;
            m.symbol.clone_from(&id);
            (
                EntityRef::new(EntityKind::Market, id),
                Severity::Debug,
                E::MarketDataUpdate(Box::new(m)),
            )
        }
        T::HistoricalDataUpdate => {
            let id = require_id(ctx, f, &["symbol"], what)?;
            let mut m: axisor::HistoricalDataUpdate = typed(ctx, f)?;
            m.symbol.clone_from(&id);
            (
                EntityRef::new(EntityKind::Market, id),
                Severity::Debug,
                E::HistoricalDataUpdate(Box::new(m)),
            )
        }
        T::PriceAlert => {
            let id = require_id(ctx, f, &["id", "alertId"], what)?;
            let mut m: axisor::PriceAlert = typed(ctx, f)?;
            m.id.clone_from(&id);
            (
                EntityRef::new(EntityKind::PriceAlert, id),
                Severity::Info,
                E::PriceAlert(Box::new(m)),
            )
        }
        T::MarginGuardExecution => {
            let id = require_id(ctx, f, &["executionId", "execution_id", "id"], what)?;
            let mut m: axisor::MarginGuardExecution = typed(ctx, f)?;
            m.execution_id.clone_from(&id);
            let severity = if m.has_positions_at_risk() {
                Severity::Warning
            } else {
                Severity::Info
            };
            (
                EntityRef::new(EntityKind::MarginGuardRun, id),
                severity,
                E::MarginGuardExecution(Box::new(m)),
            )
        }
        T::PositionStatusUpdate => {
            let id = require_id(ctx, position, &["id"], "position_status_update: `position`")?;
            let mut m: axisor::PositionStatusUpdate = typed(ctx, f)?;
            m.position.id.clone_from(&id);
            let severity = if m.position.is_at_risk == Some(true) {
                Severity::Critical
            } else {
                Severity::Info
            };
            (
                EntityRef::new(EntityKind::Position, id),
                severity,
                E::PositionStatusUpdate(Box::new(m)),
            )
        }
        T::AutoCloseExecution => {
            let id = require_id(ctx, position, &["id"], "auto_close_execution: `position`")?;
            let mut m: axisor::AutoCloseExecution = typed(ctx, f)?;
            m.position.id.clone_from(&id);
            (
                EntityRef::new(EntityKind::Position, id),
                Severity::Critical,
                E::AutoCloseExecution(Box::new(m)),
            )
        }
        T::InAppNotification => {
            let id = require_id(ctx, f, &["id"], what)?;
            let mut m: axisor::InAppNotification = typed(ctx, f)?;
            m.id.clone_from(&id);
            (
                EntityRef::new(EntityKind::Notification, id),
                Severity::Info,
                E::InAppNotification(Box::new(m)),
            )
        }
        T::NotificationStatusUpdate => {
            let id = require_id(ctx, f, &["id"], what)?;
            let mut m: axisor::NotificationStatusUpdate = typed(ctx, f)?;
            m.id.clone_from(&id);
            (
                EntityRef::new(EntityKind::Notification, id),
                Severity::Info,
                E::NotificationStatusUpdate(Box::new(m)),
            )
        }
        T::ServerMaintenance => {
            let m: axisor::ServerMaintenance = typed(ctx, f)?;
            (
                EntityRef::new(EntityKind::Service, "maintenance"),
                Severity::Warning,
                E::ServerMaintenance(Box::new(m)),
            )
        }
        T::ServiceStatusUpdate => {
            let id = require_id(ctx, f, &["service"], what)?;
            let mut m: axisor::ServiceStatusUpdate = typed(ctx, f)?;
            m.service.clone_from(&id);
            let severity = if m.is_healthy() {
                Severity::Info
            } else {
                Severity::Warning
            };
            (
                EntityRef::new(EntityKind::Service, id),
                severity,
                E::ServiceStatusUpdate(Box::new(m)),
            )
        }
    };
    drop(fields);
    let draft = Draft {
        event_type: msg_type,
        external_id: None,
        entity: Some(entity),
        created_at,
        severity,
        body: EventBody::Axisor(body),
    };
    Ok(draft.finish(ctx, msg))
}

// ---------------------------------------------------------------------------------------
// zkde
// ---------------------------------------------------------------------------------------

fn decode_zkde(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use zkde::{ZkdeEvent as E, ZkdeEventType as T};

    let msg = text_json(ctx, msg)?;
    let msg_type = message_type(ctx, &msg)?;
    let fields = event_fields(&msg);
    let f: &Value = &fields;

    match msg_type.as_str() {
        "connected" => {
            let c: zkde::Connected = typed(ctx, f)?;
            return Ok(Decoded::Control(Control::Connected {
                user_id: None,
                session_id: None,
                message: c.message,
            }));
        }
        "ping" => {
            let p: zkde::Ping = typed(ctx, f)?;
            return Ok(Decoded::Control(Control::Ping {
                timestamp: p.timestamp,
            }));
        }
        _ => {}
    }

    let Some(kind) = T::parse(&msg_type) else {
        return Ok(Draft::unknown(msg_type, None).finish(ctx, msg));
    };
    let created_at = time_any(f, &["timestamp", "created_at", "updated_at"]);
    let what = kind.as_str();
    let (entity, severity, body) = match kind {
        T::StrategyUpdate => {
            let id = require_id(ctx, f, &["strategy_id", "strategyId"], what)?;
            let mut m: zkde::StrategyUpdate = typed(ctx, f)?;
            m.strategy_id.clone_from(&id);
            (
                EntityRef::new(EntityKind::Strategy, id),
                Severity::Info,
                E::StrategyUpdate(Box::new(m)),
            )
        }
        T::MarketChange => {
            let id = require_id(ctx, f, &["pool_id", "poolId"], what)?;
            let mut m: zkde::MarketChange = typed(ctx, f)?;
            m.pool_id.clone_from(&id);
            (
                EntityRef::new(EntityKind::Market, id),
                Severity::Info,
                E::MarketChange(Box::new(m)),
            )
        }
        T::Alert => {
            let m: zkde::Alert = typed(ctx, f)?;
            let id = m.entity_id().map(str::to_owned).ok_or_else(|| {
                ctx.malformed("alert without `id`, `position_id` or `alert_type`")
            })?;
            let severity = match m
                .severity
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("critical" | "high") => Severity::Critical,
                Some("medium" | "warning" | "warn") => Severity::Warning,
                _ => Severity::Info,
            };
            (
                EntityRef::new(EntityKind::RiskAlert, id),
                severity,
                E::Alert(Box::new(m)),
            )
        }
        T::ProofComplete => {
            let id = require_id(ctx, f, &["proof_hash", "proofHash"], what)?;
            let mut m: zkde::ProofComplete = typed(ctx, f)?;
            m.proof_hash.clone_from(&id);
            (
                EntityRef::new(EntityKind::Proof, id),
                Severity::Info,
                E::ProofComplete(Box::new(m)),
            )
        }
        T::PositionUpdate => {
            let id = require_id(ctx, f, &["position_id", "positionId"], what)?;
            let mut m: zkde::PositionUpdate = typed(ctx, f)?;
            m.position_id.clone_from(&id);
            (
                EntityRef::new(EntityKind::Position, id),
                Severity::Info,
                E::PositionUpdate(Box::new(m)),
            )
        }
        T::AgentStatusChange => {
            let id = require_id(ctx, f, &["agent_id", "agentId"], what)?;
            let mut m: zkde::AgentStatusChange = typed(ctx, f)?;
            m.agent_id.clone_from(&id);
            let severity = if m
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("error"))
            {
                Severity::Warning
            } else {
                Severity::Info
            };
            (
                EntityRef::new(EntityKind::Agent, id),
                severity,
                E::AgentStatusChange(Box::new(m)),
            )
        }
    };
    drop(fields);
    let draft = Draft {
        event_type: msg_type,
        external_id: None,
        entity: Some(entity),
        created_at,
        severity,
        body: EventBody::Zkde(body),
    };
    Ok(draft.finish(ctx, msg))
}

// ---------------------------------------------------------------------------------------
// Hashi
// ---------------------------------------------------------------------------------------

fn decode_hashi(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use hashi::{ContractEventType, HashiEvent, LobbyEventType, StorageEventType};

    let msg = text_json(ctx, msg)?;
    let msg_type = message_type(ctx, &msg)?;

    match msg_type.as_str() {
        "connected" => {
            let c = hashi::ControlData::from_message(&msg);
            return Ok(Decoded::Control(Control::Connected {
                user_id: None,
                session_id: None,
                message: c.message,
            }));
        }
        "pong" => {
            let c = hashi::ControlData::from_message(&msg);
            return Ok(Decoded::Control(Control::Pong {
                timestamp: c.timestamp,
            }));
        }
        "error" => {
            let c = hashi::ControlData::from_message(&msg);
            let message = c.message.clone().unwrap_or_else(|| "error".to_owned());
            let control = if c.is_auth_error() {
                Control::AuthFailed {
                    code: c.code.unwrap_or_default(),
                    message,
                }
            } else {
                Control::Error {
                    code: c.code,
                    message,
                }
            };
            return Ok(Decoded::Control(control));
        }
        _ => {}
    }

    let family = match msg_type.as_str() {
        "contract:event" => Some((EntityKind::Contract, "contractId")),
        "lobby:event" => Some((EntityKind::Lobby, "lobbyId")),
        "storage:event" => Some((EntityKind::StorageItem, "storageId")),
        _ => None,
    };
    let inner = msg.get("data").filter(|d| d.is_object());
    let inner_type = inner
        .and_then(|d| d.get("type"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());

    let Some((entity_kind, id_key)) = family else {
        // An outer type the document doesn't list (`bounty:event`?): keep it, named by its
        // inner type when it has one.
        let name = inner_type.unwrap_or(&msg_type).to_owned();
        return Ok(Draft::unknown(name, None).finish(ctx, msg));
    };
    let Some(inner) = inner else {
        return Err(ctx.malformed(format!("`{msg_type}` without a `data` object")));
    };
    let Some(inner_type) = inner_type.map(str::to_owned) else {
        return Err(ctx.malformed(format!("`{msg_type}` without `data.type`")));
    };
    let created_at = inner.get("timestamp").and_then(parse_time);
    let id = id_at(inner, id_key);

    let body = match entity_kind {
        EntityKind::Contract => ContractEventType::parse(&inner_type)
            .map(|k| {
                typed(ctx, inner).map(|mut e: hashi::ContractEvent| {
                    e.contract_id = id.clone().unwrap_or_default();
                    HashiEvent::contract(k, e)
                })
            })
            .transpose()?,
        EntityKind::Lobby => LobbyEventType::parse(&inner_type)
            .map(|k| {
                typed(ctx, inner).map(|mut e: hashi::LobbyEvent| {
                    e.lobby_id = id.clone().unwrap_or_default();
                    HashiEvent::lobby(k, e)
                })
            })
            .transpose()?,
        _ => StorageEventType::parse(&inner_type)
            .map(|k| {
                typed(ctx, inner).map(|mut e: hashi::StorageEvent| {
                    e.storage_id = id.clone().unwrap_or_default();
                    HashiEvent::storage(k, e)
                })
            })
            .transpose()?,
    };
    let entity = id.map(|id| EntityRef::new(entity_kind, id));
    let draft = match body {
        Some(body) => {
            if entity.is_none() {
                return Err(ctx.malformed(format!("`{inner_type}` without `data.{id_key}`")));
            }
            Draft {
                event_type: inner_type,
                external_id: None,
                entity,
                created_at,
                severity: Severity::Info,
                body: EventBody::Hashi(body),
            }
        }
        None => Draft {
            created_at,
            ..Draft::unknown(inner_type, entity)
        },
    };
    Ok(draft.finish(ctx, msg))
}

// ---------------------------------------------------------------------------------------
// Fusion
// ---------------------------------------------------------------------------------------

fn decode_fusion(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use fusion::{FusionEvent as E, FusionEventName as N};

    let (name, args) = socketio(ctx, msg)?;
    let arg = args.first();
    match name {
        "pong" => {
            let timestamp = match arg {
                Some(v @ Value::Object(_)) => v.get("timestamp").and_then(value_to_string),
                Some(v) => value_to_string(v),
                None => None,
            };
            return Ok(Decoded::Control(Control::Pong { timestamp }));
        }
        "error" => {
            let e = fusion::FusionError::from_value(arg);
            return Ok(Decoded::Control(Control::Error {
                code: e.code,
                message: e.message.unwrap_or_else(|| "error".to_owned()),
            }));
        }
        _ => {}
    }

    let payload = unknown_args(args);
    // The intent object: the argument itself, or its `data` when the id sits there. A bare
    // string argument is read as the intent id (`intent:not_found` may carry just that).
    let fields: Cow<'_, Value> = match arg {
        Some(Value::String(s)) => Cow::Owned(serde_json::json!({ "intentId": s })),
        Some(v @ Value::Object(_)) => match v.get("data") {
            Some(d @ Value::Object(_)) if intent_id(v).is_none() => Cow::Borrowed(d),
            _ => Cow::Borrowed(v),
        },
        _ => Cow::Owned(Value::Null),
    };
    let f: &Value = &fields;
    let id = intent_id(f);

    let Some(kind) = N::parse(name) else {
        let entity = id.map(|id| EntityRef::new(EntityKind::Intent, id));
        let draft = Draft {
            created_at: time_any(f, &["updatedAt", "timestamp"]),
            ..Draft::unknown(name, entity)
        };
        drop(fields);
        return Ok(draft.finish(ctx, payload));
    };
    let created_at = time_any(f, &["updatedAt", "timestamp"]);

    let (entity, severity, body) = if kind == N::MempoolStats {
        let m: fusion::MempoolStats = match f {
            Value::Null => fusion::MempoolStats::default(),
            _ => typed(ctx, f)?,
        };
        (
            EntityRef::new(EntityKind::Mempool, "mempool"),
            Severity::Info,
            E::MempoolStats(Box::new(m)),
        )
    } else {
        let Some(id) = id else {
            return Err(ctx.malformed(format!("`{name}` without `intentId`")));
        };
        let mut severity = Severity::Info;
        let body = match kind {
            N::IntentStatus | N::IntentNew | N::IntentStatusChanged => {
                let mut m: fusion::IntentUpdate = typed(ctx, f)?;
                m.intent_id.clone_from(&id);
                if m.is_failed() {
                    severity = Severity::Warning;
                }
                let m = Box::new(m);
                match kind {
                    N::IntentStatus => E::IntentStatus(m),
                    N::IntentNew => E::IntentNew(m),
                    _ => E::IntentStatusChanged(m),
                }
            }
            N::IntentProof | N::IntentProofChanged => {
                let mut m: fusion::IntentProof = typed(ctx, f)?;
                m.intent_id.clone_from(&id);
                if kind == N::IntentProof {
                    E::IntentProof(Box::new(m))
                } else {
                    E::IntentProofChanged(Box::new(m))
                }
            }
            _ => {
                let mut m: fusion::IntentRef = typed(ctx, f)?;
                m.intent_id.clone_from(&id);
                if kind == N::IntentRemoved {
                    E::IntentRemoved(Box::new(m))
                } else {
                    E::IntentNotFound(Box::new(m))
                }
            }
        };
        (EntityRef::new(EntityKind::Intent, id), severity, body)
    };
    drop(fields);
    let draft = Draft {
        event_type: kind.as_str().to_owned(),
        external_id: None,
        entity: Some(entity),
        created_at,
        severity,
        body: EventBody::Fusion(body),
    };
    Ok(draft.finish(ctx, payload))
}

pub(crate) fn intent_id(v: &Value) -> Option<String> {
    id_any(v, &["intentId", "intent_id", "id"])
}
