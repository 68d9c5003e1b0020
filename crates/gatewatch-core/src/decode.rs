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
/// id, else `h:<hex>` of xxh3 over the gateway, the event type and the key-sorted JSON of
/// the payload, so the same content delivered twice gets the same key.
///
/// The hashed bytes must stay exactly what they are: keys are stored in the event log and
/// checked again after a restart, so a different byte layout would let a redelivery through.
/// The test `canonical_bytes_match_the_reference` pins them.
pub fn dedupe_key(
    gateway: GatewayKind,
    event_type: &str,
    external_id: Option<&str>,
    payload: &Value,
) -> String {
    dedupe_key_of(
        gateway,
        event_type,
        external_id,
        payload,
        Strings::MayNeedEscaping,
    )
}

/// What is known of the strings (keys and values) of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strings {
    /// Parsed from JSON text without a single backslash: no string holds a `"`, a `\\` or
    /// a control character (serde_json rejects raw control characters in strings, and the
    /// other two can only be written escaped), so none needs escaping.
    Plain,
    /// Anything else: each string is checked.
    MayNeedEscaping,
}

impl Strings {
    /// What JSON text without a backslash tells about the strings parsed from it. Looks
    /// at 64 bytes at a time without branching (vector compares).
    fn of_text(text: &str) -> Self {
        let backslash = text.as_bytes().chunks(64).any(|block| {
            block
                .iter()
                .fold(0u8, |seen, &c| seen | u8::from(c == b'\\'))
                != 0
        });
        if backslash {
            Strings::MayNeedEscaping
        } else {
            Strings::Plain
        }
    }
}

/// [`dedupe_key`], told what is known of the payload's strings (the bytes hashed are the
/// same either way; [`Strings::Plain`] only skips the escaping checks).
fn dedupe_key_of(
    gateway: GatewayKind,
    event_type: &str,
    external_id: Option<&str>,
    payload: &Value,
    strings: Strings,
) -> String {
    if let Some(id) = external_id {
        let mut key = String::with_capacity(3 + id.len());
        key.push_str("id:");
        key.push_str(id);
        return key;
    }
    let hash = CANONICAL_BUF.with(|cell| {
        // One buffer per thread, reused: no allocation per event. (A re-entrant call,
        // impossible today, gets a fresh one.)
        let mut fresh = Vec::new();
        let mut reused = cell.try_borrow_mut();
        let buf = match reused.as_deref_mut() {
            Ok(b) => b,
            Err(_) => &mut fresh,
        };
        buf.clear();
        buf.extend_from_slice(gateway.as_str().as_bytes());
        buf.push(0);
        buf.extend_from_slice(event_type.as_bytes());
        buf.push(0);
        match strings {
            Strings::Plain => canonical_json::<true>(payload, buf),
            Strings::MayNeedEscaping => canonical_json::<false>(payload, buf),
        }
        let hash = xxhash_rust::xxh3::xxh3_64(buf);
        if buf.capacity() > 1 << 16 {
            // Don't keep the memory of one huge payload.
            *buf = Vec::new();
        }
        hash
    });
    let mut key = String::with_capacity(18);
    key.push_str("h:");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        key.push(char::from(HEX[((hash >> (shift * 4)) & 0xf) as usize]));
    }
    key
}

thread_local! {
    /// The canonical bytes of the payload being hashed ([`dedupe_key_of`]).
    static CANONICAL_BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(1024));
}

/// JSON with object keys sorted, whatever map order serde_json was built with (the
/// `preserve_order` feature may be switched on by another crate in the build).
///
/// Written for the hot path: maps that already iterate in key order (serde_json's default
/// `BTreeMap`) are not re-sorted, and numbers and plain strings are written without going
/// through `fmt` or an intermediate `String`. `PLAIN`: every string is known to need no
/// escaping ([`Strings::Plain`]), so none is checked.
fn canonical_json<const PLAIN: bool>(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => write_json_number(n, out),
        Value::String(s) => write_json_string::<PLAIN>(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical_json::<PLAIN>(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let sorted = maps_iterate_sorted()
                || map
                    .keys()
                    .zip(map.keys().skip(1))
                    .all(|(a, b)| a.as_str() <= b.as_str());
            out.push(b'{');
            if sorted {
                for (i, (k, v)) in map.iter().enumerate() {
                    write_member::<PLAIN>(i, k, v, out);
                }
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    write_member::<PLAIN>(i, k, v, out);
                }
            }
            out.push(b'}');
        }
    }
}

fn write_member<const PLAIN: bool>(i: usize, k: &str, v: &Value, out: &mut Vec<u8>) {
    if i > 0 {
        out.push(b',');
    }
    write_json_string::<PLAIN>(k, out);
    out.push(b':');
    canonical_json::<PLAIN>(v, out);
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

/// The same bytes as `Number`'s `Display` (serde_json formats integers with itoa, floats
/// with its float formatter): integers are written here, floats by serde_json.
fn write_json_number(n: &serde_json::Number, out: &mut Vec<u8>) {
    if let Some(u) = n.as_u64() {
        write_decimal(u, false, out);
        return;
    }
    if let Some(i) = n.as_i64() {
        write_decimal(i.unsigned_abs(), i < 0, out);
        return;
    }
    // A float with an integer value (`1250000.0`, a volume): serde_json writes its digits
    // and `.0` below 1e15 (a test holds this to serde_json for every magnitude); zero keeps
    // its sign there, so it is left to serde_json.
    if let Some(f) = n.as_f64() {
        if f.fract() == 0.0 && f != 0.0 && f.abs() < 1e15 {
            write_decimal(f.abs() as u64, f < 0.0, out);
            out.extend_from_slice(b".0");
            return;
        }
    }
    // Any other finite float: what serde_json writes for it (`Formatter::write_f64`: zmij's
    // shortest round-trip form, `format_finite`) without going through its `Serializer`.
    // A parsed number is always finite; the test `floats_are_written_as_serde_json_writes_them`
    // holds these bytes to serde_json's.
    if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
        out.extend_from_slice(zmij::Buffer::new().format_finite(f).as_bytes());
        return;
    }
    // Writing into a Vec cannot fail; the fallback keeps the bytes distinct anyway.
    if serde_json::to_writer(&mut *out, n).is_err() {
        out.extend_from_slice(n.to_string().as_bytes());
    }
}

/// An integer in decimal, as itoa writes it.
fn write_decimal(mut u: u64, negative: bool, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if negative {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

/// Whether any of the eight bytes of `x` needs JSON escaping (`"`, `\\` or a control
/// character). Exact: the subtraction tricks only report a byte wrongly when a lower byte
/// of the same word is a true hit.
#[inline]
fn needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` is zero → its high bit is set in `zero(x)` (bytes with their own high
    // bit set are excluded by `!x`).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    // Bytes below 0x20: `x - 0x20` borrows into the high bit of a byte below 0x20.
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let quote = zero(x ^ (ONES * u64::from(b'"')));
    let backslash = zero(x ^ (ONES * u64::from(b'\\')));
    control | quote | backslash != 0
}

fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

fn half_word(b: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u64::from(u32::from_le_bytes(w))
}

/// Whether a string needs no JSON escaping (no `"`, `\\` or control character), eight bytes
/// at a time; the tail, and strings shorter than a word (most keys), as one word made of
/// overlapping loads.
fn plain_json_string(s: &str) -> bool {
    let b = s.as_bytes();
    let n = b.len();
    if n >= 8 {
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            if needs_escape(word(c)) {
                return false;
            }
        }
        // The last eight bytes cover the remainder (overlapping bytes already checked).
        return chunks.remainder().is_empty() || !needs_escape(word(&b[n - 8..]));
    }
    let x = if n >= 4 {
        // Bytes 0..4 and n-4..n: every byte, some twice.
        half_word(b) | half_word(&b[n - 4..]) << 32
    } else if n > 0 {
        // Bytes 0, n/2 and n-1 cover 1 to 3 bytes; the rest is padding that needs no
        // escaping (`a`).
        const PAD: u64 = 0x6161_6161_6100_0000;
        PAD | u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16
    } else {
        return true;
    };
    !needs_escape(x)
}

fn write_json_string<const PLAIN: bool>(s: &str, out: &mut Vec<u8>) {
    // serde_json escapes exactly `"`, `\\` and control characters; a string without them
    // is written as is (most keys and values), the rest by serde_json itself.
    if PLAIN || plain_json_string(s) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
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
        self.finish_parsed(ctx, payload, Strings::MayNeedEscaping)
    }

    /// [`Draft::finish`] for a payload parsed from text, told what [`Strings::of_text`] found.
    fn finish_parsed(self, ctx: &DecodeContext, payload: Value, strings: Strings) -> Decoded {
        let dedupe_key = dedupe_key_of(
            ctx.gateway,
            &self.event_type,
            self.external_id.as_deref(),
            &payload,
            strings,
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

/// The JSON object of a raw-WebSocket message, and what is known of its strings.
fn text_json(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<(Value, Strings), DecodeError> {
    match msg {
        WireMessage::Text(text) => {
            // The fast parser declines any text with a backslash, so what it parses is
            // `Strings::Plain` without looking again.
            let (v, strings) = match crate::json::parse_fast(text) {
                Some(v) => (v, Strings::Plain),
                None => (
                    serde_json::from_str::<Value>(text)
                        .map_err(|e| DecodeError::NotJson(e.to_string()))?,
                    Strings::of_text(text),
                ),
            };
            if v.is_object() {
                Ok((v, strings))
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

    let (msg, strings) = text_json(ctx, msg)?;
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
        return Ok(draft.finish_parsed(ctx, msg, strings));
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
    Ok(draft.finish_parsed(ctx, msg, strings))
}

// ---------------------------------------------------------------------------------------
// zkde
// ---------------------------------------------------------------------------------------

fn decode_zkde(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use zkde::{ZkdeEvent as E, ZkdeEventType as T};

    let (msg, strings) = text_json(ctx, msg)?;
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
        return Ok(Draft::unknown(msg_type, None).finish_parsed(ctx, msg, strings));
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
    Ok(draft.finish_parsed(ctx, msg, strings))
}

// ---------------------------------------------------------------------------------------
// Hashi
// ---------------------------------------------------------------------------------------

fn decode_hashi(ctx: &DecodeContext, msg: WireMessage<'_>) -> Result<Decoded, DecodeError> {
    use hashi::{ContractEventType, HashiEvent, LobbyEventType, StorageEventType};

    let (msg, strings) = text_json(ctx, msg)?;
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
        return Ok(Draft::unknown(name, None).finish_parsed(ctx, msg, strings));
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
    Ok(draft.finish_parsed(ctx, msg, strings))
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
    use proptest::prelude::*;
    use serde_json::json;

    /// The original, straightforward canonical form: the hot-path version must produce the
    /// same bytes (stored dedupe keys depend on them).
    fn reference(v: &Value, out: &mut Vec<u8>) {
        match v {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Value::String(s) => out.extend_from_slice(&serde_json::to_vec(s).unwrap_or_default()),
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    reference(item, out);
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
                    out.extend_from_slice(&serde_json::to_vec(k).unwrap_or_default());
                    out.push(b':');
                    reference(v, out);
                }
                out.push(b'}');
            }
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

    /// The eight-bytes-at-a-time check agrees with the byte-by-byte one for every special
    /// and near-special character at every position of strings up to three words long.
    #[test]
    fn plain_strings_are_recognised_at_every_position() {
        let naive = |s: &str| !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\');
        for len in 1..=24 {
            for at in 0..len {
                for c in [
                    '\0', '\u{1f}', '"', '\\', ' ', '!', '#', '[', ']', '\u{7f}', 'é', 'a',
                ] {
                    let mut s: String = "x".repeat(len);
                    s.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                    assert_eq!(plain_json_string(&s), naive(&s), "{s:?}");
                }
            }
        }
        assert!(plain_json_string(""));
    }

    #[test]
    fn integers_are_written_as_serde_json_writes_them() {
        for v in [
            json!(0),
            json!(7),
            json!(-1),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(i64::MAX),
            json!(-10),
            json!(1000),
        ] {
            let mut fast = Vec::new();
            canonical_json::<false>(&v, &mut fast);
            assert_eq!(String::from_utf8_lossy(&fast), v.to_string());
        }
    }

    #[test]
    fn integral_floats_are_written_as_serde_json_writes_them() {
        let mut values = vec![
            1.0,
            -1.0,
            0.0,
            -0.0,
            2.0f64.powi(53),
            1e15 - 1.0,
            1e15,
            1e16,
        ];
        for k in 0..=22 {
            let p = 10f64.powi(k);
            for m in [1.0, 2.0, 9.0, 12.0, 1234.0, 999_999.0] {
                values.extend([p * m, -p * m, p * m + 1.0, p * m - 1.0]);
            }
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let magnitude = 10f64.powi((x >> 59) as i32);
            values.push(((x >> 11) as f64 / (1u64 << 53) as f64 * magnitude).trunc());
        }
        for f in values.into_iter().filter(|f| f.fract() == 0.0) {
            let v = json!(f);
            assert!(v.is_f64());
            let mut fast = Vec::new();
            canonical_json::<false>(&v, &mut fast);
            assert_eq!(String::from_utf8_lossy(&fast), v.to_string(), "{f:e}");
        }
    }

    /// Every finite float (random bit patterns: subnormals, both signs, every exponent;
    /// plus the documents' kind of decimals) is written as serde_json writes it.
    #[test]
    fn floats_are_written_as_serde_json_writes_them() {
        let mut values = vec![
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            5e-324,
            0.1,
            -2.81,
            43250.51,
            0.92,
            1e-7,
            1e21,
            1e22,
            123456789012345680.0,
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for i in 0..50_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            values.push(f64::from_bits(x));
            // Short decimals, as gateways send prices.
            values.push((x % 10_000_000) as f64 / 10f64.powi((i % 9) as i32));
        }
        for f in values.into_iter().filter(|f| f.is_finite()) {
            let v = json!(f);
            let mut fast = Vec::new();
            canonical_json::<false>(&v, &mut fast);
            assert_eq!(String::from_utf8_lossy(&fast), v.to_string(), "{f:e}");
        }
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

        #[test]
        fn canonical_bytes_match_the_reference(v in json_value()) {
            let mut fast = Vec::new();
            canonical_json::<false>(&v, &mut fast);
            let mut slow = Vec::new();
            reference(&v, &mut slow);
            prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&slow));
        }

        /// Text without a backslash parses into strings that need no escaping: skipping the
        /// checks then writes the reference bytes, and a decoded raw-WebSocket event gets
        /// the key [`dedupe_key`] gives its payload.
        #[test]
        fn text_without_backslashes_hashes_as_the_checked_path(
            v in json_value(),
            plain in "[a-zA-Z0-9 _:.,{}é😀-]{0,12}",
        ) {
            for v in [v, Value::String(plain)] {
                let text = serde_json::to_string(&v).unwrap_or_default();
                let parsed: Value = serde_json::from_str(&text).unwrap_or_default();
                if Strings::of_text(&text) == Strings::Plain {
                    let mut fast = Vec::new();
                    canonical_json::<true>(&parsed, &mut fast);
                    let mut slow = Vec::new();
                    reference(&parsed, &mut slow);
                    prop_assert_eq!(fast, slow);
                }
                let msg = json!({"type": "market_data_update", "data": {"symbol": "S", "x": v}});
                let text = msg.to_string();
                for g in [GatewayKind::Axisor, GatewayKind::Zkde, GatewayKind::Hashi] {
                    if let Ok(Decoded::Event(e)) = decode(&ctx(g), WireMessage::Text(&text)) {
                        let key = dedupe_key(g, &e.event_type, e.external_id.as_deref(), &e.payload);
                        prop_assert_eq!(e.dedupe_key, key);
                    }
                }
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

    #[test]
    fn backslashes_are_found_in_every_block() {
        for len in [0, 1, 63, 64, 65, 200] {
            assert_eq!(Strings::of_text(&"a".repeat(len)), Strings::Plain);
            for at in [0, len / 2, len.saturating_sub(1)] {
                if at < len {
                    let mut t = "a".repeat(len);
                    t.replace_range(at..=at, "\\");
                    assert_eq!(Strings::of_text(&t), Strings::MayNeedEscaping, "{len} {at}");
                }
            }
        }
    }

    /// What [`Strings::Plain`] relies on: serde_json refuses raw control characters in
    /// strings, so a string holding one was written escaped (with a backslash).
    #[test]
    fn raw_control_characters_in_strings_are_not_json() {
        for c in ['\0', '\u{1}', '\n', '\t', '\u{1f}'] {
            let text = format!(r#"{{"a{c}": 1}}"#);
            assert!(serde_json::from_str::<Value>(&text).is_err(), "{text:?}");
            let text = format!(r#"{{"a": "x{c}y"}}"#);
            assert!(serde_json::from_str::<Value>(&text).is_err(), "{text:?}");
        }
        assert_eq!(
            Strings::of_text(r#"{"a":"x\"y"}"#),
            Strings::MayNeedEscaping
        );
        assert_eq!(Strings::of_text(r#"{"a":"xy"}"#), Strings::Plain);
    }

    #[test]
    fn dedupe_keys_are_stable() {
        // Pinned values: these keys are stored in event logs, so they must never change.
        let payload = json!({"type": "price_alert", "data": {"id": "a1", "price": 1.5, "n": -3, "s": "x\"y"}});
        let key = dedupe_key(GatewayKind::Axisor, "price_alert", None, &payload);
        let mut buf = b"axisor\0price_alert\0".to_vec();
        reference(&payload, &mut buf);
        assert_eq!(key, format!("h:{:016x}", xxhash_rust::xxh3::xxh3_64(&buf)));
        // Computed by the implementation these keys were first stored with.
        assert_eq!(key, "h:c7feafcd139958cf");
        assert_eq!(
            dedupe_key(GatewayKind::DimesPartner, "x", Some("evt_1"), &payload),
            "id:evt_1"
        );
    }
}
