//! OS notifications for critical alerts.
//!
//! [`DesktopNotifier`] sends through `notify-rust` (freedesktop D-Bus on Linux, pure-Rust
//! zbus). Its `show()` blocks on D-Bus, so it runs on one dedicated thread fed by a
//! bounded queue: [`Notifier::notify`] only enqueues and never blocks the engine's async
//! loop. With no notification daemon, the first failure logs one warning and later ones
//! stay at debug level; a daemon that appears later is used from then on.
//!
//! [`RecordingNotifier`] keeps what it was asked to send, for tests.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use gatewatch_core::alerts::Alert;
use gatewatch_core::Severity;
use notify_rust::{Notification, Timeout, Urgency};

/// The application name notification servers show and group by.
pub const APP_NAME: &str = "Gatewatch";

/// How long a non-critical notification stays up. Critical ones never expire on their own:
/// the freedesktop spec says critical notifications should stay until dismissed, and a
/// liquidation missed while away from the desk must still be on screen on return.
pub const TIMEOUT_MS: u32 = 10_000;

/// How many notifications may wait for the sender thread. The engine's own rate limit
/// (`max_notifications_per_minute`) keeps this far from full; if D-Bus hangs, newer
/// alerts are dropped (and counted) rather than piling up.
pub const QUEUE_CAPACITY: usize = 64;

/// Why a notification was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The sender thread's queue is full (the notification server is not keeping up).
    #[error("notification queue full; alert {alert_id} dropped")]
    QueueFull {
        /// The dropped alert.
        alert_id: String,
    },
    /// The notifier was closed.
    #[error("notifier closed")]
    Closed,
    /// The OS refused or no notification server answered.
    #[error("notification server: {0}")]
    Server(String),
    /// The sender thread could not be started.
    #[error("cannot start the notification thread: {0}")]
    Spawn(String),
}

/// Something that shows an alert to the user outside the app.
pub trait Notifier: Send + Sync {
    /// Hand over one alert. Must return quickly: it is called from the engine's loop.
    fn notify(&self, alert: &Alert) -> Result<(), NotifyError>;

    /// Stop accepting alerts and wait (at most `timeout`) until the ones handed over are
    /// shown; returns whether they all were in time. Call it once at shutdown, so that a
    /// notification raised just before exit is not lost. May block: from async code, run
    /// it in `spawn_blocking`. Notifiers that send synchronously have nothing to wait for.
    fn close(&self, timeout: Duration) -> bool {
        let _ = timeout;
        true
    }
}

/// What happened to one notification on the sender thread (for benchmarks and tests).
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The alert's id.
    pub alert_id: String,
    /// When [`Notifier::notify`] enqueued it.
    pub enqueued: Instant,
    /// When the server answered the `Notify` call (or the call failed).
    pub done: Instant,
    /// The error, if the call failed.
    pub error: Option<NotifyError>,
}

/// Called on the sender thread after every `Notify` call.
pub type DeliveryHook = Box<dyn Fn(Delivery) + Send + 'static>;

/// Counters of a [`DesktopNotifier`].
#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

/// A snapshot of what a [`DesktopNotifier`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotifierStats {
    /// Notifications the server accepted.
    pub sent: u64,
    /// `Notify` calls that failed (no daemon, D-Bus error).
    pub failed: u64,
    /// Alerts dropped because the queue was full.
    pub dropped: u64,
}

struct Job {
    alert: Alert,
    enqueued: Instant,
}

/// OS notifications through the desktop's notification server, sent from a dedicated
/// thread.
pub struct DesktopNotifier {
    tx: Mutex<Option<SyncSender<Job>>>,
    finished: Mutex<Option<Receiver<()>>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for DesktopNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DesktopNotifier")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl DesktopNotifier {
    /// Start the sender thread. If the OS refuses a thread (it practically never does),
    /// the error is logged and the notifier refuses every alert with
    /// [`NotifyError::Closed`]: notifications are a convenience, not worth failing the
    /// watch for.
    pub fn new() -> Self {
        Self::try_new().unwrap_or_else(|e| {
            tracing::error!(error = %e, "OS notifications disabled");
            Self {
                tx: Mutex::new(None),
                finished: Mutex::new(None),
                counters: Arc::new(Counters::default()),
            }
        })
    }

    /// Start the sender thread, or say why it could not start.
    pub fn try_new() -> Result<Self, NotifyError> {
        Self::start(None)
    }

    /// Start the sender thread, calling `hook` after each `Notify` call.
    pub fn with_delivery_hook(hook: DeliveryHook) -> Result<Self, NotifyError> {
        Self::start(Some(hook))
    }

    fn start(hook: Option<DeliveryHook>) -> Result<Self, NotifyError> {
        Self::start_with(Box::new(show), hook)
    }

    /// The thread and queue around any blocking `send` (the real one is [`show`]; tests
    /// put a controllable one in its place).
    fn start_with(send: SendFn, hook: Option<DeliveryHook>) -> Result<Self, NotifyError> {
        let (tx, rx) = mpsc::sync_channel::<Job>(QUEUE_CAPACITY);
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let counters = Arc::new(Counters::default());
        let worker_counters = Arc::clone(&counters);
        thread::Builder::new()
            .name("gatewatch-notify".into())
            .spawn(move || {
                sender_loop(&rx, &worker_counters, &*send, hook.as_deref());
                // The receiver may be gone (nobody waits in `close`): nothing to tell.
                let _ = done_tx.send(());
            })
            .map_err(|e| NotifyError::Spawn(e.to_string()))?;
        Ok(Self {
            tx: Mutex::new(Some(tx)),
            finished: Mutex::new(Some(done_rx)),
            counters,
        })
    }

    /// What it did so far.
    pub fn stats(&self) -> NotifierStats {
        NotifierStats {
            sent: self.counters.sent.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
            dropped: self.counters.dropped.load(Ordering::Relaxed),
        }
    }
}

impl Default for DesktopNotifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        let guard = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(tx) = guard.as_ref() else {
            return Err(NotifyError::Closed);
        };
        let job = Job {
            alert: alert.clone(),
            enqueued: Instant::now(),
        };
        match tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(job)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(alert = %job.alert.id, "notification queue full: alert not shown");
                Err(NotifyError::QueueFull {
                    alert_id: job.alert.id,
                })
            }
            Err(TrySendError::Disconnected(_)) => Err(NotifyError::Closed),
        }
    }

    /// Drops the queue's sender, so the thread exits once it has shown what was queued,
    /// and waits for that.
    fn close(&self, timeout: Duration) -> bool {
        drop(
            self.tx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        let finished = self
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match finished {
            Some(rx) => match rx.recv_timeout(timeout) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
                Err(RecvTimeoutError::Timeout) => false,
            },
            // Already closed (or never started).
            None => true,
        }
    }
}

/// The sender thread: one blocking `Notify` call per queued alert, until every sender is
/// dropped and the queue is empty.
fn sender_loop(
    rx: &Receiver<Job>,
    counters: &Counters,
    send: &(dyn Fn(&Alert) -> Result<(), NotifyError> + Send),
    hook: Option<&(dyn Fn(Delivery) + Send)>,
) {
    let daemon_missing = AtomicBool::new(false);
    while let Ok(job) = rx.recv() {
        let result = send(&job.alert);
        let done = Instant::now();
        match &result {
            Ok(()) => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
                if daemon_missing.swap(false, Ordering::Relaxed) {
                    tracing::info!("notification server reachable again");
                }
            }
            Err(e) => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                // One warning per outage, not one per alert.
                if daemon_missing.swap(true, Ordering::Relaxed) {
                    tracing::debug!(error = %e, alert = %job.alert.id, "OS notification not shown");
                } else {
                    tracing::warn!(error = %e, "no notification server: OS notifications are not shown (alerts are still recorded)");
                }
            }
        }
        if let Some(hook) = hook {
            hook(Delivery {
                alert_id: job.alert.id,
                enqueued: job.enqueued,
                done,
                error: result.err(),
            });
        }
    }
}

/// A blocking send of one alert, run on the sender thread.
type SendFn = Box<dyn Fn(&Alert) -> Result<(), NotifyError> + Send + 'static>;

/// Shows one alert through the desktop's notification server (blocking D-Bus call).
fn show(alert: &Alert) -> Result<(), NotifyError> {
    notification_for(alert)
        .show()
        .map(drop)
        .map_err(|e| NotifyError::Server(e.to_string()))
}

/// The notification for one alert: summary = title, body = escaped body, urgency from
/// the severity.
pub fn notification_for(alert: &Alert) -> Notification {
    let mut n = Notification::new();
    n.appname(APP_NAME)
        .summary(&alert.title)
        .body(&escape_markup(&alert.body))
        .urgency(urgency_for(alert.severity))
        .timeout(if alert.severity == Severity::Critical {
            Timeout::Never
        } else {
            Timeout::Milliseconds(TIMEOUT_MS)
        });
    n
}

/// Critical → `Critical` (2), warning → `Normal` (1), the rest → `Low` (0).
pub fn urgency_for(severity: Severity) -> Urgency {
    match severity {
        Severity::Critical => Urgency::Critical,
        Severity::Warning => Urgency::Normal,
        Severity::Info | Severity::Debug => Urgency::Low,
    }
}

/// Escape text for notification servers that render the body as markup (the freedesktop
/// spec allows a subset of HTML there): `&`, `<`, `>` become entities, so a payload
/// string can't inject tags or hide text.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Keeps every alert it is asked to notify (for tests); can be told to fail.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<Alert>>,
    fail: AtomicBool,
}

impl RecordingNotifier {
    /// An empty recorder that accepts everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Make later calls fail (as with no notification server) or succeed again.
    pub fn set_failing(&self, fail: bool) {
        self.fail.store(fail, Ordering::Relaxed);
    }

    /// The alerts notified so far, in order.
    pub fn alerts(&self) -> Vec<Alert> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many alerts were notified.
    pub fn len(&self) -> usize {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing was notified.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Notifier for RecordingNotifier {
    fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        if self.fail.load(Ordering::Relaxed) {
            return Err(NotifyError::Server("recording notifier set to fail".into()));
        }
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(alert.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use gatewatch_core::{ConnectionId, EntityKind, EntityRef, GatewayKind};

    fn alert(severity: Severity, body: &str) -> Alert {
        Alert {
            id: "dimes.liquidated:dimes-partner:dm_pos_1:1".into(),
            rule: "dimes.liquidated".into(),
            severity,
            connection: ConnectionId::new("dimes-partner"),
            gateway: GatewayKind::DimesPartner,
            venue: "dimes".into(),
            entity: Some(EntityRef::new(EntityKind::Position, "dm_pos_1")),
            symbol: Some("BTC".into()),
            title: "Liquidated: dm_pos_1".into(),
            body: body.into(),
            at: Utc::now(),
            os_notify: severity == Severity::Critical,
            grouped: 1,
        }
    }

    /// A full queue refuses (and counts) instead of blocking the caller; failures are
    /// counted; close drains what was queued.
    #[test]
    fn full_queue_drops_instead_of_blocking_and_failures_are_counted() {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let (entered_tx, entered_rx) = mpsc::channel::<()>();
        let entered_tx = Mutex::new(entered_tx);
        // Every send blocks until released, and fails (as with no daemon).
        let send: SendFn = Box::new(move |_a: &Alert| {
            let _ = entered_tx.lock().map(|t| t.send(()));
            let _ = release_rx.lock().map(|r| r.recv());
            Err(NotifyError::Server("no daemon".into()))
        });
        let n = DesktopNotifier::start_with(send, None).unwrap();
        let a = alert(Severity::Critical, "x");
        n.notify(&a).unwrap();
        // The thread holds the first alert; the queue then takes QUEUE_CAPACITY more.
        entered_rx.recv_timeout(Duration::from_secs(30)).unwrap();
        for _ in 0..QUEUE_CAPACITY {
            n.notify(&a).unwrap();
        }
        let started = Instant::now();
        assert!(matches!(n.notify(&a), Err(NotifyError::QueueFull { .. })));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "a full queue must not block"
        );
        assert_eq!(n.stats().dropped, 1);
        for _ in 0..=QUEUE_CAPACITY {
            release_tx.send(()).unwrap();
        }
        assert!(n.close(Duration::from_secs(30)));
        let s = n.stats();
        assert_eq!(
            (s.sent, s.failed, s.dropped),
            (0, QUEUE_CAPACITY as u64 + 1, 1)
        );
    }

    #[test]
    fn escapes_markup_and_keeps_the_rest() {
        assert_eq!(
            escape_markup("P&L <b>-42</b> > 0 → ok"),
            "P&amp;L &lt;b&gt;-42&lt;/b&gt; &gt; 0 → ok"
        );
        assert_eq!(
            escape_markup("&amp;"),
            "&amp;amp;",
            "already-escaped text is escaped again"
        );
        assert_eq!(escape_markup(""), "");
    }

    #[test]
    fn urgency_follows_severity() {
        assert_eq!(urgency_for(Severity::Critical), Urgency::Critical);
        assert_eq!(urgency_for(Severity::Warning), Urgency::Normal);
        assert_eq!(urgency_for(Severity::Info), Urgency::Low);
        assert_eq!(urgency_for(Severity::Debug), Urgency::Low);
    }

    #[test]
    fn notification_carries_title_escaped_body_and_timeout() {
        let n = notification_for(&alert(Severity::Critical, "a <i>b</i> & c"));
        assert_eq!(n.summary, "Liquidated: dm_pos_1");
        assert_eq!(n.body, "a &lt;i&gt;b&lt;/i&gt; &amp; c");
        assert_eq!(n.appname, APP_NAME);
        assert_eq!(n.timeout, Timeout::Never);
        assert!(n
            .hints
            .contains(&notify_rust::Hint::Urgency(Urgency::Critical)));
        let n = notification_for(&alert(Severity::Warning, "x"));
        assert_eq!(n.timeout, Timeout::Milliseconds(TIMEOUT_MS));
    }

    #[test]
    fn recording_notifier_records_and_fails_on_demand() {
        let r = RecordingNotifier::new();
        assert!(r.is_empty());
        r.notify(&alert(Severity::Critical, "one")).unwrap();
        r.set_failing(true);
        assert!(matches!(
            r.notify(&alert(Severity::Critical, "two")),
            Err(NotifyError::Server(_))
        ));
        r.set_failing(false);
        r.notify(&alert(Severity::Critical, "three")).unwrap();
        let bodies: Vec<String> = r.alerts().into_iter().map(|a| a.body).collect();
        assert_eq!(bodies, ["one", "three"]);
    }

    /// Whatever the environment (no session bus in CI: every call fails fast), `notify`
    /// only enqueues, each alert is attempted once in order on the sender thread, and
    /// `close` drains the queue.
    #[test]
    fn notify_enqueues_and_the_thread_delivers_in_order() {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let n = DesktopNotifier::with_delivery_hook(Box::new(move |d| {
            let _ = tx.lock().map(|t| t.send(d));
        }))
        .unwrap();
        let started = Instant::now();
        for i in 0..3 {
            let mut a = alert(Severity::Critical, "x");
            a.id = format!("a{i}");
            n.notify(&a).unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_millis(50),
            "notify only enqueues"
        );
        let ids: Vec<String> = (0..3)
            .map(|_| rx.recv_timeout(Duration::from_secs(30)).unwrap().alert_id)
            .collect();
        assert_eq!(ids, ["a0", "a1", "a2"]);
        assert!(n.close(Duration::from_secs(30)));
        let s = n.stats();
        assert_eq!(s.sent + s.failed, 3);
        assert_eq!(
            n.notify(&alert(Severity::Critical, "late")),
            Err(NotifyError::Closed)
        );
    }
}
