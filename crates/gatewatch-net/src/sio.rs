//! A thin Socket.IO v4 codec over the Engine.IO v4 websocket transport (no polling, no
//! binary): parse what the server sends, encode what we send. Pure.
//!
//! Engine.IO packet = one type digit + data: `0` open `{sid,pingInterval,pingTimeout,
//! maxPayload}`, `1` close, `2` ping, `3` pong, `4` message, `5` upgrade, `6` noop.
//! Socket.IO packet (inside a `4`) = type digit, then `/namespace,` unless it is `/`, then an
//! optional ack id, then JSON: `0` connect, `1` disconnect, `2` event `["name",…args]`,
//! `3` ack, `4` connect error `{message,data}`, `5`/`6` binary event/ack.

use std::time::Duration;

use serde_json::Value;

/// One Engine.IO packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eio<'a> {
    /// `0{…}`: the handshake data.
    Open(&'a str),
    /// `1`.
    Close,
    /// `2` (payload echoed in the pong, `probe` during upgrades).
    Ping(&'a str),
    /// `3`.
    Pong,
    /// `4…`: a Socket.IO packet.
    Message(&'a str),
    /// `5`, `6`, anything else.
    Other,
}

pub(crate) fn parse_eio(text: &str) -> Eio<'_> {
    let Some(first) = text.as_bytes().first() else {
        return Eio::Other;
    };
    // The type is one ASCII digit, so slicing at 1 is on a char boundary.
    let rest = text.get(1..).unwrap_or("");
    match first {
        b'0' => Eio::Open(rest),
        b'1' => Eio::Close,
        b'2' => Eio::Ping(rest),
        b'3' => Eio::Pong,
        b'4' => Eio::Message(rest),
        _ => Eio::Other,
    }
}

/// The handshake timings from an open packet, for the silent-server deadline.
pub(crate) fn open_timings(data: &str) -> Option<(Duration, Duration)> {
    let v: Value = serde_json::from_str(data).ok()?;
    let interval = v.get("pingInterval")?.as_u64()?;
    let timeout = v.get("pingTimeout")?.as_u64()?;
    Some((
        Duration::from_millis(interval),
        Duration::from_millis(timeout),
    ))
}

/// One Socket.IO packet, borrowing from the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sio<'a> {
    /// Connect ack (`{sid}`).
    Connect { nsp: &'a str, data: &'a str },
    /// The server left the namespace.
    Disconnect { nsp: &'a str },
    /// An event: `data` is the JSON array `["name",…]`.
    Event { nsp: &'a str, data: &'a str },
    /// Connection refused by the namespace (middleware rejection): `{message,data}`.
    ConnectError { nsp: &'a str, data: &'a str },
    /// Acks and binary packets: not used by these gateways; counted.
    Unsupported { nsp: &'a str, kind: u8 },
    /// Not a Socket.IO packet.
    Invalid,
}

pub(crate) fn parse_sio(packet: &str) -> Sio<'_> {
    let bytes = packet.as_bytes();
    let Some(&kind) = bytes.first() else {
        return Sio::Invalid;
    };
    let mut i = 1;
    // Binary packets carry `<attachments>-` before the namespace.
    if kind == b'5' || kind == b'6' {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    let mut nsp = "/";
    if bytes.get(i) == Some(&b'/') {
        let end = bytes[i..]
            .iter()
            .position(|&b| b == b',')
            .map_or(bytes.len(), |p| i + p);
        nsp = packet.get(i..end).unwrap_or("/");
        i = (end + 1).min(bytes.len());
    }
    // Optional ack id.
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let data = packet.get(i..).unwrap_or("");
    match kind {
        b'0' => Sio::Connect { nsp, data },
        b'1' => Sio::Disconnect { nsp },
        b'2' => Sio::Event { nsp, data },
        b'4' => Sio::ConnectError { nsp, data },
        b'3' | b'5' | b'6' => Sio::Unsupported {
            nsp,
            kind: kind - b'0',
        },
        _ => Sio::Invalid,
    }
}

/// The `message` of a connect error (`{"message":…}`, or a bare string from v2-era servers).
pub(crate) fn connect_error_message(data: &str) -> String {
    match serde_json::from_str::<Value>(data) {
        Ok(Value::Object(m)) => m
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| Value::Object(m).to_string()),
        Ok(Value::String(s)) => s,
        _ if data.is_empty() => "connection refused".to_owned(),
        _ => data.to_owned(),
    }
}

/// A parsed event: name + arguments.
pub(crate) struct EventArgs {
    items: Vec<Value>,
}

impl EventArgs {
    /// Parse `["name", …args]`; `Err` with a reason when it isn't one.
    pub(crate) fn parse(data: &str) -> Result<Self, String> {
        let items = gatewatch_core::json::parse_array(data)
            .map_err(|e| format!("event is not a JSON array: {e}"))?;
        match items.first() {
            Some(Value::String(_)) => Ok(Self { items }),
            Some(_) => Err("event name is not a string".to_owned()),
            None => Err("empty event array".to_owned()),
        }
    }

    pub(crate) fn name(&self) -> &str {
        self.items.first().and_then(Value::as_str).unwrap_or("")
    }

    pub(crate) fn args(&self) -> &[Value] {
        self.items.get(1..).unwrap_or(&[])
    }

    /// The name and the arguments, owned (for `decode_socketio`, which moves them into the
    /// event instead of copying).
    pub(crate) fn into_parts(mut self) -> (String, Vec<Value>) {
        let name = match self.items.first_mut() {
            Some(Value::String(s)) => std::mem::take(s),
            _ => String::new(),
        };
        if !self.items.is_empty() {
            self.items.remove(0);
        }
        (name, self.items)
    }
}

fn nsp_prefix(out: &mut String, nsp: &str) {
    if nsp != "/" && !nsp.is_empty() {
        out.push_str(nsp);
        out.push(',');
    }
}

/// `40/ns,{auth}` (Engine.IO message + Socket.IO connect).
pub(crate) fn encode_connect(nsp: &str, auth: Option<&Value>) -> String {
    let mut out = String::from("40");
    nsp_prefix(&mut out, nsp);
    if let Some(auth) = auth {
        out.push_str(&auth.to_string());
    }
    out
}

/// `42/ns,["name",…args]`.
pub(crate) fn encode_event(nsp: &str, name: &str, args: &[Value]) -> String {
    let mut items = Vec::with_capacity(args.len() + 1);
    items.push(Value::String(name.to_owned()));
    items.extend_from_slice(args);
    let mut out = String::from("42");
    nsp_prefix(&mut out, nsp);
    out.push_str(&Value::Array(items).to_string());
    out
}

/// `41/ns,`: leaving the namespace politely on shutdown.
pub(crate) fn encode_disconnect(nsp: &str) -> String {
    let mut out = String::from("41");
    nsp_prefix(&mut out, nsp);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NS: &str = "/v1/ws/prediction-markets/positions";

    #[test]
    fn event_args_hand_over_name_and_arguments() {
        let a = EventArgs::parse(r#"["position.opened",{"id":"e1"},2]"#).expect("event");
        assert_eq!(a.name(), "position.opened");
        assert_eq!(a.args(), &[json!({"id": "e1"}), json!(2)]);
        let (name, args) = a.into_parts();
        assert_eq!(name, "position.opened");
        assert_eq!(args, vec![json!({"id": "e1"}), json!(2)]);
        let (name, args) = EventArgs::parse(r#"["ping"]"#).expect("event").into_parts();
        assert_eq!((name.as_str(), args.len()), ("ping", 0));
    }

    #[test]
    fn engineio_packets() {
        assert_eq!(
            parse_eio(r#"0{"sid":"a","pingInterval":25000,"pingTimeout":20000}"#),
            Eio::Open(r#"{"sid":"a","pingInterval":25000,"pingTimeout":20000}"#)
        );
        assert_eq!(parse_eio("2"), Eio::Ping(""));
        assert_eq!(parse_eio("2probe"), Eio::Ping("probe"));
        assert_eq!(parse_eio("1"), Eio::Close);
        assert_eq!(parse_eio("6"), Eio::Other);
        assert_eq!(parse_eio(""), Eio::Other);
        assert_eq!(parse_eio("42[\"x\"]"), Eio::Message("2[\"x\"]"));
        assert_eq!(
            open_timings(
                r#"{"sid":"a","pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
            ),
            Some((Duration::from_secs(25), Duration::from_secs(20)))
        );
        assert_eq!(open_timings("{}"), None);
        assert_eq!(open_timings("not json"), None);
    }

    #[test]
    fn socketio_packets() {
        let p = format!(r#"0{NS},{{"sid":"x"}}"#);
        assert_eq!(
            parse_sio(&p),
            Sio::Connect {
                nsp: NS,
                data: r#"{"sid":"x"}"#
            }
        );
        assert_eq!(
            parse_sio(r#"0{"sid":"x"}"#),
            Sio::Connect {
                nsp: "/",
                data: r#"{"sid":"x"}"#
            }
        );
        let p = format!(r#"2{NS},["position.opened",{{"id":"evt_1"}}]"#);
        assert_eq!(
            parse_sio(&p),
            Sio::Event {
                nsp: NS,
                data: r#"["position.opened",{"id":"evt_1"}]"#
            }
        );
        // An ack id before the array is skipped.
        assert_eq!(
            parse_sio(r#"212["intent:status",{}]"#),
            Sio::Event {
                nsp: "/",
                data: r#"["intent:status",{}]"#
            }
        );
        assert_eq!(parse_sio(&format!("1{NS},")), Sio::Disconnect { nsp: NS });
        assert_eq!(parse_sio("1"), Sio::Disconnect { nsp: "/" });
        assert_eq!(
            parse_sio(r#"4{"message":"unauthorized"}"#),
            Sio::ConnectError {
                nsp: "/",
                data: r#"{"message":"unauthorized"}"#
            }
        );
        assert_eq!(
            parse_sio(&format!(
                r#"51-{NS},["bin",{{"_placeholder":true,"num":0}}]"#
            )),
            Sio::Unsupported { nsp: NS, kind: 5 }
        );
        assert_eq!(parse_sio("31[]"), Sio::Unsupported { nsp: "/", kind: 3 });
        assert_eq!(parse_sio(""), Sio::Invalid);
        assert_eq!(parse_sio("9"), Sio::Invalid);
        // A namespace without a comma: the whole rest is the namespace, no data.
        assert_eq!(parse_sio("1/only"), Sio::Disconnect { nsp: "/only" });
    }

    #[test]
    fn connect_error_messages() {
        assert_eq!(
            connect_error_message(r#"{"message":"unauthorized","data":{"x":1}}"#),
            "unauthorized"
        );
        assert_eq!(
            connect_error_message(r#""Not authorized""#),
            "Not authorized"
        );
        assert_eq!(connect_error_message(""), "connection refused");
        assert_eq!(connect_error_message(r#"{"code":1}"#), r#"{"code":1}"#);
    }

    #[test]
    fn event_args() {
        let e = EventArgs::parse(r#"["a.b:c",{"x":1},"two"]"#).expect("event");
        assert_eq!(e.name(), "a.b:c");
        assert_eq!(e.args(), &[json!({"x":1}), json!("two")]);
        let e = EventArgs::parse(r#"["subscribe:all"]"#).expect("event");
        assert!(e.args().is_empty());
        assert!(EventArgs::parse("[]").is_err());
        assert!(EventArgs::parse("[1,2]").is_err());
        assert!(EventArgs::parse("{").is_err());
    }

    #[test]
    fn encoding() {
        assert_eq!(encode_connect("/", None), "40");
        assert_eq!(
            encode_connect(NS, Some(&json!({"apiKey":"k"}))),
            format!(r#"40{NS},{{"apiKey":"k"}}"#)
        );
        // A string id stays a string (rust_socketio turned "123" into the number 123).
        assert_eq!(
            encode_event("/", "subscribe:intent", &[json!("123")]),
            r#"42["subscribe:intent","123"]"#
        );
        assert_eq!(
            encode_event("/", "subscribe:all", &[]),
            r#"42["subscribe:all"]"#
        );
        assert_eq!(encode_disconnect(NS), format!("41{NS},"));
        assert_eq!(encode_disconnect("/"), "41");
    }
}
