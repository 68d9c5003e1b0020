//! The reducer rules, one by one, and the shuffle property: any order, with duplicates, of
//! an entity's history folds to the state the in-order history gives.

mod common;

use chrono::{DateTime, Duration, Utc};
use gatewatch_core::reduce::{Applied, EntityKey, EntityState, Reducer, PARTICIPANTS_KEY};
use gatewatch_core::{
    decode, ConnectionId, DecodeContext, Decoded, EntityKind, EntityRef, Event, GatewayKind,
    WireMessage,
};
use proptest::prelude::*;
use serde_json::{json, Value};

fn base() -> DateTime<Utc> {
    common::t("2025-06-01T10:00:00Z")
}

fn at(secs: i64) -> String {
    (base() + Duration::seconds(secs)).to_rfc3339()
}

fn decode_sio(gateway: GatewayKind, conn: &str, name: &str, arg: Value) -> Event {
    let ctx = DecodeContext::new(conn, gateway, common::received_at());
    let args = [arg];
    match decode(
        &ctx,
        WireMessage::SocketIo {
            event: name,
            args: &args,
        },
    ) {
        Ok(Decoded::Event(e)) => e,
        other => panic!("{name}: {other:?}"),
    }
}

fn decode_text(gateway: GatewayKind, msg: Value) -> Event {
    let ctx = DecodeContext::new("test", gateway, common::received_at());
    let text = msg.to_string();
    match decode(&ctx, WireMessage::Text(&text)) {
        Ok(Decoded::Event(e)) => e,
        other => panic!("{msg}: {other:?}"),
    }
}

/// A Dimes position event with the document's envelope; `data` is the position object.
fn dimes(ty: &str, evt: &str, secs: i64, data: Value) -> Event {
    let env = json!({"id": evt, "type": ty, "created_at": at(secs), "data": data});
    decode_sio(GatewayKind::DimesPartner, "dimes-partner", ty, env)
}

fn open_shape(status: &str, value: &str) -> Value {
    json!({"id": "dm_pos_1", "status": status, "entry": {"price": "0.5", "amount": "100"},
           "current": {"value": value, "pnl": "1"}, "risk": {"leverage": 3}, "timing": {"opened_at": at(0)}})
}

fn closed_shape(status: &str, reason: &str) -> Value {
    json!({"id": "dm_pos_1", "status": status, "close_reason": reason,
           "entry": {"price": "0.5", "amount": "100"}, "result": {"pnl": "-3"}})
}

fn fusion(name: &str, arg: Value) -> Event {
    decode_sio(GatewayKind::Fusion, "fusion", name, arg)
}

fn key(venue: &str, kind: EntityKind, id: &str) -> EntityKey {
    EntityKey {
        venue: venue.to_owned(),
        entity: EntityRef::new(kind, id),
    }
}

fn pos_key() -> EntityKey {
    key("dimes", EntityKind::Position, "dm_pos_1")
}

fn state<'a>(r: &'a Reducer, k: &EntityKey) -> &'a EntityState {
    r.get(k).unwrap_or_else(|| panic!("no state for {k:?}"))
}

// ------------------------------------------------------------------------------ rules

#[test]
fn a_duplicate_is_applied_once() {
    let mut r = Reducer::new();
    let e = dimes("position.opened", "evt_1", 5, open_shape("open", "100"));
    assert_eq!(r.apply(&e), Applied::Created);
    assert_eq!(r.apply(&e), Applied::Duplicate);
    assert_eq!(state(&r, &pos_key()).events_applied, 1);
}

#[test]
fn the_same_event_from_both_dimes_gateways_is_one_event_on_one_entity() {
    let mut r = Reducer::new();
    let env = json!({"id": "evt_1", "type": "position.opened", "created_at": at(5), "data": open_shape("open", "1")});
    let a = decode_sio(
        GatewayKind::DimesPartner,
        "partner",
        "position.opened",
        env.clone(),
    );
    let b = decode_sio(
        GatewayKind::DimesCustomer,
        "customer",
        "position.opened",
        env,
    );
    assert_eq!(r.apply(&a), Applied::Created);
    assert_eq!(r.apply(&b), Applied::Duplicate);
    assert_eq!(r.len(), 1);
}

#[test]
fn duplicates_without_an_id_are_detected_by_content() {
    let mut r = Reducer::new();
    let msg = json!({"type": "position_update", "data": {"position_id": "z1", "current_value": 5, "timestamp": at(1)}});
    assert_eq!(
        r.apply(&decode_text(GatewayKind::Zkde, msg.clone())),
        Applied::Created
    );
    assert_eq!(
        r.apply(&decode_text(GatewayKind::Zkde, msg)),
        Applied::Duplicate
    );
}

#[test]
fn the_dedupe_window_is_bounded_and_forgets_the_oldest() {
    let mut r = Reducer::with_dedupe_capacity(2);
    let e1 = dimes("position.created", "evt_1", 1, open_shape("pending", "1"));
    let e2 = dimes("position.opening", "evt_2", 2, open_shape("pending", "1"));
    let e3 = dimes("position.opened", "evt_3", 3, open_shape("open", "1"));
    for e in [&e1, &e2, &e3] {
        assert_ne!(r.apply(e), Applied::Duplicate);
    }
    assert_eq!(r.apply(&e3), Applied::Duplicate);
    // e1 fell out of the window: it is no longer a duplicate, but it is stale.
    assert_eq!(r.apply(&e1), Applied::Stale);
    assert_eq!(state(&r, &pos_key()).status.as_deref(), Some("open"));
}

#[test]
fn close_requested_after_closed_leaves_it_closed() {
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.opened",
        "evt_1",
        5,
        open_shape("open", "1"),
    ));
    assert_eq!(
        r.apply(&dimes(
            "position.closed",
            "evt_3",
            20,
            closed_shape("closed", "closed")
        )),
        Applied::Updated
    );
    let late = dimes(
        "position.close_requested",
        "evt_2",
        10,
        open_shape("closing", "1"),
    );
    assert_eq!(r.apply(&late), Applied::Stale);
    let s = state(&r, &pos_key());
    assert_eq!(s.status.as_deref(), Some("closed"));
    assert!(s.terminal);
    assert_eq!(s.last_event_type, "position.closed");
    assert_eq!(s.data["status"], "closed");
}

#[test]
fn terminal_states_stay_terminal_even_against_newer_timestamps() {
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.liquidated",
        "evt_9",
        10,
        closed_shape("liquidated", "liquidated"),
    ));
    let newer = dimes("position.opened", "evt_2", 99, open_shape("open", "1"));
    r.apply(&newer);
    let s = state(&r, &pos_key());
    assert_eq!(s.status.as_deref(), Some("liquidated"));
    assert!(s.terminal);
    assert_eq!(s.data["status"], "liquidated");
}

#[test]
fn opening_is_finalizing_until_opened() {
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.created",
        "evt_1",
        1,
        open_shape("pending", "1"),
    ));
    assert!(!state(&r, &pos_key()).finalizing);
    r.apply(&dimes(
        "position.opening",
        "evt_2",
        2,
        open_shape("pending", "1"),
    ));
    let s = state(&r, &pos_key());
    assert!(s.finalizing);
    assert_eq!(s.status.as_deref(), Some("pending"));
    r.apply(&dimes(
        "position.opened",
        "evt_3",
        3,
        open_shape("open", "1"),
    ));
    assert!(!state(&r, &pos_key()).finalizing);
    // A late `opening` doesn't bring the finalizing state back.
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.opened",
        "evt_3",
        3,
        open_shape("open", "1"),
    ));
    assert_eq!(
        r.apply(&dimes(
            "position.opening",
            "evt_2",
            2,
            open_shape("pending", "1")
        )),
        Applied::Stale
    );
    assert!(!state(&r, &pos_key()).finalizing);
    // Reverted ends it too.
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.opening",
        "evt_2",
        2,
        open_shape("pending", "1"),
    ));
    r.apply(&dimes(
        "position.reverted",
        "evt_4",
        4,
        closed_shape("cancelled", "reverted"),
    ));
    let s = state(&r, &pos_key());
    assert!(!s.finalizing);
    assert!(s.terminal);
}

#[test]
fn force_unwound_keeps_the_position_open_with_the_new_values() {
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.opened",
        "evt_1",
        5,
        open_shape("open", "100"),
    ));
    assert_eq!(
        r.apply(&dimes(
            "position.force_unwound",
            "evt_2",
            50,
            open_shape("open", "60")
        )),
        Applied::Updated
    );
    let s = state(&r, &pos_key());
    assert_eq!(s.status.as_deref(), Some("open"));
    assert!(!s.terminal);
    assert_eq!(s.last_event_type, "position.force_unwound");
    assert_eq!(s.data["current"]["value"], "60");
}

#[test]
fn closed_shapes_keep_the_fields_they_omit() {
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.opened",
        "evt_1",
        5,
        open_shape("open", "100"),
    ));
    r.apply(&dimes(
        "position.closed",
        "evt_2",
        50,
        closed_shape("closed", "closed"),
    ));
    let s = state(&r, &pos_key());
    assert_eq!(s.data["result"]["pnl"], "-3");
    assert_eq!(s.data["current"]["value"], "100", "open-shape section kept");
}

#[test]
fn partial_updates_merge_and_status_less_events_order_by_time() {
    let mut r = Reducer::new();
    let full = json!({"type": "position_status_update", "channel": "positions", "data": {"userId": "u",
        "position": {"id": "pos_1", "symbol": "BTC_USD", "side": "long", "pnl": 1, "updatedAt": at(10)}}});
    let partial = json!({"type": "position_status_update", "data": {
        "position": {"id": "pos_1", "pnl": 7, "updatedAt": at(20)}}});
    let older = json!({"type": "position_status_update", "data": {
        "position": {"id": "pos_1", "pnl": -5, "leverage": 10, "updatedAt": at(5)}}});
    let k = key("axisor", EntityKind::Position, "pos_1");
    assert_eq!(
        r.apply(&decode_text(GatewayKind::Axisor, full)),
        Applied::Created
    );
    assert_eq!(
        r.apply(&decode_text(GatewayKind::Axisor, partial)),
        Applied::Updated
    );
    let s = state(&r, &k);
    assert_eq!(s.data["pnl"], 7);
    assert_eq!(s.data["symbol"], "BTC_USD");
    // The older event fills the field nobody else gave, and changes nothing else.
    assert_eq!(
        r.apply(&decode_text(GatewayKind::Axisor, older)),
        Applied::Updated
    );
    let s = state(&r, &k);
    assert_eq!(s.data["pnl"], 7);
    assert_eq!(s.data["leverage"], 10);
    assert_eq!(s.updated_at, base() + Duration::seconds(20));
    assert_eq!(s.first_seen_at, base() + Duration::seconds(5));
    assert_eq!(s.events_applied, 3);
}

#[test]
fn an_older_status_less_event_that_adds_nothing_is_stale() {
    let mut r = Reducer::new();
    let new = json!({"type": "position_update", "data": {"position_id": "z1", "current_value": 9, "timestamp": at(9)}});
    let old = json!({"type": "position_update", "data": {"position_id": "z1", "current_value": 3, "timestamp": at(3)}});
    r.apply(&decode_text(GatewayKind::Zkde, new));
    assert_eq!(
        r.apply(&decode_text(GatewayKind::Zkde, old)),
        Applied::Stale
    );
    assert_eq!(
        state(&r, &key("zkde", EntityKind::Position, "z1")).data["current_value"],
        9
    );
}

#[test]
fn axisor_auto_close_is_terminal() {
    let mut r = Reducer::new();
    let close =
        serde_json::from_value::<Value>(common::fixture("axisor", "auto_close_execution.json"))
            .unwrap_or_default();
    r.apply(&decode_text(
        GatewayKind::Axisor,
        common::fixture("axisor", "position_status_update.json"),
    ));
    assert_eq!(
        r.apply(&decode_text(GatewayKind::Axisor, close)),
        Applied::Updated
    );
    let later = json!({"type": "position_status_update", "data": {"position": {"id": "pos_123", "pnl": 1, "updatedAt": "2025-01-06T11:00:00Z"}}});
    r.apply(&decode_text(GatewayKind::Axisor, later));
    let s = state(&r, &key("axisor", EntityKind::Position, "pos_123"));
    assert!(s.terminal);
    assert_eq!(s.status.as_deref(), Some("auto_closed"));
    assert_eq!(s.data["symbol"], "BTC_USD");
    assert_eq!(s.data["reason"], "margin_guard_auto_close");
}

#[test]
fn fusion_terminal_statuses_and_proof_updates() {
    let mut r = Reducer::new();
    let k = key("fusion", EntityKind::Intent, "i1");
    r.apply(&fusion("intent:status", json!({"intentId": "i1", "status": "matched", "proofStatus": "pending", "updatedAt": at(10)})));
    // A proof update carries no status: it updates the proof status, not the status.
    assert_eq!(
        r.apply(&fusion(
            "intent:proof",
            json!({"intentId": "i1", "proofStatus": "verified", "timestamp": at(11)})
        )),
        Applied::Updated
    );
    let s = state(&r, &k);
    assert_eq!(s.status.as_deref(), Some("matched"));
    assert_eq!(s.data["proofStatus"], "verified");
    r.apply(&fusion(
        "intent:status",
        json!({"intentId": "i1", "status": "completed", "updatedAt": at(30)}),
    ));
    r.apply(&fusion("intent:status_changed", json!({"intentId": "i1", "status": "executing", "oldStatus": "LOCKED", "updatedAt": at(40)})));
    let s = state(&r, &k);
    assert_eq!(s.status.as_deref(), Some("completed"));
    assert!(s.terminal);
    r.apply(&fusion(
        "intent:removed",
        json!({"intentId": "i1", "timestamp": at(50)}),
    ));
    assert!(state(&r, &k).terminal);
}

/// `intent:removed` only says the intent left the mempool: it never hides the outcome a
/// support person looks for, in either arrival order, and stands alone only when no outcome
/// was seen.
#[test]
fn fusion_removed_never_hides_an_outcome() {
    let k = key("fusion", EntityKind::Intent, "i1");
    let completed = || {
        fusion(
            "intent:status",
            json!({"intentId": "i1", "status": "completed", "updatedAt": at(30)}),
        )
    };
    let removed = || {
        fusion(
            "intent:removed",
            json!({"intentId": "i1", "timestamp": at(50)}),
        )
    };

    // In order: completed, then removed.
    let mut r = Reducer::new();
    r.apply(&completed());
    r.apply(&removed());
    let s = state(&r, &k);
    assert_eq!(s.status.as_deref(), Some("completed"));
    assert!(s.terminal);

    // Out of order: the removal first, the outcome late.
    let mut r = Reducer::new();
    r.apply(&removed());
    let s = state(&r, &k);
    assert_eq!(s.status.as_deref(), Some("removed"));
    assert!(s.terminal);
    // A late non-outcome status doesn't revive it...
    r.apply(&fusion("intent:status_changed", json!({"intentId": "i1", "status": "executing", "oldStatus": "LOCKED", "updatedAt": at(20)})));
    assert_eq!(state(&r, &k).status.as_deref(), Some("removed"));
    // ...but the outcome replaces "removed".
    assert_eq!(r.apply(&completed()), Applied::Updated);
    let s = state(&r, &k);
    assert_eq!(s.status.as_deref(), Some("completed"));
    assert!(s.terminal);

    // Restored from the store as "removed", the outcome still takes its place.
    let mut restored = Reducer::new();
    let mut only_removed = Reducer::new();
    only_removed.apply(&removed());
    restored.restore(only_removed.entities().cloned());
    restored.apply(&fusion(
        "intent:status",
        json!({"intentId": "i1", "status": "failed", "updatedAt": at(40)}),
    ));
    assert_eq!(state(&restored, &k).status.as_deref(), Some("failed"));
}

#[test]
fn hashi_contract_and_storage_terminals() {
    let h = GatewayKind::Hashi;
    let mut r = Reducer::new();
    let c = |ty: &str, secs: i64| json!({"type": "contract:event", "data": {"type": ty, "contractId": "c1", "lobbyId": "L", "timestamp": at(secs), "payload": {"id": "c1"}}});
    r.apply(&decode_text(h, c("contract.initialized", 1)));
    r.apply(&decode_text(h, c("contract.payout_finalized", 5)));
    assert_eq!(
        r.apply(&decode_text(h, c("contract.mediation_submitted", 9))),
        Applied::Stale
    );
    let s = state(&r, &key("hashi", EntityKind::Contract, "c1"));
    assert_eq!(s.status.as_deref(), Some("contract.payout_finalized"));
    assert!(s.terminal);

    let st = |ty: &str, secs: i64| json!({"type": "storage:event", "data": {"type": ty, "storageId": "s1", "timestamp": at(secs), "payload": {"storage": {}}}});
    r.apply(&decode_text(h, st("storage.multipart_aborted", 3)));
    r.apply(&decode_text(h, st("storage.multipart_completed", 4)));
    assert!(state(&r, &key("hashi", EntityKind::StorageItem, "s1")).terminal);
}

fn lobby(ty: &str, player: &str, secs: i64) -> Event {
    decode_text(
        GatewayKind::Hashi,
        json!({"type": "lobby:event", "data": {"type": ty, "lobbyId": "L1", "lobbyCode": "ABC123",
            "timestamp": at(secs), "payload": {"lobby": {"id": "L1"}, "playerId": player}}}),
    )
}

#[test]
fn lobby_participants_follow_joins_and_leaves() {
    let mut r = Reducer::new();
    r.apply(&lobby("lobby.created", "alice", 1));
    r.apply(&lobby("lobby.joined", "bob", 2));
    r.apply(&lobby("lobby.joined", "carol", 3));
    r.apply(&lobby("lobby.left", "bob", 4));
    let s = state(&r, &key("hashi", EntityKind::Lobby, "L1"));
    assert_eq!(s.data[PARTICIPANTS_KEY], json!(["alice", "carol"]));
    assert_eq!(s.status.as_deref(), Some("lobby.left"));
    // A stale join of bob (older than his leave) doesn't bring him back.
    r.apply(&lobby("lobby.joined", "bob", 0));
    let s = state(&r, &key("hashi", EntityKind::Lobby, "L1"));
    assert_eq!(s.data[PARTICIPANTS_KEY], json!(["alice", "carol"]));
}

#[test]
fn lobby_players_list_is_a_snapshot() {
    let mut r = Reducer::new();
    r.apply(&lobby("lobby.joined", "bob", 2));
    let snap = json!({"type": "lobby:event", "data": {"type": "lobby.joined", "lobbyId": "L1", "timestamp": at(5),
        "payload": {"lobby": {"id": "L1", "players": [{"id": "alice"}, "dave"]}, "playerId": "dave"}}});
    r.apply(&decode_text(GatewayKind::Hashi, snap));
    r.apply(&lobby("lobby.joined", "erin", 6));
    let s = state(&r, &key("hashi", EntityKind::Lobby, "L1"));
    assert_eq!(s.data[PARTICIPANTS_KEY], json!(["alice", "dave", "erin"]));
}

#[test]
fn unknown_events_and_events_without_entity_are_not_folded() {
    let mut r = Reducer::new();
    let unknown = fusion("intent:settlement_proof", json!({"intentId": "i1"}));
    assert_eq!(r.apply(&unknown), Applied::NoEntity);
    assert_eq!(r.apply(&unknown), Applied::Duplicate);
    let no_entity = decode_text(GatewayKind::Zkde, json!({"type": "new_thing", "data": {}}));
    assert_eq!(r.apply(&no_entity), Applied::NoEntity);
    assert!(r.is_empty());
}

#[test]
fn restored_states_order_later_events() {
    let mut seed = Reducer::new();
    seed.apply(&dimes(
        "position.closed",
        "evt_5",
        50,
        closed_shape("closed", "closed"),
    ));
    let states: Vec<EntityState> = seed.entities().cloned().collect();

    let mut r = Reducer::new();
    r.restore(states.clone());
    assert_eq!(r.get(&pos_key()), states.first());
    assert_eq!(
        r.apply(&dimes(
            "position.opened",
            "evt_1",
            60,
            open_shape("open", "1")
        )),
        Applied::Updated
    );
    let s = state(&r, &pos_key());
    assert!(s.terminal, "restored terminal state stays terminal");
    assert_eq!(s.status.as_deref(), Some("closed"));
    assert_eq!(s.data["status"], "closed");
}

#[test]
fn stale_marks_are_set_by_venue_and_kind_and_cleared_by_fresh_data_or_confirm() {
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.opened",
        "evt_1",
        5,
        open_shape("open", "1"),
    ));
    let mut closed = closed_shape("closed", "closed");
    closed["id"] = json!("dm_pos_2");
    r.apply(&dimes("position.closed", "evt_2", 5, closed));
    assert_eq!(
        r.mark_stale("dimes", EntityKind::Position, None),
        1,
        "terminal ones are not marked"
    );
    assert!(state(&r, &pos_key()).stale);
    assert_eq!(r.mark_stale("axisor", EntityKind::Position, None), 0);
    r.apply(&dimes(
        "position.force_unwound",
        "evt_3",
        9,
        open_shape("open", "2"),
    ));
    assert!(!state(&r, &pos_key()).stale);
    r.mark_stale(
        "dimes",
        EntityKind::Position,
        Some(&["dm_pos_1".to_owned()]),
    );
    assert_eq!(
        r.confirm(
            "dimes",
            EntityKind::Position,
            Some(&["dm_pos_1".to_owned()])
        ),
        1
    );
    assert!(!state(&r, &pos_key()).stale);
}

#[test]
fn the_connection_is_the_one_that_set_the_status() {
    let mut r = Reducer::new();
    r.apply(&dimes(
        "position.opened",
        "evt_1",
        5,
        open_shape("open", "1"),
    ));
    let env = json!({"id": "evt_2", "type": "position.closed", "created_at": at(9), "data": closed_shape("closed", "closed")});
    r.apply(&decode_sio(
        GatewayKind::DimesCustomer,
        "customer",
        "position.closed",
        env,
    ));
    let s = state(&r, &pos_key());
    assert_eq!(s.connection, ConnectionId::new("customer"));
    assert_eq!(s.gateway, GatewayKind::DimesCustomer);
}

// ------------------------------------------------------------------------------ property

/// A Dimes position's whole life; times are drawn by the strategy (ties allowed).
fn position_history(times: &[i64]) -> Vec<Event> {
    let steps: [(&str, Value); 7] = [
        ("position.created", open_shape("pending", "100")),
        ("position.opening", open_shape("pending", "100")),
        ("position.opened", open_shape("open", "101")),
        ("position.force_unwound", open_shape("open", "60")),
        ("position.close_requested", open_shape("closing", "62")),
        ("position.closed", closed_shape("closed", "closed")),
        ("position.settled", closed_shape("settled", "settled")),
    ];
    steps
        .into_iter()
        .zip(times)
        .enumerate()
        .map(|(i, ((ty, data), secs))| dimes(ty, &format!("evt_{i}"), *secs, data))
        .collect()
}

/// A Fusion intent's whole life, with proof events and a status_changed carrying oldStatus.
fn intent_history(times: &[i64]) -> Vec<Event> {
    let id = "0xintent";
    let steps: [(&str, Value); 8] = [
        (
            "intent:new",
            json!({"intentId": id, "status": "proofs_pending", "proofStatus": "pending", "amount": "10", "fromChain": "ethereum", "toChain": "starknet"}),
        ),
        (
            "intent:proof",
            json!({"intentId": id, "proofStatus": "generating", "oldProofStatus": "pending"}),
        ),
        (
            "intent:proof_changed",
            json!({"intentId": id, "proofStatus": "verified", "oldProofStatus": "generating", "proofGeneratedAt": at(3)}),
        ),
        (
            "intent:status",
            json!({"intentId": id, "status": "proofs_verified", "proofStatus": "verified"}),
        ),
        (
            "intent:status",
            json!({"intentId": id, "status": "matched", "solver": "0xsolver", "matchedAt": at(5)}),
        ),
        (
            "intent:status_changed",
            json!({"intentId": id, "status": "executing", "oldStatus": "SOURCE_LOCKED", "htlcState": {"source": "locked"}}),
        ),
        (
            "intent:status",
            json!({"intentId": id, "status": "completed", "txHashes": {"dest": "0xdd"}, "completedAt": at(9)}),
        ),
        ("intent:removed", json!({"intentId": id})),
    ];
    steps
        .into_iter()
        .zip(times)
        .map(|((name, mut arg), secs)| {
            let field = if name.starts_with("intent:status") || name == "intent:new" {
                "updatedAt"
            } else {
                "timestamp"
            };
            arg[field] = json!(at(*secs));
            fusion(name, arg)
        })
        .collect()
}

/// A Hashi lobby's life: three players come and go.
fn lobby_history(times: &[i64]) -> Vec<Event> {
    let steps = [
        ("lobby.created", "alice"),
        ("lobby.joined", "bob"),
        ("lobby.joined", "carol"),
        ("lobby.left", "bob"),
        ("lobby.joined", "dave"),
        ("lobby.left", "carol"),
    ];
    steps
        .into_iter()
        .zip(times)
        .map(|((ty, p), secs)| lobby(ty, p, *secs))
        .collect()
}

fn fold(events: &[Event], order: &[usize]) -> Reducer {
    let mut r = Reducer::new();
    for &i in order {
        if let Some(e) = events.get(i) {
            r.apply(e);
        }
    }
    r
}

/// Non-decreasing times (the realistic case) with ties, or any times at all.
fn times(n: usize) -> impl Strategy<Value = Vec<i64>> {
    prop_oneof![
        proptest::collection::vec(0i64..3, n).prop_map(|steps| {
            steps
                .iter()
                .scan(0, |acc, s| {
                    *acc += s;
                    Some(*acc)
                })
                .collect()
        }),
        proptest::collection::vec(0i64..20, n),
    ]
}

/// Every index once, plus up to `n` duplicates, in any order.
fn arrival(n: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0..n, 0..=n).prop_flat_map(move |dups| {
        let mut all: Vec<usize> = (0..n).collect();
        all.extend(dups);
        Just(all).prop_shuffle()
    })
}

fn check_shuffle(events: &[Event], order: &[usize], k: &EntityKey) -> Result<(), TestCaseError> {
    let in_order: Vec<usize> = (0..events.len()).collect();
    let expected = fold(events, &in_order);
    let got = fold(events, order);
    prop_assert_eq!(got.get(k), expected.get(k));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_shuffle_of_a_position_history_folds_to_the_in_order_state(
        (t, order) in (times(7), arrival(7))
    ) {
        let events = position_history(&t);
        check_shuffle(&events, &order, &pos_key())?;
        // And the in-order state is the one the document describes, whatever the times:
        // a terminal (closed or settled) position.
        let r = fold(&events, &(0..7).collect::<Vec<_>>());
        let s = r.get(&pos_key()).ok_or_else(|| TestCaseError::fail("no state"))?;
        prop_assert!(s.terminal);
        prop_assert!(matches!(s.status.as_deref(), Some("closed" | "settled")));
        prop_assert!(!s.finalizing);
        prop_assert_eq!(s.events_applied, 7);
    }

    #[test]
    fn any_shuffle_of_an_intent_history_folds_to_the_in_order_state(
        (t, order) in (times(8), arrival(8))
    ) {
        let events = intent_history(&t);
        let k = key("fusion", EntityKind::Intent, "0xintent");
        check_shuffle(&events, &order, &k)?;
        let r = fold(&events, &(0..8).collect::<Vec<_>>());
        let s = r.get(&k).ok_or_else(|| TestCaseError::fail("no state"))?;
        prop_assert!(s.terminal);
        prop_assert_eq!(&s.data["oldStatus"], "SOURCE_LOCKED");
    }

    #[test]
    fn any_shuffle_of_a_lobby_history_folds_to_the_in_order_state(
        (t, order) in (times(6), arrival(6))
    ) {
        let events = lobby_history(&t);
        check_shuffle(&events, &order, &key("hashi", EntityKind::Lobby, "L1"))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// `Reducer::warm` is only a hint: folding the same arrivals in bursts, warming each
    /// burst first, gives the same verdicts and the same states as folding them one by
    /// one — with a window small enough that bursts push keys out of it (so the eviction
    /// reads are exercised), duplicates, and several entities of several kinds.
    #[test]
    fn warming_a_burst_changes_no_verdict_and_no_state(
        (t, order) in (times(8), arrival(8)),
        capacity in 1usize..12,
        burst in 1usize..9,
    ) {
        // 7 position events, then 8 intent events, then 6 lobby events; each arrival `i`
        // brings the `i`th of each history that has one.
        let mut events = position_history(&t[..7]);
        events.extend(intent_history(&t));
        events.extend(lobby_history(&t[..6]));
        let order: Vec<usize> = order
            .iter()
            .flat_map(|&i| [(i < 7).then_some(i), Some(7 + i), (i < 6).then_some(15 + i)])
            .flatten()
            .collect();
        let mut plain = Reducer::with_dedupe_capacity(capacity);
        let plain_verdicts: Vec<Applied> = order.iter().map(|&i| plain.apply(&events[i])).collect();
        let mut warmed = Reducer::with_dedupe_capacity(capacity);
        let mut warmed_verdicts = Vec::new();
        for chunk in order.chunks(burst) {
            let batch: Vec<Event> = chunk.iter().map(|&i| events[i].clone()).collect();
            warmed.warm(&batch);
            warmed_verdicts.extend(batch.iter().map(|e| warmed.apply(e)));
        }
        prop_assert_eq!(&warmed_verdicts, &plain_verdicts);
        let mut a: Vec<&EntityState> = plain.entities().collect();
        let mut b: Vec<&EntityState> = warmed.entities().collect();
        a.sort_by(|x, y| x.key.cmp(&y.key));
        b.sort_by(|x, y| x.key.cmp(&y.key));
        prop_assert_eq!(a, b);
    }
}

#[test]
fn in_order_position_history_with_increasing_times_ends_settled_with_both_shapes() {
    let events = position_history(&[0, 1, 2, 3, 4, 5, 6]);
    let r = fold(&events, &[0, 1, 2, 3, 4, 5, 6]);
    let s = state(&r, &pos_key());
    assert_eq!(s.status.as_deref(), Some("settled"));
    assert_eq!(s.last_event_type, "position.settled");
    assert_eq!(s.data["close_reason"], "settled");
    assert_eq!(s.data["current"]["value"], "62");
    // Reversed arrival gives the same state.
    let reversed = fold(&events, &[6, 5, 4, 3, 2, 1, 0]);
    assert_eq!(reversed.get(&pos_key()), Some(s));
}
