//! The bridge between the running [`Engine`] and the UI: it owns the engine (and restarts it
//! when the config changes), the inspector's frame ring, the live subscribers and what the
//! commands need besides the engine (thresholds, mutes, toast history, the config file).
//!
//! Tasks, all stopped through cancellation tokens:
//! - one *pump* per engine: every frame from the engine's tap → decoded into a [`FrameRow`] →
//!   the ring; every toast → the history;
//! - one *live* task per subscribed webview: folds engine updates into a [`Pending`] batch and,
//!   every [`FLUSH_EVERY`], sends it with the frames that are new in the ring — only when there
//!   is something to send; statuses every [`STATUS_EVERY`].

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use gatewatch_core::alerts::Toast;
use gatewatch_core::config::{AlertThresholds, Config};
use gatewatch_core::views::IntentView;
use gatewatch_core::EntityKind;
use gatewatch_engine::config_file::{self, ConfigSource};
use gatewatch_engine::{Engine, EngineOptions, Update};
use gatewatch_net::FrameTap;
use tokio::sync::{broadcast, watch, RwLock, RwLockReadGuard};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::batch::{self, Pending};
use crate::error::AppError;
use crate::frames::frame_row;
use crate::ipc::{
    ConnectionSettings, EventFilter, EventRow, IntentDetail, Snapshot, TestResult, UiBatch,
};
use crate::ring::{FrameRing, FRAME_RING_CAPACITY};
use crate::settings;

/// At most ~30 batches a second per subscriber.
pub const FLUSH_EVERY: Duration = Duration::from_millis(33);
/// Connection statuses (counters, events/s) twice a second.
pub const STATUS_EVERY: Duration = Duration::from_millis(500);
/// Frames in one batch at most: a burst beyond this is skipped (and counted), the newest kept.
pub const MAX_FRAMES_PER_BATCH: usize = 5_000;
/// Toasts kept for `notification_history`.
const HISTORY: usize = 500;
/// Events of one intent in its timeline.
const TIMELINE: u32 = 500;
/// Rows per query while exporting.
const EXPORT_PAGE: u32 = 10_000;
/// How long `test_connection` waits for the gateway.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Receives batches: the UI's `Channel`, or a test's collector.
pub trait BatchSink: Send + 'static {
    /// Deliver one batch; an error means the receiver is gone and the task ends.
    fn send_batch(&self, batch: UiBatch) -> Result<(), String>;
}

impl BatchSink for tauri::ipc::Channel<UiBatch> {
    fn send_batch(&self, batch: UiBatch) -> Result<(), String> {
        self.send(batch).map_err(|e| e.to_string())
    }
}

/// How the bridge finds its config and database.
#[derive(Debug, Clone, Default)]
pub struct BridgeOptions {
    /// The config file read at start and rewritten by Settings. `None`: `$GATEWATCH_CONFIG`,
    /// else `~/.config/gatewatch/config.toml` — where the `gatewatch` CLI looks. No file there
    /// means demo mode.
    pub config_path: Option<PathBuf>,
    /// The SQLite file. `None`: the config's `[store] path`, else
    /// `gatewatch_store::Store::default_path()`; in demo mode a fresh `demo.db` beside it.
    pub db: Option<PathBuf>,
    /// Send OS notifications for critical alerts.
    pub os_notifications: bool,
}

/// The engine's lifecycle, as commands and live tasks see it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Not started yet, or restarting.
    Starting,
    /// Running; the number increases with each (re)start.
    Running(u64),
    /// The last start failed.
    Failed(String),
    /// The app is shutting down.
    Stopped,
}

struct Running {
    engine: Engine,
}

struct Inner {
    opts: BridgeOptions,
    config_path: Option<PathBuf>,
    engine: RwLock<Option<Running>>,
    phase: watch::Sender<Phase>,
    generation: AtomicU64,
    ring: Mutex<FrameRing>,
    paused: AtomicBool,
    /// Where the newest live subscriber started reading the ring (`u64::MAX`: none yet).
    live_start: AtomicU64,
    history: Mutex<VecDeque<Toast>>,
    thresholds: Mutex<AlertThresholds>,
    mutes: Mutex<HashMap<String, Option<DateTime<Utc>>>>,
    subscribers: Mutex<HashMap<String, CancellationToken>>,
    /// Saves and removals one at a time (each rewrites the file and restarts the engine).
    config_lock: tokio::sync::Mutex<()>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

/// The app's state (managed by Tauri). Cheap to clone.
#[derive(Clone)]
pub struct Bridge {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind; keep going.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Bridge {
    /// A bridge with no engine yet (call [`Bridge::start`]).
    pub fn new(opts: BridgeOptions) -> Self {
        let config_path = opts.config_path.clone().or_else(|| {
            std::env::var_os("GATEWATCH_CONFIG")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .or_else(config_file::default_config_path)
        });
        let (phase, _) = watch::channel(Phase::Starting);
        Self {
            inner: Arc::new(Inner {
                opts,
                config_path,
                engine: RwLock::new(None),
                phase,
                generation: AtomicU64::new(0),
                ring: Mutex::new(FrameRing::new(FRAME_RING_CAPACITY)),
                paused: AtomicBool::new(false),
                live_start: AtomicU64::new(u64::MAX),
                history: Mutex::new(VecDeque::new()),
                thresholds: Mutex::new(AlertThresholds::default()),
                mutes: Mutex::new(HashMap::new()),
                subscribers: Mutex::new(HashMap::new()),
                config_lock: tokio::sync::Mutex::new(()),
                shutdown: CancellationToken::new(),
                tasks: TaskTracker::new(),
            }),
        }
    }

    /// The config file Settings writes (and the app reads at start), if the platform has one.
    pub fn config_path(&self) -> Option<&Path> {
        self.inner.config_path.as_deref()
    }

    /// Start the engine: on the config file when there is one, else on the embedded
    /// simulator. A failure is kept and returned by every command that needs the engine.
    pub async fn start(&self) -> Result<(), AppError> {
        let _guard = self.inner.config_lock.lock().await;
        self.start_locked().await
    }

    async fn start_locked(&self) -> Result<(), AppError> {
        let result = self.start_engine().await;
        if let Err(e) = &result {
            tracing::error!(error = %e, "the engine did not start");
            self.inner.phase.send_replace(Phase::Failed(e.to_string()));
        }
        result
    }

    fn load_config(&self) -> Result<(Option<Config>, String), AppError> {
        let Some(path) = self.inner.config_path.as_ref().filter(|p| p.is_file()) else {
            return Ok((None, String::new()));
        };
        let config = config_file::load(&ConfigSource::Explicit(path.clone()))
            .map_err(|e| AppError::Config(e.to_string()))?;
        Ok((config, path.display().to_string()))
    }

    fn db_path(&self, config: Option<&Config>) -> PathBuf {
        if let Some(db) = &self.inner.opts.db {
            return db.clone();
        }
        match config {
            Some(c) => c
                .store
                .path
                .as_deref()
                .map(expand_home)
                .unwrap_or_else(gatewatch_store::Store::default_path),
            None => {
                // The simulator replays the same seeded scenario (same ids) on every start: a
                // database kept from an earlier demo would restore those positions as already
                // liquidated or closed. Demo data also has no business in the user's real cache.
                let path = gatewatch_store::Store::default_path().with_file_name("demo.db");
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
                path
            }
        }
    }

    async fn start_engine(&self) -> Result<(), AppError> {
        let (config, config_file) = self.load_config()?;
        if let Some(c) = &config {
            for w in &c.warnings {
                tracing::warn!("{w}");
            }
        }
        let db = self.db_path(config.as_ref());
        let token = self.inner.shutdown.child_token();
        // Subscribe before the connectors start, so the inspector has the very first frames.
        let tap = FrameTap::new(8_192);
        let frames = tap.subscribe();
        let notifier: Option<Arc<dyn gatewatch_engine::notify::Notifier>> =
            if self.inner.opts.os_notifications {
                Some(Arc::new(gatewatch_engine::notify::DesktopNotifier::new()))
            } else {
                None
            };
        let engine = Engine::start(
            EngineOptions {
                config,
                config_file,
                db: Some(db),
                notifier,
                frames: Some(tap.clone()),
                ..Default::default()
            },
            token.clone(),
        )
        .await?;
        *lock(&self.inner.thresholds) = engine.config().alerts;
        for (connection, until) in lock(&self.inner.mutes).iter() {
            engine.set_muted(connection, *until);
        }
        let gateways = batch::gateways_of(&engine.status());
        let updates = engine.subscribe();
        self.inner.tasks.spawn(pump(
            self.inner.clone(),
            tap,
            frames,
            updates,
            gateways,
            token,
        ));
        *self.inner.engine.write().await = Some(Running { engine });
        let generation = self.inner.generation.fetch_add(1, Ordering::Relaxed) + 1;
        self.inner.phase.send_replace(Phase::Running(generation));
        Ok(())
    }

    /// Stop the running engine cleanly (its token, then wait for the store) and start it
    /// again on the current config file. Live subscribers carry on with the new one.
    async fn restart_locked(&self) -> Result<(), AppError> {
        self.inner.phase.send_replace(Phase::Starting);
        let old = self.inner.engine.write().await.take();
        if let Some(old) = old {
            old.engine.shutdown().await;
        }
        self.start_locked().await
    }

    /// Stop everything: live tasks, the engine (flushing the store), the pump.
    pub async fn shutdown(&self) {
        self.inner.phase.send_replace(Phase::Stopped);
        self.inner.shutdown.cancel();
        let old = self.inner.engine.write().await.take();
        if let Some(old) = old {
            old.engine.shutdown().await;
        }
        self.inner.tasks.close();
        self.inner.tasks.wait().await;
    }

    /// The running engine, waiting while it starts.
    async fn running(&self) -> Result<RwLockReadGuard<'_, Running>, AppError> {
        let mut phase = self.inner.phase.subscribe();
        let settled = phase
            .wait_for(|p| !matches!(p, Phase::Starting))
            .await
            .map(|p| p.clone())
            .unwrap_or(Phase::Stopped);
        let why = match settled {
            Phase::Failed(e) => format!("the engine did not start: {e}"),
            Phase::Stopped => "the app is shutting down".to_owned(),
            Phase::Starting | Phase::Running(_) => "the engine is restarting".to_owned(),
        };
        let guard = self.inner.engine.read().await;
        RwLockReadGuard::try_map(guard, Option::as_ref).map_err(|_| AppError::NotRunning(why))
    }

    /// Put one frame in the ring, as the pump does (tests feed the ring without an engine).
    #[cfg(test)]
    pub(crate) fn record_frame(&self, row: crate::ipc::FrameRow) {
        lock(&self.inner.ring).push(row);
    }

    /// Everything the UI shows at start-up.
    pub async fn snapshot(&self) -> Result<Snapshot, AppError> {
        let (mut pending, demo, store) = {
            let running = self.running().await?;
            let engine = &running.engine;
            let mut pending = Pending::default();
            pending.reset(engine.demo().is_some());
            for state in engine.entities() {
                pending.add_state(&state);
            }
            pending.set_connections(engine.status());
            (pending, engine.demo().is_some(), engine.store().cloned())
        };
        let frames = {
            let ring = lock(&self.inner.ring);
            // The UI subscribes before it asks for the snapshot: frames from where the live
            // stream started come in batches, so the snapshot stops there (no duplicates).
            match self.inner.live_start.load(Ordering::Relaxed) {
                u64::MAX => ring.before(ring.next_seq()),
                start => ring.before(start),
            }
        };
        let mut batch = pending.take(frames, 0).unwrap_or_default();
        if let Some(store) = store {
            // Alerts raised before this start (or before the UI opened) are history too.
            batch.alerts = store.alerts(200).await?;
        }
        Ok(Snapshot {
            batch,
            demo,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    /// Start streaming batches to `sink` for the webview `label`; a second subscription from
    /// the same webview (a reload) replaces the first.
    pub fn subscribe_live(&self, label: &str, sink: impl BatchSink) {
        let token = self.inner.shutdown.child_token();
        if let Some(old) = lock(&self.inner.subscribers).insert(label.to_owned(), token.clone()) {
            old.cancel();
        }
        let (cursor, lost) = {
            let ring = lock(&self.inner.ring);
            (ring.next_seq(), ring.lost())
        };
        self.inner.live_start.store(cursor, Ordering::Relaxed);
        self.inner
            .tasks
            .spawn(live(self.inner.clone(), sink, token, cursor, lost));
    }

    /// Pause or resume the inspector: while paused, frames are counted, not sent.
    pub fn set_inspector_paused(&self, paused: bool) {
        self.inner.paused.store(paused, Ordering::Relaxed);
    }

    /// One intent: its live (or stored) view and its timeline from the event log.
    pub async fn lookup_intent(&self, id: &str) -> Result<IntentDetail, AppError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(AppError::InvalidInput("type or paste an intent id".into()));
        }
        let (live, store) = {
            let running = self.running().await?;
            let live = running
                .engine
                .entities()
                .iter()
                .filter(|s| s.key.entity.kind == EntityKind::Intent && s.key.entity.id == id)
                .max_by_key(|s| s.updated_at)
                .and_then(IntentView::from_state);
            (live, running.engine.store().cloned())
        };
        let (stored, timeline) = match store {
            Some(store) => (
                store.intent(id).await?,
                store
                    .entity_events(EntityKind::Intent, id, TIMELINE)
                    .await?,
            ),
            None => (None, Vec::new()),
        };
        let intent = live.or(stored);
        if intent.is_none() && timeline.is_empty() {
            return Err(AppError::NotFound(format!(
                "no intent \"{id}\" in the live state or the event log"
            )));
        }
        Ok(IntentDetail {
            intent,
            timeline: timeline.into_iter().map(EventRow::from).collect(),
        })
    }

    /// Fusion `subscribe:intent` on one connection.
    pub async fn subscribe_intent(&self, connection: &str, id: &str) -> Result<(), AppError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(AppError::InvalidInput("type or paste an intent id".into()));
        }
        let running = self.running().await?;
        running
            .engine
            .command(
                connection,
                gatewatch_net::Command::SubscribeIntent(id.to_owned()),
            )
            .await?;
        Ok(())
    }

    async fn store(&self) -> Result<gatewatch_store::Store, AppError> {
        self.running()
            .await?
            .engine
            .store()
            .cloned()
            .ok_or(AppError::NoStore)
    }

    /// Events matching the filter, newest first.
    pub async fn search_events(&self, filter: &EventFilter) -> Result<Vec<EventRow>, AppError> {
        if !filter.matches_received() {
            return Ok(Vec::new());
        }
        let store = self.store().await?;
        let rows = store.events(&filter.to_store()).await?;
        Ok(rows.into_iter().map(EventRow::from).collect())
    }

    /// Every event matching the filter (not just a page), oldest first, as JSON lines.
    pub async fn export_events(&self, filter: &EventFilter, path: &str) -> Result<u64, AppError> {
        use tokio::io::AsyncWriteExt;
        let path = expand_home(path.trim());
        if !path.is_absolute() {
            return Err(AppError::InvalidInput(format!(
                "export needs an absolute path (or ~/…), not \"{}\"",
                path.display()
            )));
        }
        let store = self.store().await?;
        let shown = path.display().to_string();
        let io = |source| AppError::Io {
            path: shown.clone(),
            source,
        };
        let file = tokio::fs::File::create(&path).await.map_err(io)?;
        let mut out = tokio::io::BufWriter::new(file);
        let count = if filter.matches_received() {
            write_events_oldest_first(&store, &filter.to_store(), EXPORT_PAGE, &mut out)
                .await
                .map_err(|e| match e {
                    ExportError::Store(e) => e.into(),
                    ExportError::Io(e) => io(e),
                })?
        } else {
            0
        };
        out.flush().await.map_err(io)?;
        Ok(count)
    }

    fn read_config_text(&self) -> Result<(PathBuf, String), AppError> {
        let path = self.inner.config_path.clone().ok_or_else(|| {
            AppError::Config("this platform has no config directory: set GATEWATCH_CONFIG".into())
        })?;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(AppError::Io {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        Ok((path, text))
    }

    /// The configured connections (none in demo mode: the simulator's aren't saved anywhere).
    pub fn list_connections(&self) -> Result<Vec<ConnectionSettings>, AppError> {
        let (path, text) = self.read_config_text()?;
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let config = Config::parse(&text, &path.display().to_string())
            .map_err(|e| AppError::Config(e.to_string()))?;
        Ok(config
            .connections
            .iter()
            .map(settings::settings_of)
            .collect())
    }

    /// Save one connection (a typed secret goes to the OS keychain), rewrite the config file
    /// and restart the engine on it.
    pub async fn save_connection(
        &self,
        settings: &ConnectionSettings,
        secret: Option<&str>,
    ) -> Result<(), AppError> {
        let _guard = self.inner.config_lock.lock().await;
        let (path, text) = self.read_config_text()?;
        let file = path.display().to_string();
        let existing = if text.trim().is_empty() {
            None
        } else {
            Config::parse(&text, &file).ok()
        };
        let current = existing.as_ref().and_then(|c| {
            c.connections
                .iter()
                .find(|c| c.name == settings.name.trim())
        });
        let (edit, keychain) = settings::credential_edit(settings, secret, current)?;
        let new_text = settings::upsert_connection(&text, &file, settings, &edit)?;
        let config = validate(&new_text, &file)?;
        if let Some(k) = keychain {
            config_file::store_credential(&k.entry, &k.secret)
                .map_err(|e| AppError::Keychain(format!("entry \"{}\": {e}", k.entry)))?;
        }
        resolve_all(&config, &file)?;
        write_atomically(&path, &new_text)?;
        tracing::info!(connection = %settings.name, file = %file, "connection saved; restarting the engine");
        self.restart_locked().await
    }

    /// Remove one connection from the config file and restart the engine.
    pub async fn remove_connection(&self, name: &str) -> Result<(), AppError> {
        let _guard = self.inner.config_lock.lock().await;
        let (path, text) = self.read_config_text()?;
        let file = path.display().to_string();
        if text.trim().is_empty() {
            return Err(AppError::NotFound(format!(
                "no connection named \"{name}\": there is no config file yet"
            )));
        }
        let new_text = settings::remove_connection(&text, &file, name)?;
        let config = validate(&new_text, &file)?;
        resolve_all(&config, &file)?;
        write_atomically(&path, &new_text)?;
        self.restart_locked().await
    }

    /// Try a connection's settings without saving them.
    pub async fn test_connection(
        &self,
        settings: &ConnectionSettings,
        secret: Option<&str>,
    ) -> Result<TestResult, AppError> {
        let (path, text) = self.read_config_text()?;
        let file = path.display().to_string();
        let existing = Config::parse(&text, &file).ok();
        let current = existing.as_ref().and_then(|c| {
            c.connections
                .iter()
                .find(|c| c.name == settings.name.trim())
        });
        crate::probe::test_connection(settings, secret, current, TEST_TIMEOUT).await
    }

    /// The alert thresholds in force.
    pub fn alert_thresholds(&self) -> AlertThresholds {
        *lock(&self.inner.thresholds)
    }

    /// Change the thresholds of every connection, live; kept in the config file when there is one.
    pub async fn set_alert_thresholds(&self, t: AlertThresholds) -> Result<(), AppError> {
        settings::validate_thresholds(&t)?;
        {
            // Not under `config_lock`: waiting for a starting engine while holding the lock
            // its start needs would never end.
            let running = self.running().await?;
            running.engine.set_thresholds(None, t);
        }
        *lock(&self.inner.thresholds) = t;
        let _guard = self.inner.config_lock.lock().await;
        let (path, text) = self.read_config_text()?;
        if !text.trim().is_empty() {
            let file = path.display().to_string();
            let new_text = settings::set_alerts(&text, &file, &t)?;
            validate(&new_text, &file)?;
            write_atomically(&path, &new_text)?;
        }
        Ok(())
    }

    /// Mute one connection's alerts until a time (or unmute); survives engine restarts.
    pub async fn set_muted(
        &self,
        connection: &str,
        until: Option<DateTime<Utc>>,
    ) -> Result<(), AppError> {
        let running = self.running().await?;
        if !running
            .engine
            .config()
            .connections
            .iter()
            .any(|c| c.name == connection)
        {
            return Err(
                gatewatch_engine::EngineError::NoSuchConnection(connection.to_owned()).into(),
            );
        }
        running.engine.set_muted(connection, until);
        lock(&self.inner.mutes).insert(connection.to_owned(), until);
        Ok(())
    }

    /// The toasts of this session (across engine restarts), newest first. Stored alerts come
    /// with the snapshot; toasts are not stored.
    pub async fn notification_history(&self) -> Result<Vec<Toast>, AppError> {
        Ok(lock(&self.inner.history).iter().cloned().collect())
    }
}

enum ExportError {
    Store(gatewatch_store::StoreError),
    Io(std::io::Error),
}

/// Write every event matching `filter` to `out` as JSON lines, oldest first; the count.
///
/// The store pages newest first (keyset on the row id), and an export can be millions of
/// rows: a first pass walks the pages keeping only where each one starts (one id per
/// `page_size` rows), and a second pass reads them again from the oldest, each reversed.
/// Rows that arrive during the export are not in it (the first pass fixes the newest id);
/// rows that retention deletes meanwhile are just missing.
async fn write_events_oldest_first(
    store: &gatewatch_store::Store,
    filter: &gatewatch_store::EventFilter,
    page_size: u32,
    out: &mut (impl tokio::io::AsyncWrite + Unpin),
) -> Result<u64, ExportError> {
    use tokio::io::AsyncWriteExt;
    let mut page = filter.clone();
    page.limit = Some(page_size);
    // Pass 1: `bounds[i]` is the exclusive upper id of page i (newest first); page i holds
    // the rows in [bounds[i + 1], bounds[i]).
    let mut bounds: Vec<i64> = Vec::new();
    loop {
        let rows = store.events(&page).await.map_err(ExportError::Store)?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            break;
        };
        if bounds.is_empty() {
            bounds.push(first.id.saturating_add(1));
        }
        if rows.len() < page_size as usize {
            break;
        }
        bounds.push(last.id);
        page.before_id = Some(last.id);
    }
    // Pass 2: the oldest page first, each page oldest row first.
    let mut count = 0u64;
    for i in (0..bounds.len()).rev() {
        let lower = bounds.get(i + 1).copied().unwrap_or(i64::MIN);
        page.before_id = Some(bounds[i]);
        let rows = store.events(&page).await.map_err(ExportError::Store)?;
        for row in rows.into_iter().rev().filter(|r| r.id >= lower) {
            let mut line = serde_json::to_vec(&EventRow::from(row))
                .map_err(|e| ExportError::Io(std::io::Error::other(e)))?;
            line.push(b'\n');
            out.write_all(&line).await.map_err(ExportError::Io)?;
            count += 1;
        }
    }
    Ok(count)
}

fn validate(text: &str, file: &str) -> Result<Config, AppError> {
    Config::parse(text, file).map_err(|e| AppError::Config(e.to_string()))
}

/// Resolve every enabled connection's credential, as the engine will: a missing environment
/// variable or keychain entry is reported before the file is written.
fn resolve_all(config: &Config, file: &str) -> Result<(), AppError> {
    for c in config.connections.iter().filter(|c| c.enabled) {
        gatewatch_engine::spec::connector_spec(file, c)
            .map_err(|e| AppError::Config(e.to_string()))?;
    }
    Ok(())
}

/// Write through a temporary file and a rename, so a crash never leaves half a config.
fn write_atomically(path: &Path, text: &str) -> Result<(), AppError> {
    let io = |source| AppError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".saving");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// One per engine: frames into the ring, toasts into the history.
async fn pump(
    inner: Arc<Inner>,
    tap: FrameTap,
    mut frames: gatewatch_net::FrameSubscriber,
    mut updates: broadcast::Receiver<Update>,
    gateways: batch::Gateways,
    token: CancellationToken,
) {
    let mut seen_lost = tap.lost();
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            frame = frames.recv() => match frame {
                Some(frame) => {
                    let row = frame_row(&frame);
                    let mut ring = lock(&inner.ring);
                    ring.push(row);
                    let lost = tap.lost();
                    if lost > seen_lost {
                        ring.add_lost(lost - seen_lost);
                        seen_lost = lost;
                    }
                }
                None => break,
            },
            update = updates.recv() => match update {
                Ok(update) => {
                    if let Some(toast) = batch::toast_of(&update, &gateways) {
                        let mut history = lock(&inner.history);
                        if history.len() >= HISTORY {
                            history.pop_back();
                        }
                        history.push_front(toast);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
}

async fn recv(
    rx: &mut Option<broadcast::Receiver<Update>>,
) -> Result<Update, broadcast::error::RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Everything the engine holds, for a subscriber that (re)attaches or fell behind: a reset
/// batch, so entities and connections the engine no longer has disappear from the UI.
fn full_state(pending: &mut Pending, engine: &Engine) {
    pending.reset(engine.demo().is_some());
    for state in engine.entities() {
        pending.add_state(&state);
    }
    pending.set_connections(engine.status());
}

/// One subscriber: fold updates, flush at most every [`FLUSH_EVERY`] when there is news.
async fn live(
    inner: Arc<Inner>,
    sink: impl BatchSink,
    token: CancellationToken,
    mut cursor: u64,
    mut seen_lost: u64,
) {
    let mut phase = inner.phase.subscribe();
    let mut attached = 0u64;
    let mut updates: Option<broadcast::Receiver<Update>> = None;
    let mut pending = Pending::default();
    let mut flush = tokio::time::interval(FLUSH_EVERY);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut status = tokio::time::interval(STATUS_EVERY);
    status.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let current = match &*phase.borrow_and_update() {
            Phase::Running(g) => Some(*g),
            Phase::Stopped => break,
            _ => None,
        };
        match current {
            Some(g) if g != attached => {
                if let Some(running) = inner.engine.read().await.as_ref() {
                    // A new engine (first start or restart): its own update stream, and all
                    // of its state once, since what changed during the switch is unknown.
                    updates = Some(running.engine.subscribe());
                    full_state(&mut pending, &running.engine);
                    attached = g;
                }
            }
            Some(_) => {}
            None => updates = None,
        }
        tokio::select! {
            biased;
            _ = token.cancelled() => break,
            changed = phase.changed() => if changed.is_err() { break },
            update = recv(&mut updates) => match update {
                Ok(update) => pending.apply(&update),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "live updates fell behind; resending the whole state");
                    if let Some(running) = inner.engine.read().await.as_ref() {
                        full_state(&mut pending, &running.engine);
                    }
                }
                Err(broadcast::error::RecvError::Closed) => updates = None,
            },
            _ = status.tick() => {
                if let Some(running) = inner.engine.read().await.as_ref() {
                    pending.set_connections(running.engine.status());
                }
            }
            _ = flush.tick() => {
                let (frames, mut dropped) = {
                    let ring = lock(&inner.ring);
                    let lost = ring.lost();
                    let newly_lost = lost.saturating_sub(seen_lost);
                    seen_lost = lost;
                    if inner.paused.load(Ordering::Relaxed) {
                        let (skipped, next) = ring.skip_from(cursor);
                        cursor = next;
                        (Vec::new(), skipped + newly_lost)
                    } else {
                        let read = ring.read_from(cursor, MAX_FRAMES_PER_BATCH);
                        cursor = read.cursor;
                        (read.frames, read.skipped + newly_lost)
                    }
                };
                if let Some(batch) = pending.take(frames, std::mem::take(&mut dropped)) {
                    if let Err(e) = sink.send_batch(batch) {
                        tracing::debug!(error = %e, "live subscriber gone");
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::FrameRow;
    use gatewatch_core::{Direction, GatewayKind};
    use tokio::sync::mpsc;

    struct Collect(mpsc::UnboundedSender<UiBatch>);
    impl BatchSink for Collect {
        fn send_batch(&self, batch: UiBatch) -> Result<(), String> {
            self.0.send(batch).map_err(|e| e.to_string())
        }
    }

    fn row(n: u64) -> FrameRow {
        FrameRow {
            seq: 0,
            connection: "zkde".into(),
            gateway: GatewayKind::Zkde,
            direction: Direction::In,
            at: Utc::now(),
            event_type: Some("alert".into()),
            entity_kind: None,
            entity_id: None,
            decode_error: None,
            text: n.to_string(),
        }
    }

    /// A bridge whose engine never starts: frames go straight into the ring.
    fn idle_bridge() -> Bridge {
        Bridge::new(BridgeOptions {
            config_path: Some(PathBuf::from("/nonexistent/gatewatch-test.toml")),
            ..Default::default()
        })
    }

    #[tokio::test(start_paused = true)]
    async fn frames_arrive_in_at_most_thirty_batches_a_second_and_nothing_is_sent_when_idle() {
        let bridge = idle_bridge();
        let (tx, mut rx) = mpsc::unbounded_channel();
        bridge.subscribe_live("main", Collect(tx));
        // 5,000 frames over one second of (paused) time, 5 every millisecond.
        for n in 0..5_000u64 {
            bridge.record_frame(row(n));
            if n % 5 == 4 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        tokio::time::sleep(FLUSH_EVERY * 2).await;
        let mut batches = Vec::new();
        while let Ok(b) = rx.try_recv() {
            batches.push(b);
        }
        assert!(
            (25..=33).contains(&batches.len()),
            "{} batches for one second of frames",
            batches.len()
        );
        let texts: Vec<u64> = batches
            .iter()
            .flat_map(|b| b.frames.iter())
            .filter_map(|f| f.text.parse().ok())
            .collect();
        assert_eq!(
            texts,
            (0..5_000).collect::<Vec<_>>(),
            "every frame once, in order"
        );
        assert!(batches.iter().all(|b| b.frames_dropped == 0));

        // Quiet: ten seconds without news send nothing at all.
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(
            rx.try_recv().is_err(),
            "an idle stream sends no empty batches"
        );
        bridge.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_paused_inspector_counts_frames_instead_of_sending_them() {
        let bridge = idle_bridge();
        let (tx, mut rx) = mpsc::unbounded_channel();
        bridge.subscribe_live("main", Collect(tx));
        bridge.set_inspector_paused(true);
        for n in 0..40 {
            bridge.record_frame(row(n));
        }
        tokio::time::sleep(FLUSH_EVERY * 2).await;
        let b = rx.recv().await.expect("a batch reporting the drop");
        assert!(b.frames.is_empty());
        assert_eq!(b.frames_dropped, 40);
        bridge.set_inspector_paused(false);
        bridge.record_frame(row(40));
        let b = rx.recv().await.expect("frames again");
        assert_eq!(b.frames.len(), 1);
        assert_eq!(b.frames[0].text, "40");
        assert_eq!(b.frames_dropped, 0);
        bridge.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_reload_replaces_the_previous_subscriber() {
        let bridge = idle_bridge();
        let (tx1, mut rx1) = mpsc::unbounded_channel();
        bridge.subscribe_live("main", Collect(tx1));
        let (tx2, mut rx2) = mpsc::unbounded_channel();
        bridge.subscribe_live("main", Collect(tx2));
        bridge.record_frame(row(1));
        assert_eq!(rx2.recv().await.map(|b| b.frames.len()), Some(1));
        // The first task ended, which dropped its sender.
        assert!(rx1.recv().await.is_none());
        bridge.shutdown().await;
    }

    #[tokio::test]
    async fn an_export_is_written_oldest_first_across_pages() {
        let store = gatewatch_store::Store::open_in_memory()
            .await
            .expect("a store");
        let mut synth = gatewatch_store::synth::Synth::new(7, "export", Utc::now());
        store
            .write_batch(&synth.batch(23, 0))
            .await
            .expect("written");
        let all = gatewatch_store::EventFilter::default();
        // 23 rows in pages of 5 (and a page size that divides them: 23 = 1 page of 23).
        for page in [5, 23, 100] {
            let mut out = Vec::new();
            let n = write_events_oldest_first(&store, &all, page, &mut out)
                .await
                .unwrap_or_else(|_| panic!("exported with pages of {page}"));
            let ids: Vec<i64> = String::from_utf8(out)
                .expect("UTF-8")
                .lines()
                .map(|l| {
                    serde_json::from_str::<serde_json::Value>(l).expect("JSON")["id"]
                        .as_i64()
                        .expect("an id")
                })
                .collect();
            assert_eq!(n, 23);
            assert_eq!(ids.len(), 23, "every row once (pages of {page})");
            assert!(
                ids.windows(2).all(|w| w[0] < w[1]),
                "chronological (pages of {page}): {ids:?}"
            );
        }
        // A filter that matches nothing writes nothing.
        let none = gatewatch_store::EventFilter {
            connection: Some("nobody".into()),
            ..Default::default()
        };
        let mut out = Vec::new();
        let n = write_events_oldest_first(&store, &none, 5, &mut out)
            .await
            .unwrap_or_else(|_| panic!("an empty export"));
        assert_eq!((n, out.len()), (0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn commands_report_why_the_engine_is_not_there() {
        let bridge = idle_bridge();
        bridge
            .inner
            .phase
            .send_replace(Phase::Failed("boom".into()));
        let e = bridge.snapshot().await.expect_err("no engine");
        assert_eq!(e.kind(), "not_running");
        assert!(e.to_string().contains("boom"), "{e}");
    }
}
