//! One task per connection: the state machine, the socket loop, reconnects.
//!
//! Shape (after mini-redis and atuin): `run` loops over `session()`; a session opens the
//! socket, does the gateway's handshake, then `select!`s over shutdown, the socket, the
//! heartbeat deadline and commands. A session ends with a [`SessionEnd`]; the loop asks the
//! pure [`Backoff`] what to do next. Auth failures are final; only a `Reconnect` command
//! (new credentials) or shutdown moves a parked connection.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::{FutureExt, SinkExt, StreamExt};
use gatewatch_core::decode::decode_socketio;
use gatewatch_core::redact::redact_text;
use gatewatch_core::{
    decode, Control, DecodeContext, DecodeError, Decoded, Direction, Event, GatewayKind,
    WireMessage,
};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::backoff::{random_seed, Backoff};
use crate::counters::Counters;
use crate::error::NetError;
use crate::gateway::{self, PingFrame, Plan};
use crate::heartbeat::{Action, Mode, Watchdog};
use crate::sio::{self, Eio, EventArgs, Sio};
use crate::spec::{Command, ConnectorSpec, Subscriptions};
use crate::state::{ConnState, NetEvent};
use crate::tap::FrameTap;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running connection: its counters, its state, and a way to send it commands.
#[derive(Debug)]
pub struct ConnectionHandle {
    id: gatewatch_core::ConnectionId,
    kind: GatewayKind,
    counters: Arc<Counters>,
    state: watch::Receiver<ConnState>,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl ConnectionHandle {
    /// The connection's name.
    pub fn id(&self) -> &gatewatch_core::ConnectionId {
        &self.id
    }

    /// The connection's counters (live atomics; call `snapshot()` for a copy).
    pub fn counters(&self) -> Arc<Counters> {
        Arc::clone(&self.counters)
    }

    /// The connection's state, observable.
    pub fn state(&self) -> watch::Receiver<ConnState> {
        self.state.clone()
    }

    /// Ask the connection to (un)subscribe or reconnect. Subscriptions are remembered and
    /// re-joined after every reconnect.
    pub async fn send(&self, cmd: Command) -> Result<(), NetError> {
        if !cmd.applies_to(self.kind) {
            return Err(NetError::Unsupported {
                command: cmd.name(),
                gateway: self.kind,
            });
        }
        self.commands
            .send(cmd)
            .await
            .map_err(|_| NetError::Closed(self.id.to_string()))
    }

    /// Wait for the task to end (after the shutdown token is cancelled).
    pub async fn join(self) {
        if let Err(e) = self.task.await {
            warn!(connection = %self.id, "connector task ended abnormally: {e}");
        }
    }
}

/// Start a connection. It runs until `shutdown` is cancelled; everything it learns goes to
/// `out` (bounded: a full channel slows the socket down), every frame to `frames`.
pub fn spawn(
    spec: ConnectorSpec,
    out: mpsc::Sender<NetEvent>,
    frames: FrameTap,
    shutdown: CancellationToken,
) -> ConnectionHandle {
    spawn_with(spec, out, frames, shutdown, tokio::spawn)
}

/// A connector's task, boxed so that whoever starts it can name its type.
pub(crate) type ConnectorTask = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// [`spawn`], with the task started by `start` (on the current runtime, or a
/// [`crate::NetRuntime`]).
pub(crate) fn spawn_with(
    spec: ConnectorSpec,
    out: mpsc::Sender<NetEvent>,
    frames: FrameTap,
    shutdown: CancellationToken,
    start: impl FnOnce(ConnectorTask) -> JoinHandle<()>,
) -> ConnectionHandle {
    let counters = Arc::new(Counters::new());
    let (state_tx, state_rx) = watch::channel(ConnState::Connecting);
    let (cmd_tx, cmd_rx) = mpsc::channel(spec.limits.command_capacity.max(1));
    let id = spec.id.clone();
    let kind = spec.kind;
    let seed = random_seed(spec.id.as_str());
    let runner = Runner {
        backoff: Backoff::new(spec.backoff.clone(), seed),
        subs: spec.subscriptions.clone(),
        spec,
        out,
        tap: frames,
        counters: Arc::clone(&counters),
        state_tx,
        commands: cmd_rx,
        commands_open: true,
        shutdown,
        ever_ready: false,
        ctx: None,
        pending: Vec::with_capacity(BURST_FRAMES),
    };
    let task = start(Box::pin(runner.run()));
    ConnectionHandle {
        id,
        kind,
        counters,
        state: state_rx,
        commands: cmd_tx,
        task,
    }
}

/// How a session ended.
#[derive(Debug)]
enum SessionEnd {
    Shutdown,
    /// Final: `authentication failed: …`.
    AuthFailed(String),
    /// Retry with backoff.
    Lost(String),
    /// A `Reconnect` command: retry now.
    ReconnectRequested,
}

/// Where a session is in the gateway's handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Socket.IO: waiting for the Engine.IO open packet.
    AwaitOpen,
    /// Socket.IO: connect sent, waiting for the ack (or a connect error).
    AwaitConnectAck,
    /// Axisor: waiting for `{"type":"connection"}`.
    AwaitConnection,
    /// Subscriptions sent; data flows.
    Ready,
}

/// What handling one message asks of the session loop.
enum Flow {
    Continue,
    End(SessionEnd),
}

struct Runner {
    spec: ConnectorSpec,
    subs: Subscriptions,
    out: mpsc::Sender<NetEvent>,
    tap: FrameTap,
    counters: Arc<Counters>,
    state_tx: watch::Sender<ConnState>,
    commands: mpsc::Receiver<Command>,
    commands_open: bool,
    shutdown: CancellationToken,
    backoff: Backoff,
    /// A session has reached `Ready` before: the next one that does is a reconnect.
    ever_ready: bool,
    ctx: Option<DecodeContext>,
    /// Events decoded from a burst of frames that were already buffered, sent as one
    /// [`NetEvent::Events`] at the end of the burst (see [`BURST_FRAMES`]); always flushed
    /// before any other [`NetEvent`] so the engine sees everything in wire order.
    pending: Vec<Event>,
}

/// How many already-buffered frames one wake-up of the connector handles before it hands
/// their events over, as one message. One channel message per burst instead of one per
/// event lets the consumer task wake once per burst (each wake of an idle worker thread is
/// a futex call); the bound keeps the heartbeat, commands and shutdown checked at least
/// this often, and with [`EVENT_CHANNEL`] bounds how many decoded events wait in memory.
const BURST_FRAMES: usize = 16;

/// The capacity, in messages (a burst of up to 16 events each), that the channel from the
/// connectors to their consumer (the engine's pipeline) should have. Small on purpose:
/// consumer and connectors share one thread, so a deep queue buys no parallelism, only
/// decoded events that wait — a channel of 1,024 bursts of 32 (the engine's held 8,192)
/// kept ~1,500 events waiting at full speed, and the reducer then found every event's
/// memory out of cache: Axisor
/// 70–74k events/s at 13 µs CPU/event against 103–155k at 6.4–8.8 µs with 8 × 16
/// (docs/connectors.md, "Third pass"). A full channel makes the connector wait, so the
/// socket is read more slowly and TCP pushes back; nothing is dropped.
pub const EVENT_CHANNEL: usize = 8;

impl Runner {
    async fn run(mut self) {
        let plan = match gateway::plan(&self.spec) {
            Ok(p) => p,
            Err(e) => {
                self.set_state(ConnState::GaveUp {
                    reason: e.to_string(),
                })
                .await;
                self.park().await;
                self.set_state(ConnState::Stopped).await;
                return;
            }
        };
        info!(connection = %self.spec.id, gateway = %self.spec.kind, url = %plan.shown_url, "starting connector");
        loop {
            self.set_state(ConnState::Connecting).await;
            let end = self.session(&plan).await;
            match end {
                SessionEnd::Shutdown => break,
                SessionEnd::ReconnectRequested => {
                    self.backoff.reset();
                }
                SessionEnd::AuthFailed(message) => {
                    warn!(connection = %self.spec.id, "{message}; not retrying");
                    self.set_state(ConnState::AuthFailed { message }).await;
                    if !self.park().await {
                        break;
                    }
                    self.backoff.reset();
                }
                SessionEnd::Lost(reason) => match self.backoff.next_delay() {
                    Some(delay) => {
                        let attempt = self.backoff.attempt();
                        let next_try_at = Utc::now()
                            + chrono::Duration::from_std(delay)
                                .unwrap_or_else(|_| chrono::Duration::zero());
                        warn!(connection = %self.spec.id, attempt, ?delay, "connection lost: {reason}");
                        self.set_state(ConnState::Reconnecting {
                            attempt,
                            next_try_at,
                        })
                        .await;
                        if !self.wait(delay).await {
                            break;
                        }
                    }
                    None => {
                        let reason = format!(
                            "{} failed attempts in a row; last error: {reason}",
                            self.backoff.attempt()
                        );
                        warn!(connection = %self.spec.id, "giving up: {reason}");
                        self.set_state(ConnState::GaveUp { reason }).await;
                        if !self.park().await {
                            break;
                        }
                        self.backoff.reset();
                    }
                },
            }
        }
        self.set_state(ConnState::Stopped).await;
    }

    /// Publish a state change (to watchers and to the engine).
    async fn set_state(&mut self, state: ConnState) {
        if *self.state_tx.borrow() == state {
            return;
        }
        debug!(connection = %self.spec.id, state = state.name(), "state");
        self.state_tx.send_replace(state.clone());
        let connection = self.spec.id.clone();
        self.emit(NetEvent::State { connection, state }).await;
    }

    /// Hand something to the engine, waiting for room (backpressure) unless shutting down.
    /// Returns false when it could not be delivered.
    async fn emit(&mut self, ev: NetEvent) -> bool {
        self.flush_events().await && self.send_out(ev).await
    }

    async fn send_out(&self, ev: NetEvent) -> bool {
        tokio::select! {
            biased;
            r = self.out.send(ev) => r.is_ok(),
            _ = self.shutdown.cancelled() => false,
        }
    }

    /// Hand the events of the current burst to the engine, in order, as one message. False
    /// when they could not be delivered (shutdown, or the engine is gone).
    async fn flush_events(&mut self) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        let msg = if self.pending.len() == 1 {
            // Keeps the allocation for the next burst.
            match self.pending.pop() {
                Some(ev) => NetEvent::Event(ev),
                None => return true,
            }
        } else {
            NetEvent::Events(std::mem::replace(
                &mut self.pending,
                Vec::with_capacity(BURST_FRAMES),
            ))
        };
        self.send_out(msg).await
    }

    /// Remember a command's subscription change; returns whether it asks for a reconnect.
    fn remember(&mut self, cmd: &Command) -> bool {
        if matches!(cmd, Command::Reconnect) {
            return true;
        }
        self.subs.apply(cmd);
        false
    }

    async fn next_command(&mut self) -> Option<Command> {
        if !self.commands_open {
            return std::future::pending().await;
        }
        let cmd = self.commands.recv().await;
        if cmd.is_none() {
            // Every handle is gone: no more commands, but keep running until shutdown.
            self.commands_open = false;
        }
        cmd
    }

    /// Final state reached: wait for a `Reconnect` command (true) or shutdown (false).
    async fn park(&mut self) -> bool {
        let shutdown = self.shutdown.clone();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return false,
                cmd = self.next_command() => {
                    if let Some(cmd) = cmd {
                        if self.remember(&cmd) {
                            return true;
                        }
                    }
                }
            }
        }
    }

    /// Backoff wait: true to try again (timer or `Reconnect`), false on shutdown.
    async fn wait(&mut self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        let shutdown = self.shutdown.clone();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return false,
                _ = sleep_until(until) => return true,
                cmd = self.next_command() => {
                    if let Some(cmd) = cmd {
                        if self.remember(&cmd) {
                            self.backoff.reset();
                            return true;
                        }
                    }
                }
            }
        }
    }

    fn ws_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .max_message_size(Some(self.spec.limits.max_message_size))
            .max_frame_size(Some(self.spec.limits.max_frame_size))
    }

    async fn session(&mut self, plan: &Plan) -> SessionEnd {
        let limits = self.spec.limits.clone();
        let connect = tokio_tungstenite::connect_async_with_config(
            plan.request.clone(),
            Some(self.ws_config()),
            true,
        );
        let ws = tokio::select! {
            _ = self.shutdown.cancelled() => return SessionEnd::Shutdown,
            r = timeout(limits.connect_timeout, connect) => match r {
                Err(_) => return SessionEnd::Lost(format!("connect timed out after {:?}", limits.connect_timeout)),
                Ok(Err(e)) => return classify_connect_error(e),
                Ok(Ok((ws, _response))) => ws,
            },
        };
        let mut s = Session {
            ws,
            nsp: plan.namespace.clone().unwrap_or_else(|| "/".to_owned()),
            watchdog: Watchdog::new(
                gateway::heartbeat_mode(self.spec.kind, &self.spec.heartbeat),
                Instant::now(),
                limits.handshake_timeout,
            )
            .with_rtt_probe(self.spec.heartbeat.interval),
            phase: Phase::AwaitOpen,
        };
        self.set_state(ConnState::Connected).await;

        let opening = match self.spec.kind {
            GatewayKind::DimesPartner | GatewayKind::DimesCustomer | GatewayKind::Fusion => {
                s.phase = Phase::AwaitOpen;
                Ok(Flow::Continue)
            }
            GatewayKind::Axisor => {
                s.phase = Phase::AwaitConnection;
                match &plan.first_message {
                    Some(m) => self
                        .send_text(&mut s.ws, m.clone())
                        .await
                        .map(|()| Flow::Continue),
                    None => Ok(Flow::Continue),
                }
            }
            // zkde (address in the path) and Hashi (token in the query) are authenticated by
            // the upgrade itself: subscribe straight away.
            GatewayKind::Zkde | GatewayKind::Hashi => self.become_ready(&mut s).await,
        };
        match opening {
            Ok(Flow::Continue) => {}
            Ok(Flow::End(end)) => return end,
            Err(e) => return SessionEnd::Lost(ws_error_text(&e)),
        }

        let shutdown = self.shutdown.clone();
        loop {
            let deadline = s.watchdog.deadline();
            let flow = tokio::select! {
                biased;
                _ = shutdown.cancelled() => {
                    self.close_politely(&mut s).await;
                    return SessionEnd::Shutdown;
                }
                msg = s.ws.next() => {
                    let mut flow = self.on_ws(&mut s, plan, msg).await;
                    // Frames already buffered are handled now, their events sent together.
                    for _ in 1..BURST_FRAMES {
                        if !matches!(flow, Ok(Flow::Continue)) {
                            break;
                        }
                        match s.ws.next().now_or_never() {
                            Some(msg) => flow = self.on_ws(&mut s, plan, msg).await,
                            None => break,
                        }
                    }
                    self.flush_events().await;
                    flow
                }
                _ = sleep_until(deadline) => self.on_timer(&mut s).await,
                cmd = self.next_command() => match cmd {
                    Some(cmd) => self.on_command(&mut s, cmd).await,
                    None => Ok(Flow::Continue),
                },
            };
            match flow {
                Ok(Flow::Continue) => {}
                Ok(Flow::End(end)) => return end,
                Err(e) => return SessionEnd::Lost(ws_error_text(&e)),
            }
        }
    }

    async fn close_politely(&mut self, s: &mut Session) {
        if self.spec.kind.is_socketio() && s.phase == Phase::Ready {
            let _ = self
                .send_text(&mut s.ws, sio::encode_disconnect(&s.nsp))
                .await;
        }
        // Don't let a frozen server hold up shutdown.
        let _ = timeout(Duration::from_millis(500), s.ws.close(None)).await;
    }

    async fn send_text(&self, ws: &mut Ws, text: String) -> Result<(), WsError> {
        self.tap
            .record(&self.spec.id, self.spec.kind, Direction::Out, &text);
        ws.send(Message::text(text)).await?;
        Counters::bump(&self.counters.frames_out);
        Ok(())
    }

    /// The handshake is done: send every subscription, and tell the engine if this is a
    /// reconnect.
    async fn become_ready(&mut self, s: &mut Session) -> Result<Flow, WsError> {
        self.set_state(ConnState::Authenticated).await;
        for frame in gateway::subscribe_all(self.spec.kind, &s.nsp, &self.subs) {
            self.send_text(&mut s.ws, frame).await?;
        }
        s.phase = Phase::Ready;
        s.watchdog.ready(Instant::now());
        self.backoff.reset();
        self.set_state(ConnState::Subscribed).await;
        if self.ever_ready {
            Counters::bump(&self.counters.reconnects);
            let connection = self.spec.id.clone();
            self.emit(NetEvent::Reconnected { connection }).await;
        }
        self.ever_ready = true;
        Ok(Flow::Continue)
    }

    async fn on_timer(&mut self, s: &mut Session) -> Result<Flow, WsError> {
        let now = Instant::now();
        match s.watchdog.poll(now) {
            Action::Wait => Ok(Flow::Continue),
            Action::Dead(why) => Ok(Flow::End(SessionEnd::Lost(why.to_string()))),
            Action::SendPing => {
                s.watchdog.on_ping_sent(now);
                match gateway::ping_frame(self.spec.kind, &s.nsp) {
                    Some(PingFrame::Text(t)) => self.send_text(&mut s.ws, t).await?,
                    Some(PingFrame::WebSocket) => {
                        s.ws.send(Message::Ping(Default::default())).await?
                    }
                    None => {}
                }
                Ok(Flow::Continue)
            }
        }
    }

    async fn on_command(&mut self, s: &mut Session, cmd: Command) -> Result<Flow, WsError> {
        if self.remember(&cmd) {
            self.close_politely(s).await;
            return Ok(Flow::End(SessionEnd::ReconnectRequested));
        }
        // Not ready yet: the remembered subscription goes out with the others.
        if s.phase == Phase::Ready {
            if let Some(frame) = gateway::command_frame(self.spec.kind, &s.nsp, &cmd) {
                self.send_text(&mut s.ws, frame).await?;
            }
        }
        Ok(Flow::Continue)
    }

    async fn on_ws(
        &mut self,
        s: &mut Session,
        plan: &Plan,
        msg: Option<Result<Message, WsError>>,
    ) -> Result<Flow, WsError> {
        let msg = match msg {
            None => return Ok(Flow::End(SessionEnd::Lost("connection closed".into()))),
            Some(Err(WsError::Capacity(e))) => {
                // tungstenite refuses the frame before allocating it; the stream is unusable
                // afterwards, so count it and rebuild.
                Counters::bump(&self.counters.dropped_frames);
                self.report_decode_error(
                    DecodeError::Malformed {
                        gateway: self.spec.kind,
                        reason: format!("frame over the size limit: {e}"),
                    },
                    "",
                )
                .await;
                return Ok(Flow::End(SessionEnd::Lost(format!("oversized frame: {e}"))));
            }
            Some(Err(e)) => return Err(e),
            Some(Ok(m)) => m,
        };
        let now = Instant::now();
        match msg {
            Message::Text(text) => {
                s.watchdog.on_inbound(now);
                Counters::bump(&self.counters.frames_in);
                self.tap
                    .record(&self.spec.id, self.spec.kind, Direction::In, &text);
                if self.spec.kind.is_socketio() {
                    self.on_engineio(s, plan, &text).await
                } else {
                    self.on_raw_text(s, &text).await
                }
            }
            Message::Binary(b) => {
                s.watchdog.on_inbound(now);
                Counters::bump(&self.counters.frames_in);
                Counters::bump(&self.counters.dropped_frames);
                let preview = format!("<binary frame, {} bytes>", b.len());
                self.tap
                    .record(&self.spec.id, self.spec.kind, Direction::In, &preview);
                self.report_decode_error(
                    DecodeError::Malformed {
                        gateway: self.spec.kind,
                        reason: "binary frames are not part of this gateway's protocol".into(),
                    },
                    &preview,
                )
                .await;
                Ok(Flow::Continue)
            }
            Message::Pong(_) => {
                if let Some(rtt) = s.watchdog.on_pong(now) {
                    self.record_rtt(rtt);
                }
                Ok(Flow::Continue)
            }
            // tungstenite queues the pong reply to a ping by itself.
            Message::Ping(_) => {
                s.watchdog.on_inbound(now);
                Ok(Flow::Continue)
            }
            Message::Close(frame) => {
                let why = frame
                    .map(|f| format!("server closed the connection ({} {})", f.code, f.reason))
                    .unwrap_or_else(|| "server closed the connection".into());
                Ok(Flow::End(SessionEnd::Lost(redact_text(&why).into_owned())))
            }
            Message::Frame(_) => Ok(Flow::Continue),
        }
    }

    fn record_rtt(&self, rtt: Duration) {
        let ms = u64::try_from(rtt.as_millis()).unwrap_or(u64::MAX - 1);
        self.counters.heartbeat_rtt_ms.store(ms, Relaxed);
    }

    /// The decode context, stamped with the current time (built once per connector: the
    /// connection id is not cloned per frame).
    fn decode_ctx(&mut self) -> &mut DecodeContext {
        let now = Utc::now();
        match &mut self.ctx {
            Some(ctx) => {
                ctx.received_at = now;
                ctx
            }
            slot @ None => slot.insert(DecodeContext {
                connection: self.spec.id.clone(),
                gateway: self.spec.kind,
                received_at: now,
            }),
        }
    }

    async fn on_raw_text(&mut self, s: &mut Session, raw: &str) -> Result<Flow, WsError> {
        let kind = self.spec.kind;
        // Decode the redacted text, so no secret reaches an event's payload or body (and from
        // there the store, the UI or an export). Borrows, at the cost of a few substring
        // searches, when there is nothing to redact.
        let text = redact_text(raw);
        let text: &str = &text;
        let decoded = decode(self.decode_ctx(), WireMessage::Text(text));
        match decoded {
            Ok(Decoded::Event(ev)) => {
                if s.phase == Phase::AwaitConnection {
                    // Lenient: data before Axisor's `connection` reply means we are in.
                    if let Flow::End(e) = self.become_ready(s).await? {
                        return Ok(Flow::End(e));
                    }
                }
                self.on_event(ev).await;
                Ok(Flow::Continue)
            }
            Ok(Decoded::Control(c)) => self.on_control(s, c).await,
            Err(err) => match gateway::sniff(kind, WireMessage::Text(text)) {
                Some(c) => self.on_control(s, c).await,
                None => {
                    self.report_decode_error(err, text).await;
                    Ok(Flow::Continue)
                }
            },
        }
    }

    async fn on_engineio(
        &mut self,
        s: &mut Session,
        plan: &Plan,
        text: &str,
    ) -> Result<Flow, WsError> {
        match sio::parse_eio(text) {
            Eio::Open(data) => {
                if s.phase == Phase::AwaitOpen {
                    if let Some((interval, timeout)) = sio::open_timings(data) {
                        let silence = interval + timeout + self.spec.heartbeat.engineio_grace;
                        if !matches!(
                            gateway::heartbeat_mode(self.spec.kind, &self.spec.heartbeat),
                            Mode::ClientPings { .. }
                        ) {
                            s.watchdog.set_mode(Mode::ServerPings { silence });
                        }
                    }
                    let connect = sio::encode_connect(&s.nsp, plan.sio_auth.as_ref());
                    self.send_text(&mut s.ws, connect).await?;
                    s.phase = Phase::AwaitConnectAck;
                }
                Ok(Flow::Continue)
            }
            Eio::Ping(payload) => {
                self.send_text(&mut s.ws, format!("3{payload}")).await?;
                Ok(Flow::Continue)
            }
            Eio::Close => Ok(Flow::End(SessionEnd::Lost(
                "server closed the Engine.IO session".into(),
            ))),
            Eio::Pong | Eio::Other => Ok(Flow::Continue),
            Eio::Message(packet) => {
                // See on_raw_text: decode what may be shown.
                let packet = redact_text(packet);
                self.on_socketio(s, &packet).await
            }
        }
    }

    async fn on_socketio(&mut self, s: &mut Session, packet: &str) -> Result<Flow, WsError> {
        let parsed = sio::parse_sio(packet);
        let nsp = match parsed {
            Sio::Connect { nsp, .. }
            | Sio::Disconnect { nsp }
            | Sio::Event { nsp, .. }
            | Sio::ConnectError { nsp, .. }
            | Sio::Unsupported { nsp, .. } => nsp,
            Sio::Invalid => {
                self.report_decode_error(
                    DecodeError::Malformed {
                        gateway: self.spec.kind,
                        reason: "not a Socket.IO packet".into(),
                    },
                    packet,
                )
                .await;
                return Ok(Flow::Continue);
            }
        };
        if nsp != s.nsp {
            Counters::bump(&self.counters.dropped_frames);
            debug!(connection = %self.spec.id, "packet for another namespace dropped");
            return Ok(Flow::Continue);
        }
        match parsed {
            Sio::Connect { .. } => {
                if s.phase == Phase::AwaitConnectAck {
                    return self.become_ready(s).await;
                }
                Ok(Flow::Continue)
            }
            Sio::ConnectError { data, .. } => {
                Counters::bump(&self.counters.server_errors);
                let message = sio::connect_error_message(data);
                Ok(Flow::End(SessionEnd::AuthFailed(format!(
                    "authentication failed: {}",
                    redact_text(&message)
                ))))
            }
            Sio::Disconnect { .. } => Ok(Flow::End(SessionEnd::Lost(
                "server disconnected the namespace".into(),
            ))),
            Sio::Unsupported { kind, .. } => {
                Counters::bump(&self.counters.dropped_frames);
                let what = if kind == 3 { "ack" } else { "binary" };
                self.report_decode_error(
                    DecodeError::Malformed {
                        gateway: self.spec.kind,
                        reason: format!("Socket.IO {what} packets are not supported"),
                    },
                    packet,
                )
                .await;
                Ok(Flow::Continue)
            }
            Sio::Event { data, .. } => {
                let args = match EventArgs::parse(data) {
                    Ok(a) => a,
                    Err(reason) => {
                        self.report_decode_error(
                            DecodeError::Malformed {
                                gateway: self.spec.kind,
                                reason,
                            },
                            packet,
                        )
                        .await;
                        return Ok(Flow::Continue);
                    }
                };
                let (name, args) = args.into_parts();
                // Owned arguments move into the event's payload (no deep copy).
                match decode_socketio(self.decode_ctx(), &name, args) {
                    Ok(Decoded::Event(ev)) => {
                        self.on_event(ev).await;
                        Ok(Flow::Continue)
                    }
                    Ok(Decoded::Control(c)) => self.on_control(s, c).await,
                    Err(err) => {
                        // Cold path: parse again for the control-message sniffer.
                        let sniffed = EventArgs::parse(data).ok().and_then(|a| {
                            gateway::sniff(
                                self.spec.kind,
                                WireMessage::SocketIo {
                                    event: a.name(),
                                    args: a.args(),
                                },
                            )
                        });
                        match sniffed {
                            Some(c) => self.on_control(s, c).await,
                            None => {
                                self.report_decode_error(err, packet).await;
                                Ok(Flow::Continue)
                            }
                        }
                    }
                }
            }
            Sio::Invalid => Ok(Flow::Continue),
        }
    }

    async fn on_event(&mut self, ev: Event) {
        if self.spec.kind == GatewayKind::Zkde && !self.subs.zkde_accepts(&ev.event_type) {
            Counters::bump(&self.counters.filtered);
            return;
        }
        Counters::bump(&self.counters.events);
        self.counters
            .last_event_at_ms
            .store(ev.received_at.timestamp_millis(), Relaxed);
        self.pending.push(ev);
    }

    async fn on_control(&mut self, s: &mut Session, c: Control) -> Result<Flow, WsError> {
        match c {
            Control::Ping { .. } => {
                // zkde drops clients that don't answer within 30 s.
                self.send_text(&mut s.ws, r#"{"type":"pong"}"#.to_owned())
                    .await?;
                Ok(Flow::Continue)
            }
            Control::Pong { .. } => {
                if let Some(rtt) = s.watchdog.on_pong(Instant::now()) {
                    self.record_rtt(rtt);
                }
                Ok(Flow::Continue)
            }
            Control::Connected { .. } => {
                if s.phase == Phase::AwaitConnection {
                    return self.become_ready(s).await;
                }
                Ok(Flow::Continue)
            }
            Control::AuthFailed { message, .. } => {
                Counters::bump(&self.counters.server_errors);
                Ok(Flow::End(SessionEnd::AuthFailed(format!(
                    "authentication failed: {}",
                    redact_text(&message)
                ))))
            }
            Control::Error { code, message } => {
                Counters::bump(&self.counters.server_errors);
                let message = redact_text(&message).into_owned();
                warn!(connection = %self.spec.id, code = code.as_deref().unwrap_or(""), "server error: {message}");
                let connection = self.spec.id.clone();
                self.emit(NetEvent::ServerError {
                    connection,
                    code,
                    message,
                })
                .await;
                Ok(Flow::Continue)
            }
            Control::Subscription {
                channel, status, ..
            } => {
                debug!(connection = %self.spec.id, ?channel, %status, "subscription reply");
                Ok(Flow::Continue)
            }
        }
    }

    async fn report_decode_error(&mut self, error: DecodeError, raw: &str) {
        Counters::bump(&self.counters.decode_errors);
        // Redact before truncating: a cut-off secret would no longer be recognisable.
        let redacted = redact_text(raw);
        let preview: String = redacted
            .chars()
            .take(self.spec.limits.preview_chars)
            .collect();
        debug!(connection = %self.spec.id, %error, "undecodable message");
        let connection = self.spec.id.clone();
        self.emit(NetEvent::DecodeError {
            connection,
            error,
            preview,
        })
        .await;
    }
}

struct Session {
    ws: Ws,
    nsp: String,
    watchdog: Watchdog,
    phase: Phase,
}

fn ws_error_text(e: &WsError) -> String {
    redact_text(&e.to_string()).into_owned()
}

/// HTTP 401/403 on the upgrade is the server refusing the credentials: final.
fn classify_connect_error(e: WsError) -> SessionEnd {
    if let WsError::Http(resp) = &e {
        let status = resp.status();
        if status.as_u16() == 401 || status.as_u16() == 403 {
            return SessionEnd::AuthFailed(format!("authentication failed: HTTP {status}"));
        }
    }
    SessionEnd::Lost(ws_error_text(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// Frames that arrive together are handled as one burst: their events are sent after the
    /// burst, but a decode error in the middle must still come out between the events
    /// around it, in wire order, and every event must arrive.
    #[tokio::test]
    async fn a_burst_keeps_wire_order_with_errors_in_between() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let frames: Vec<String> = (0..100)
            .map(|i| {
                if i % 10 == 5 {
                    format!("not json {i}")
                } else {
                    format!(
                        r#"{{"type":"strategy_update","data":{{"strategy_id":"s{i}","status":"active"}}}}"#
                    )
                }
            })
            .collect();
        let expected: Vec<String> = frames
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if f.starts_with('{') {
                    format!("event s{i}")
                } else {
                    "error".to_owned()
                }
            })
            .collect();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.expect("accept");
            let mut ws = tokio_tungstenite::accept_async(tcp).await.expect("upgrade");
            // Fed without flushing in between, so the client finds them buffered together.
            for f in frames {
                ws.feed(Message::text(f)).await.expect("feed");
            }
            ws.flush().await.expect("flush");
            while let Some(Ok(_)) = ws.next().await {}
        });

        let spec = ConnectorSpec::new(
            "zkde-burst",
            GatewayKind::Zkde,
            format!("ws://127.0.0.1:{port}/ws/0xabc"),
        );
        let (tx, mut rx) = mpsc::channel(8);
        let shutdown = CancellationToken::new();
        let handle = spawn(spec, tx, FrameTap::default(), shutdown.clone());
        let mut seen = Vec::new();
        while seen.len() < expected.len() {
            match rx.recv().await.expect("connector alive") {
                NetEvent::Event(ev) => seen.push(format!(
                    "event {}",
                    ev.entity.map(|e| e.id).unwrap_or_default()
                )),
                NetEvent::Events(evs) => {
                    assert!(evs.len() > 1, "a burst of one is sent as NetEvent::Event");
                    seen.extend(evs.into_iter().map(|ev| {
                        format!("event {}", ev.entity.map(|e| e.id).unwrap_or_default())
                    }));
                }
                NetEvent::DecodeError { .. } => seen.push("error".to_owned()),
                _ => {}
            }
        }
        assert_eq!(seen, expected);
        shutdown.cancel();
        handle.join().await;
        // The connector closed the socket on shutdown, which ends the server task.
        server.await.expect("server task");
    }
}
