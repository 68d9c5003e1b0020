//! The background WAL checkpointer.
//!
//! With WAL and `synchronous=NORMAL` a commit only appends pages to the WAL; the expensive
//! part is the checkpoint that copies them into the database file and fsyncs it. SQLite's
//! automatic checkpoint runs inside the committing connection, so the writer waited on it:
//! in the benchmark it was about half of `write_batch`'s time, most of it waiting on the
//! disk. Here the writer only nudges this task after each commit; the task lets a few
//! batches gather ([`StoreOptions::checkpoint_interval`](crate::StoreOptions)) and runs a
//! PASSIVE checkpoint on another pooled connection (its own sqlx worker thread), which
//! never blocks the writer or readers.
//!
//! A PASSIVE checkpoint can't restart the WAL while the writer keeps appending, so under
//! ingest that never pauses the WAL could grow without end. The last checkpoint reports the
//! WAL's length; past `wal_limit_pages` the writer runs a RESTART checkpoint itself before
//! its next batch (a one-off stall, as before, but rare).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// State shared by the task and the writer.
#[derive(Debug, Default)]
struct Shared {
    /// Signalled after each commit.
    committed: Notify,
    /// WAL length in pages after the last checkpoint (0: unknown or just restarted).
    wal_pages: AtomicI64,
    /// Checkpoints completed.
    completed: AtomicU64,
    /// A checkpoint is running (the background one or the writer's RESTART); SQLite lets
    /// only one run at a time and answers BUSY to the other.
    running: AtomicBool,
}

/// Handle to the background task; dropping it (with the last [`crate::Store`] clone) stops
/// the task.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    shared: Arc<Shared>,
    cancel: CancellationToken,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
    wal_limit_pages: i64,
}

impl Checkpointer {
    /// Start the task on the current tokio runtime.
    pub(crate) fn spawn(pool: SqlitePool, interval: Duration, wal_limit_pages: i64) -> Self {
        let shared = Arc::new(Shared::default());
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(pool, interval, Arc::clone(&shared), cancel.clone()));
        Self {
            shared,
            cancel,
            task: std::sync::Mutex::new(Some(task)),
            wal_limit_pages,
        }
    }

    /// After a commit: wake the task.
    pub(crate) fn committed(&self) {
        self.shared.committed.notify_one();
    }

    /// Before a batch: whether the WAL has outgrown its limit and the writer should
    /// restart it itself (see [`restart`]).
    pub(crate) fn over_limit(&self) -> bool {
        self.shared.wal_pages.load(Ordering::Relaxed) > self.wal_limit_pages
    }

    /// A blocking RESTART checkpoint (waits for the writer lock and for readers of old
    /// frames, within the busy timeout), so the next commit starts the WAL from its
    /// beginning. Skipped when the background checkpoint is running; failures are logged
    /// and retried before a later batch, never fail the batch.
    pub(crate) async fn restart(&self, pool: &SqlitePool) {
        if self.shared.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let r: Result<(i64, i64, i64), _> = sqlx::query_as("PRAGMA wal_checkpoint(RESTART)")
            .fetch_one(pool)
            .await;
        self.shared.running.store(false, Ordering::Release);
        match r {
            Ok((0, _, _)) => {
                self.shared.wal_pages.store(0, Ordering::Relaxed);
                self.shared.completed.fetch_add(1, Ordering::Relaxed);
            }
            Ok(_) => tracing::debug!("WAL restart checkpoint busy; retrying later"),
            Err(e) => tracing::warn!(error = %e, "WAL restart checkpoint failed"),
        }
    }

    /// Checkpoints completed.
    pub(crate) fn completed(&self) -> u64 {
        self.shared.completed.load(Ordering::Relaxed)
    }

    /// Stop the task and wait for it (an in-flight checkpoint finishes first).
    pub(crate) async fn stop(&self) {
        self.cancel.cancel();
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "WAL checkpointer task failed");
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn run(pool: SqlitePool, interval: Duration, shared: Arc<Shared>, cancel: CancellationToken) {
    run_loop(interval, &shared, &cancel, || {
        let pool = pool.clone();
        async move {
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&pool)
                .await
        }
    })
    .await;
}

/// The loop, with the checkpoint itself passed in (tests drive it with paused time).
async fn run_loop<F, Fut>(
    interval: Duration,
    shared: &Shared,
    cancel: &CancellationToken,
    mut checkpoint: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(i64, i64, i64), sqlx::Error>>,
{
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = shared.committed.notified() => {}
        }
        // Let more batches gather: one checkpoint (and its fsyncs) per interval.
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        if shared.running.swap(true, Ordering::AcqRel) {
            continue;
        }
        let r = checkpoint().await;
        shared.running.store(false, Ordering::Release);
        match r {
            Ok((_busy, log, _done)) => {
                shared.wal_pages.store(log, Ordering::Relaxed);
                shared.completed.fetch_add(1, Ordering::Relaxed);
            }
            // The pool closing under us ends the task; anything else is worth a line.
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => tracing::warn!(error = %e, "background WAL checkpoint failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_checkpoint_per_interval_after_commits_and_none_without() {
        let shared = Arc::new(Shared::default());
        let cancel = CancellationToken::new();
        let calls = Arc::new(AtomicU64::new(0));
        let task = {
            let (shared, cancel, calls) = (shared.clone(), cancel.clone(), calls.clone());
            tokio::spawn(async move {
                run_loop(Duration::from_secs(10), &shared, &cancel, || {
                    let n = calls.fetch_add(1, Ordering::Relaxed) as i64;
                    async move { Ok((0, 100 * (n + 1), 100 * (n + 1))) }
                })
                .await
            })
        };
        // No commit, no checkpoint, however long.
        tokio::time::sleep(Duration::from_secs(100)).await;
        assert_eq!(calls.load(Ordering::Relaxed), 0);
        // Three commits in a row: one checkpoint, at the end of the interval.
        for _ in 0..3 {
            shared.committed.notify_one();
        }
        tokio::time::sleep(Duration::from_secs(9)).await;
        assert_eq!(calls.load(Ordering::Relaxed), 0, "not before the interval");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(shared.completed.load(Ordering::Relaxed), 1);
        assert_eq!(shared.wal_pages.load(Ordering::Relaxed), 100);
        // The commits after the first one left one wake-up behind: one more checkpoint an
        // interval later (covering anything committed meanwhile), then quiet.
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(calls.load(Ordering::Relaxed), 2, "commits coalesce");
        tokio::time::sleep(Duration::from_secs(600)).await;
        assert_eq!(calls.load(Ordering::Relaxed), 2);
        // Cancelling ends the loop even mid-interval.
        shared.committed.notify_one();
        cancel.cancel();
        task.await.expect("loop ends");
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_checkpoint_already_running_is_not_started_twice() {
        let shared = Arc::new(Shared::default());
        let cancel = CancellationToken::new();
        shared.running.store(true, Ordering::Release); // the writer's RESTART, say
        shared.committed.notify_one();
        let calls = AtomicU64::new(0);
        let drive = run_loop(Duration::from_secs(1), &shared, &cancel, || {
            calls.fetch_add(1, Ordering::Relaxed);
            async { Ok((0, 0, 0)) }
        });
        tokio::select! {
            _ = drive => panic!("the loop only ends when cancelled"),
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
        assert_eq!(calls.load(Ordering::Relaxed), 0);
    }
}
