//! The running engine: one task per connector, one pipeline task that dedupes, reduces,
//! raises alerts and fans out, one store-writer task, all stopped by one token.
//!
//! The connectors and the pipeline run on one thread of their own ([`NetRuntime`], a
//! current-thread runtime): handing each burst of events to a task on another worker thread
//! cost more than decoding them (docs/connectors.md, "Throughput"). The store writer, the
//! simulator and the subscribers run on the caller's runtime.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::Utc;
use gatewatch_core::alerts::{toast_for, Alert, AlertEngine, Toast};
use gatewatch_core::config::{AlertThresholds, Config, ConnectionConfig};
use gatewatch_core::reduce::{Applied, EntityState, Reducer};
use gatewatch_core::{ConnectionId, Event, GatewayKind};
use gatewatch_net::{ConnState, ConnectionHandle, FrameTap, NetEvent, NetRuntime};
use gatewatch_store::{ConnectionRow, Store};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::notify::Notifier;
use crate::status::{ConnectionStatus, Counters, EngineCounters};
use crate::writer::{self, WriterMsg};
use crate::{spec, EngineError};

/// Capacity of the connectors → pipeline channel, in bursts of events. Bounded and small: a
/// slow pipeline slows the sockets' reads (TCP pushes back) instead of holding decoded
/// events in memory, where they fall out of cache before the reducer sees them
/// ([`gatewatch_net::EVENT_CHANNEL`]).
const NET_CHANNEL: usize = gatewatch_net::EVENT_CHANNEL;
/// Capacity of the update broadcast to subscribers (UI, CLI). A subscriber that falls this
/// far behind loses updates and is told how many.
const UPDATE_CHANNEL: usize = 16_384;

/// How the engine should run.
#[derive(Default)]
pub struct EngineOptions {
    /// The config; `None` starts the embedded simulator and connects to it (demo mode).
    pub config: Option<Config>,
    /// The config file's name, for error messages.
    pub config_file: String,
    /// Persist to this SQLite file.
    pub db: Option<PathBuf>,
    /// Send OS notifications for critical alerts through this notifier.
    pub notifier: Option<Arc<dyn Notifier>>,
    /// Options of the embedded simulator in demo mode.
    pub demo: gatewatch_sim::SimOptions,
    /// The frame tap the connectors write to. Pass one to subscribe before anything
    /// connects (a recording must not miss the first frames); `None` makes a new one.
    pub frames: Option<FrameTap>,
}

/// Something that happened, for subscribers (UI, CLI).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "update", rename_all = "snake_case")]
pub enum Update {
    /// A decoded event and what the reducer did with it.
    Event {
        /// The event.
        event: Arc<Event>,
        /// The reducer's verdict.
        applied: Applied,
        /// The entity after the event (created/updated only).
        state: Option<Arc<EntityState>>,
    },
    /// A connection changed state.
    State {
        /// Which.
        connection: ConnectionId,
        /// The new state.
        state: ConnState,
    },
    /// An alert was raised.
    Alert(Arc<Alert>),
    /// A toast for the UI.
    Toast(Arc<Toast>),
    /// A frame could not be decoded (it is counted and shown, never dropped silently).
    DecodeError {
        /// Which connection.
        connection: ConnectionId,
        /// Why.
        error: String,
        /// The start of the frame, redacted.
        preview: String,
    },
    /// A server reported a non-fatal error.
    ServerError {
        /// Which connection.
        connection: ConnectionId,
        /// The server's code.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
}

/// The last error a connection reported, shared with its status.
type LastError = Arc<Mutex<Option<String>>>;

struct Conn {
    cfg: ConnectionConfig,
    handle: Arc<ConnectionHandle>,
    counters: Arc<EngineCounters>,
    last_error: Arc<Mutex<Option<String>>>,
}

/// A running engine. Dropping it doesn't stop it: call [`Engine::shutdown`].
pub struct Engine {
    shutdown: CancellationToken,
    tracker: TaskTracker,
    updates: broadcast::Sender<Update>,
    frames: FrameTap,
    conns: Arc<RwLock<Vec<Conn>>>,
    reducer: Arc<Mutex<Reducer>>,
    alerts: Arc<Mutex<AlertEngine>>,
    store: Option<Store>,
    demo: Option<gatewatch_sim::SimInfo>,
    sim_control: Option<gatewatch_sim::SimControl>,
    writer_done: Option<tokio::sync::oneshot::Receiver<()>>,
    config: Config,
    notifier: Option<Arc<dyn Notifier>>,
    /// The connectors' and the pipeline's thread.
    net: Option<NetRuntime>,
}

impl Engine {
    /// Start everything. With no config, starts the embedded simulator first and connects
    /// to all of its gateways.
    pub async fn start(
        opts: EngineOptions,
        shutdown: CancellationToken,
    ) -> Result<Engine, EngineError> {
        let tracker = TaskTracker::new();
        let (config, config_file, demo, sim_control) = match opts.config {
            Some(cfg) => (cfg, opts.config_file.clone(), None, None),
            None => {
                let sim = gatewatch_sim::start(opts.demo, shutdown.child_token())
                    .await
                    .map_err(EngineError::Simulator)?;
                let info = sim.info().clone();
                let control = sim.control();
                tracker.spawn(sim.stopped());
                (
                    spec::demo_config(&info),
                    "<embedded simulator>".to_owned(),
                    Some(info),
                    Some(control),
                )
            }
        };

        let store = match &opts.db {
            Some(path) => Some(
                Store::open(path, gatewatch_store::StoreOptions::default())
                    .await
                    .map_err(EngineError::Store)?,
            ),
            None => None,
        };
        let mut reducer = Reducer::new();
        if let Some(store) = &store {
            let states = store.load_entities().await.map_err(EngineError::Store)?;
            reducer.restore(states);
        }
        let reducer = Arc::new(Mutex::new(reducer));

        let mut alert_engine = AlertEngine::new(config.alerts);
        for c in &config.connections {
            if let Some(t) = c.alerts {
                alert_engine.set_thresholds(&ConnectionId::new(&c.name), t);
            }
        }
        let alerts = Arc::new(Mutex::new(alert_engine));

        let (updates, _) = broadcast::channel(UPDATE_CHANNEL);
        let frames = opts.frames.unwrap_or_else(|| FrameTap::new(8_192));
        let (net_tx, net_rx) = mpsc::channel(NET_CHANNEL);

        // Resolve every credential before starting anything: a config error starts nothing.
        let mut specs = Vec::new();
        for c in config.connections.iter().filter(|c| c.enabled) {
            specs.push((c.clone(), spec::connector_spec(&config_file, c)?));
        }

        let net = NetRuntime::start("gatewatch-net", shutdown.clone())?;
        let mut conns = Vec::new();
        for (cfg, spec) in specs {
            let handle =
                net.spawn_connector(spec, net_tx.clone(), frames.clone(), shutdown.child_token());
            conns.push(Conn {
                cfg,
                handle: Arc::new(handle),
                counters: Arc::new(EngineCounters::default()),
                last_error: Arc::new(Mutex::new(None)),
            });
        }
        drop(net_tx);
        let conns = Arc::new(RwLock::new(conns));

        if let Some(store) = &store {
            tracker.spawn(retention(
                store.clone(),
                retention_policy(&config),
                shutdown.clone(),
            ));
        }

        let (writer_tx, writer_done) = match &store {
            Some(store) => {
                let (tx, rx) = mpsc::channel(writer::CHANNEL);
                let (done_tx, done_rx) = tokio::sync::oneshot::channel();
                let store = store.clone();
                tracker.spawn(async move {
                    writer::run(store, rx).await;
                    let _ = done_tx.send(());
                });
                (Some(tx), Some(done_rx))
            }
            None => (None, None),
        };

        let pipeline = Pipeline {
            reducer: reducer.clone(),
            alerts: alerts.clone(),
            updates: updates.clone(),
            conns: conns.clone(),
            notifier: opts.notifier.clone(),
            writer: writer_tx,
            catchup: CatchUp::new(&config, &config_file),
            ticks: Default::default(),
        };
        net.spawn(tracker.track_future(pipeline.run(net_rx, shutdown.clone())));
        tracker.close();

        Ok(Engine {
            shutdown,
            tracker,
            updates,
            frames,
            conns,
            reducer,
            alerts,
            store,
            demo,
            sim_control,
            writer_done,
            config,
            notifier: opts.notifier,
            net: Some(net),
        })
    }

    /// Subscribe to updates (events, state changes, alerts, toasts, errors).
    pub fn subscribe(&self) -> broadcast::Receiver<Update> {
        self.updates.subscribe()
    }

    /// The frame tap: every frame in and out, redacted.
    pub fn frames(&self) -> &FrameTap {
        &self.frames
    }

    /// Running on the embedded simulator: its URLs and credentials.
    pub fn demo(&self) -> Option<&gatewatch_sim::SimInfo> {
        self.demo.as_ref()
    }

    /// The embedded simulator's control handle (demo mode only).
    pub fn sim_control(&self) -> Option<&gatewatch_sim::SimControl> {
        self.sim_control.as_ref()
    }

    /// The store, when persisting.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// The config in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every entity the reducer holds right now.
    pub fn entities(&self) -> Vec<EntityState> {
        match self.reducer.lock() {
            Ok(r) => r.entities().cloned().collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Status of every connection.
    pub fn status(&self) -> Vec<ConnectionStatus> {
        let now = Utc::now();
        let Ok(conns) = self.conns.read() else {
            return Vec::new();
        };
        conns.iter().map(|c| status_of(c, now)).collect()
    }

    /// Send a runtime command (e.g. Fusion `subscribe:intent`) to one connection.
    pub async fn command(
        &self,
        connection: &str,
        cmd: gatewatch_net::Command,
    ) -> Result<(), EngineError> {
        let handle = {
            let conns = self.conns.read().map_err(|_| EngineError::Poisoned)?;
            conns
                .iter()
                .find(|c| c.cfg.name == connection)
                .map(|c| c.handle.clone())
                .ok_or_else(|| EngineError::NoSuchConnection(connection.to_owned()))?
        };
        handle.send(cmd).await.map_err(EngineError::Net)
    }

    /// Change the alert thresholds of one connection (or all, with `None`), live.
    pub fn set_thresholds(&self, connection: Option<&str>, t: AlertThresholds) {
        if let Ok(mut a) = self.alerts.lock() {
            match connection {
                Some(c) => a.set_thresholds(&ConnectionId::new(c), t),
                None => {
                    let names: Vec<String> = self
                        .conns
                        .read()
                        .map(|c| c.iter().map(|c| c.cfg.name.clone()).collect())
                        .unwrap_or_default();
                    for n in names {
                        a.set_thresholds(&ConnectionId::new(&n), t);
                    }
                }
            }
        }
    }

    /// Mute (snooze) one connection's alerts until a time, or unmute.
    pub fn set_muted(&self, connection: &str, until: Option<chrono::DateTime<Utc>>) {
        if let Ok(mut a) = self.alerts.lock() {
            a.set_muted(&ConnectionId::new(connection), until);
        }
    }

    /// Stop everything and wait until the store has written what it received.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        self.tracker.wait().await;
        if let Some(net) = self.net.take() {
            // The connectors have left their sockets (politely, or after 0.5 s).
            net.join().await;
        }
        if let Some(n) = self.notifier.take() {
            // Deliver what is queued (a liquidation raised just before exit still shows).
            let _ = tokio::task::spawn_blocking(move || n.close(Duration::from_secs(3))).await;
        }
        if let Some(done) = self.writer_done.take() {
            let _ = done.await;
        }
        if let Some(store) = &self.store {
            store.close().await;
        }
    }

    /// Wait until the engine stops (its token was cancelled elsewhere).
    pub async fn stopped(&self) {
        self.shutdown.cancelled().await;
        self.tracker.wait().await;
    }
}

/// Feed a recording through the same pipeline as live data (decode → reduce → alerts →
/// store). Deterministic: frames keep their recorded receive times; alerts are computed but
/// no OS notification is sent. Returns the report and the final entity states.
pub async fn replay(
    path: &std::path::Path,
    db: Option<PathBuf>,
    thresholds: AlertThresholds,
) -> Result<(crate::replay::ReplayReport, Vec<EntityState>), EngineError> {
    let store = match &db {
        Some(p) => Some(
            Store::open(p, gatewatch_store::StoreOptions::default())
                .await
                .map_err(EngineError::Store)?,
        ),
        None => None,
    };
    let mut reducer = Reducer::new();
    if let Some(store) = &store {
        reducer.restore(store.load_entities().await.map_err(EngineError::Store)?);
    }
    let reducer = Arc::new(Mutex::new(reducer));
    let (updates, _) = broadcast::channel(16);
    let (writer_tx, writer_task) = match &store {
        Some(store) => {
            let (tx, rx) = mpsc::channel(writer::CHANNEL);
            let store = store.clone();
            (Some(tx), Some(tokio::spawn(writer::run(store, rx))))
        }
        None => (None, None),
    };
    let pipeline = Pipeline {
        reducer: reducer.clone(),
        alerts: Arc::new(Mutex::new(AlertEngine::new(thresholds))),
        updates,
        conns: Arc::new(RwLock::new(Vec::new())),
        notifier: None,
        writer: writer_tx,
        catchup: CatchUp {
            dimes: HashMap::new(),
        },
        ticks: Default::default(),
    };
    let (tx, rx) = mpsc::channel(NET_CHANNEL);
    let run = tokio::spawn(pipeline.run(rx, CancellationToken::new()));
    // Reading is synchronous and quick; events queue in order on the bounded channel.
    let path = path.to_owned();
    let report = tokio::task::spawn_blocking(move || {
        crate::replay::read_recording(&path, |r| {
            if let crate::replay::Replayed::Event(e) = r {
                let _ = tx.blocking_send(NetEvent::Event(e));
            }
        })
    })
    .await
    .map_err(|_| EngineError::Poisoned)??;
    let _ = run.await;
    if let Some(t) = writer_task {
        let _ = t.await;
    }
    if let Some(store) = &store {
        store.close().await;
    }
    let states = reducer
        .lock()
        .map(|r| r.entities().cloned().collect())
        .unwrap_or_default();
    Ok((report, states))
}

/// The event log's caps from the config's `[store]` section (defaults: 30 days, 2,000,000
/// events). Entities are never pruned.
fn retention_policy(config: &Config) -> gatewatch_store::Retention {
    let mut r = gatewatch_store::Retention::default();
    if let Some(days) = config.store.retention_days {
        r.max_age = Duration::from_secs(u64::from(days) * 24 * 3600);
    }
    if let Some(n) = config.store.max_events {
        r.max_events = n;
    }
    r
}

/// How often the event log is pruned while running (and once at start).
const PRUNE_EVERY: Duration = Duration::from_secs(600);

async fn retention(store: Store, policy: gatewatch_store::Retention, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => match store.prune(&policy).await {
                Ok(report) => tracing::debug!(?report, "event log pruned"),
                Err(e) => tracing::warn!(error = %e, "pruning the event log failed"),
            },
        }
    }
}

fn status_of(c: &Conn, now: chrono::DateTime<Utc>) -> ConnectionStatus {
    let net = c.handle.counters().snapshot();
    ConnectionStatus {
        connection: c.cfg.name.clone(),
        gateway: c.cfg.kind,
        environment: c.cfg.environment.clone(),
        url: gatewatch_core::redact::redact_url(&c.cfg.url),
        state: c.handle.state().borrow().clone(),
        counters: Counters {
            frames_in: net.frames_in,
            frames_out: net.frames_out,
            events: net.events,
            decode_errors: net.decode_errors,
            duplicates: c
                .counters
                .duplicates
                .load(std::sync::atomic::Ordering::Relaxed),
            stale: c.counters.stale.load(std::sync::atomic::Ordering::Relaxed),
            reconnects: net.reconnects,
            dropped_frames: net.dropped_frames,
            last_event_at: net.last_event_at,
            events_per_sec: c.counters.events_per_sec(now),
            heartbeat_rtt_ms: net.heartbeat_rtt_ms,
        },
        last_error: c.last_error.lock().ok().and_then(|e| e.clone()),
    }
}

/// The catch-up hook: after a reconnect, fetch what the gateway offers (Dimes
/// `GET /positions`) and reconcile.
struct CatchUp {
    dimes: HashMap<ConnectionId, crate::catchup::DimesRest>,
}

impl CatchUp {
    fn new(config: &Config, file: &str) -> Self {
        let mut dimes = HashMap::new();
        for c in &config.connections {
            if matches!(
                c.kind,
                GatewayKind::DimesPartner | GatewayKind::DimesCustomer
            ) {
                if let Ok(Some(secret)) =
                    crate::config_file::resolve_credential(file, &c.name, &c.credential)
                {
                    if let Some(rest) = crate::catchup::DimesRest::new(c, secret) {
                        dimes.insert(ConnectionId::new(&c.name), rest);
                    }
                }
            }
        }
        Self { dimes }
    }
}

struct Pipeline {
    reducer: Arc<Mutex<Reducer>>,
    alerts: Arc<Mutex<AlertEngine>>,
    updates: broadcast::Sender<Update>,
    conns: Arc<RwLock<Vec<Conn>>>,
    notifier: Option<Arc<dyn Notifier>>,
    writer: Option<mpsc::Sender<WriterMsg>>,
    catchup: CatchUp,
    ticks: std::sync::atomic::AtomicU64,
}

impl Pipeline {
    async fn run(self, mut rx: mpsc::Receiver<NetEvent>, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // Drain what the connectors already delivered before stopping, so nothing
                // that was received is lost on shutdown.
                biased;
                msg = rx.recv() => match msg {
                    Some(msg) => self.handle(msg).await,
                    None => break,
                },
                _ = tick.tick() => self.on_tick().await,
                _ = shutdown.cancelled() => {
                    rx.close();
                    while let Some(msg) = rx.recv().await {
                        self.handle(msg).await;
                    }
                    break;
                }
            }
        }
        self.on_tick().await;
        // Dropping `self.writer` lets the writer flush and finish.
    }

    fn counters(&self, connection: &ConnectionId) -> Option<(Arc<EngineCounters>, LastError)> {
        let conns = self.conns.read().ok()?;
        conns
            .iter()
            .find(|c| c.cfg.name == connection.as_str())
            .map(|c| (c.counters.clone(), c.last_error.clone()))
    }

    fn set_last_error(&self, connection: &ConnectionId, message: String) {
        if let Some((_, e)) = self.counters(connection) {
            if let Ok(mut e) = e.lock() {
                *e = Some(message);
            }
        }
    }

    async fn handle(&self, msg: NetEvent) {
        match msg {
            NetEvent::Event(event) => self.on_event(event).await,
            NetEvent::Events(events) => {
                // The burst's cold reads first, overlapped (see `Reducer::warm`).
                if let Ok(r) = self.reducer.lock() {
                    r.warm(&events);
                }
                for event in events {
                    self.on_event(event).await;
                }
            }
            NetEvent::State { connection, state } => {
                match &state {
                    ConnState::AuthFailed { message } => self
                        .set_last_error(&connection, format!("authentication failed: {message}")),
                    ConnState::GaveUp { reason } => {
                        self.set_last_error(&connection, format!("gave up: {reason}"))
                    }
                    _ => {}
                }
                let _ = self.updates.send(Update::State { connection, state });
                self.persist_connections().await;
            }
            NetEvent::DecodeError {
                connection,
                error,
                preview,
            } => {
                let error = error.to_string();
                self.set_last_error(&connection, format!("decode error: {error}"));
                let _ = self.updates.send(Update::DecodeError {
                    connection,
                    error,
                    preview,
                });
            }
            NetEvent::ServerError {
                connection,
                code,
                message,
            } => {
                self.set_last_error(
                    &connection,
                    format!("server error {}: {message}", code.as_deref().unwrap_or("")),
                );
                let gateway = self.gateway_of(&connection);
                let now = Utc::now();
                let raised = match (gateway, self.alerts.lock()) {
                    (Some(g), Ok(mut a)) => {
                        a.on_server_error(&connection, g, code.as_deref(), &message, now)
                    }
                    _ => Vec::new(),
                };
                self.dispatch_alerts(raised).await;
                let _ = self.updates.send(Update::ServerError {
                    connection,
                    code,
                    message,
                });
            }
            NetEvent::Reconnected { connection } => {
                if let Some(rest) = self.catchup.dimes.get(&connection) {
                    let rest = rest.clone();
                    if let Some(w) = &self.writer {
                        let gateway = self
                            .gateway_of(&connection)
                            .unwrap_or(GatewayKind::DimesPartner);
                        let _ = w
                            .send(WriterMsg::CatchUp(connection.clone(), gateway, rest))
                            .await;
                    }
                }
            }
        }
    }

    fn gateway_of(&self, connection: &ConnectionId) -> Option<GatewayKind> {
        let conns = self.conns.read().ok()?;
        conns
            .iter()
            .find(|c| c.cfg.name == connection.as_str())
            .map(|c| c.cfg.kind)
    }

    async fn on_event(&self, event: Event) {
        let now = Utc::now();
        let (applied, state) = match self.reducer.lock() {
            Ok(mut r) => {
                let applied = r.apply(&event);
                let state = match applied {
                    Applied::Created | Applied::Updated => event
                        .entity
                        .as_ref()
                        .and_then(|e| {
                            r.get(&gatewatch_core::reduce::EntityKey {
                                venue: event.gateway.venue().to_owned(),
                                entity: e.clone(),
                            })
                        })
                        .cloned(),
                    _ => None,
                };
                (applied, state)
            }
            Err(_) => (Applied::NoEntity, None),
        };
        if let Some((c, _)) = self.counters(&event.connection) {
            match applied {
                Applied::Duplicate => {
                    c.duplicates
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Applied::Stale => {
                    c.stale.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    c.tick_event(now);
                }
                _ => c.tick_event(now),
            }
        }
        let raised = match self.alerts.lock() {
            Ok(mut a) => a.on_event(&event, applied, now),
            Err(_) => Vec::new(),
        };
        let toast = if applied == Applied::Duplicate {
            None
        } else {
            toast_for(&event)
        };

        let event = Arc::new(event);
        let state = state.map(Arc::new);
        if let Some(w) = &self.writer {
            // Awaiting here is the backpressure that keeps "received" == "stored".
            let _ = w
                .send(WriterMsg::Event(event.clone(), applied, state.clone()))
                .await;
        }
        let _ = self.updates.send(Update::Event {
            event,
            applied,
            state,
        });
        if let Some(t) = toast {
            let _ = self.updates.send(Update::Toast(Arc::new(t)));
        }
        self.dispatch_alerts(raised).await;
    }

    /// Write every connection's state and counters to the store.
    async fn persist_connections(&self) {
        let Some(w) = &self.writer else { return };
        let now = Utc::now();
        let rows: Vec<ConnectionRow> = match self.conns.read() {
            Ok(conns) => conns
                .iter()
                .map(|c| {
                    let s = status_of(c, now);
                    ConnectionRow {
                        connection: s.connection,
                        gateway: s.gateway,
                        environment: Some(s.environment),
                        state: serde_json::to_value(&s.state).unwrap_or(serde_json::Value::Null),
                        frames_in: s.counters.frames_in,
                        frames_out: s.counters.frames_out,
                        events: s.counters.events,
                        decode_errors: s.counters.decode_errors,
                        duplicates: s.counters.duplicates,
                        reconnects: s.counters.reconnects,
                        last_event_at: s.counters.last_event_at,
                        updated_at: now,
                    }
                })
                .collect(),
            Err(_) => return,
        };
        let _ = w.send(WriterMsg::Connections(rows)).await;
    }

    async fn on_tick(&self) {
        let n = self
            .ticks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n.is_multiple_of(5) {
            self.persist_connections().await;
        }
        let raised = match self.alerts.lock() {
            Ok(mut a) => a.tick(Utc::now()),
            Err(_) => Vec::new(),
        };
        self.dispatch_alerts(raised).await;
    }

    async fn dispatch_alerts(&self, alerts: Vec<Alert>) {
        for alert in alerts {
            let mut notified = false;
            if alert.os_notify {
                if let Some(n) = &self.notifier {
                    notified = n.notify(&alert).is_ok();
                }
            }
            if let Some(w) = &self.writer {
                let _ = w.send(WriterMsg::Alert(alert.clone(), notified)).await;
            }
            let _ = self.updates.send(Update::Alert(Arc::new(alert)));
        }
    }
}
