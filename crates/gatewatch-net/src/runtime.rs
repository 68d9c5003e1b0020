//! [`NetRuntime`]: one thread of its own for the connectors and the task that consumes their
//! events.
//!
//! Why: on tokio's multi-thread runtime a connector and its consumer usually run on different
//! worker threads, so every hand-off wakes a parked worker (a futex call), the event's
//! memory is allocated on one thread and freed on the other, and the data crosses caches.
//! Measured (`benches/throughput.rs`, docs/connectors.md "Throughput"): that hand-off cost
//! more than all the decoding, so the connectors and the engine's pipeline share one
//! current-thread runtime, and the rest of the program (store writer, UI, CLI) keeps its own.

use std::future::Future;

use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connector::{spawn_with, ConnectionHandle};
use crate::spec::ConnectorSpec;
use crate::state::NetEvent;
use crate::tap::FrameTap;

/// A thread running a current-thread tokio runtime. It runs until its `shutdown` token is
/// cancelled and every task spawned through it has finished (so a consumer can drain what
/// was received, and a connector can leave politely); [`NetRuntime::join`] waits for that.
#[derive(Debug)]
pub struct NetRuntime {
    handle: Handle,
    tracker: TaskTracker,
    thread: std::thread::JoinHandle<()>,
}

impl NetRuntime {
    /// Start the thread (named `name`).
    pub fn start(name: &str, shutdown: CancellationToken) -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = rt.handle().clone();
        let tracker = TaskTracker::new();
        let tasks = tracker.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                rt.block_on(async move {
                    shutdown.cancelled().await;
                    tasks.close();
                    tasks.wait().await;
                });
            })?;
        Ok(Self {
            handle,
            tracker,
            thread,
        })
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Run a task on this thread; the thread outlives it.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tracker.spawn_on(task, &self.handle)
    }

    /// [`crate::spawn`] on this thread.
    pub fn spawn_connector(
        &self,
        spec: ConnectorSpec,
        out: mpsc::Sender<NetEvent>,
        frames: FrameTap,
        shutdown: CancellationToken,
    ) -> ConnectionHandle {
        spawn_with(spec, out, frames, shutdown, |task| self.spawn(task))
    }

    /// Wait until the thread has ended (after the shutdown token was cancelled and every
    /// task finished).
    pub async fn join(self) {
        let thread = self.thread;
        let joined = tokio::task::spawn_blocking(move || thread.join()).await;
        if !matches!(joined, Ok(Ok(()))) {
            tracing::warn!("the connector thread ended abnormally");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The thread keeps running spawned work after the token is cancelled, until that work
    /// is done, then ends.
    #[tokio::test]
    async fn tasks_finish_after_shutdown_then_the_thread_ends() {
        let shutdown = CancellationToken::new();
        let rt = NetRuntime::start("net-test", shutdown.clone()).expect("thread");
        let (tx, rx) = tokio::sync::oneshot::channel();
        let token = shutdown.clone();
        let on_thread = rt.spawn(async move {
            token.cancelled().await;
            // Work after the cancellation still runs (a drain, a polite close).
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let _ = tx.send(std::thread::current().name().map(str::to_owned));
        });
        shutdown.cancel();
        let name = rx.await.expect("the task ran to its end");
        assert_eq!(name.as_deref(), Some("net-test"));
        on_thread.await.expect("joined");
        tokio::time::timeout(std::time::Duration::from_secs(5), rt.join())
            .await
            .expect("the thread ended");
    }
}
