//! Nothing from the network can panic: arbitrary strings and arbitrary JSON (biased toward
//! the documents' vocabulary so the deep paths are reached) go through every decoder, and
//! whatever decodes goes on through the reducer and every view.

mod common;

use gatewatch_core::reduce::Reducer;
use gatewatch_core::views::{ContractView, IntentView, LobbyView, PositionView, StorageItemView};
use gatewatch_core::{decode, Decoded, GatewayKind, WireMessage};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

const KEYS: &[&str] = &[
    "type",
    "data",
    "id",
    "created_at",
    "payload",
    "position",
    "positions",
    "summary",
    "intentId",
    "contractId",
    "lobbyId",
    "storageId",
    "lobbyCode",
    "playerId",
    "lobby",
    "players",
    "participantCount",
    "storage",
    "status",
    "timestamp",
    "updatedAt",
    "symbol",
    "executionId",
    "isAtRisk",
    "service",
    "strategy_id",
    "pool_id",
    "proof_hash",
    "position_id",
    "agent_id",
    "alert_type",
    "alert_id",
    "severity",
    "error",
    "code",
    "message",
    "params",
    "entry",
    "current",
    "risk",
    "result",
    "candles",
    "channel",
    "subscribedRooms",
    "current_value",
    "proofStatus",
    "participants",
];

const WORDS: &[&str] = &[
    "position.created",
    "position.opening",
    "position.opened",
    "position.closed",
    "position.force_unwound",
    "position.liquidated",
    "notification",
    "contract:event",
    "lobby:event",
    "storage:event",
    "contract.created",
    "contract.payout_finalized",
    "lobby.joined",
    "lobby.left",
    "lobby.deleted",
    "storage.deleted",
    "connected",
    "pong",
    "ping",
    "error",
    "connection",
    "room_subscription",
    "market_data_update",
    "historical_data_update",
    "price_alert",
    "margin_guard_execution",
    "position_status_update",
    "auto_close_execution",
    "in_app_notification",
    "notification_status_update",
    "server_maintenance",
    "service_status_update",
    "strategy_update",
    "market_change",
    "alert",
    "proof_complete",
    "position_update",
    "agent_status_change",
    "AUTH_ERROR",
    "AUTHENTICATION_FAILED",
    "AUTHENTICATION_ERROR",
    "unauthorized",
    "completed",
    "failed",
    "matched",
    "critical",
    "2025-06-01T10:00:05.000Z",
    "1736159400",
    "",
    "dm_pos_1",
    "evt_1",
];

const EVENTS: &[&str] = &[
    "position.created",
    "position.opened",
    "position.closed",
    "position.liquidated",
    "notification",
    "error",
    "connect_error",
    "intent:status",
    "intent:proof",
    "intent:new",
    "intent:status_changed",
    "intent:proof_changed",
    "intent:removed",
    "intent:not_found",
    "mempool:stats",
    "pong",
    "intent:settlement_proof",
    "",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        proptest::sample::select(WORDS).prop_map(|s| Value::String(s.to_owned())),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(KEYS).prop_map(str::to_owned),
                        "[a-z]{1,6}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn project_all(r: &Reducer) {
    for s in r.entities() {
        let _ = PositionView::from_state(s);
        let _ = IntentView::from_state(s);
        let _ = LobbyView::from_state(s);
        let _ = ContractView::from_state(s);
        let _ = StorageItemView::from_state(s);
    }
}

fn feed(r: &mut Reducer, gateway: GatewayKind, msg: WireMessage<'_>) {
    if let Ok(Decoded::Event(e)) = decode(&common::ctx(gateway), msg) {
        r.apply(&e);
        r.apply(&e);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,64}|\\{.{0,64}") {
        let mut r = Reducer::new();
        for g in GatewayKind::ALL {
            feed(&mut r, g, WireMessage::Text(&s));
            feed(&mut r, g, WireMessage::SocketIo { event: &s, args: &[] });
        }
        project_all(&r);
    }

    #[test]
    fn arbitrary_json_never_panics(
        v in json(),
        inner in json(),
        ty in proptest::sample::select(WORDS),
        name in proptest::sample::select(EVENTS),
    ) {
        let mut r = Reducer::new();
        // The value as is, and wrapped in the raw-WS envelope with a known type.
        let wrapped = serde_json::json!({"type": ty, "data": inner.clone()});
        let texts = [v.to_string(), wrapped.to_string()];
        let dimes_env = serde_json::json!({"id": "evt_x", "type": ty, "data": inner});
        for g in GatewayKind::ALL {
            for t in &texts {
                feed(&mut r, g, WireMessage::Text(t));
            }
            for args in [vec![v.clone()], vec![dimes_env.clone()], vec![], vec![v.clone(), v.clone()]] {
                feed(&mut r, g, WireMessage::SocketIo { event: name, args: &args });
                feed(&mut r, g, WireMessage::SocketIo { event: ty, args: &args });
            }
        }
        project_all(&r);
    }
}
