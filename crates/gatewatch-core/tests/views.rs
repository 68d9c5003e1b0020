//! The venue-independent projections, fed by fixtures folded through the reducer.

mod common;

use gatewatch_core::reduce::{EntityKey, EntityState, Reducer};
use gatewatch_core::views::{ContractView, IntentView, LobbyView, PositionView, StorageItemView};
use gatewatch_core::{Decoded, EntityKind, EntityRef, GatewayKind};
use serde_json::json;

fn fold(gateway: GatewayKind, dir: &str, files: &[&str]) -> Reducer {
    let mut r = Reducer::new();
    for f in files {
        match common::decode_fixture(gateway, dir, f) {
            Ok(Decoded::Event(e)) => {
                r.apply(&e);
            }
            other => panic!("{f}: {other:?}"),
        }
    }
    r
}

fn get(r: &Reducer, venue: &str, kind: EntityKind, id: &str) -> EntityState {
    r.get(&EntityKey {
        venue: venue.to_owned(),
        entity: EntityRef::new(kind, id),
    })
    .cloned()
    .unwrap_or_else(|| panic!("no {venue} {kind} {id}"))
}

#[test]
fn dimes_open_position_reads_the_sections() {
    let r = fold(
        GatewayKind::DimesPartner,
        "dimes",
        &["position_created.json", "position_opened.json"],
    );
    let s = get(&r, "dimes", EntityKind::Position, "dm_pos_abc123");
    let v = PositionView::from_state(&s).expect("position view");
    assert_eq!(v.venue, "dimes");
    assert_eq!(v.market.as_deref(), Some("mkt_btc_100k"));
    assert_eq!(v.side.as_deref(), Some("yes"));
    assert_eq!(v.size, Some(100.0));
    assert_eq!(v.entry, Some(0.62));
    assert_eq!(v.current_value, Some(103.2));
    assert_eq!(v.pnl, Some(3.2));
    assert_eq!(v.leverage, Some(4.0));
    assert_eq!(v.margin, Some(25.0));
    assert_eq!(v.distance_to_liquidation, Some(0.25));
    assert_eq!(v.status.as_deref(), Some("open"));
    assert!(!v.closed && !v.finalizing && !v.at_risk);
    assert_eq!(v.created_at, common::t("2025-06-01T10:00:00Z"));
    assert_eq!(v.updated_at, common::t("2025-06-01T10:00:05Z"));
    // Other projections refuse a position.
    assert!(IntentView::from_state(&s).is_none());
    assert!(LobbyView::from_state(&s).is_none());
    assert!(ContractView::from_state(&s).is_none());
    assert!(StorageItemView::from_state(&s).is_none());
}

#[test]
fn dimes_finalizing_unwound_and_liquidated() {
    let r = fold(
        GatewayKind::DimesCustomer,
        "dimes",
        &["position_created.json", "position_opening.json"],
    );
    let v = PositionView::from_state(&get(&r, "dimes", EntityKind::Position, "dm_pos_abc123"))
        .expect("view");
    assert!(v.finalizing);

    let r = fold(
        GatewayKind::DimesPartner,
        "dimes",
        &["position_opened.json", "position_force_unwound.json"],
    );
    let v = PositionView::from_state(&get(&r, "dimes", EntityKind::Position, "dm_pos_abc123"))
        .expect("view");
    assert!(v.at_risk, "force-unwound and still open");
    assert_eq!(v.current_value, Some(60.0));
    assert!(!v.closed);

    let r = fold(
        GatewayKind::DimesPartner,
        "dimes",
        &["position_opened.json", "position_liquidated.json"],
    );
    let v = PositionView::from_state(&get(&r, "dimes", EntityKind::Position, "dm_pos_abc123"))
        .expect("view");
    assert!(v.closed);
    assert!(!v.at_risk);
    assert_eq!(v.status.as_deref(), Some("liquidated"));
    assert_eq!(
        v.pnl,
        Some(-25.0),
        "the result's pnl, not the last open value"
    );
}

#[test]
fn axisor_position_reads_camel_case_fields() {
    let r = fold(
        GatewayKind::Axisor,
        "axisor",
        &["position_status_update.json"],
    );
    let s = get(&r, "axisor", EntityKind::Position, "pos_123");
    let v = PositionView::from_state(&s).expect("view");
    assert_eq!(v.market.as_deref(), Some("BTC_USD"));
    assert_eq!(v.side.as_deref(), Some("long"));
    assert_eq!(v.size, Some(1000.0));
    assert_eq!(v.entry, Some(43000.0));
    assert_eq!(v.current_value, Some(43500.0));
    assert_eq!(v.pnl, Some(500.0));
    assert_eq!(v.leverage, Some(10.0));
    assert_eq!(v.margin, Some(100.0));
    assert_eq!(v.distance_to_liquidation, Some(0.92));
    assert!(!v.at_risk && !v.closed);

    let r = fold(
        GatewayKind::Axisor,
        "axisor",
        &["position_status_update.json", "auto_close_execution.json"],
    );
    let v = PositionView::from_state(&get(&r, "axisor", EntityKind::Position, "pos_123"))
        .expect("view");
    assert!(v.closed);
    assert_eq!(v.pnl, Some(-150.0));
    assert_eq!(v.market.as_deref(), Some("BTC_USD"));
}

#[test]
fn zkde_position_reads_current_value() {
    let r = fold(GatewayKind::Zkde, "zkde", &["position_update.json"]);
    let v =
        PositionView::from_state(&get(&r, "zkde", EntityKind::Position, "zpos_7")).expect("view");
    assert_eq!(v.current_value, Some(10250.75));
    assert_eq!(v.id, "zpos_7");
    assert!(!v.closed);
    // zkde has no status field: a position its monitor reports on is open (not "unknown",
    // and not history).
    assert_eq!(v.status.as_deref(), Some("open"));
    assert!(!v.finalizing);
}

#[test]
fn intent_view_reads_the_formatted_update() {
    let r = fold(
        GatewayKind::Fusion,
        "fusion",
        &[
            "intent_new.json",
            "intent_status_changed.json",
            "intent_status_failed.json",
        ],
    );
    let s = get(&r, "fusion", EntityKind::Intent, "0x3f1c2a9b");
    let v = IntentView::from_state(&s).expect("intent view");
    assert_eq!(v.status.as_deref(), Some("failed"));
    assert!(v.terminal);
    assert_eq!(v.proof_status.as_deref(), Some("verified"));
    assert_eq!(v.solver.as_deref(), Some("0xsolver1"));
    assert_eq!(v.from_chain.as_deref(), Some("ethereum"));
    assert_eq!(v.to_chain.as_deref(), Some("starknet"));
    assert_eq!(v.amount.as_deref(), Some("1000000000000000000"));
    assert_eq!(v.htlc_state, Some(json!({"source": "locked"})));
    assert_eq!(v.tx_hashes, Some(json!({"sourceLock": "0xaaa"})));
    assert_eq!(v.error.as_deref(), Some("htlc timeout"));
    assert_eq!(v.failure_reason.as_deref(), Some("source lock expired"));
    assert!(PositionView::from_state(&s).is_none());
}

#[test]
fn lobby_contract_and_storage_views() {
    let r = fold(
        GatewayKind::Hashi,
        "hashi",
        &[
            "lobby_created.json",
            "lobby_joined.json",
            "contract_created.json",
            "contract_initialized.json",
            "storage_presigned_url_created.json",
            "storage_multipart_completed.json",
        ],
    );
    let l = LobbyView::from_state(&get(
        &r,
        "hashi",
        EntityKind::Lobby,
        "6b1e9c2a-0f44-4a51-9d0c-3f2a8e7c1b55",
    ))
    .expect("lobby view");
    assert_eq!(l.code.as_deref(), Some("ABC123"));
    assert_eq!(
        l.participants,
        vec!["player_a".to_owned(), "player_b".to_owned()]
    );
    assert_eq!(l.participant_count, Some(2));
    assert!(!l.deleted);
    assert_eq!(l.last_event_type, "lobby.joined");

    let c = ContractView::from_state(&get(
        &r,
        "hashi",
        EntityKind::Contract,
        "550e8400-e29b-41d4-a716-446655440000",
    ))
    .expect("contract view");
    assert_eq!(c.stage, "contract.initialized");
    assert_eq!(c.lobby_id.as_deref(), Some("ABC123"));
    assert!(!c.terminal);

    let s = StorageItemView::from_state(&get(
        &r,
        "hashi",
        EntityKind::StorageItem,
        "9a7d3c10-2b5e-4f6a-8c1d-7e2f4a6b8c90",
    ))
    .expect("storage view");
    assert_eq!(s.stage, "storage.multipart_completed");
    assert_eq!(s.player_id.as_deref(), Some("player_a"));
    assert_eq!(
        s.contract_id.as_deref(),
        Some("550e8400-e29b-41d4-a716-446655440000")
    );
    assert!(!s.terminal);

    let r = fold(
        GatewayKind::Hashi,
        "hashi",
        &[
            "lobby_created.json",
            "lobby_joined.json",
            "lobby_left.json",
            "lobby_deleted.json",
        ],
    );
    let l = LobbyView::from_state(&get(
        &r,
        "hashi",
        EntityKind::Lobby,
        "6b1e9c2a-0f44-4a51-9d0c-3f2a8e7c1b55",
    ))
    .expect("lobby view");
    assert!(l.deleted);
    assert_eq!(l.participant_count, Some(0));
}

#[test]
fn views_never_panic_on_odd_data() {
    let r = fold(
        GatewayKind::DimesPartner,
        "dimes",
        &["position_opened.json"],
    );
    let mut s = get(&r, "dimes", EntityKind::Position, "dm_pos_abc123");
    for data in [
        json!(null),
        json!([1, 2]),
        json!({"entry": "x", "current": {"value": {"nested": true}}, "risk": [1]}),
        json!({"entry": {"price": "not a number"}, "pnl": "12.5"}),
    ] {
        s.data = data;
        let v = PositionView::from_state(&s).expect("view");
        assert_eq!(v.entry, None);
        assert_eq!(v.current_value, None);
    }
    assert_eq!(PositionView::from_state(&s).and_then(|v| v.pnl), Some(12.5));
}
