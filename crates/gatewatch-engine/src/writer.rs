//! The store writer: batches what the pipeline hands it into one transaction at a time.
//!
//! Batches close at [`MAX_BATCH`] events or after [`MAX_DELAY`], whichever comes first, so
//! a burst is written in few transactions and a trickle is still on disk within ~100 ms.
//! The channel is bounded and the pipeline awaits `send`: a slow disk slows ingestion, it
//! never drops events.

use std::sync::Arc;
use std::time::Duration;

use gatewatch_core::alerts::Alert;
use gatewatch_core::reduce::{Applied, EntityState};
use gatewatch_core::{ConnectionId, Event};
use gatewatch_store::{AlertRow, ConnectionRow, Store, WriteBatch};
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
pub async fn run(store: Store, mut rx: mpsc::Receiver<WriterMsg>) {
    let mut batch = WriteBatch::new();
    let mut events_in_batch = 0usize;
    // When the open batch must be written at the latest: set by its first message, so a
    // steady trickle can't postpone the write (a per-message timeout would).
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let msg = match deadline {
            None => rx.recv().await,
            Some(d) => match tokio::time::timeout_at(d, rx.recv()).await {
                Ok(m) => m,
                Err(_) => {
                    flush(&store, &mut batch).await;
                    events_in_batch = 0;
                    deadline = None;
                    continue;
                }
            },
        };
        let Some(msg) = msg else { break };
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
                events_in_batch += 1;
            }
            WriterMsg::Alert(alert, notified) => {
                batch.alerts.push(AlertRow::from_alert(&alert, notified))
            }
            WriterMsg::Connections(rows) => batch.connections.extend(rows),
            WriterMsg::CatchUp(connection, gateway, rest) => {
                flush(&store, &mut batch).await;
                events_in_batch = 0;
                deadline = None;
                catch_up(&store, &connection, gateway, &rest).await;
            }
        }
        if events_in_batch >= MAX_BATCH {
            flush(&store, &mut batch).await;
            events_in_batch = 0;
            deadline = None;
        }
    }
    flush(&store, &mut batch).await;
}

async fn flush(store: &Store, batch: &mut WriteBatch) {
    if batch.is_empty() {
        return;
    }
    let b = std::mem::take(batch);
    // A failed write is retried a few times (the database may be busy with a reader); it is
    // logged loudly if it still fails — the events remain in the UI and the inspector.
    let mut attempt = 0u32;
    loop {
        match store.write_batch(&b).await {
            Ok(_) => return,
            Err(e) if attempt < 3 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "store write failed, retrying");
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(e) => {
                tracing::error!(error = %e, events = b.events.len(), "store write failed; batch not persisted");
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
