//! `gatewatch-store`: Gatewatch's SQLite cache, through sqlx.
//!
//! It keeps the event log (every normalized event, deduplicated by its dedupe key), one
//! `entities` row per entity with the reducer's state (to seed the reducer at start-up) and
//! the typed columns the UI and the CLI query (positions, intents, Hashi contracts and
//! storage items, markets, strategies, proofs and agents are views of it), intent status
//! history, Hashi lobbies, candles, notifications, alerts, mempool stats, per-connection
//! counters and, when recording, redacted frames.
//!
//! Layout:
//! - `migrations/`: the schema, embedded with `sqlx::migrate!` (never edit a landed one).
//! - [`Store`] (this file): opening the file (WAL, `synchronous=NORMAL`, foreign keys, busy
//!   timeout, one pool).
//! - `write`: [`Store::write_batch`], one transaction per batch.
//! - `checkpoint`: the background WAL checkpointer (the writer never checkpoints inline
//!   unless the WAL outgrows its limit).
//! - `read`: the queries.
//! - `maintain`: retention ([`Store::prune`]) and catch-up bookkeeping ([`Store::mark_stale`],
//!   [`Store::confirm`], [`Store::reconcile_positions`]).
//! - `project`: typed rows from entity state.
//! - [`model`]: batches, reports, rows and filters.
//! - [`synth`]: synthetic events for tests, benchmarks and the durability harness.
//!
//! Times are stored as INTEGER milliseconds since the Unix epoch (UTC).
#![deny(missing_docs)]

mod checkpoint;
mod error;
mod maintain;
pub mod model;
mod packed;
mod project;
mod read;
pub mod synth;
mod write;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

pub use error::StoreError;
pub use model::{
    AlertRow, BatchEvent, BatchReport, ConnectionRow, EventFilter, EventOutcome, EventRow,
    PositionFilter, PruneReport, ReconcileReport, Retention, StoreOptions, WriteBatch,
};
pub use write::{stored_key, BatchSource};

/// A connection to write on (see [`Store::write_conn`]).
pub(crate) enum WriteConn<'a> {
    /// The store's writer, locked.
    Held(tokio::sync::MutexGuard<'a, Option<PoolConnection<Sqlite>>>),
    /// Any pooled connection (in memory: the only one).
    Pooled(PoolConnection<Sqlite>),
}

impl std::ops::Deref for WriteConn<'_> {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        match self {
            // `Held` is only built around `Some`.
            WriteConn::Held(c) => c.as_deref().unwrap_or_else(|| unreachable!()),
            WriteConn::Pooled(c) => c,
        }
    }
}

impl std::ops::DerefMut for WriteConn<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            WriteConn::Held(c) => c.as_deref_mut().unwrap_or_else(|| unreachable!()),
            WriteConn::Pooled(c) => c,
        }
    }
}

/// Free-text event search scans at most this many of the newest events (a bounded scan of
/// the decompressed payloads instead of a full-text index, which would slow every insert).
pub const TEXT_SEARCH_WINDOW: i64 = 200_000;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The SQLite cache. Cheap to clone (one shared pool).
#[derive(Debug, Clone)]
pub struct Store {
    /// Readers (queries, the background checkpointer).
    pool: SqlitePool,
    /// The one connection of the pool every write goes through, held for the store's life
    /// (`None` in memory, where the pool has one connection, and after [`Store::close`]).
    /// Its page cache stays valid from one transaction to the next only while no other
    /// connection writes: when writes took any pooled connection, each batch began by
    /// discarding a stale cache and re-reading the index and entity pages it touched.
    writer: std::sync::Arc<tokio::sync::Mutex<Option<PoolConnection<Sqlite>>>>,
    /// The log still holds dedupe keys of an older form (written before they had their
    /// time prefix, see [`stored_key`]): a new event's key is also looked up in those forms.
    legacy_keys: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The background checkpointer of a file database (`None` in memory); it stops when the
    /// last clone is dropped or [`Store::close`] is called.
    checkpoint: Option<std::sync::Arc<checkpoint::Checkpointer>>,
}

impl Store {
    /// Open (creating the directory and file when `opts.create_if_missing`) and migrate.
    pub async fn open(path: &Path, opts: StoreOptions) -> Result<Store, StoreError> {
        if opts.create_if_missing {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                    path: dir.to_owned(),
                    source,
                })?;
            }
        } else if !path.exists() {
            return Err(StoreError::NotFound(path.to_owned()));
        }
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(opts.create_if_missing)
            .page_size(opts.page_size)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL: a committed transaction survives a process crash; only an OS
            // crash or power loss can lose the last few, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(opts.busy_timeout)
            // A 64 MiB page cache per connection keeps a whole batch's pages in memory
            // (no spilling mid-transaction). No automatic checkpoints: they ran inside the
            // writer's commit and were half of its time (waiting on fsync); the background
            // checkpointer does them on another connection instead (see `checkpoint`). The
            // WAL file is truncated back to 64 MiB after a restart so it doesn't stay at
            // its high-water mark.
            .pragma("cache_size", "-65536")
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", "67108864")
            .pragma("temp_store", "memory")
            // Rows stream from the connection's worker thread through a bounded channel; at
            // the default 50 a 500-row answer (positions at risk) was ten hand-offs between
            // threads, each a scheduling delay on a busy machine.
            .row_buffer_size(1024);
        // The writer holds one connection for good, so the readers and the checkpointer need
        // at least two more.
        let pool = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(3))
            .connect_with(connect)
            .await?;
        MIGRATOR.run(&pool).await?;
        packed::record_dictionary(&pool).await?;
        let writer = pool.acquire().await?;
        let checkpoint = checkpoint::Checkpointer::spawn(
            pool.clone(),
            opts.checkpoint_interval,
            opts.wal_limit_pages,
        );
        let store = Store {
            pool,
            writer: std::sync::Arc::new(tokio::sync::Mutex::new(Some(writer))),
            legacy_keys: Default::default(),
            checkpoint: Some(std::sync::Arc::new(checkpoint)),
        };
        store.refresh_legacy_keys().await?;
        Ok(store)
    }

    /// A private in-memory database (tests, replays without `--db`).
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let connect = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection: every `:memory:` connection is a different database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect)
            .await?;
        MIGRATOR.run(&pool).await?;
        packed::record_dictionary(&pool).await?;
        Ok(Store {
            writer: Default::default(),
            pool,
            legacy_keys: Default::default(),
            checkpoint: None,
        })
    }

    /// Whether the log still holds a dedupe key of an older form: the fifth migration
    /// recorded the last event id written before the time prefix (`store_meta`
    /// `legacy_keys_through`; 0 in a file created since), and retention removes the oldest
    /// ids first, so one seek of the rowid answers it.
    pub(crate) async fn refresh_legacy_keys(&self) -> Result<(), StoreError> {
        let (any,): (bool,) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM events WHERE id <= (SELECT value FROM store_meta \
             WHERE name = 'legacy_keys_through'))",
        )
        .fetch_one(&self.pool)
        .await?;
        self.legacy_keys
            .store(any, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// `<user data dir>/gatewatch/gatewatch.db` (`~/.local/share/gatewatch/gatewatch.db` on
    /// Linux), or `./gatewatch.db` when the platform has no data dir.
    pub fn default_path() -> PathBuf {
        dirs::data_dir()
            .map(|d| d.join("gatewatch"))
            .unwrap_or_else(|| PathBuf::from("."))
            .join("gatewatch.db")
    }

    /// The pool, for callers that need a query this crate doesn't offer.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Stop the background checkpointer and close the pool (waits for connections to be
    /// returned; the last one checkpoints the WAL into the file).
    pub async fn close(&self) {
        if let Some(c) = &self.checkpoint {
            c.stop().await;
        }
        // Back to the pool, which waits for every connection before it closes.
        self.writer.lock().await.take();
        self.pool.close().await;
    }

    /// The connection to write on: the held writer, else (in memory) the pool's.
    pub(crate) async fn write_conn(&self) -> Result<WriteConn<'_>, StoreError> {
        let held = self.writer.lock().await;
        if held.is_some() {
            return Ok(WriteConn::Held(held));
        }
        drop(held);
        Ok(WriteConn::Pooled(self.pool.acquire().await?))
    }

    /// Background checkpoints completed since the store was opened (0 in memory).
    pub fn checkpoints(&self) -> u64 {
        self.checkpoint.as_ref().map_or(0, |c| c.completed())
    }

    /// `PRAGMA integrity_check`: `"ok"` when the file is sound.
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(s,)| s)
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// Milliseconds since the epoch.
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Back from milliseconds (out-of-range values clamp to the epoch rather than fail).
pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}
