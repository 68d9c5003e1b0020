//! Per-gateway knowledge the connector needs: how to build the handshake request, how to
//! present the credential, what to send to subscribe and to ping, and a minimal recogniser of
//! the control messages the connector must act on.

use gatewatch_core::redact::redact_url;
use gatewatch_core::{Control, GatewayKind, WireMessage};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use url::Url;

use crate::error::NetError;
use crate::heartbeat::{HeartbeatPolicy, Mode};
use crate::sio;
use crate::spec::{AuthMode, Command, ConnectorSpec, Subscriptions};

/// How a connection is opened, computed once from the spec.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The handshake request, credentials included (never shown).
    pub request: Request,
    /// The request URL with secrets redacted, for logs.
    pub shown_url: String,
    /// Socket.IO namespace (`None` for raw WebSocket gateways).
    pub namespace: Option<String>,
    /// Socket.IO `auth` payload.
    pub sio_auth: Option<Value>,
    /// Axisor first-message auth.
    pub first_message: Option<String>,
}

/// The auth form actually used once `Auto` is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effective {
    None,
    Payload,
    Header,
    Query,
    FirstMessage,
}

fn effective_auth(spec: &ConnectorSpec) -> Result<Effective, NetError> {
    use GatewayKind::*;
    if spec.credential.is_none() {
        return Ok(Effective::None);
    }
    let bad = || NetError::BadAuthMode {
        mode: spec.auth,
        gateway: spec.kind,
    };
    Ok(match (spec.auth, spec.kind) {
        (AuthMode::Auto, DimesPartner | DimesCustomer | Fusion) => Effective::Payload,
        (AuthMode::Auto, Axisor) => Effective::Header,
        (AuthMode::Auto, Hashi) => Effective::Query,
        // zkde's credential is the address in the path.
        (AuthMode::Auto, Zkde) => Effective::None,
        (AuthMode::AuthPayload, k) if k.is_socketio() => Effective::Payload,
        (AuthMode::AuthPayload, _) => return Err(bad()),
        (AuthMode::Header, _) => Effective::Header,
        (AuthMode::Query, _) => Effective::Query,
        (AuthMode::FirstMessage, Axisor) => Effective::FirstMessage,
        (AuthMode::FirstMessage, _) => return Err(bad()),
    })
}

/// Build the [`Plan`] of a spec; errors name the (redacted) URL.
pub(crate) fn plan(spec: &ConnectorSpec) -> Result<Plan, NetError> {
    let bad_url = |reason: String| NetError::BadUrl {
        url: redact_url(&spec.url),
        reason,
    };
    let mut url = Url::parse(spec.url.trim()).map_err(|e| bad_url(e.to_string()))?;
    let scheme = match url.scheme() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        other => return Err(bad_url(format!("unsupported scheme `{other}`"))),
    };
    url.set_scheme(scheme)
        .map_err(|()| bad_url("cannot change the scheme".into()))?;
    let auth = effective_auth(spec)?;
    let secret = spec.credential.as_ref().map(|s| s.expose()).unwrap_or("");

    let mut namespace = None;
    if spec.kind.is_socketio() {
        // The documented URL ends in the namespace; Engine.IO lives at /socket.io/ (unless
        // the configured URL already points there).
        let path = url.path().to_owned();
        let ns = if path.starts_with("/socket.io") {
            "/".to_owned()
        } else {
            let p = path.trim_end_matches('/');
            if p.is_empty() {
                "/".to_owned()
            } else {
                p.to_owned()
            }
        };
        if !path.starts_with("/socket.io") {
            url.set_path("/socket.io/");
        }
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "EIO" && k != "transport")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            q.append_pair("EIO", "4")
                .append_pair("transport", "websocket");
            for (k, v) in &kept {
                q.append_pair(k, v);
            }
        }
        namespace = Some(ns);
    }
    if auth == Effective::Query {
        url.query_pairs_mut().append_pair("token", secret);
    }

    let sio_auth = (auth == Effective::Payload).then(|| match spec.kind {
        GatewayKind::DimesPartner => json!({ "apiKey": secret }),
        _ => json!({ "token": secret }),
    });
    let first_message = (auth == Effective::FirstMessage)
        .then(|| json!({ "type": "auth", "token": secret }).to_string());

    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| bad_url(e.to_string()))?;
    if auth == Effective::Header {
        let value = match spec.kind {
            GatewayKind::DimesPartner => format!("Api-Key {secret}"),
            _ => format!("Bearer {secret}"),
        };
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| bad_url("the credential is not a valid header value".into()))?;
        value.set_sensitive(true);
        request.headers_mut().insert("authorization", value);
    }
    Ok(Plan {
        shown_url: redact_url(url.as_str()),
        request,
        namespace,
        sio_auth,
        first_message,
    })
}

/// The heartbeat mode before the handshake tells us more (Engine.IO).
pub(crate) fn heartbeat_mode(kind: GatewayKind, hb: &HeartbeatPolicy) -> Mode {
    match kind {
        GatewayKind::Hashi | GatewayKind::Fusion | GatewayKind::Axisor => Mode::ClientPings {
            interval: hb.interval,
            timeout: hb.timeout,
        },
        GatewayKind::Zkde => Mode::ServerPings {
            silence: hb.server_silence,
        },
        // Replaced by the open packet's timings.
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer => Mode::ServerPings {
            silence: hb.server_silence,
        },
    }
}

/// What a client ping is on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PingFrame {
    /// An app-level text message.
    Text(String),
    /// A WebSocket ping control frame.
    WebSocket,
}

pub(crate) fn ping_frame(kind: GatewayKind, nsp: &str) -> Option<PingFrame> {
    match kind {
        GatewayKind::Hashi => Some(PingFrame::Text(r#"{"type":"ping"}"#.to_owned())),
        GatewayKind::Fusion => Some(PingFrame::Text(sio::encode_event(nsp, "ping", &[]))),
        // Axisor's document has no app-level heartbeat; zkde and Dimes (Engine.IO v4) ping us,
        // so our WebSocket ping there only measures the round trip.
        GatewayKind::Axisor
        | GatewayKind::Zkde
        | GatewayKind::DimesPartner
        | GatewayKind::DimesCustomer => Some(PingFrame::WebSocket),
    }
}

/// Messages that (re)join every remembered subscription.
pub(crate) fn subscribe_all(kind: GatewayKind, nsp: &str, subs: &Subscriptions) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        GatewayKind::Axisor => {
            for room in &subs.rooms {
                out.extend(command_frame(
                    kind,
                    nsp,
                    &Command::SubscribeRoom(room.clone()),
                ));
            }
        }
        GatewayKind::Hashi => {
            for lobby in &subs.lobbies {
                out.extend(command_frame(
                    kind,
                    nsp,
                    &Command::SubscribeLobby(lobby.clone()),
                ));
            }
        }
        GatewayKind::Fusion => {
            if subs.all_intents {
                out.extend(command_frame(kind, nsp, &Command::SubscribeAll));
            }
            for id in &subs.intents {
                out.extend(command_frame(
                    kind,
                    nsp,
                    &Command::SubscribeIntent(id.clone()),
                ));
            }
        }
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer | GatewayKind::Zkde => {}
    }
    out
}

/// The frame a subscription command sends (`None` for commands with no frame).
pub(crate) fn command_frame(kind: GatewayKind, nsp: &str, cmd: &Command) -> Option<String> {
    let text = match (kind, cmd) {
        (GatewayKind::Axisor, Command::SubscribeRoom(r)) => {
            json!({"type": "subscribe", "channel": r}).to_string()
        }
        (GatewayKind::Axisor, Command::UnsubscribeRoom(r)) => {
            json!({"type": "unsubscribe", "channel": r}).to_string()
        }
        (GatewayKind::Hashi, Command::SubscribeLobby(l)) => {
            json!({"type": "subscribe", "data": {"lobbyId": l}}).to_string()
        }
        (GatewayKind::Hashi, Command::UnsubscribeLobby(l)) => {
            json!({"type": "unsubscribe", "data": {"lobbyId": l}}).to_string()
        }
        (GatewayKind::Fusion, Command::SubscribeIntent(id)) => {
            sio::encode_event(nsp, "subscribe:intent", &[Value::String(id.clone())])
        }
        (GatewayKind::Fusion, Command::UnsubscribeIntent(id)) => {
            sio::encode_event(nsp, "unsubscribe:intent", &[Value::String(id.clone())])
        }
        (GatewayKind::Fusion, Command::SubscribeAll) => {
            sio::encode_event(nsp, "subscribe:all", &[])
        }
        (GatewayKind::Fusion, Command::UnsubscribeAll) => {
            sio::encode_event(nsp, "unsubscribe:all", &[])
        }
        _ => return None,
    };
    Some(text)
}

const AUTH_CODES: &[&str] = &[
    "AUTHENTICATION_FAILED",
    "AUTHENTICATION_ERROR",
    "AUTH_ERROR",
    "UNAUTHORIZED",
    "UNAUTHENTICATED",
];

fn is_auth_code(code: &str) -> bool {
    AUTH_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
}

/// The error object of an error message, wherever the gateway put it (top level, `data`,
/// `error`), as (code, type, message).
fn error_parts(v: &Value) -> (Option<String>, Option<String>, String) {
    let inner = v
        .get("error")
        .filter(|e| e.is_object())
        .or_else(|| v.get("data").filter(|d| d.is_object()))
        .unwrap_or(v);
    let s = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let code = s(inner, "code").or_else(|| s(v, "code"));
    let kind = s(inner, "type").filter(|t| t != "error");
    let message = s(inner, "message")
        .or_else(|| s(v, "message"))
        .or_else(|| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .or_else(|| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| v.to_string());
    (code, kind, message)
}

fn error_control(v: &Value) -> Control {
    let (code, kind, message) = error_parts(v);
    let auth =
        code.as_deref().is_some_and(is_auth_code) || kind.as_deref().is_some_and(is_auth_code);
    if auth {
        Control::AuthFailed {
            code: kind.or(code).unwrap_or_default(),
            message,
        }
    } else {
        Control::Error { code, message }
    }
}

/// The connector's own minimal recognition of the control messages it must act on
/// (handshake, heartbeat, auth, errors). Used only when the core decoder rejects a message,
/// so the connection keeps working whatever the decoder's state; the decoder stays the
/// authority for everything else.
pub(crate) fn sniff(kind: GatewayKind, msg: WireMessage<'_>) -> Option<Control> {
    match msg {
        WireMessage::SocketIo { event, args } => {
            let first = args.first().cloned().unwrap_or(Value::Null);
            let ts = || {
                first
                    .get("timestamp")
                    .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
            };
            match event {
                "error" => Some(error_control(&first)),
                "pong" => Some(Control::Pong { timestamp: ts() }),
                _ => None,
            }
        }
        WireMessage::Text(text) => {
            let v: Value = serde_json::from_str(text).ok()?;
            let ty = v.get("type")?.as_str()?;
            let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            let ts = || {
                s("timestamp").or_else(|| {
                    v.get("data")
                        .and_then(|d| d.get("timestamp"))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
            };
            match ty {
                "ping" => Some(Control::Ping { timestamp: ts() }),
                "pong" => Some(Control::Pong { timestamp: ts() }),
                "connected" => Some(Control::Connected {
                    user_id: None,
                    session_id: None,
                    message: s("message"),
                }),
                "connection" if kind == GatewayKind::Axisor => {
                    match v.get("status").and_then(Value::as_str) {
                        Some("connected") | None => Some(Control::Connected {
                            user_id: s("userId"),
                            session_id: s("sessionId"),
                            message: None,
                        }),
                        Some(other) => Some(Control::AuthFailed {
                            code: "AUTHENTICATION_FAILED".into(),
                            message: s("message").unwrap_or_else(|| other.to_owned()),
                        }),
                    }
                }
                "error" => Some(error_control(&v)),
                "room_subscription" => Some(Control::Subscription {
                    channel: s("channel"),
                    status: s("status").unwrap_or_default(),
                    rooms: v
                        .get("subscribedRooms")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                }),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatewatch_core::redact::Secret;

    fn spec(kind: GatewayKind, url: &str, auth: AuthMode, key: Option<&str>) -> ConnectorSpec {
        let mut s = ConnectorSpec::new("t", kind, url);
        s.auth = auth;
        s.credential = key.map(Secret::from);
        s
    }

    #[test]
    fn dimes_url_splits_into_engineio_path_and_namespace() {
        let p = plan(&spec(
            GatewayKind::DimesPartner,
            "wss://api.dimes.fi/v1/ws/prediction-markets/positions",
            AuthMode::Auto,
            Some("dm_live_skey_abc"),
        ))
        .expect("plan");
        assert_eq!(
            p.request.uri().to_string(),
            "wss://api.dimes.fi/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(
            p.namespace.as_deref(),
            Some("/v1/ws/prediction-markets/positions")
        );
        assert_eq!(p.sio_auth, Some(json!({"apiKey": "dm_live_skey_abc"})));
        assert!(p.request.headers().get("authorization").is_none());
    }

    #[test]
    fn header_forms() {
        let p = plan(&spec(
            GatewayKind::DimesPartner,
            "https://h/v1/ws/prediction-markets/positions",
            AuthMode::Header,
            Some("dm_sbx_skey_abc"),
        ))
        .expect("plan");
        assert_eq!(p.request.uri().scheme_str(), Some("wss"));
        assert_eq!(
            p.request
                .headers()
                .get("authorization")
                .map(|v| v.as_bytes()),
            Some(&b"Api-Key dm_sbx_skey_abc"[..])
        );
        assert!(p.sio_auth.is_none());
        let p = plan(&spec(
            GatewayKind::Axisor,
            "ws://h/ws",
            AuthMode::Auto,
            Some("jwt"),
        ))
        .expect("plan");
        assert_eq!(
            p.request
                .headers()
                .get("authorization")
                .map(|v| v.as_bytes()),
            Some(&b"Bearer jwt"[..])
        );
        assert!(p.first_message.is_none());
    }

    #[test]
    fn query_and_first_message_forms_and_redacted_display() {
        let p = plan(&spec(
            GatewayKind::Hashi,
            "wss://socket.dev.hashi.gg",
            AuthMode::Auto,
            Some("eyJ.secret.sig"),
        ))
        .expect("plan");
        assert_eq!(
            p.request.uri().to_string(),
            "wss://socket.dev.hashi.gg/?token=eyJ.secret.sig"
        );
        assert_eq!(p.shown_url, "wss://socket.dev.hashi.gg/?token=[redacted]");
        let p = plan(&spec(
            GatewayKind::Axisor,
            "ws://h/ws",
            AuthMode::FirstMessage,
            Some("jwt"),
        ))
        .expect("plan");
        assert_eq!(
            p.first_message.as_deref(),
            Some(r#"{"token":"jwt","type":"auth"}"#)
        );
        assert!(p.request.headers().get("authorization").is_none());
    }

    #[test]
    fn fusion_default_namespace_and_bad_modes() {
        let p = plan(&spec(
            GatewayKind::Fusion,
            "http://127.0.0.1:9/",
            AuthMode::Auto,
            None,
        ))
        .expect("plan");
        assert_eq!(p.namespace.as_deref(), Some("/"));
        assert_eq!(
            p.request.uri().to_string(),
            "ws://127.0.0.1:9/socket.io/?EIO=4&transport=websocket"
        );
        assert!(matches!(
            plan(&spec(
                GatewayKind::Hashi,
                "ws://h/",
                AuthMode::FirstMessage,
                Some("x")
            )),
            Err(NetError::BadAuthMode { .. })
        ));
        let err = plan(&spec(
            GatewayKind::Hashi,
            "ftp://h/?token=SECRET",
            AuthMode::Auto,
            None,
        ))
        .expect_err("bad scheme");
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    #[test]
    fn subscription_frames() {
        let subs = Subscriptions {
            rooms: vec!["market:BTC_USD".into()],
            lobbies: vec!["L1".into()],
            intents: vec!["123".into()],
            all_intents: true,
            ..Default::default()
        };
        assert_eq!(
            subscribe_all(GatewayKind::Axisor, "/", &subs),
            vec![r#"{"channel":"market:BTC_USD","type":"subscribe"}"#]
        );
        assert_eq!(
            subscribe_all(GatewayKind::Hashi, "/", &subs),
            vec![r#"{"data":{"lobbyId":"L1"},"type":"subscribe"}"#]
        );
        assert_eq!(
            subscribe_all(GatewayKind::Fusion, "/", &subs),
            vec![r#"42["subscribe:all"]"#, r#"42["subscribe:intent","123"]"#]
        );
        assert!(subscribe_all(GatewayKind::Zkde, "/", &subs).is_empty());
    }

    #[test]
    fn sniffs_control_messages() {
        let t = |s: &str, k| sniff(k, WireMessage::Text(s));
        assert_eq!(
            t(r#"{"type":"ping","timestamp":"x"}"#, GatewayKind::Zkde),
            Some(Control::Ping {
                timestamp: Some("x".into())
            })
        );
        assert!(matches!(
            t(r#"{"type":"error","data":{"message":"Authentication failed","code":"AUTH_ERROR"}}"#, GatewayKind::Hashi),
            Some(Control::AuthFailed { message, .. }) if message == "Authentication failed"
        ));
        assert!(matches!(
            t(r#"{"type":"error","code":"INVALID_ROOM","message":"no"}"#, GatewayKind::Axisor),
            Some(Control::Error { code: Some(c), .. }) if c == "INVALID_ROOM"
        ));
        assert!(matches!(
            t(r#"{"type":"connection","status":"connected","userId":"u"}"#, GatewayKind::Axisor),
            Some(Control::Connected { user_id: Some(u), .. }) if u == "u"
        ));
        assert_eq!(t(r#"{"type":"proof_complete"}"#, GatewayKind::Zkde), None);
        assert_eq!(t("not json", GatewayKind::Zkde), None);
        let args = [
            json!({"error":{"type":"AUTHENTICATION_ERROR","code":"unauthorized","message":"Unauthorized"}}),
        ];
        assert!(matches!(
            sniff(GatewayKind::DimesPartner, WireMessage::SocketIo { event: "error", args: &args }),
            Some(Control::AuthFailed { message, .. }) if message == "Unauthorized"
        ));
        let args = [json!({"message":"bad intentId"})];
        assert!(matches!(
            sniff(GatewayKind::Fusion, WireMessage::SocketIo { event: "error", args: &args }),
            Some(Control::Error { message, .. }) if message == "bad intentId"
        ));
    }
}
