//! Folding engine updates into the next [`UiBatch`]: entities are kept by key so a position
//! that changed ten times between two flushes is sent once, in its latest state; toasts and
//! alerts are kept in order (bounded). Pure: no I/O, no clock.

use std::collections::HashMap;

use gatewatch_core::alerts::{toast_for_server_error, Alert, Toast};
use gatewatch_core::reduce::EntityState;
use gatewatch_core::views::{ContractView, IntentView, LobbyView, PositionView, StorageItemView};
use gatewatch_core::{EntityKind, GatewayKind};
use gatewatch_engine::{ConnectionStatus, Update};
use gatewatch_store::AlertRow;

use crate::ipc::{EngineReset, FrameRow, MempoolStats, UiBatch};

/// At most this many toasts (and as many alerts) wait for one flush; a storm beyond that
/// keeps the newest. Each flush empties them, so this only bites above ~6,000 a second.
const MAX_PENDING_NOTICES: usize = 200;

/// What the next batch will carry.
#[derive(Debug, Default)]
pub struct Pending {
    reset: Option<EngineReset>,
    connections: Option<Vec<ConnectionStatus>>,
    positions: HashMap<(String, String), PositionView>,
    intents: HashMap<(String, String), IntentView>,
    lobbies: HashMap<(String, String), LobbyView>,
    contracts: HashMap<(String, String), ContractView>,
    storage_items: HashMap<(String, String), StorageItemView>,
    toasts: Vec<Toast>,
    alerts: Vec<AlertRow>,
    mempool: Option<MempoolStats>,
    gateways: Gateways,
}

impl Pending {
    /// Fold one update in.
    pub fn apply(&mut self, update: &Update) {
        match update {
            Update::Event {
                state: Some(state), ..
            } => self.add_state(state),
            Update::Event { .. } | Update::State { .. } | Update::DecodeError { .. } => {}
            Update::Alert(alert) => push_bounded(&mut self.alerts, alert_row(alert)),
            Update::Toast(_) | Update::ServerError { .. } => {}
        }
        if let Some(toast) = toast_of(update, &self.gateways) {
            push_bounded(&mut self.toasts, toast);
        }
    }

    /// Add (or replace) one entity's latest state.
    pub fn add_state(&mut self, state: &EntityState) {
        match state.key.entity.kind {
            EntityKind::Position => {
                if let Some(v) = PositionView::from_state(state) {
                    self.positions.insert((v.venue.clone(), v.id.clone()), v);
                }
            }
            EntityKind::Intent => {
                if let Some(v) = IntentView::from_state(state) {
                    self.intents.insert((v.connection.clone(), v.id.clone()), v);
                }
            }
            EntityKind::Lobby => {
                if let Some(v) = LobbyView::from_state(state) {
                    self.lobbies.insert((v.connection.clone(), v.id.clone()), v);
                }
            }
            EntityKind::Contract => {
                if let Some(v) = ContractView::from_state(state) {
                    self.contracts
                        .insert((v.connection.clone(), v.id.clone()), v);
                }
            }
            EntityKind::StorageItem => {
                if let Some(v) = StorageItemView::from_state(state) {
                    self.storage_items
                        .insert((v.connection.clone(), v.id.clone()), v);
                }
            }
            EntityKind::Mempool => {
                let stats = mempool_stats(state);
                // Several Fusion connections: the most recent stats win.
                if self.mempool.as_ref().is_none_or(|m| m.at <= stats.at) {
                    self.mempool = Some(stats);
                }
            }
            // Markets, strategies, proofs, agents… are in the event log and the inspector;
            // the UI has no board for them.
            _ => {}
        }
    }

    /// The next batch will be the whole state: forget the entities and statuses pending
    /// (they may be the previous engine's) and mark it, so the UI replaces rather than merges.
    /// Call before adding every entity and status of the engine.
    pub fn reset(&mut self, demo: bool) {
        self.reset = Some(EngineReset { demo });
        self.connections = None;
        self.positions.clear();
        self.intents.clear();
        self.lobbies.clear();
        self.contracts.clear();
        self.storage_items.clear();
        self.mempool = None;
    }

    /// Every connection's status (replaces what was pending).
    pub fn set_connections(&mut self, connections: Vec<ConnectionStatus>) {
        self.gateways = gateways_of(&connections);
        self.connections = Some(connections);
    }

    /// The batch to send, with `frames` and the count of frames the reader lost; `None` when
    /// there is nothing at all (no empty batches cross the IPC).
    pub fn take(&mut self, frames: Vec<FrameRow>, frames_dropped: u64) -> Option<UiBatch> {
        let batch = UiBatch {
            reset: self.reset.take(),
            connections: self.connections.take().unwrap_or_default(),
            positions: drain(&mut self.positions),
            intents: drain(&mut self.intents),
            lobbies: drain(&mut self.lobbies),
            contracts: drain(&mut self.contracts),
            storage_items: drain(&mut self.storage_items),
            frames,
            toasts: std::mem::take(&mut self.toasts),
            alerts: std::mem::take(&mut self.alerts),
            mempool: self.mempool.take(),
            frames_dropped,
        };
        (!batch.is_empty()).then_some(batch)
    }
}

fn drain<V>(map: &mut HashMap<(String, String), V>) -> Vec<V> {
    map.drain().map(|(_, v)| v).collect()
}

fn push_bounded<T>(list: &mut Vec<T>, item: T) {
    if list.len() >= MAX_PENDING_NOTICES {
        list.remove(0);
    }
    list.push(item);
}

/// The toast an update shows, if any: the engine's own toasts (notifications, notices,
/// proofs, failed intents…) and one per server error (Hashi's `error` messages, Axisor's
/// codes). Alerts are not toasts: they have their own list (and OS notifications), and the
/// event behind a warning alert often has its toast already.
pub fn toast_of(update: &Update, gateways: &Gateways) -> Option<Toast> {
    match update {
        Update::Toast(toast) => Some(Toast::clone(toast)),
        Update::ServerError {
            connection,
            code,
            message,
        } => {
            // Demo connections are named after their kind.
            let gateway = gateways
                .get(connection.as_str())
                .copied()
                .or_else(|| connection.as_str().parse().ok())?;
            Some(toast_for_server_error(
                connection,
                gateway,
                code.as_deref(),
                message,
                chrono::Utc::now(),
            ))
        }
        _ => None,
    }
}

/// Connection name → gateway kind (a `ServerError` update names only the connection).
pub type Gateways = HashMap<String, GatewayKind>;

/// The gateway kinds of `statuses`' connections.
pub fn gateways_of(statuses: &[ConnectionStatus]) -> Gateways {
    statuses
        .iter()
        .map(|s| (s.connection.clone(), s.gateway))
        .collect()
}

/// The UI's alert row for an alert just raised. `notified_os` says an OS notification was
/// due (critical, not muted, within the rate limit); the engine's notifier sends it.
pub fn alert_row(a: &Alert) -> AlertRow {
    AlertRow::from_alert(a, a.os_notify)
}

/// Fusion's `mempool:stats` entity as the UI's stats (fields at the top level or under `data`).
pub fn mempool_stats(state: &EntityState) -> MempoolStats {
    use gatewatch_core::models::fusion::MempoolStats as Wire;
    let parse = |v: &serde_json::Value| serde_json::from_value::<Wire>(v.clone()).ok();
    let wire = state
        .data
        .get("data")
        .filter(|d| d.is_object())
        .and_then(parse)
        .or_else(|| parse(&state.data))
        .unwrap_or_default();
    MempoolStats {
        connection: state.connection.to_string(),
        total: wire.total,
        submitted: wire.submitted,
        matched: wire.matched,
        executing: wire.executing,
        completed: wire.completed,
        failed: wire.failed,
        cancelled: wire.cancelled,
        at: state.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use gatewatch_core::reduce::{EntityKey, Reducer};
    use gatewatch_core::{decode, ConnectionId, DecodeContext, Decoded, GatewayKind, WireMessage};
    use std::sync::Arc;

    /// A real Dimes event through the real decoder and reducer: the update the engine sends.
    fn dimes_update(
        reducer: &mut Reducer,
        evt: &str,
        kind: &str,
        pos: &str,
        status: &str,
        sec: u32,
    ) -> Update {
        let payload = serde_json::json!({
            "id": evt, "type": kind,
            "created_at": format!("2026-01-01T00:00:{sec:02}Z"),
            "data": {"id": pos, "status": status, "market_title": "FED-CUT"}
        });
        let ctx = DecodeContext::new("dimes-partner", GatewayKind::DimesPartner, Utc::now());
        let Ok(Decoded::Event(event)) = decode(
            &ctx,
            WireMessage::SocketIo {
                event: kind,
                args: &[payload],
            },
        ) else {
            panic!("a valid Dimes event decodes");
        };
        let applied = reducer.apply(&event);
        let state = event
            .entity
            .as_ref()
            .and_then(|e| {
                reducer.get(&EntityKey {
                    venue: "dimes".into(),
                    entity: e.clone(),
                })
            })
            .cloned()
            .map(Arc::new);
        Update::Event {
            event: Arc::new(event),
            applied,
            state,
        }
    }

    #[test]
    fn an_entity_changed_many_times_is_sent_once_in_its_latest_state() {
        let mut reducer = Reducer::new();
        let mut pending = Pending::default();
        pending.apply(&dimes_update(
            &mut reducer,
            "evt_1",
            "position.created",
            "dm_pos_1",
            "pending",
            1,
        ));
        pending.apply(&dimes_update(
            &mut reducer,
            "evt_2",
            "position.opened",
            "dm_pos_1",
            "open",
            2,
        ));
        pending.apply(&dimes_update(
            &mut reducer,
            "evt_3",
            "position.liquidated",
            "dm_pos_1",
            "liquidated",
            3,
        ));
        pending.apply(&dimes_update(
            &mut reducer,
            "evt_4",
            "position.created",
            "dm_pos_2",
            "pending",
            4,
        ));
        let batch = pending.take(Vec::new(), 0).expect("positions changed");
        assert_eq!(batch.positions.len(), 2);
        let p1 = batch
            .positions
            .iter()
            .find(|p| p.id == "dm_pos_1")
            .expect("dm_pos_1");
        assert_eq!(p1.status.as_deref(), Some("liquidated"));
        assert!(p1.closed);
        assert!(
            pending.take(Vec::new(), 0).is_none(),
            "a flush empties what was pending"
        );
    }

    #[test]
    fn a_reset_forgets_what_the_previous_engine_left_pending_and_is_marked() {
        let mut reducer = Reducer::new();
        let mut pending = Pending::default();
        pending.apply(&dimes_update(
            &mut reducer,
            "evt_1",
            "position.created",
            "dm_old",
            "pending",
            1,
        ));
        pending.reset(false);
        let mut fresh = Reducer::new();
        pending.apply(&dimes_update(
            &mut fresh,
            "evt_2",
            "position.created",
            "dm_new",
            "pending",
            2,
        ));
        let batch = pending.take(Vec::new(), 0).expect("a reset batch");
        assert_eq!(batch.reset, Some(EngineReset { demo: false }));
        let ids: Vec<&str> = batch.positions.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["dm_new"]);
        let next = {
            pending.apply(&dimes_update(
                &mut fresh,
                "evt_3",
                "position.opened",
                "dm_new",
                "open",
                3,
            ));
            pending.take(Vec::new(), 0).expect("an update")
        };
        assert_eq!(next.reset, None, "only the batch after a reset is one");
        // A reset alone (an engine with nothing yet) is still news: the UI must clear.
        pending.reset(true);
        let batch = pending
            .take(Vec::new(), 0)
            .expect("a reset is sent even when empty");
        assert_eq!(batch.reset, Some(EngineReset { demo: true }));
    }

    #[test]
    fn a_zkde_position_as_the_simulator_sends_it_is_open() {
        let mut reducer = Reducer::new();
        let ctx = DecodeContext::new("zkde", GatewayKind::Zkde, Utc::now());
        let frame = r#"{"type":"position_update","data":{"position_id":"zpos_1","current_value":101.5,"pool_id":"ekubo"},"timestamp":"2026-01-01T00:00:00Z"}"#;
        let Ok(Decoded::Event(event)) = decode(&ctx, WireMessage::Text(frame)) else {
            panic!("a zkde position_update decodes");
        };
        reducer.apply(&event);
        let state = reducer.entities().next().cloned().expect("a position");
        let mut pending = Pending::default();
        pending.add_state(&state);
        let batch = pending.take(Vec::new(), 0).expect("a position");
        assert_eq!(batch.positions.len(), 1, "{state:?}");
        assert_eq!(
            batch.positions[0].status.as_deref(),
            Some("open"),
            "{state:?}"
        );
        assert!(!batch.positions[0].closed);
    }

    #[test]
    fn nothing_pending_means_no_batch_but_drops_alone_are_reported() {
        let mut pending = Pending::default();
        assert!(pending.take(Vec::new(), 0).is_none());
        let batch = pending.take(Vec::new(), 12).expect("a drop count is news");
        assert_eq!(batch.frames_dropped, 12);
    }

    fn alert(id: &str) -> Alert {
        Alert {
            id: id.into(),
            rule: "dimes.liquidated".into(),
            severity: gatewatch_core::Severity::Critical,
            connection: ConnectionId::new("dimes-partner"),
            gateway: GatewayKind::DimesPartner,
            venue: "dimes".into(),
            entity: Some(gatewatch_core::EntityRef::new(
                EntityKind::Position,
                "dm_pos_1",
            )),
            symbol: None,
            title: "Position liquidated".into(),
            body: "dimes-partner: dm_pos_1".into(),
            at: Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .expect("a valid time"),
            os_notify: true,
            grouped: 1,
        }
    }

    #[test]
    fn alerts_become_rows_not_toasts() {
        let mut pending = Pending::default();
        pending.apply(&Update::Alert(Arc::new(alert("a1"))));
        let batch = pending.take(Vec::new(), 0).expect("an alert");
        assert_eq!(batch.alerts.len(), 1);
        assert_eq!(batch.alerts[0].id, "a1");
        assert_eq!(batch.alerts[0].entity_kind, Some(EntityKind::Position));
        assert_eq!(batch.alerts[0].entity_id.as_deref(), Some("dm_pos_1"));
        assert!(batch.alerts[0].notified_os);
        assert!(batch.toasts.is_empty());
    }

    fn toast(n: usize) -> Update {
        Update::Toast(Arc::new(Toast {
            id: format!("toast:{n}"),
            severity: gatewatch_core::Severity::Info,
            connection: "dimes-customer".into(),
            gateway: GatewayKind::DimesCustomer,
            title: "Order fulfillment retrying".into(),
            body: String::new(),
            at: Utc::now(),
        }))
    }

    #[test]
    fn a_server_error_is_a_toast_and_a_toast_storm_keeps_the_newest() {
        let mut pending = Pending::default();
        pending.apply(&Update::ServerError {
            connection: ConnectionId::new("hashi"),
            code: Some("LOBBY_NOT_FOUND".into()),
            message: "no such lobby".into(),
        });
        for n in 0..(MAX_PENDING_NOTICES + 5) {
            pending.apply(&toast(n));
            pending.apply(&Update::Alert(Arc::new(alert(&format!("a{n}")))));
        }
        let batch = pending.take(Vec::new(), 0).expect("toasts");
        assert_eq!(batch.toasts.len(), MAX_PENDING_NOTICES);
        assert_eq!(batch.alerts.len(), MAX_PENDING_NOTICES);
        let last = batch.alerts.last().expect("alerts");
        assert_eq!(last.id, format!("a{}", MAX_PENDING_NOTICES + 4));
        let last = batch.toasts.last().expect("toasts");
        assert_eq!(last.id, format!("toast:{}", MAX_PENDING_NOTICES + 4));
        // The server error was the oldest notice, so the storm pushed it out...
        assert!(batch.toasts.iter().all(|t| t.id.starts_with("toast:")));
        // ...but alone it is a toast naming the gateway's code.
        pending.apply(&Update::ServerError {
            connection: ConnectionId::new("hashi"),
            code: Some("LOBBY_NOT_FOUND".into()),
            message: "no such lobby".into(),
        });
        let batch = pending.take(Vec::new(), 0).expect("a toast");
        assert_eq!(batch.toasts[0].gateway, GatewayKind::Hashi);
        assert!(
            batch.toasts[0].title.contains("LOBBY_NOT_FOUND"),
            "{:?}",
            batch.toasts[0]
        );
    }

    #[test]
    fn mempool_stats_are_read_at_the_top_level_or_under_data() {
        let mut reducer = Reducer::new();
        let ctx = DecodeContext::new("fusion", GatewayKind::Fusion, Utc::now());
        let args = [serde_json::json!({"total": 7, "matched": "2", "failed": 1})];
        let Ok(Decoded::Event(event)) = decode(
            &ctx,
            WireMessage::SocketIo {
                event: "mempool:stats",
                args: &args,
            },
        ) else {
            panic!("mempool:stats decodes");
        };
        reducer.apply(&event);
        let state = reducer
            .entities()
            .next()
            .cloned()
            .expect("a mempool entity");
        let stats = mempool_stats(&state);
        assert_eq!(
            (stats.total, stats.matched, stats.failed, stats.executing),
            (Some(7), Some(2), Some(1), None)
        );
        let mut wrapped = state.clone();
        wrapped.data = serde_json::json!({"data": {"total": 9}});
        assert_eq!(mempool_stats(&wrapped).total, Some(9));
    }
}
