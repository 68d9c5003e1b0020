//! Minimal clients for the simulator's tests: raw WebSocket (tokio-tungstenite), a
//! bare Socket.IO v4 client over the websocket transport, and a one-shot HTTP GET.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use gatewatch_core::event::GatewayKind;
use gatewatch_sim::{SimInfo, SimOptions, Simulator};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

/// How long any single expected message may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn sim(opts: SimOptions) -> (Simulator, CancellationToken) {
    let token = CancellationToken::new();
    let sim = gatewatch_sim::start(opts, token.clone()).await.unwrap();
    (sim, token)
}

pub fn quiet() -> SimOptions {
    SimOptions {
        scenario: gatewatch_sim::Scenario::Quiet,
        ..SimOptions::default()
    }
}

pub fn info_url(info: &SimInfo, kind: GatewayKind) -> String {
    info.gateway(kind).unwrap().url.clone()
}

pub fn cred(info: &SimInfo, kind: GatewayKind, i: usize) -> String {
    info.gateway(kind)
        .unwrap()
        .credential(i)
        .unwrap()
        .to_owned()
}

pub async fn ws_connect(url: &str, header: Option<(&str, String)>) -> Ws {
    let mut req = url.into_client_request().unwrap();
    if let Some((k, v)) = header {
        req.headers_mut().insert(
            k.parse::<tokio_tungstenite::tungstenite::http::HeaderName>()
                .unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
        .await
        .unwrap()
        .unwrap();
    ws
}

/// What a raw WebSocket client observed next.
#[derive(Debug)]
pub enum Got {
    Json(Value),
    Text(String),
    Closed(Option<u16>),
}

/// The next text or close (WebSocket pings are answered by tungstenite).
pub async fn next(ws: &mut Ws) -> Got {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("timed out waiting for a message");
        match msg {
            Some(Ok(Message::Text(t))) => {
                return match serde_json::from_str::<Value>(t.as_str()) {
                    Ok(v) => Got::Json(v),
                    Err(_) => Got::Text(t.to_string()),
                }
            }
            Some(Ok(Message::Close(f))) => return Got::Closed(f.map(|f| u16::from(f.code))),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Got::Closed(None),
        }
    }
}

pub async fn next_json(ws: &mut Ws) -> Value {
    match next(ws).await {
        Got::Json(v) => v,
        other => panic!("expected JSON, got {other:?}"),
    }
}

/// The next JSON message whose `type` is `ty` (others skipped).
pub async fn next_of_type(ws: &mut Ws, ty: &str) -> Value {
    loop {
        match next(ws).await {
            Got::Json(v) if v["type"] == ty => return v,
            Got::Closed(c) => panic!("closed ({c:?}) while waiting for {ty}"),
            _ => {}
        }
    }
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// A bare Socket.IO v4 client over the websocket transport, one namespace.
pub struct Sio {
    pub ws: Ws,
    pub ns: String,
}

/// What the Socket.IO client observed next.
#[derive(Debug, PartialEq)]
pub enum SioGot {
    Connected,
    ConnectError(Value),
    Event(String, Vec<Value>),
    Disconnected,
}

impl Sio {
    /// Opens the transport and sends the namespace CONNECT with `auth`.
    pub async fn connect(
        base: &str,
        ns: &str,
        auth: Option<Value>,
        header: Option<(&str, String)>,
    ) -> Sio {
        let url = format!(
            "{}/socket.io/?EIO=4&transport=websocket",
            base.replacen("http://", "ws://", 1)
        );
        let mut ws = ws_connect(&url, header).await;
        // Engine.IO OPEN.
        match next(&mut ws).await {
            Got::Text(t) if t.starts_with('0') => {}
            other => panic!("expected engine.io open, got {other:?}"),
        }
        let prefix = if ns == "/" {
            String::new()
        } else {
            format!("{ns},")
        };
        let auth = auth.map(|a| a.to_string()).unwrap_or_default();
        ws.send(Message::Text(format!("40{prefix}{auth}").into()))
            .await
            .unwrap();
        Sio {
            ws,
            ns: ns.to_owned(),
        }
    }

    fn strip<'a>(&self, body: &'a str) -> &'a str {
        if self.ns == "/" {
            body
        } else {
            body.strip_prefix(&format!("{},", self.ns))
                .or_else(|| body.strip_prefix(self.ns.as_str()))
                .unwrap_or(body)
        }
    }

    pub async fn next(&mut self) -> SioGot {
        loop {
            let t = match next(&mut self.ws).await {
                Got::Text(t) => t,
                Got::Json(v) => v.to_string(),
                Got::Closed(_) => return SioGot::Disconnected,
            };
            if t == "2" {
                self.ws.send(Message::Text("3".into())).await.unwrap();
                continue;
            }
            let Some(packet) = t.strip_prefix('4') else {
                continue;
            };
            let (ty, body) = packet.split_at(1);
            let body = self.strip(body);
            return match ty {
                "0" => SioGot::Connected,
                "1" => SioGot::Disconnected,
                "4" => SioGot::ConnectError(serde_json::from_str(body).unwrap_or(Value::Null)),
                "2" => {
                    let arr: Vec<Value> = serde_json::from_str(body).unwrap();
                    let mut it = arr.into_iter();
                    let name = it
                        .next()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap();
                    SioGot::Event(name, it.collect())
                }
                _ => continue,
            };
        }
    }

    /// The next event named `name` (others skipped); its first argument.
    pub async fn next_event(&mut self, name: &str) -> Value {
        loop {
            match self.next().await {
                SioGot::Event(n, mut args) if n == name => {
                    return if args.is_empty() {
                        Value::Null
                    } else {
                        args.remove(0)
                    };
                }
                SioGot::Disconnected => panic!("disconnected while waiting for {name}"),
                _ => {}
            }
        }
    }

    pub async fn emit(&mut self, event: &str, args: &[Value]) {
        let mut arr = vec![Value::from(event)];
        arr.extend_from_slice(args);
        let prefix = if self.ns == "/" {
            String::new()
        } else {
            format!("{},", self.ns)
        };
        let text = format!("42{prefix}{}", Value::Array(arr));
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }
}

/// `GET path` with optional `Authorization`; (status, JSON body).
pub async fn http_get(port: u16, path: &str, authorization: Option<&str>) -> (u16, Value) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status: u16 = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    // Small bodies come back with a content-length; chunked ones are not used by axum's Json.
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Polls `f` until it is true (the simulator registers clients asynchronously).
pub async fn until(mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition never became true"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
