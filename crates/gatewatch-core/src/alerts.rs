//! Alert rules over decoded events: what deserves a human's attention, and how to say it
//! without flooding them.
//!
//! - [`AlertEngine`] turns events ([`AlertEngine::on_event`]) and server errors
//!   ([`AlertEngine::on_server_error`]) into [`Alert`]s. Critical ones (liquidations,
//!   margin risk, auto-closes, critical zkde alerts) carry `os_notify = true`: the engine
//!   crate sends those as OS notifications; the rest are for the UI.
//! - Storm control lives here, with the time passed in (pure, no clock, no I/O):
//!   - hysteresis: a margin-risk alert fires when a position crosses below
//!     `distance_to_liquidation` (or the server flags it at risk) and re-arms only once the
//!     distance is back above threshold + `rearm_margin` and the flag is off;
//!   - once ever: a liquidation (auto-close, revert, failed intent…) alerts once per
//!     entity, even when re-delivered under a new event id;
//!   - grouping: the first alert of a rule on a connection goes out at once; more of the
//!     same rule within `group_window_secs` are held and [`AlertEngine::tick`] flushes
//!     them as one grouped alert ("5 positions liquidated on dimes-partner");
//!   - a global cap of `max_notifications_per_minute` OS notifications: beyond it alerts
//!     are still returned, with `os_notify = false`, and counted;
//!   - mute/snooze per connection: alerts are still returned (for the history) but never
//!     notify.
//! - [`toast_for`] picks the UI toasts (pure function of one event).
//!
//! Layout: `rules` (one event → candidates, per gateway), `fields` (lenient payload
//! reads), `toast` (toasts), this file (the engine and its state).

mod fields;
mod rules;
mod toast;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use toast::{toast_for, toast_for_server_error, Toast};

use crate::config::AlertThresholds;
use crate::event::{ConnectionId, EntityRef, Event, GatewayKind, Severity};
use crate::reduce::Applied;
use rules::{Candidate, Ctx, Draft, Gate};

/// How many event dedupe keys, once-ever keys and tripped levels are remembered. Beyond
/// this the oldest are forgotten, so memory stays bounded on a week-long run.
const MEMORY_CAP: usize = 100_000;

/// How many held alerts a grouped alert's body lists before "… and N more".
const GROUP_LIST_MAX: usize = 8;

/// One alert: something happened that a human should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Alert {
    /// Unique and never reused: `rule:connection:entity:sequence`, the sequence being the
    /// raise time in milliseconds and the engine's counter (`1764000000000-7`), so ids from
    /// two runs never collide in the store. `group` stands in for the entity of a grouped
    /// alert.
    pub id: String,
    /// Which rule raised it (`dimes.liquidated`, `axisor.margin_risk`, `zkde.drawdown`…).
    pub rule: String,
    /// How much it matters.
    pub severity: Severity,
    /// The connection the event came from.
    pub connection: ConnectionId,
    /// That connection's gateway kind.
    pub gateway: GatewayKind,
    /// [`GatewayKind::venue`].
    pub venue: String,
    /// The entity concerned (a position, an intent…), when there is one.
    pub entity: Option<EntityRef>,
    /// Market / symbol, when the event gives one.
    pub symbol: Option<String>,
    /// One line: what and where.
    pub title: String,
    /// What happened, where (connection, venue, symbol, position id) and the numbers
    /// (distance to liquidation, PnL). Plain text: escape it for markup renderers.
    pub body: String,
    /// When it was raised.
    pub at: DateTime<Utc>,
    /// Send as an OS notification (critical, not muted, within the rate limit).
    pub os_notify: bool,
    /// How many alerts this one stands for (1, or the size of a grouped burst).
    pub grouped: u32,
}

/// Counters of what the engine did, for the status bar and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertStats {
    /// Alerts returned (a grouped alert counts once).
    pub raised: u64,
    /// Alerts returned with `os_notify = true`.
    pub os_notified: u64,
    /// Critical alerts that did not notify because of the per-minute cap.
    pub rate_limited: u64,
    /// Critical alerts that did not notify because their connection was muted.
    pub muted: u64,
    /// Alerts held for grouping (they come back inside a grouped alert).
    pub held_for_grouping: u64,
    /// Events ignored as duplicates (same dedupe key, or `Applied::Duplicate`).
    pub duplicate_events: u64,
    /// Candidates dropped by storm control (already alerted, not re-armed, repeat).
    pub suppressed: u64,
}

/// Alerts held for one (rule, connection) during a group window.
#[derive(Debug)]
struct Group {
    window_end: DateTime<Utc>,
    held: Vec<Alert>,
    shorts: Vec<String>,
}

/// A set of strings that forgets its oldest members beyond a cap.
#[derive(Debug, Default)]
struct BoundedSet {
    members: HashMap<String, u64>,
    order: VecDeque<(String, u64)>,
    generation: u64,
}

impl BoundedSet {
    /// Adds `key`; `false` when it was already there.
    fn insert(&mut self, key: &str) -> bool {
        if self.members.contains_key(key) {
            return false;
        }
        self.generation += 1;
        self.members.insert(key.to_owned(), self.generation);
        self.order.push_back((key.to_owned(), self.generation));
        while self.members.len() > MEMORY_CAP {
            let Some((old, gen)) = self.order.pop_front() else {
                break;
            };
            // Only the entry of the current generation evicts (a removed and re-added key
            // leaves a stale entry behind).
            if self.members.get(&old) == Some(&gen) {
                self.members.remove(&old);
            }
        }
        // Keep stale entries from piling up when keys are removed often.
        if self.order.len() > 2 * MEMORY_CAP {
            let members = &self.members;
            self.order.retain(|(k, g)| members.get(k) == Some(g));
        }
        true
    }

    fn remove(&mut self, key: &str) -> bool {
        self.members.remove(key).is_some()
    }

    #[cfg(test)]
    fn contains(&self, key: &str) -> bool {
        self.members.contains_key(key)
    }
}

/// The stateful alert engine: rules + storm control. Pure: time is an argument.
#[derive(Debug)]
pub struct AlertEngine {
    defaults: AlertThresholds,
    per_connection: HashMap<ConnectionId, AlertThresholds>,
    muted_until: HashMap<ConnectionId, DateTime<Utc>>,
    /// Event dedupe keys already evaluated.
    seen_events: BoundedSet,
    /// `Gate::Once` keys already raised.
    once: BoundedSet,
    /// `Gate::Level` keys raised and not yet re-armed.
    tripped: BoundedSet,
    /// `Gate::Repeat` keys → when last raised.
    repeats: HashMap<String, DateTime<Utc>>,
    groups: HashMap<(String, ConnectionId), Group>,
    /// When the OS notifications of the last minute were granted.
    notified_at: VecDeque<DateTime<Utc>>,
    seq: u64,
    stats: AlertStats,
}

impl AlertEngine {
    /// An engine with these thresholds for every connection without its own.
    pub fn new(defaults: AlertThresholds) -> Self {
        Self {
            defaults,
            per_connection: HashMap::new(),
            muted_until: HashMap::new(),
            seen_events: BoundedSet::default(),
            once: BoundedSet::default(),
            tripped: BoundedSet::default(),
            repeats: HashMap::new(),
            groups: HashMap::new(),
            notified_at: VecDeque::new(),
            seq: 0,
            stats: AlertStats::default(),
        }
    }

    /// Thresholds for one connection (from its `[connections.alerts]` table). The
    /// notification cap stays global: it is always the defaults'.
    pub fn set_thresholds(&mut self, connection: &ConnectionId, t: AlertThresholds) {
        self.per_connection.insert(connection.clone(), t);
    }

    /// The thresholds that apply to a connection.
    pub fn thresholds(&self, connection: &ConnectionId) -> AlertThresholds {
        self.per_connection
            .get(connection)
            .copied()
            .unwrap_or(self.defaults)
    }

    /// Mute (snooze) a connection until a time; `None` unmutes. Muted alerts are still
    /// returned (they belong in the history) but never ask for an OS notification. Mute
    /// "forever" with [`DateTime::<Utc>::MAX_UTC`].
    pub fn set_muted(&mut self, connection: &ConnectionId, until: Option<DateTime<Utc>>) {
        match until {
            Some(t) => {
                self.muted_until.insert(connection.clone(), t);
            }
            None => {
                self.muted_until.remove(connection);
            }
        }
    }

    /// Whether a connection is muted at `now`.
    pub fn is_muted(&self, connection: &ConnectionId, now: DateTime<Utc>) -> bool {
        self.muted_until.get(connection).is_some_and(|t| now < *t)
    }

    /// Counters so far.
    pub fn stats(&self) -> AlertStats {
        self.stats
    }

    /// When the earliest held group is due: call [`AlertEngine::tick`] then (or later).
    pub fn next_flush_at(&self) -> Option<DateTime<Utc>> {
        self.groups
            .values()
            .filter(|g| !g.held.is_empty())
            .map(|g| g.window_end)
            .min()
    }

    /// Evaluate one event. `applied` is what the reducer did with it: a duplicate never
    /// alerts, and a stale reading (older than the entity's state) never moves a
    /// hysteresis level.
    pub fn on_event(&mut self, ev: &Event, applied: Applied, now: DateTime<Utc>) -> Vec<Alert> {
        let mut out = Vec::new();
        if applied == Applied::Duplicate
            || (!ev.dedupe_key.is_empty() && !self.seen_events.insert(&ev.dedupe_key))
        {
            self.stats.duplicate_events += 1;
            return out;
        }
        let thresholds = self.thresholds(&ev.connection);
        let ctx = Ctx {
            connection: &ev.connection,
            gateway: ev.gateway,
            thresholds: &thresholds,
        };
        for candidate in rules::evaluate(ev, &ctx) {
            match candidate {
                Candidate::Rearm { key } => {
                    if applied != Applied::Stale {
                        self.tripped.remove(&key);
                    }
                }
                Candidate::Raise { gate, draft } => {
                    if matches!(gate, Gate::Level(_)) && applied == Applied::Stale {
                        continue;
                    }
                    if !self.pass(&gate, now) {
                        self.stats.suppressed += 1;
                        continue;
                    }
                    let alert = self.make_alert(&ev.connection, ev.gateway, &draft, now);
                    self.route(alert, draft.short, now, &mut out);
                }
            }
        }
        out
    }

    /// A gateway `error` that arrived as a control message (Hashi `error`, Axisor
    /// `INVALID_ROOM` / `RATE_LIMIT_EXCEEDED`, Fusion `error`): a warning, with identical
    /// repeats within a minute dropped.
    pub fn on_server_error(
        &mut self,
        connection: &ConnectionId,
        gateway: GatewayKind,
        code: Option<&str>,
        message: &str,
        now: DateTime<Utc>,
    ) -> Vec<Alert> {
        let thresholds = self.thresholds(connection);
        let ctx = Ctx {
            connection,
            gateway,
            thresholds: &thresholds,
        };
        let mut out = Vec::new();
        if let Candidate::Raise { gate, draft } = rules::server_error(&ctx, code, message) {
            if self.pass(&gate, now) {
                let alert = self.make_alert(connection, gateway, &draft, now);
                self.route(alert, draft.short, now, &mut out);
            } else {
                self.stats.suppressed += 1;
            }
        }
        out
    }

    /// Flush the groups whose window has ended; forget old repeat keys. Call it about
    /// once a second, or at [`AlertEngine::next_flush_at`].
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Alert> {
        let due: Vec<(String, ConnectionId)> = self
            .groups
            .iter()
            .filter(|(_, g)| g.window_end <= now)
            .map(|(k, _)| k.clone())
            .collect();
        let mut out = Vec::new();
        for key in due {
            if let Some(group) = self.groups.remove(&key) {
                if let Some(a) = self.flush(group, now) {
                    out.push(a);
                }
            }
        }
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        let longest =
            Duration::seconds(rules::ZKDE_REPEAT_SECS.max(rules::SERVER_ERROR_REPEAT_SECS));
        self.repeats.retain(|_, t| now - *t < longest);
        out
    }

    /// Whether storm control lets a candidate through; records it if so.
    fn pass(&mut self, gate: &Gate, now: DateTime<Utc>) -> bool {
        match gate {
            Gate::Always => true,
            Gate::Once(key) => self.once.insert(key),
            Gate::Level(key) => self.tripped.insert(key),
            Gate::Repeat { key, secs } => {
                let quiet = self
                    .repeats
                    .get(key)
                    .is_some_and(|t| now - *t < Duration::seconds(*secs));
                if quiet {
                    return false;
                }
                if self.repeats.len() >= MEMORY_CAP {
                    self.repeats.clear();
                }
                self.repeats.insert(key.clone(), now);
                true
            }
        }
    }

    fn make_alert(
        &mut self,
        connection: &ConnectionId,
        gateway: GatewayKind,
        d: &Draft,
        now: DateTime<Utc>,
    ) -> Alert {
        self.seq += 1;
        let entity = d.entity.as_ref().map_or("-", |e| e.id.as_str());
        Alert {
            id: format!(
                "{}:{connection}:{entity}:{}-{}",
                d.rule,
                now.timestamp_millis(),
                self.seq
            ),
            rule: d.rule.clone(),
            severity: d.severity,
            connection: connection.clone(),
            gateway,
            venue: gateway.venue().to_owned(),
            entity: d.entity.clone(),
            symbol: d.symbol.clone(),
            title: d.title.clone(),
            body: d.body.clone(),
            at: now,
            os_notify: d.severity == Severity::Critical,
            grouped: 1,
        }
    }

    /// Send at once (first of a window) or hold for the group.
    fn route(&mut self, alert: Alert, short: String, now: DateTime<Utc>, out: &mut Vec<Alert>) {
        let window = self.thresholds(&alert.connection).group_window_secs;
        if window == 0 {
            out.push(self.finalize(alert, now));
            return;
        }
        let key = (alert.rule.clone(), alert.connection.clone());
        match self.groups.get_mut(&key) {
            Some(g) if now < g.window_end => {
                g.held.push(alert);
                g.shorts.push(short);
                self.stats.held_for_grouping += 1;
            }
            _ => {
                // A window that ended without a tick: its held alerts go out first.
                if let Some(old) = self.groups.remove(&key) {
                    if let Some(a) = self.flush(old, now) {
                        out.push(a);
                    }
                }
                let window = i64::try_from(window).unwrap_or(i64::MAX / 1_000_000);
                let window_end = now
                    .checked_add_signed(Duration::seconds(window))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                self.groups.insert(
                    key,
                    Group {
                        window_end,
                        held: Vec::new(),
                        shorts: Vec::new(),
                    },
                );
                out.push(self.finalize(alert, now));
            }
        }
    }

    /// One alert for what a group held (none if it held nothing).
    fn flush(&mut self, group: Group, now: DateTime<Utc>) -> Option<Alert> {
        let Group {
            mut held, shorts, ..
        } = group;
        if held.len() <= 1 {
            let a = held.pop()?;
            return Some(self.finalize(a, now));
        }
        let n = held.len();
        let first = held.first()?;
        let (rule, connection, gateway) =
            (first.rule.clone(), first.connection.clone(), first.gateway);
        let symbol = if held.iter().all(|a| a.symbol == first.symbol) {
            first.symbol.clone()
        } else {
            None
        };
        let entity = if held.iter().all(|a| a.entity == first.entity) {
            first.entity.clone()
        } else {
            None
        };
        let severity = held.iter().map(|a| a.severity).max().unwrap_or_default();
        let os_notify = held.iter().any(|a| a.os_notify);
        let at = held.iter().map(|a| a.at).max().unwrap_or(now);
        let title = group_title(&rule, n, &connection);
        let mut body = format!("{title}:");
        for s in shorts.iter().take(GROUP_LIST_MAX) {
            body.push_str(&format!("\n• {s}"));
        }
        if n > GROUP_LIST_MAX {
            body.push_str(&format!("\n… and {} more", n - GROUP_LIST_MAX));
        }
        self.seq += 1;
        let alert = Alert {
            id: format!(
                "{rule}:{connection}:group:{}-{}",
                now.timestamp_millis(),
                self.seq
            ),
            rule,
            severity,
            venue: gateway.venue().to_owned(),
            connection,
            gateway,
            entity,
            symbol,
            title,
            body,
            at,
            os_notify,
            grouped: u32::try_from(n).unwrap_or(u32::MAX),
        };
        Some(self.finalize(alert, now))
    }

    /// Apply mute and the global notification cap at the moment an alert goes out.
    fn finalize(&mut self, mut alert: Alert, now: DateTime<Utc>) -> Alert {
        self.stats.raised += 1;
        if !alert.os_notify {
            return alert;
        }
        if self.is_muted(&alert.connection, now) {
            alert.os_notify = false;
            self.stats.muted += 1;
            return alert;
        }
        let minute_ago = now - Duration::seconds(60);
        while self.notified_at.front().is_some_and(|t| *t <= minute_ago) {
            self.notified_at.pop_front();
        }
        let cap = usize::try_from(self.defaults.max_notifications_per_minute).unwrap_or(usize::MAX);
        if self.notified_at.len() >= cap {
            alert.os_notify = false;
            self.stats.rate_limited += 1;
        } else {
            self.notified_at.push_back(now);
            self.stats.os_notified += 1;
        }
        alert
    }

    #[cfg(test)]
    fn is_tripped(&self, key: &str) -> bool {
        self.tripped.contains(key)
    }
}

/// "5 positions liquidated on dimes-partner".
fn group_title(rule: &str, n: usize, connection: &ConnectionId) -> String {
    let what = match rule {
        "dimes.liquidated" => "positions liquidated",
        "dimes.force_unwound" => "positions force-unwound (leverage reduced)",
        "dimes.reverted" => "position opens reverted",
        "dimes.partial_open_floor_missed" => "partial opens missed their floor",
        "axisor.margin_risk" => "positions at margin risk",
        "axisor.auto_close" => "positions auto-closed",
        "axisor.price_alert" => "price alerts triggered",
        "axisor.service_status" => "services degraded",
        "axisor.server_maintenance" => "maintenance notices",
        "zkde.health_factor" => "health-factor alerts",
        "zkde.drawdown" => "drawdown alerts",
        "zkde.exposure" => "exposure alerts",
        "zkde.alert" => "zkde alerts",
        "zkde.agent_error" => "agents in error",
        "fusion.intent_failed" => "intents failed",
        r if r.ends_with(".error") => "gateway errors",
        _ => "alerts",
    };
    format!("{n} {what} on {connection}")
}
