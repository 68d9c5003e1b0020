//! The store writer: batches what the pipeline hands it into one transaction at a time.
//!
//! Batches close at [`MAX_BATCH`] events or after [`MAX_DELAY`], whichever comes first, so
//! a burst is written in few transactions and a trickle is still on disk within ~100 ms.
//! While batches fill up (the writer is behind), up to [`MAX_WINDOW`] events of full
//! batches share one transaction; each batch is dropped once written, only the last state
//! per entity waits for the commit.
//! The channel is bounded and the pipeline awaits `send`: a slow disk slows ingestion, it
//! never drops events.

use std::sync::Arc;
use std::time::Duration;

use gatewatch_core::alerts::Alert;
use gatewatch_core::reduce::{Applied, EntityState};
use gatewatch_core::{ConnectionId, Event};
use gatewatch_store::{AlertRow, BatchSource, ConnectionRow, Store, WriteBatch};
use tokio::sync::mpsc;

use crate::catchup::DimesRest;

/// Capacity of the pipeline → writer channel: more than a batch, so the pipeline keeps
/// going while the writer commits one.
pub const CHANNEL: usize = 16_384;
/// Most events per transaction. A transaction writes each page it touches once, so bigger
/// batches under load write fewer pages per event: in the store bench 10,000 events per
/// batch gave 6.2 KiB written and ~45 us of SQLite CPU per event against 12.1 KiB and ~74 us
/// at 1,000 (docs/store.md). At a trickle the [`MAX_DELAY`] closes batches long before.
pub const MAX_BATCH: usize = 10_000;
/// Longest an event waits before its batch is written.
pub const MAX_DELAY: Duration = Duration::from_millis(100);
/// Most events in one transaction when batches fill up faster than they are written: full
/// batches join an open window ([`Store::write_window`]) until it holds this many. In the
/// store bench (1,000,000 events) a window of five batches of 10,000 wrote 2.7 KiB and took
/// ~27 us of SQLite CPU per event against 4.4 KiB and ~34 us one batch per transaction
/// (docs/store.md); an event is then on disk within ~2 s under such a flood instead of
/// ~0.4 s, and at a trickle within [`MAX_DELAY`] as before.
pub const MAX_WINDOW: usize = 5 * MAX_BATCH;

/// What the writer is asked to store.
pub enum WriterMsg {
    /// An event, the reducer's verdict and the resulting state.
    Event(Arc<Event>, Applied, Option<Arc<EntityState>>),
    /// An alert, and whether an OS notification was shown.
    Alert(Alert, bool),
    /// Connection state and counters to persist.
    Connections(Vec<ConnectionRow>),
    /// Fetch current state and reconcile (Dimes `GET /positions`).
    CatchUp(ConnectionId, gatewatch_core::GatewayKind, DimesRest),
}

/// Run until the channel closes; then write what is left and return.
pub async fn run(store: Store, rx: mpsc::Receiver<WriterMsg>) {
    let mut inbox = Inbox {
        rx,
        catch_up: None,
        closed: false,
    };
    loop {
        if let Some((connection, gateway, rest)) = inbox.catch_up.take() {
            catch_up(&store, &connection, gateway, &rest).await;
        }
        if inbox.closed {
            break;
        }
        let (first, full) = inbox.batch().await;
        if first.is_empty() {
            continue;
        }
        let events = first.events.len();
        let mut more = Window {
            inbox: &mut inbox,
            events,
            last_full: full,
            taken: 0,
        };
        write(&store, &first, &mut more).await;
    }
}

/// The writer's side of the channel: batches as they come, and what ends them.
struct Inbox {
    rx: mpsc::Receiver<WriterMsg>,
    /// A catch-up that arrived: the open batch (and window) closes first.
    catch_up: Option<(ConnectionId, gatewatch_core::GatewayKind, DimesRest)>,
    /// The channel closed: what is open is written, then the writer stops.
    closed: bool,
}

impl Inbox {
    /// The next batch: wait for a first message, then take messages until [`MAX_BATCH`]
    /// events, [`MAX_DELAY`] after the first, a catch-up or the channel's end. Whether it
    /// closed because it was full (the writer is behind).
    async fn batch(&mut self) -> (WriteBatch, bool) {
        let mut batch = WriteBatch::new();
        let mut events = 0usize;
        // Set by the first message, so a steady trickle can't postpone the write (a
        // per-message timeout would).
        let mut deadline: Option<tokio::time::Instant> = None;
        while self.catch_up.is_none() && !self.closed {
            let msg = match deadline {
                None => self.rx.recv().await,
                Some(d) => match tokio::time::timeout_at(d, self.rx.recv()).await {
                    Ok(m) => m,
                    Err(_) => break,
                },
            };
            let Some(msg) = msg else {
                self.closed = true;
                break;
            };
            if deadline.is_none() {
                deadline = Some(tokio::time::Instant::now() + MAX_DELAY);
            }
            match msg {
                WriterMsg::Event(event, applied, state) => {
                    batch.push_event(
                        Arc::unwrap_or_clone(event),
                        Some(applied),
                        state.map(Arc::unwrap_or_clone),
                    );
                    events += 1;
                    if events >= MAX_BATCH {
                        return (batch, true);
                    }
                }
                WriterMsg::Alert(alert, notified) => {
                    batch.alerts.push(AlertRow::from_alert(&alert, notified))
                }
                WriterMsg::Connections(rows) => batch.connections.extend(rows),
                WriterMsg::CatchUp(connection, gateway, rest) => {
                    self.catch_up = Some((connection, gateway, rest));
                }
            }
        }
        (batch, false)
    }
}

/// The batches after a window's first: while the writer is behind (each batch filled up)
/// and the window holds fewer than [`MAX_WINDOW`] events, the next batch joins the same
/// transaction. At a trickle every batch is its own transaction, as before.
struct Window<'a> {
    inbox: &'a mut Inbox,
    events: usize,
    last_full: bool,
    /// Batches handed over: once one is, a failed window can't be retried.
    taken: usize,
}

impl BatchSource for Window<'_> {
    async fn next_batch(&mut self) -> Option<WriteBatch> {
        if !self.last_full
            || self.events >= MAX_WINDOW
            || self.inbox.catch_up.is_some()
            || self.inbox.closed
        {
            return None;
        }
        let (batch, full) = self.inbox.batch().await;
        self.last_full = full;
        self.events += batch.events.len();
        if batch.is_empty() {
            return None;
        }
        self.taken += 1;
        Some(batch)
    }
}

/// Write one window. A failure before it took a second batch (the database busy with
/// another writer) is retried a few times; one after it is logged loudly — those events
/// remain in the UI and the inspector, but not in the file.
async fn write(store: &Store, first: &WriteBatch, more: &mut Window<'_>) {
    let mut attempt = 0u32;
    loop {
        match store.write_window(first, more).await {
            Ok(_) => return,
            Err(e) if attempt < 3 && more.taken == 0 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "store write failed, retrying");
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(e) => {
                tracing::error!(error = %e, events = more.events, "store write failed; window not persisted");
                return;
            }
        }
    }
}

async fn catch_up(
    store: &Store,
    connection: &ConnectionId,
    gateway: gatewatch_core::GatewayKind,
    rest: &DimesRest,
) {
    match rest.fetch_positions().await {
        Ok(positions) => {
            if let Err(e) = store
                .reconcile_positions(gateway, connection, &positions)
                .await
            {
                tracing::warn!(%connection, error = %e, "catch-up reconcile failed");
            } else {
                tracing::info!(%connection, positions = positions.len(), "caught up after reconnect");
            }
        }
        Err(e) => tracing::warn!(%connection, error = %e, "catch-up fetch failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use gatewatch_store::synth::Synth;

    /// A channel already holding `n` synthetic events (the writer behind a flood), closed.
    fn flood(n: usize) -> mpsc::Receiver<WriterMsg> {
        let t0 = Utc
            .with_ymd_and_hms(2025, 6, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let mut synth = Synth::new(9, "flood", t0);
        synth.entities_per_kind = 50;
        let (tx, rx) = mpsc::channel(n.max(1));
        for be in synth.batch(n, 0).events {
            let msg = WriterMsg::Event(
                Arc::new(be.event),
                be.applied.unwrap_or(Applied::NoEntity),
                be.state.map(Arc::new),
            );
            assert!(tx.try_send(msg).is_ok(), "the channel holds the flood");
        }
        rx
    }

    /// Full batches join the open window until it holds `MAX_WINDOW` events; a batch that
    /// didn't fill up ends it (at a trickle each batch is its own transaction).
    #[tokio::test]
    async fn full_batches_share_a_window_up_to_its_limit() {
        let mut inbox = Inbox {
            rx: flood(MAX_WINDOW + MAX_BATCH + 2_500),
            catch_up: None,
            closed: false,
        };
        let mut windows = Vec::new();
        loop {
            let (first, full) = inbox.batch().await;
            if first.is_empty() {
                break;
            }
            let mut sizes = vec![first.events.len()];
            let mut w = Window {
                events: first.events.len(),
                inbox: &mut inbox,
                last_full: full,
                taken: 0,
            };
            while let Some(b) = w.next_batch().await {
                sizes.push(b.events.len());
            }
            assert_eq!(w.taken, sizes.len() - 1);
            windows.push(sizes);
        }
        assert_eq!(
            windows,
            vec![
                vec![MAX_BATCH; MAX_WINDOW / MAX_BATCH],
                vec![MAX_BATCH, 2_500]
            ]
        );
        assert!(inbox.closed);
    }

    /// The writer stores every event of a flood, each entity once with its last state.
    #[tokio::test]
    async fn a_flood_is_stored_whole() {
        let n = MAX_BATCH * 2 + 1_234;
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("w.db"), Default::default())
            .await
            .expect("open");
        run(store.clone(), flood(n)).await;
        assert_eq!(store.event_count().await.expect("count"), n as i64);
        let (entities, max_id): (i64, i64) =
            sqlx::query_as("SELECT (SELECT count(*) FROM entities), (SELECT max(id) FROM events)")
                .fetch_one(store.pool())
                .await
                .expect("rows");
        assert_eq!(max_id, n as i64);
        assert!(entities > 0 && entities <= 6 * 50, "{entities}");
        store.close().await;
    }
}
