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
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer => {
            let (name, args) = socketio(ctx, msg)?;
            decode_dimes(ctx, name, Args::Borrowed(args))
        }
        GatewayKind::Axisor => decode_axisor(ctx, msg),
        GatewayKind::Zkde => decode_zkde(ctx, msg),
        GatewayKind::Hashi => decode_hashi(ctx, msg),
        GatewayKind::Fusion => {
            let (name, args) = socketio(ctx, msg)?;
            decode_fusion(ctx, name, Args::Borrowed(args))
        }
    }
}

/// [`decode`] for a Socket.IO event whose arguments the caller owns and no longer needs:
/// the same result, but the payload is moved into the event instead of deep-copied (the
/// connector's hot path). A text gateway gets [`DecodeError::WrongTransport`].
pub fn decode_socketio(
    ctx: &DecodeContext,
    event: &str,
    args: Vec<Value>,
) -> Result<Decoded, DecodeError> {
    match ctx.gateway {
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer => {
            decode_dimes(ctx, event, Args::Owned(args))
        }
        GatewayKind::Fusion => decode_fusion(ctx, event, Args::Owned(args)),
        GatewayKind::Axisor | GatewayKind::Zkde | GatewayKind::Hashi => {
            Err(DecodeError::WrongTransport {
                gateway: ctx.gateway,
            })
        }
    }
}

/// Socket.IO event arguments, borrowed ([`decode`]) or owned ([`decode_socketio`]): read
/// through `slice`, turned into the event's payload once at the end.
enum Args<'a> {
    Borrowed(&'a [Value]),
    Owned(Vec<Value>),
}

impl Args<'_> {
    fn slice(&self) -> &[Value] {
        match self {
            Args::Borrowed(a) => a,
            Args::Owned(v) => v,
        }
    }

    /// The payload of a Socket.IO event: its one argument, or all of them (`null` for none).
    fn into_payload(self) -> Value {
        match self {
            Args::Borrowed(args) => match args {
                [] => Value::Null,
                [one] => one.clone(),
                many => Value::Array(many.to_vec()),
            },
            Args::Owned(mut args) => match args.len() {
                0 => Value::Null,
                1 => args.pop().unwrap_or(Value::Null),
                _ => Value::Array(args),
            },
        }
    }

    /// The first argument (the Dimes envelope), whatever follows it.
    fn into_first(self) -> Value {
        match self {
            Args::Borrowed(args) => args.first().cloned().unwrap_or(Value::Null),
            Args::Owned(mut args) => {
                args.truncate(1);
                args.pop().unwrap_or(Value::Null)
            }
        }
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
/// id, else `c:<hex>`, a 64-bit hash of the gateway, the event type and the payload's
/// content ([`crate::hash`]), so the same content delivered twice gets the same key
/// whatever the order of its members.
///
/// The hash must stay exactly what it is: keys are stored in the event log and checked
/// again after a restart, so a different hash would let a redelivery through. The test
/// `dedupe_keys_are_stable` pins it. (Until 2026-12-02 the key was `h:<hex>`, xxh3 over
/// the key-sorted JSON text of the payload; the new prefix keeps the two apart.)
pub fn dedupe_key(
    gateway: GatewayKind,
    event_type: &str,
    external_id: Option<&str>,
    payload: &Value,
) -> String {
    dedupe_key_with(gateway, event_type, external_id, || {
        crate::hash::content_hash(payload)
    })
}

/// [`dedupe_key`] with the payload's content hash from `content` (the fast parser's, when
/// it read the payload), asked only when there is no event id.
fn dedupe_key_with(
    gateway: GatewayKind,
    event_type: &str,
    external_id: Option<&str>,
    content: impl FnOnce() -> u64,
) -> String {
    if let Some(id) = external_id {
        let mut key = String::with_capacity(3 + id.len());
        key.push_str("id:");
        key.push_str(id);
        return key;
    }
    let hash = crate::hash::event_hash(gateway.as_str(), event_type, content());
    let mut key = String::with_capacity(18);
    key.push_str("c:");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        key.push(char::from(HEX[((hash >> (shift * 4)) & 0xf) as usize]));
    }
    key
}

/// Whether serde_json's `Map` iterates in key order (its default `BTreeMap`; not with the
/// `preserve_order` feature, which another crate in the build may switch on). Asked once.
pub(crate) fn maps_iterate_sorted() -> bool {
    static SORTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SORTED.get_or_init(|| {
        let mut m = Map::new();
        m.insert("b".to_owned(), Value::Null);
        m.insert("a".to_owned(), Value::Null);
        m.keys().next().is_some_and(|k| k == "a")
    })
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
        self.finish_hashed(ctx, payload, None)
    }

    /// [`Draft::finish`], given the payload's content hash when the parser computed it.
    fn finish_hashed(self, ctx: &DecodeContext, payload: Value, content: Option<u64>) -> Decoded {
        let dedupe_key = dedupe_key_with(
            ctx.gateway,
            &self.event_type,
            self.external_id.as_deref(),
            || content.unwrap_or_else(|| crate::hash::content_hash(&payload)),
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
            payload: payload.into(),
        })
    }
}

/// The JSON object of a raw-WebSocket message, and its content hash when the fast parser
/// read it (the payload of an event without an id is the whole message).
fn text_json(
    ctx: &DecodeContext,
    msg: WireMessage<'_>,
) -> Result<(Value, Option<u64>), DecodeError> {
    match msg {
        WireMessage::Text(text) => {
            let (v, hash) = match crate::json::parse_fast_hashed(text) {
                Some((v, hash)) => (v, Some(hash)),
                None => (
                    serde_json::from_str::<Value>(text)
                        .map_err(|e| DecodeError::NotJson(e.to_string()))?,
                    None,
                ),
            };
            if v.is_object() {
                Ok((v, hash))
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
    match v.as_object() {
        // An object with fewer members than there are names (Axisor's `{userId, position}`):
        // note which names it has by looking at each member once, then read only those,
        // in the names' order.
        Some(map) if map.len() < keys.len() && keys.len() <= 32 => {
            let mut present = 0u32;
            for k in map.keys() {
                if let Some(p) = keys.iter().position(|name| *name == k.as_str()) {
                    present |= 1 << p;
                }
            }
            keys.iter()
                .enumerate()
                .filter(|(p, _)| present & (1 << p) != 0)
                .find_map(|(_, k)| map.get(*k).and_then(parse_time))
        }
        Some(map) => keys.iter().find_map(|k| map.get(*k).and_then(parse_time)),
        None => None,
    }
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

fn decode_dimes(ctx: &DecodeContext, name: &str, args: Args<'_>) -> Result<Decoded, DecodeError> {
    let draft = dimes_draft(ctx, name, args.slice())?;
    Ok(match draft {
        DimesDraft::Control(c) => Decoded::Control(c),
        DimesDraft::Unknown(draft) => draft.finish(ctx, args.into_payload()),
        DimesDraft::Event(draft) => draft.finish(ctx, args.into_first()),
    })
}

/// What the first look at a Dimes event gives, before the payload is taken.
enum DimesDraft {
    Control(Control),
    /// No envelope object: the payload is every argument.
    Unknown(Draft),
    /// The payload is the envelope (the first argument).
    Event(Draft),
}

fn dimes_draft(ctx: &DecodeContext, name: &str, args: &[Value]) -> Result<DimesDraft, DecodeError> {
    use dimes::{DimesEvent, ErrorEvent, NotificationCode, PositionEventType};

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
        return Ok(DimesDraft::Control(control));
    }

    let Some(envelope) = args.first().filter(|a| a.is_object()) else {
        // A name we know must carry the envelope; an unknown one is kept whatever it holds.
        if name == "notification" || PositionEventType::parse(name).is_some() {
            return Err(ctx.malformed(format!("`{name}` without an envelope object")));
        }
        return Ok(DimesDraft::Unknown(Draft::unknown(name, None)));
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
    Ok(DimesDraft::Event(draft))
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

    let (msg, hash) = text_json(ctx, msg)?;
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
        return Ok(draft.finish_hashed(ctx, msg, hash));
    };
    let position = f.get("position").unwrap_or(&Value::Null);
    let created_at =
        time_any(f, &AXISOR_TIME_KEYS).or_else(|| time_any(position, &AXISOR_TIME_KEYS));
    let what = kind.as_str();
    let (entity, severity, body) = match kind {
        T::MarketDataUpdate => {
            let id = require_id(ctx, f, &["symbol"], what)?;
            let mut m = match f.as_object() {
                Some(o) => axisor::MarketDataUpdate::from_object(o),
                None => typed(ctx, f)?,
            };
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
            let mut m = match f
                .as_object()
                .and_then(axisor::PositionStatusUpdate::from_object)
            {
                Some(m) => m,
                None => typed(ctx, f)?,
            };
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
    Ok(draft.finish_hashed(ctx, msg, hash))
}

// ---------------------------------------------------------------------------------------
// zkde
// ---------------------------------------------------------------------------------------

fn decode_zkde(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use zkde::{ZkdeEvent as E, ZkdeEventType as T};

    let (msg, hash) = text_json(ctx, msg)?;
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
        return Ok(Draft::unknown(msg_type, None).finish_hashed(ctx, msg, hash));
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
    Ok(draft.finish_hashed(ctx, msg, hash))
}

// ---------------------------------------------------------------------------------------
// Hashi
// ---------------------------------------------------------------------------------------

fn decode_hashi(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use hashi::{ContractEventType, HashiEvent, LobbyEventType, StorageEventType};

    let (msg, hash) = text_json(ctx, msg)?;
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
        return Ok(Draft::unknown(name, None).finish_hashed(ctx, msg, hash));
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
    Ok(draft.finish_hashed(ctx, msg, hash))
}

// ---------------------------------------------------------------------------------------
// Fusion
// ---------------------------------------------------------------------------------------

fn decode_fusion(ctx: &DecodeContext, name: &str, args: Args<'_>) -> Result<Decoded, DecodeError> {
    Ok(match fusion_draft(ctx, name, args.slice())? {
        Ok(draft) => draft.finish(ctx, args.into_payload()),
        Err(control) => Decoded::Control(control),
    })
}

/// The event of a Fusion message before its payload is taken (`Err` for a control).
fn fusion_draft(
    ctx: &DecodeContext,
    name: &str,
    args: &[Value],
) -> Result<Result<Draft, Control>, DecodeError> {
    use fusion::{FusionEvent as E, FusionEventName as N};

    let arg = args.first();
    match name {
        "pong" => {
            let timestamp = match arg {
                Some(v @ Value::Object(_)) => v.get("timestamp").and_then(value_to_string),
                Some(v) => value_to_string(v),
                None => None,
            };
            return Ok(Err(Control::Pong { timestamp }));
        }
        "error" => {
            let e = fusion::FusionError::from_value(arg);
            return Ok(Err(Control::Error {
                code: e.code,
                message: e.message.unwrap_or_else(|| "error".to_owned()),
            }));
        }
        _ => {}
    }

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
        return Ok(Ok(draft));
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
    Ok(Ok(draft))
}

pub(crate) fn intent_id(v: &Value) -> Option<String> {
    id_any(v, &["intentId", "intent_id", "id"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::content_hash;
    use proptest::prelude::*;
    use serde_json::json;

    /// JSON text of `v` with each object's members in an order picked by `seed` (not
    /// necessarily sorted), as another server might write it.
    fn shuffled_text(v: &Value, seed: &mut u64, out: &mut String) {
        match v {
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    shuffled_text(item, seed, out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                let mut members: Vec<(&String, &Value)> = map.iter().collect();
                // Fisher–Yates with an LCG: deterministic per seed.
                for i in (1..members.len()).rev() {
                    *seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    members.swap(i, (*seed >> 33) as usize % (i + 1));
                }
                out.push('{');
                for (i, (k, v)) in members.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(':');
                    shuffled_text(v, seed, out);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            any::<String>().prop_map(Value::String),
            "[a-z\"\\\\\n\t\u{1}é😀/]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z_\"\\\\é]{0,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn ctx(gateway: GatewayKind) -> DecodeContext {
        DecodeContext::new("t", gateway, chrono::DateTime::<Utc>::UNIX_EPOCH)
    }

    fn both_ways(gateway: GatewayKind, name: &str, args: Vec<Value>) {
        let c = ctx(gateway);
        let borrowed = decode(
            &c,
            WireMessage::SocketIo {
                event: name,
                args: &args,
            },
        );
        let owned = decode_socketio(&c, name, args.clone());
        assert_eq!(owned, borrowed, "{gateway} {name} {args:?}");
    }

    #[test]
    fn owned_socketio_decoding_matches_borrowed() {
        let env = json!({"id": "evt_1", "type": "position.opened", "created_at": "2025-06-01T10:00:00Z",
            "data": {"id": "dm_pos_1", "status": "open", "entry": {"price": "0.4"}}});
        for g in [GatewayKind::DimesPartner, GatewayKind::DimesCustomer] {
            both_ways(g, "position.opened", vec![env.clone()]);
            both_ways(g, "position.opened", vec![env.clone(), json!(2)]);
            both_ways(g, "position.opened", vec![]);
            both_ways(g, "mystery", vec![]);
            both_ways(g, "mystery", vec![json!(1), json!("two")]);
            both_ways(g, "mystery", vec![json!("one")]);
            both_ways(
                g,
                "error",
                vec![json!({"error": {"type": "AUTHENTICATION_ERROR", "message": "no"}})],
            );
        }
        let intent =
            json!({"intentId": "i1", "status": "matched", "updatedAt": 1_700_000_000_000u64});
        both_ways(GatewayKind::Fusion, "intent:status", vec![intent.clone()]);
        both_ways(GatewayKind::Fusion, "intent:not_found", vec![json!("i2")]);
        both_ways(GatewayKind::Fusion, "mempool:stats", vec![]);
        both_ways(
            GatewayKind::Fusion,
            "intent:new",
            vec![intent, json!({"x": 1})],
        );
        both_ways(GatewayKind::Fusion, "pong", vec![json!({"timestamp": 5})]);
        both_ways(GatewayKind::Fusion, "something:else", vec![json!([1, 2])]);
        let wrong = decode_socketio(&ctx(GatewayKind::Hashi), "x", vec![]);
        assert!(matches!(wrong, Err(DecodeError::WrongTransport { .. })));
    }

    proptest! {
        #[test]
        fn owned_and_borrowed_agree_on_anything(
            gateway in prop::sample::select(vec![GatewayKind::DimesPartner, GatewayKind::Fusion]),
            name in prop::sample::select(vec!["position.closed", "notification", "intent:status",
                "intent:removed", "mempool:stats", "error", "pong", "x"]),
            args in prop::collection::vec(json_value(), 0..3),
        ) {
            both_ways(gateway, name, args);
        }

        /// The content hash doesn't depend on member order, or on which parser read the
        /// text: the same value written with its members shuffled, parsed by the fast
        /// parser and by serde_json, gets one key; and a decoded raw-WebSocket event gets
        /// the key [`dedupe_key`] gives its payload.
        #[test]
        fn the_content_hash_ignores_member_order_and_parser(
            v in json_value(),
            seed in any::<u64>(),
            plain in "[a-zA-Z0-9 _:.,{}é😀-]{0,12}",
        ) {
            for v in [v, Value::String(plain)] {
                // The value as serde_json reads its text back (its default float parsing
                // does not always round-trip the last bit); the shuffled text holds the
                // same number tokens.
                let sorted: Value = serde_json::from_str(&v.to_string()).unwrap_or_default();
                let want = content_hash(&sorted);
                let mut s = seed;
                let mut text = String::new();
                shuffled_text(&v, &mut s, &mut text);
                let parsed: Value = serde_json::from_str(&text).unwrap_or_default();
                prop_assert_eq!(content_hash(&parsed), want, "{}", text);
                if let Some(fast) = crate::json::parse_fast(&text) {
                    prop_assert_eq!(content_hash(&fast), want, "{}", text);
                }
                let msg = json!({"type": "market_data_update", "data": {"symbol": "S", "x": v}});
                let mut text = String::new();
                shuffled_text(&msg, &mut s, &mut text);
                let msg: Value = serde_json::from_str(&msg.to_string()).unwrap_or_default();
                for g in [GatewayKind::Axisor, GatewayKind::Zkde, GatewayKind::Hashi] {
                    if let Ok(Decoded::Event(e)) = decode(&ctx(g), WireMessage::Text(&text)) {
                        let key = dedupe_key(g, &e.event_type, e.external_id.as_deref(), &msg);
                        prop_assert_eq!(&e.dedupe_key, &key);
                        prop_assert!(key.starts_with("c:") && key.len() == 18, "{}", key);
                    }
                }
            }
        }

        /// Different values get different hashes (a collision among random values would be
        /// a flaw of the construction, not bad luck: 2^-64 per pair).
        #[test]
        fn different_values_hash_apart(a in json_value(), b in json_value()) {
            if a != b {
                prop_assert_ne!(content_hash(&a), content_hash(&b), "{} {}", a, b);
            }
        }
    }

    proptest! {
        /// Reading only the names an object has gives the same time as looking every name
        /// up in order (values that parse, that don't, and other members mixed in).
        #[test]
        fn time_any_equals_lookups_in_order(
            members in prop::collection::btree_map(
                prop::sample::select(vec!["timestamp", "updatedAt", "executedAt", "createdAt",
                    "closedAt", "startTime", "userId", "position", "a", "zzz"]),
                prop_oneof![
                    Just(json!("2025-01-06T10:00:00Z")),
                    Just(json!("2024-02-01T00:00:00.5Z")),
                    Just(json!(1_700_000_000_000u64)),
                    Just(json!("not a time")),
                    Just(json!(null)),
                    Just(json!({"x": 1})),
                ],
                0..8,
            ),
        ) {
            let v = Value::Object(members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            let lookups = AXISOR_TIME_KEYS.iter().find_map(|k| v.get(*k).and_then(parse_time));
            prop_assert_eq!(time_any(&v, &AXISOR_TIME_KEYS), lookups);
            let short = ["updatedAt", "timestamp"];
            let lookups = short.iter().find_map(|k| v.get(*k).and_then(parse_time));
            prop_assert_eq!(time_any(&v, &short), lookups);
        }
    }

    /// Values that a weaker construction would confuse (kinds holding the same words,
    /// members' values swapped, structure moved between levels, strings split or joined,
    /// arrays reordered) all hash apart, and from each other as keys.
    #[test]
    fn near_misses_hash_apart() {
        let values = [
            json!(null),
            json!(false),
            json!(true),
            json!(0),
            json!(0.0),
            json!(-0.0),
            json!(1),
            json!(-1),
            json!(1.0),
            json!(-1.0),
            json!("1"),
            json!(""),
            json!("null"),
            json!([]),
            json!({}),
            json!([null]),
            json!([[]]),
            json!({"": null}),
            json!({"a": null}),
            json!({"a": 1, "b": 2}),
            json!({"a": 2, "b": 1}),
            json!({"a": "b"}),
            json!({"b": "a"}),
            json!({"ab": "c"}),
            json!({"a": "bc"}),
            json!({"a": 1, "b": null}),
            json!({"a": {"b": 1}}),
            json!({"a": {}, "b": 1}),
            json!({"a": []}),
            json!({"a": {}}),
            json!([1, 2]),
            json!([2, 1]),
            json!([[1], 2]),
            json!([1, [2]]),
            json!(["a", "b"]),
            json!(["ab"]),
            json!([{"a": 1}, {"b": 2}]),
            json!([{"a": 1, "b": 2}]),
            json!({"a": 1, "b": 1}),
            json!({"a": 1}),
            json!({"b": 1}),
            // A fold of a number's bits with a constant would send this number (the
            // constant) and the float with the same bits to the same hash.
            json!(0x9e37_79b9_7f4a_7c15u64),
            json!(f64::from_bits(0x9e37_79b9_7f4a_7c15)),
            json!(f64::from_bits(1)),
        ];
        let mut seen = std::collections::HashMap::new();
        for v in &values {
            if let Some(other) = seen.insert(content_hash(v), v) {
                panic!("{v} hashes as {other}");
            }
        }
        assert_eq!(seen.len(), values.len());
        let mut keys = std::collections::HashSet::new();
        for g in [GatewayKind::Axisor, GatewayKind::Zkde] {
            for t in ["a", "b"] {
                for v in &values {
                    assert!(keys.insert(dedupe_key(g, t, None, v)), "{g} {t} {v}");
                }
            }
        }
        assert_eq!(keys.len(), 2 * 2 * values.len());
    }

    #[test]
    fn dedupe_keys_are_stable() {
        // Pinned values: these keys are stored in event logs, so they must never change.
        let payload = json!({"type": "price_alert", "data": {"id": "a1", "price": 1.5, "n": -3, "s": "x\"y", "t": [true, null, 7]}});
        let key = dedupe_key(GatewayKind::Axisor, "price_alert", None, &payload);
        // Computed by the implementation these keys were first stored with (2026-12-02).
        assert_eq!(key, "c:10d685c0c1a375fc");
        // The same key from the text, hashed while parsing, whatever the member order.
        for text in [
            payload.to_string(),
            r#"{"data":{"t":[true,null,7],"s":"x\"y","n":-3,"price":1.50,"id":"a1"},"type":"price_alert"}"#.to_owned(),
        ] {
            match decode(&ctx(GatewayKind::Axisor), WireMessage::Text(&text)) {
                Ok(Decoded::Event(e)) => assert_eq!(e.dedupe_key, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(
            dedupe_key(GatewayKind::DimesPartner, "x", Some("evt_1"), &payload),
            "id:evt_1"
        );
    }
}
