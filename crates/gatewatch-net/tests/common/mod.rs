//! Test helpers: a raw WebSocket server on 127.0.0.1:0 whose connections the test drives by
//! hand, and a harness around a spawned connector. Every wait is on a signal, capped by a
//! generous timeout so a broken build fails instead of hanging.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use gatewatch_net::{spawn, ConnState, ConnectionHandle, ConnectorSpec, FrameTap, NetEvent};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use tokio_util::sync::CancellationToken;

/// Upper bound of any single wait: far above what a healthy run needs.
pub const CAP: Duration = Duration::from_secs(10);

/// A raw WebSocket server; each accepted connection is handed to the test.
pub struct RawServer {
    pub addr: SocketAddr,
    conns: mpsc::Receiver<ServerConn>,
}

/// One accepted connection, with what the client's handshake request said.
pub struct ServerConn {
    pub uri: String,
    pub authorization: Option<String>,
    pub ws: WebSocketStream<TcpStream>,
}

impl RawServer {
    /// Start a server; `refuse` returns a status to refuse the upgrade with (e.g. 401).
    pub async fn start_with(refuse: fn(&Request) -> Option<StatusCode>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, conns) = mpsc::channel(16);
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut seen: Option<(String, Option<String>)> = None;
                    // The callback's signature is tungstenite's.
                    #[allow(clippy::result_large_err)]
                    let callback = |req: &Request, resp: Response| {
                        let auth = req
                            .headers()
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        seen = Some((req.uri().to_string(), auth));
                        match refuse(req) {
                            Some(status) => {
                                let mut r = ErrorResponse::new(Some("refused".into()));
                                *r.status_mut() = status;
                                Err(r)
                            }
                            None => Ok(resp),
                        }
                    };
                    let accepted = tokio_tungstenite::accept_hdr_async(tcp, callback).await;
                    if let (Ok(ws), Some((uri, authorization))) = (accepted, seen) {
                        let _ = tx
                            .send(ServerConn {
                                uri,
                                authorization,
                                ws,
                            })
                            .await;
                    }
                });
            }
        });
        Self { addr, conns }
    }

    pub async fn start() -> Self {
        Self::start_with(|_| None).await
    }

    /// The next connection the client opens.
    pub async fn accept(&mut self) -> ServerConn {
        tokio::time::timeout(CAP, self.conns.recv())
            .await
            .expect("client connected in time")
            .expect("server alive")
    }

    /// A connection, if one arrives within `d` (for asserting that none does).
    pub async fn accept_within(&mut self, d: Duration) -> Option<ServerConn> {
        tokio::time::timeout(d, self.conns.recv())
            .await
            .ok()
            .flatten()
    }

    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }
}

impl ServerConn {
    /// The next text frame from the client (WebSocket pings are skipped).
    pub async fn recv_text(&mut self) -> String {
        loop {
            let msg = tokio::time::timeout(CAP, self.ws.next())
                .await
                .expect("client sent something in time")
                .expect("connection open")
                .expect("valid frame");
            match msg {
                Message::Text(t) => return t.to_string(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The next text frame parsed as JSON.
    pub async fn recv_json(&mut self) -> serde_json::Value {
        let t = self.recv_text().await;
        serde_json::from_str(&t).unwrap_or_else(|e| panic!("client sent non-JSON {t:?}: {e}"))
    }

    pub async fn send_text(&mut self, text: impl Into<String>) {
        self.ws
            .send(Message::text(text.into()))
            .await
            .expect("server send");
    }

    pub async fn send_json(&mut self, v: serde_json::Value) {
        self.send_text(v.to_string()).await;
    }

    /// Drop the connection from the server side.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// A spawned connector and what it reports.
pub struct Harness {
    pub handle: ConnectionHandle,
    pub events: mpsc::Receiver<NetEvent>,
    /// The rest of a burst being handed out by `next_matching`.
    burst: std::collections::VecDeque<gatewatch_core::Event>,
    pub state: watch::Receiver<ConnState>,
    pub tap: FrameTap,
    pub shutdown: CancellationToken,
}

impl Harness {
    pub fn start(spec: ConnectorSpec) -> Self {
        Self::start_with_tap(spec, FrameTap::new(4096))
    }

    pub fn start_with_tap(spec: ConnectorSpec, tap: FrameTap) -> Self {
        let (tx, events) = mpsc::channel(256);
        let shutdown = CancellationToken::new();
        let handle = spawn(spec, tx, tap.clone(), shutdown.clone());
        let state = handle.state();
        Self {
            handle,
            events,
            burst: Default::default(),
            state,
            tap,
            shutdown,
        }
    }

    /// The next reported item matching `pred`; the ones skipped are returned too. A burst
    /// (`NetEvent::Events`) is handed out one `NetEvent::Event` at a time, in order.
    pub async fn next_matching(
        &mut self,
        mut pred: impl FnMut(&NetEvent) -> bool,
    ) -> (NetEvent, Vec<NetEvent>) {
        let mut skipped = Vec::new();
        loop {
            let ev = match self.burst.pop_front() {
                Some(ev) => NetEvent::Event(ev),
                None => tokio::time::timeout(CAP, self.events.recv())
                    .await
                    .unwrap_or_else(|_| panic!("no matching event in time; saw {skipped:#?}"))
                    .expect("connector alive"),
            };
            let ev = match ev {
                NetEvent::Events(evs) => {
                    assert!(evs.len() > 1, "a burst of one is sent as NetEvent::Event");
                    self.burst.extend(evs);
                    continue;
                }
                ev => ev,
            };
            if pred(&ev) {
                return (ev, skipped);
            }
            skipped.push(ev);
        }
    }

    /// Wait until the connector's state satisfies `pred`.
    pub async fn wait_state(&mut self, pred: impl Fn(&ConnState) -> bool) -> ConnState {
        let r = tokio::time::timeout(CAP, self.state.wait_for(|s| pred(s)))
            .await
            .expect("state reached in time")
            .expect("connector alive");
        r.clone()
    }

    /// Cancel and wait for the task to end; the final state must be `Stopped`.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let state = self.state.clone();
        tokio::time::timeout(CAP, self.handle.join())
            .await
            .expect("connector stopped in time");
        assert_eq!(*state.borrow(), ConnState::Stopped);
    }
}

pub fn is_state(ev: &NetEvent, name: &str) -> bool {
    matches!(ev, NetEvent::State { state, .. } if state.name() == name)
}

/// Quick reconnects for tests.
pub fn fast(mut spec: ConnectorSpec) -> ConnectorSpec {
    spec.backoff.initial = Duration::from_millis(10);
    spec.backoff.max = Duration::from_millis(50);
    spec.backoff.jitter = 0.0;
    spec
}
