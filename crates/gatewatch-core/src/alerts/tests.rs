//! Rule tests per gateway (crossing, hysteresis, grouping, duplicates, severity) and the
//! engine's storm control (rate limit, mute). Events are built as the decoders will hand
//! them over: `EventBody::Unknown` with the document's payload.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use super::*;
use crate::event::{EntityKind, EventBody};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .unwrap_or_default()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

fn conn(name: &str) -> ConnectionId {
    ConnectionId::new(name)
}

/// An event as a decoder would produce it. The dedupe key is the envelope id when there
/// is one, else the payload itself (a stand-in for the content hash).
fn event(connection: &str, gateway: GatewayKind, event_type: &str, payload: Value) -> Event {
    let external_id = payload
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| s.starts_with("evt_"))
        .map(str::to_owned);
    let dedupe_key = match &external_id {
        Some(id) => format!("id:{id}"),
        None => format!("h:{gateway}:{event_type}:{payload}"),
    };
    Event {
        connection: conn(connection),
        gateway,
        event_type: event_type.to_owned(),
        external_id,
        dedupe_key,
        entity: None,
        created_at: None,
        received_at: t0(),
        severity: Severity::Info,
        body: EventBody::Unknown,
        payload: payload.into(),
    }
}

fn engine() -> AlertEngine {
    AlertEngine::new(AlertThresholds::default())
}

fn no_grouping() -> AlertThresholds {
    AlertThresholds {
        group_window_secs: 0,
        ..AlertThresholds::default()
    }
}

// ---------------------------------------------------------------------------------------
// Dimes
// ---------------------------------------------------------------------------------------

fn dimes_event(evt_id: &str, event_type: &str, pos_id: &str, extra: Value) -> Event {
    let mut data =
        json!({"id": pos_id, "status": "liquidated", "market": {"ticker": "BTC-100K-DEC"}});
    if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            d.insert(k.clone(), v.clone());
        }
    }
    event(
        "dimes-partner",
        GatewayKind::DimesPartner,
        event_type,
        json!({"id": evt_id, "type": event_type, "created_at": "2026-11-24T10:00:00Z", "data": data}),
    )
}

fn liquidation(evt_id: &str, pos_id: &str) -> Event {
    dimes_event(
        evt_id,
        "position.liquidated",
        pos_id,
        json!({"close_reason": "liquidated",
               "entry": {"price": 0.62},
               "result": {"realized_pnl": -42.5, "collected_liquidation_fee_usdc": 1.25}}),
    )
}

#[test]
fn dimes_liquidation_is_critical_and_says_what_where_and_numbers() {
    let mut e = engine();
    let alerts = e.on_event(&liquidation("evt_1", "dm_pos_1"), Applied::Updated, at(0));
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.rule, "dimes.liquidated");
    assert_eq!(a.severity, Severity::Critical);
    assert!(a.os_notify);
    assert_eq!(a.grouped, 1);
    assert_eq!(a.venue, "dimes");
    assert_eq!(a.symbol.as_deref(), Some("BTC-100K-DEC"));
    assert_eq!(
        a.entity,
        Some(EntityRef::new(EntityKind::Position, "dm_pos_1"))
    );
    for needle in [
        "dm_pos_1",
        "BTC-100K-DEC",
        "dimes-partner",
        "dimes",
        "-42.5",
        "1.25",
        "liquidated",
    ] {
        assert!(a.body.contains(needle), "body lacks {needle}: {}", a.body);
    }
    assert!(
        a.title.contains("dm_pos_1") && a.title.contains("Liquidated"),
        "{}",
        a.title
    );
    assert!(
        a.id.starts_with("dimes.liquidated:dimes-partner:dm_pos_1:"),
        "{}",
        a.id
    );
}

#[test]
fn dimes_duplicates_never_alert_twice() {
    let mut e = engine();
    let ev = liquidation("evt_1", "dm_pos_1");
    assert_eq!(e.on_event(&ev, Applied::Updated, at(0)).len(), 1);
    // Same event delivered again: the reducer says Duplicate…
    assert!(e.on_event(&ev, Applied::Duplicate, at(1)).is_empty());
    // …or doesn't know (no entity state): the engine's own dedupe key check catches it.
    assert!(e.on_event(&ev, Applied::NoEntity, at(2)).is_empty());
    // Re-delivered under a new event id: still the same position, still one alert.
    let again = liquidation("evt_2", "dm_pos_1");
    assert!(e.on_event(&again, Applied::Stale, at(3)).is_empty());
    assert!(e.tick(at(60)).is_empty(), "nothing was held either");
    // The customer gateway sees the same position: same venue, still once.
    let mut cust = liquidation("evt_3", "dm_pos_1");
    cust.connection = conn("dimes-customer");
    cust.gateway = GatewayKind::DimesCustomer;
    assert!(e.on_event(&cust, Applied::Updated, at(4)).is_empty());
    assert!(e.stats().duplicate_events >= 2);
    // A different position does alert.
    assert_eq!(
        e.on_event(&liquidation("evt_4", "dm_pos_2"), Applied::Updated, at(100))
            .len(),
        1
    );
}

#[test]
fn dimes_liquidation_burst_is_grouped() {
    let mut e = engine();
    let first = e.on_event(&liquidation("evt_0", "dm_pos_0"), Applied::Updated, at(0));
    assert_eq!(first.len(), 1, "the first goes out at once");
    for i in 1..=5 {
        let ev = liquidation(&format!("evt_{i}"), &format!("dm_pos_{i}"));
        assert!(e.on_event(&ev, Applied::Updated, at(1)).is_empty(), "held");
    }
    assert_eq!(e.next_flush_at(), Some(at(5)));
    assert!(e.tick(at(4)).is_empty(), "window not over yet");
    let flushed = e.tick(at(5));
    assert_eq!(flushed.len(), 1);
    let g = &flushed[0];
    assert_eq!(g.grouped, 5);
    assert_eq!(g.title, "5 positions liquidated on dimes-partner");
    assert_eq!(g.severity, Severity::Critical);
    assert!(g.os_notify);
    assert_eq!(g.entity, None);
    assert_eq!(
        g.symbol.as_deref(),
        Some("BTC-100K-DEC"),
        "all share the market"
    );
    for i in 1..=5 {
        assert!(g.body.contains(&format!("dm_pos_{i}")), "{}", g.body);
    }
    assert!(!g.body.contains("dm_pos_0"), "the first was already sent");
    assert!(e.tick(at(10)).is_empty(), "flushed once");
    // After the window a new liquidation goes out at once again.
    assert_eq!(
        e.on_event(&liquidation("evt_9", "dm_pos_9"), Applied::Updated, at(11))
            .len(),
        1
    );
}

#[test]
fn group_of_one_is_the_alert_itself_and_expired_window_flushes_without_tick() {
    let mut e = engine();
    e.on_event(&liquidation("evt_0", "dm_pos_0"), Applied::Updated, at(0));
    assert!(e
        .on_event(&liquidation("evt_1", "dm_pos_1"), Applied::Updated, at(2))
        .is_empty());
    // No tick happened; the next alert after the window brings the held one out first.
    let out = e.on_event(&liquidation("evt_2", "dm_pos_2"), Applied::Updated, at(30));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].grouped, 1);
    assert_eq!(
        out[0].entity.as_ref().map(|x| x.id.as_str()),
        Some("dm_pos_1")
    );
    assert_eq!(
        out[1].entity.as_ref().map(|x| x.id.as_str()),
        Some("dm_pos_2")
    );
}

#[test]
fn dimes_warning_rules() {
    let mut e = AlertEngine::new(no_grouping());
    let fu = dimes_event(
        "evt_f1",
        "position.force_unwound",
        "dm_pos_7",
        json!({"status": "open", "current": {"size": 50, "leverage": 2.5}, "risk": {"distance_to_liquidation": 0.31}}),
    );
    let a = e.on_event(&fu, Applied::Updated, at(0));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].rule, "dimes.force_unwound");
    assert_eq!(a[0].severity, Severity::Warning);
    assert!(!a[0].os_notify, "warnings are UI toasts only");
    assert!(
        a[0].body.contains("leverage now 2.5") && a[0].body.contains("0.31"),
        "{}",
        a[0].body
    );
    // A second unwind of the same position is a new fact: it alerts.
    let fu2 = dimes_event("evt_f2", "position.force_unwound", "dm_pos_7", json!({}));
    assert_eq!(e.on_event(&fu2, Applied::Updated, at(1)).len(), 1);

    let rv = dimes_event(
        "evt_r1",
        "position.reverted",
        "dm_pos_8",
        json!({"close_reason": "reverted"}),
    );
    let a = e.on_event(&rv, Applied::Updated, at(2));
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity),
        ("dimes.reverted", Severity::Warning)
    );
    let rv2 = dimes_event("evt_r2", "position.reverted", "dm_pos_8", json!({}));
    assert!(
        e.on_event(&rv2, Applied::Stale, at(3)).is_empty(),
        "reverted once per position"
    );

    let notif = |evt: &str, code: &str| {
        event(
            "dimes-customer",
            GatewayKind::DimesCustomer,
            "notification",
            json!({"id": evt, "type": "notification", "created_at": "2026-11-24T10:00:05Z",
                   "data": {"code": code, "message": "Floor not filled", "params": {"position_id": "dm_pos_9"}}}),
        )
    };
    let a = e.on_event(
        &notif("evt_n1", "PARTIAL_OPEN_FLOOR_MISSED"),
        Applied::NoEntity,
        at(4),
    );
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity),
        ("dimes.partial_open_floor_missed", Severity::Warning)
    );
    assert!(a[0].body.contains("dm_pos_9") && a[0].body.contains("dimes-customer"));
    assert!(e
        .on_event(
            &notif("evt_n2", "ORDER_FULFILLMENT_RETRYING"),
            Applied::NoEntity,
            at(5)
        )
        .is_empty());
    assert!(e
        .on_event(
            &notif("evt_n3", "PARTIAL_OPEN_PROGRESS"),
            Applied::NoEntity,
            at(6)
        )
        .is_empty());

    for routine in [
        "position.opened",
        "position.closed",
        "position.settled",
        "position.created",
    ] {
        let ev = dimes_event(&format!("evt_{routine}"), routine, "dm_pos_1", json!({}));
        assert!(
            e.on_event(&ev, Applied::Updated, at(7)).is_empty(),
            "{routine}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Axisor
// ---------------------------------------------------------------------------------------

fn axisor_update(pos: &str, distance: f64, at_risk: bool, n: u32) -> Event {
    event(
        "axisor",
        GatewayKind::Axisor,
        "position_status_update",
        json!({"type": "position_status_update", "channel": "positions",
               "data": {"userId": "user_123", "position": {
                   "id": pos, "symbol": "BTC_USD", "side": "long", "size": 1000, "leverage": 10,
                   "pnl": -150, "distanceToLiquidation": distance, "isAtRisk": at_risk,
                   "updatedAt": format!("2026-11-24T10:00:{n:02}Z")}}}),
    )
}

fn margin_guard(exec: &str, positions: Value) -> Event {
    event(
        "axisor",
        GatewayKind::Axisor,
        "margin_guard_execution",
        json!({"type": "margin_guard_execution", "channel": "margin_guard",
               "data": {"executionId": exec, "userId": "user_123", "action": "notification_sent",
                        "positions": positions,
                        "summary": {"positionsChecked": 3, "positionsAtRisk": 1}}}),
    )
}

#[test]
fn axisor_crossing_alerts_critical_with_the_distance() {
    let mut e = engine();
    assert!(e
        .on_event(
            &axisor_update("pos_1", 0.92, false, 1),
            Applied::Created,
            at(0)
        )
        .is_empty());
    let a = e.on_event(
        &axisor_update("pos_1", 0.82, false, 2),
        Applied::Updated,
        at(1),
    );
    assert_eq!(a.len(), 1);
    let a = &a[0];
    assert_eq!(
        (a.rule.as_str(), a.severity, a.os_notify),
        ("axisor.margin_risk", Severity::Critical, true)
    );
    assert_eq!(a.symbol.as_deref(), Some("BTC_USD"));
    for needle in [
        "pos_1", "BTC_USD", "axisor", "0.82", "0.85", "-150", "long", "10x",
    ] {
        assert!(a.body.contains(needle), "body lacks {needle}: {}", a.body);
    }
}

#[test]
fn axisor_hysteresis_down_up_within_margin_up_past_margin_down_again() {
    let mut e = AlertEngine::new(no_grouping());
    let key = "axisor.margin_risk:axisor:pos_1";
    let mut n = 0;
    let mut step = |e: &mut AlertEngine, d: f64| {
        n += 1;
        e.on_event(
            &axisor_update("pos_1", d, false, n),
            Applied::Updated,
            at(i64::from(n)),
        )
        .len()
    };
    assert_eq!(step(&mut e, 0.90), 0, "above threshold");
    assert_eq!(step(&mut e, 0.84), 1, "crossed below 0.85");
    assert!(e.is_tripped(key));
    assert_eq!(step(&mut e, 0.80), 0, "still below: no storm");
    assert_eq!(
        step(&mut e, 0.88),
        0,
        "back above threshold but within margin"
    );
    assert!(e.is_tripped(key), "not re-armed within the margin");
    assert_eq!(step(&mut e, 0.83), 0, "dip again without re-arm: no alert");
    assert_eq!(
        step(&mut e, 0.90),
        0,
        "exactly threshold + margin re-arms, no alert"
    );
    assert!(!e.is_tripped(key));
    assert_eq!(step(&mut e, 0.84), 1, "down again: alert");
    assert_eq!(step(&mut e, 0.95), 0);
    assert_eq!(step(&mut e, 0.70), 1, "and again after a full recovery");
}

#[test]
fn axisor_is_at_risk_flag_trips_and_must_clear_to_rearm() {
    let mut e = AlertEngine::new(no_grouping());
    // Above the distance threshold, but the server says at risk.
    assert_eq!(
        e.on_event(
            &axisor_update("pos_2", 0.95, true, 1),
            Applied::Updated,
            at(0)
        )
        .len(),
        1
    );
    // Flag still on, distance high: no re-arm, no repeat.
    assert!(e
        .on_event(
            &axisor_update("pos_2", 0.97, true, 2),
            Applied::Updated,
            at(1)
        )
        .is_empty());
    assert!(e
        .on_event(
            &axisor_update("pos_2", 0.80, true, 3),
            Applied::Updated,
            at(2)
        )
        .is_empty());
    // Flag off but distance within the margin: still not re-armed.
    assert!(e
        .on_event(
            &axisor_update("pos_2", 0.87, false, 4),
            Applied::Updated,
            at(3)
        )
        .is_empty());
    assert!(e
        .on_event(
            &axisor_update("pos_2", 0.80, false, 5),
            Applied::Updated,
            at(4)
        )
        .is_empty());
    // Flag off and distance past the margin: re-armed; flag on again alerts.
    assert!(e
        .on_event(
            &axisor_update("pos_2", 0.93, false, 6),
            Applied::Updated,
            at(5)
        )
        .is_empty());
    assert_eq!(
        e.on_event(
            &axisor_update("pos_2", 0.93, true, 7),
            Applied::Updated,
            at(6)
        )
        .len(),
        1
    );
}

#[test]
fn axisor_stale_reading_never_moves_the_level() {
    let mut e = AlertEngine::new(no_grouping());
    assert!(e
        .on_event(
            &axisor_update("pos_3", 0.60, false, 1),
            Applied::Stale,
            at(0)
        )
        .is_empty());
    assert_eq!(
        e.on_event(
            &axisor_update("pos_3", 0.80, false, 2),
            Applied::Updated,
            at(1)
        )
        .len(),
        1
    );
    // A late, older "healthy" reading must not re-arm.
    assert!(e
        .on_event(
            &axisor_update("pos_3", 0.99, false, 0),
            Applied::Stale,
            at(2)
        )
        .is_empty());
    assert!(e
        .on_event(
            &axisor_update("pos_3", 0.70, false, 3),
            Applied::Updated,
            at(3)
        )
        .is_empty());
}

#[test]
fn axisor_margin_guard_and_status_update_share_one_crossing() {
    let mut e = AlertEngine::new(no_grouping());
    let guard = margin_guard(
        "mg_exec_1",
        json!([{"id": "pos_123", "symbol": "BTC_USD", "distanceToLiquidation": 0.82,
                "isAtRisk": true, "recommendedAction": "close_position"},
               {"id": "pos_456", "symbol": "ETH_USD", "distanceToLiquidation": 0.97, "isAtRisk": false}]),
    );
    let a = e.on_event(&guard, Applied::NoEntity, at(0));
    assert_eq!(a.len(), 1, "one at-risk position");
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity),
        ("axisor.margin_risk", Severity::Critical)
    );
    assert!(
        a[0].body.contains("mg_exec_1") && a[0].body.contains("close_position"),
        "{}",
        a[0].body
    );
    assert_eq!(
        a[0].entity,
        Some(EntityRef::new(EntityKind::Position, "pos_123"))
    );
    // The position update reporting the same crossing does not alert again.
    assert!(e
        .on_event(
            &axisor_update("pos_123", 0.81, true, 1),
            Applied::Updated,
            at(1)
        )
        .is_empty());
    // And the other way round: status update first, then the guard run.
    assert_eq!(
        e.on_event(
            &axisor_update("pos_789", 0.80, true, 2),
            Applied::Updated,
            at(2)
        )
        .len(),
        1
    );
    let guard2 = margin_guard(
        "mg_exec_2",
        json!([{"id": "pos_789", "distanceToLiquidation": 0.79, "isAtRisk": true}]),
    );
    assert!(e.on_event(&guard2, Applied::NoEntity, at(3)).is_empty());
}

#[test]
fn axisor_margin_guard_with_several_at_risk_positions_groups() {
    let mut e = engine();
    let guard = margin_guard(
        "mg_exec_3",
        json!([{"id": "p1", "distanceToLiquidation": 0.5, "isAtRisk": true},
               {"id": "p2", "distanceToLiquidation": 0.6, "isAtRisk": true},
               {"id": "p3", "distanceToLiquidation": 0.7, "isAtRisk": true}]),
    );
    let now = e.on_event(&guard, Applied::NoEntity, at(0));
    assert_eq!(now.len(), 1);
    let later = e.tick(at(5));
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].grouped, 2);
    assert_eq!(later[0].title, "2 positions at margin risk on axisor");
}

#[test]
fn axisor_summary_only_guard_run_alerts_once_per_run() {
    let mut e = AlertEngine::new(no_grouping());
    let mut guard = margin_guard("mg_exec_9", json!([]));
    assert_eq!(e.on_event(&guard, Applied::NoEntity, at(0)).len(), 1);
    guard.dedupe_key.push('x'); // re-delivered with a different hash
    assert!(e.on_event(&guard, Applied::NoEntity, at(1)).is_empty());
}

#[test]
fn axisor_other_rules_and_severities() {
    let mut e = AlertEngine::new(no_grouping());
    let auto_close = |pnl: i64| {
        event(
            "axisor",
            GatewayKind::Axisor,
            "auto_close_execution",
            json!({"type": "auto_close_execution", "channel": "margin_guard",
                   "data": {"executionId": "auto_close_123", "userId": "user_123",
                            "position": {"id": "pos_123", "symbol": "BTC_USD", "closedAt": "2026-11-24T10:30:00Z",
                                         "reason": "margin_guard_auto_close", "pnl": pnl},
                            "executedAt": "2026-11-24T10:30:00Z"}}),
        )
    };
    let a = e.on_event(&auto_close(-150), Applied::Updated, at(0));
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity, a[0].os_notify),
        ("axisor.auto_close", Severity::Critical, true)
    );
    assert!(
        a[0].body.contains("-150") && a[0].body.contains("margin_guard_auto_close"),
        "{}",
        a[0].body
    );
    assert!(
        e.on_event(&auto_close(-151), Applied::Updated, at(1))
            .is_empty(),
        "once per position"
    );

    let price = event(
        "axisor",
        GatewayKind::Axisor,
        "price_alert",
        json!({"type": "price_alert", "channel": "alerts",
               "data": {"id": "alert_123", "symbol": "BTC_USD", "condition": "above", "price": 45000,
                        "currentPrice": 45200, "triggeredAt": "2026-11-24T10:30:00Z"}}),
    );
    let a = e.on_event(&price, Applied::NoEntity, at(2));
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity, a[0].os_notify),
        ("axisor.price_alert", Severity::Info, false)
    );
    assert!(
        a[0].body.contains("BTC_USD went above 45000 (now 45200)"),
        "{}",
        a[0].body
    );

    let status = |s: &str, n: u32| {
        event(
            "axisor",
            GatewayKind::Axisor,
            "service_status_update",
            json!({"type": "service_status_update", "channel": "system",
                   "data": {"service": "margin_guard", "status": s, "message": "delays",
                            "updatedAt": format!("2026-11-24T10:{n:02}:00Z")}}),
        )
    };
    let a = e.on_event(&status("degraded", 1), Applied::Updated, at(3));
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity),
        ("axisor.service_status", Severity::Warning)
    );
    assert!(e
        .on_event(&status("degraded", 2), Applied::Updated, at(4))
        .is_empty());
    assert!(e
        .on_event(&status("operational", 3), Applied::Updated, at(5))
        .is_empty());
    assert_eq!(
        e.on_event(&status("down", 4), Applied::Updated, at(6))
            .len(),
        1
    );

    let maint = event(
        "axisor",
        GatewayKind::Axisor,
        "server_maintenance",
        json!({"type": "server_maintenance", "channel": "system",
               "data": {"scheduled": true, "startTime": "2026-11-25T02:00:00Z", "endTime": "2026-11-25T04:00:00Z",
                        "message": "Scheduled maintenance will begin in 2 hours"}}),
    );
    let a = e.on_event(&maint, Applied::NoEntity, at(7));
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity),
        ("axisor.server_maintenance", Severity::Warning)
    );
    assert!(a[0].body.contains("2026-11-25T02:00:00Z"));

    for routine in [
        "market_data_update",
        "historical_data_update",
        "in_app_notification",
        "notification_status_update",
    ] {
        let ev = event(
            "axisor",
            GatewayKind::Axisor,
            routine,
            json!({"type": routine, "data": {"symbol": "BTC_USD"}}),
        );
        assert!(
            e.on_event(&ev, Applied::NoEntity, at(8)).is_empty(),
            "{routine}"
        );
    }
}

#[test]
fn thresholds_are_per_connection() {
    let mut e = AlertEngine::new(no_grouping());
    let strict = AlertThresholds {
        distance_to_liquidation: 0.5,
        rearm_margin: 0.1,
        group_window_secs: 0,
        max_notifications_per_minute: 12,
    };
    e.set_thresholds(&conn("axisor"), strict);
    assert_eq!(e.thresholds(&conn("axisor")), strict);
    assert!(e
        .on_event(
            &axisor_update("pos_1", 0.82, false, 1),
            Applied::Updated,
            at(0)
        )
        .is_empty());
    let a = e.on_event(
        &axisor_update("pos_1", 0.45, false, 2),
        Applied::Updated,
        at(1),
    );
    assert_eq!(a.len(), 1);
    assert!(a[0].body.contains("alert below 0.5"), "{}", a[0].body);
    // Another connection keeps the defaults.
    let mut other = axisor_update("pos_1", 0.82, false, 3);
    other.connection = conn("axisor-2");
    assert_eq!(e.on_event(&other, Applied::Updated, at(2)).len(), 1);
}

// ---------------------------------------------------------------------------------------
// zkde
// ---------------------------------------------------------------------------------------

fn zkde_alert(severity: &str, alert_type: &str, nested: bool, stamp: u32) -> Event {
    let fields = json!({"severity": severity, "alert_type": alert_type, "position_id": "zk_pos_1",
                        "message": format!("{alert_type} beyond limit"), "action": "reduce_exposure",
                        "value": 1.05, "threshold": 1.1, "timestamp": format!("2026-11-24T10:{stamp:02}:00Z")});
    let payload = if nested {
        json!({"type": "alert", "data": fields})
    } else {
        let mut p = fields;
        if let Some(o) = p.as_object_mut() {
            o.insert("type".into(), json!("alert"));
        }
        p
    };
    event("zkde", GatewayKind::Zkde, "alert", payload)
}

#[test]
fn zkde_alert_severity_and_rule_mapping() {
    let cases = [
        (
            "critical",
            "health_factor",
            Severity::Critical,
            "zkde.health_factor",
        ),
        ("high", "drawdown", Severity::Critical, "zkde.drawdown"),
        ("medium", "exposure", Severity::Warning, "zkde.exposure"),
        ("low", "drawdown", Severity::Info, "zkde.drawdown"),
        (
            "HIGH",
            "Health Factor",
            Severity::Critical,
            "zkde.health_factor",
        ),
        ("weird", "liquidity", Severity::Warning, "zkde.alert"),
    ];
    for (i, (sev, ty, want_sev, want_rule)) in cases.into_iter().enumerate() {
        for nested in [true, false] {
            let mut e = AlertEngine::new(no_grouping());
            let stamp = u32::try_from(i).unwrap_or(0);
            let a = e.on_event(
                &zkde_alert(sev, ty, nested, stamp),
                Applied::NoEntity,
                at(0),
            );
            assert_eq!(a.len(), 1, "{sev} {ty} nested={nested}");
            assert_eq!(a[0].severity, want_sev, "{sev}");
            assert_eq!(a[0].rule, want_rule, "{ty}");
            assert_eq!(a[0].os_notify, want_sev == Severity::Critical);
            assert!(
                a[0].body.contains("zk_pos_1") && a[0].body.contains("reduce_exposure"),
                "{}",
                a[0].body
            );
            assert!(
                a[0].body.contains("value 1.05") && a[0].body.contains("threshold 1.1"),
                "{}",
                a[0].body
            );
        }
    }
}

#[test]
fn zkde_repeats_are_quiet_escalations_are_not() {
    let mut e = AlertEngine::new(no_grouping());
    assert_eq!(
        e.on_event(
            &zkde_alert("medium", "drawdown", true, 0),
            Applied::NoEntity,
            at(0)
        )
        .len(),
        1
    );
    // The monitor's next cycle says the same thing (new timestamp → new event).
    assert!(e
        .on_event(
            &zkde_alert("medium", "drawdown", true, 5),
            Applied::NoEntity,
            at(300)
        )
        .is_empty());
    // It got worse: alert.
    let a = e.on_event(
        &zkde_alert("critical", "drawdown", true, 6),
        Applied::NoEntity,
        at(301),
    );
    assert_eq!((a.len(), a[0].severity), (1, Severity::Critical));
    // Long after the quiet period the standing condition is reminded.
    assert_eq!(
        e.on_event(
            &zkde_alert("medium", "drawdown", true, 20),
            Applied::NoEntity,
            at(900)
        )
        .len(),
        1
    );
}

#[test]
fn zkde_agent_error_with_hysteresis() {
    let mut e = AlertEngine::new(no_grouping());
    let agent = |status: &str, n: u32| {
        event(
            "zkde",
            GatewayKind::Zkde,
            "agent_status_change",
            json!({"type": "agent_status_change", "agent_id": "agent_7", "status": status,
                   "timestamp": format!("2026-11-24T10:00:{n:02}Z")}),
        )
    };
    let a = e.on_event(&agent("error", 1), Applied::Updated, at(0));
    assert_eq!(
        (a.len(), a[0].rule.as_str(), a[0].severity),
        (1, "zkde.agent_error", Severity::Warning)
    );
    assert!(!a[0].os_notify);
    assert!(e
        .on_event(&agent("error", 2), Applied::Updated, at(1))
        .is_empty());
    assert!(e
        .on_event(&agent("running", 3), Applied::Updated, at(2))
        .is_empty());
    assert_eq!(
        e.on_event(&agent("error", 4), Applied::Updated, at(3))
            .len(),
        1
    );
    for routine in [
        "proof_complete",
        "strategy_update",
        "market_change",
        "position_update",
    ] {
        let ev = event(
            "zkde",
            GatewayKind::Zkde,
            routine,
            json!({"type": routine, "data": {"success": false}}),
        );
        assert!(
            e.on_event(&ev, Applied::NoEntity, at(4)).is_empty(),
            "{routine}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Fusion
// ---------------------------------------------------------------------------------------

fn intent(event_type: &str, status: &str, n: u32) -> Event {
    event(
        "fusion",
        GatewayKind::Fusion,
        event_type,
        json!({"intentId": "0xabc", "status": status, "proofStatus": "verified", "fromChain": "ethereum",
               "toChain": "starknet", "amount": "1000000", "failureReason": "source lock timed out",
               "updatedAt": format!("2026-11-24T10:00:{n:02}Z"), "timestamp": n}),
    )
}

#[test]
fn fusion_failed_intent_alerts_once() {
    let mut e = AlertEngine::new(no_grouping());
    assert!(e
        .on_event(
            &intent("intent:status", "executing", 1),
            Applied::Updated,
            at(0)
        )
        .is_empty());
    let a = e.on_event(
        &intent("intent:status", "failed", 2),
        Applied::Updated,
        at(1),
    );
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity, a[0].os_notify),
        ("fusion.intent_failed", Severity::Warning, false)
    );
    for needle in [
        "0xabc",
        "ethereum → starknet",
        "source lock timed out",
        "1000000",
    ] {
        assert!(
            a[0].body.contains(needle),
            "body lacks {needle}: {}",
            a[0].body
        );
    }
    // The all-intents room reports the same failure again.
    assert!(e
        .on_event(
            &intent("intent:status_changed", "failed", 3),
            Applied::Updated,
            at(2)
        )
        .is_empty());
}

// ---------------------------------------------------------------------------------------
// Hashi and server errors
// ---------------------------------------------------------------------------------------

#[test]
fn hashi_errors_warn_and_repeats_are_quiet() {
    let mut e = AlertEngine::new(no_grouping());
    let c = conn("hashi");
    let a = e.on_server_error(
        &c,
        GatewayKind::Hashi,
        Some("LOBBY_NOT_FOUND"),
        "No such lobby",
        at(0),
    );
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].rule.as_str(), a[0].severity, a[0].os_notify),
        ("hashi.error", Severity::Warning, false)
    );
    assert!(a[0].body.contains("No such lobby") && a[0].body.contains("LOBBY_NOT_FOUND"));
    assert!(e
        .on_server_error(
            &c,
            GatewayKind::Hashi,
            Some("LOBBY_NOT_FOUND"),
            "No such lobby",
            at(30)
        )
        .is_empty());
    assert_eq!(
        e.on_server_error(&c, GatewayKind::Hashi, Some("OTHER"), "x", at(31))
            .len(),
        1
    );
    assert_eq!(
        e.on_server_error(
            &c,
            GatewayKind::Hashi,
            Some("LOBBY_NOT_FOUND"),
            "No such lobby",
            at(61)
        )
        .len(),
        1
    );
    // An `error` handed over as an event is the same rule.
    let ev = event(
        "hashi",
        GatewayKind::Hashi,
        "error",
        json!({"type": "error", "data": {"message": "bad", "code": "E1"}}),
    );
    let a = e.on_event(&ev, Applied::NoEntity, at(62));
    assert_eq!((a.len(), a[0].rule.as_str()), (1, "hashi.error"));
    // Contract, lobby and storage events carry no alert.
    let contract = event(
        "hashi",
        GatewayKind::Hashi,
        "contract.initialized",
        json!({"type": "contract:event", "data": {"type": "contract.initialized", "contractId": "c1"}}),
    );
    assert!(e.on_event(&contract, Applied::Created, at(63)).is_empty());
}

// ---------------------------------------------------------------------------------------
// Rate limit and mute
// ---------------------------------------------------------------------------------------

#[test]
fn os_notifications_are_rate_limited_globally() {
    let mut e = AlertEngine::new(AlertThresholds {
        max_notifications_per_minute: 3,
        group_window_secs: 0,
        ..AlertThresholds::default()
    });
    let notified: Vec<bool> = (0..5)
        .map(|i| {
            let a = e.on_event(
                &liquidation(&format!("evt_{i}"), &format!("p{i}")),
                Applied::Updated,
                at(i),
            );
            assert_eq!(a.len(), 1, "still returned");
            a[0].os_notify
        })
        .collect();
    assert_eq!(notified, [true, true, true, false, false]);
    assert_eq!(e.stats().rate_limited, 2);
    assert_eq!(e.stats().os_notified, 3);
    // A warning is not counted against the cap, and not notified either.
    let a = e.on_event(
        &dimes_event("evt_w", "position.reverted", "p9", json!({})),
        Applied::Updated,
        at(10),
    );
    assert!(!a[0].os_notify);
    assert_eq!(e.stats().rate_limited, 2);
    // A minute after the first one, one slot frees up.
    let a = e.on_event(&liquidation("evt_5", "p5"), Applied::Updated, at(60));
    assert!(a[0].os_notify);
    let a = e.on_event(&liquidation("evt_6", "p6"), Applied::Updated, at(60));
    assert!(
        !a[0].os_notify,
        "the 2nd and 3rd slots free at 61 s and 62 s"
    );
}

#[test]
fn muted_connection_keeps_history_but_never_notifies() {
    let mut e = AlertEngine::new(no_grouping());
    let c = conn("dimes-partner");
    e.set_muted(&c, Some(at(100)));
    assert!(e.is_muted(&c, at(0)));
    let a = e.on_event(&liquidation("evt_1", "p1"), Applied::Updated, at(0));
    assert_eq!(a.len(), 1, "kept for the history");
    assert!(!a[0].os_notify);
    assert_eq!(e.stats().muted, 1);
    // Other connections still notify.
    let a = e.on_event(
        &axisor_update("pos_1", 0.5, true, 1),
        Applied::Updated,
        at(1),
    );
    assert!(a[0].os_notify);
    // The snooze ends by itself.
    let a = e.on_event(&liquidation("evt_2", "p2"), Applied::Updated, at(100));
    assert!(a[0].os_notify);
    // Muted again, then unmuted by hand.
    e.set_muted(&c, Some(DateTime::<Utc>::MAX_UTC));
    assert!(!e.on_event(&liquidation("evt_3", "p3"), Applied::Updated, at(200))[0].os_notify);
    e.set_muted(&c, None);
    assert!(e.on_event(&liquidation("evt_4", "p4"), Applied::Updated, at(201))[0].os_notify);
}

#[test]
fn grouped_alert_respects_mute_at_flush_time() {
    let mut e = engine();
    let c = conn("dimes-partner");
    e.on_event(&liquidation("evt_0", "p0"), Applied::Updated, at(0));
    e.on_event(&liquidation("evt_1", "p1"), Applied::Updated, at(1));
    e.on_event(&liquidation("evt_2", "p2"), Applied::Updated, at(1));
    e.set_muted(&c, Some(at(3600)));
    let g = e.tick(at(5));
    assert_eq!((g.len(), g[0].grouped, g[0].os_notify), (1, 2, false));
}

// ---------------------------------------------------------------------------------------
// Robustness and the UI contract
// ---------------------------------------------------------------------------------------

#[test]
fn wrong_types_and_missing_fields_do_not_alert_or_panic() {
    let mut e = AlertEngine::new(no_grouping());
    let odd = [
        (
            GatewayKind::Axisor,
            "position_status_update",
            json!({"data": {"position": "nope"}}),
        ),
        (
            GatewayKind::Axisor,
            "position_status_update",
            json!({"data": {"position": {"id": 5}}}),
        ),
        (
            GatewayKind::Axisor,
            "margin_guard_execution",
            json!({"data": {"positions": [1, null, "x"]}}),
        ),
        (
            GatewayKind::Axisor,
            "service_status_update",
            json!({"data": []}),
        ),
        (
            GatewayKind::Zkde,
            "agent_status_change",
            json!({"status": {"deep": true}}),
        ),
        (
            GatewayKind::Fusion,
            "intent:status",
            json!(["not", "an", "object"]),
        ),
        (
            GatewayKind::DimesPartner,
            "notification",
            json!({"data": {"code": 42}}),
        ),
        (GatewayKind::Hashi, "lobby.joined", json!(null)),
    ];
    for (g, t, p) in odd {
        let ev = event("c", g, t, p);
        assert!(
            e.on_event(&ev, Applied::NoEntity, at(0)).is_empty(),
            "{g} {t}"
        );
        let _ = toast_for(&ev);
    }
    // Numbers as strings are still read.
    let ev = event(
        "axisor",
        GatewayKind::Axisor,
        "position_status_update",
        json!({"data": {"position": {"id": "p", "distanceToLiquidation": "0.5", "isAtRisk": "true"}}}),
    );
    assert_eq!(e.on_event(&ev, Applied::NoEntity, at(1)).len(), 1);
}

#[test]
fn huge_payload_strings_are_clipped() {
    let mut e = AlertEngine::new(no_grouping());
    let long = "x".repeat(100_000);
    let ev = dimes_event("evt_big", "position.liquidated", &long, json!({}));
    let a = e.on_event(&ev, Applied::Updated, at(0));
    assert!(a[0].body.len() < 2_000, "{}", a[0].body.len());
    assert!(a[0].title.len() < 1_000);
}

#[test]
fn alert_and_toast_serialize_snake_case_for_the_ui() {
    let mut e = engine();
    let a = e.on_event(&liquidation("evt_1", "p1"), Applied::Updated, at(0));
    let v = serde_json::to_value(&a[0]).unwrap_or_default();
    assert_eq!(v["connection"], "dimes-partner");
    assert_eq!(v["gateway"], "dimes-partner");
    assert_eq!(v["severity"], "critical");
    assert_eq!(v["os_notify"], true);
    assert_eq!(v["entity"]["kind"], "position");
    let back: Alert = serde_json::from_value(v).unwrap_or_else(|_| a[0].clone());
    assert_eq!(back, a[0]);
    let t = Toast::from(&a[0]);
    let v = serde_json::to_value(&t).unwrap_or_default();
    let keys: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "at",
            "body",
            "connection",
            "gateway",
            "id",
            "severity",
            "title"
        ]
    );
}

#[test]
fn toasts_per_gateway() {
    let dn = |code: &str| {
        event(
            "dimes-customer",
            GatewayKind::DimesCustomer,
            "notification",
            json!({"id": "evt_n", "type": "notification",
                   "data": {"code": code, "message": "Retrying.", "params": {"position_id": "dm_pos_1", "slippage_bps": 150}}}),
        )
    };
    let t = toast_for(&dn("ORDER_FULFILLMENT_RETRYING")).map(|t| (t.severity, t.title, t.body));
    assert_eq!(
        t,
        Some((
            Severity::Info,
            "Order fulfillment retrying".into(),
            "Retrying. · dm_pos_1, slippage 150 bps".into()
        ))
    );
    assert_eq!(
        toast_for(&dn("PARTIAL_OPEN_FLOOR_MISSED")).map(|t| t.severity),
        Some(Severity::Warning)
    );

    let in_app = event(
        "axisor",
        GatewayKind::Axisor,
        "in_app_notification",
        json!({"type": "in_app_notification", "data": {"id": "notif_123", "title": "Margin Guard Alert",
               "message": "Position BTC_USD is at risk of liquidation", "type": "warning",
               "data": {"positionId": "pos_123", "distanceToLiquidation": 0.82}}}),
    );
    let t = toast_for(&in_app);
    assert_eq!(t.as_ref().map(|t| t.severity), Some(Severity::Warning));
    assert_eq!(
        t.as_ref().map(|t| t.title.as_str()),
        Some("Margin Guard Alert")
    );
    assert!(t.as_ref().is_some_and(|t| t.body.contains("0.82")));

    let svc = |s: &str| {
        event(
            "axisor",
            GatewayKind::Axisor,
            "service_status_update",
            json!({"type": "service_status_update", "data": {"service": "margin_guard", "status": s, "message": "m"}}),
        )
    };
    assert_eq!(
        toast_for(&svc("degraded")).map(|t| t.severity),
        Some(Severity::Warning)
    );
    assert_eq!(
        toast_for(&svc("operational")).map(|t| t.severity),
        Some(Severity::Info)
    );
    let maint = event(
        "axisor",
        GatewayKind::Axisor,
        "server_maintenance",
        json!({"type": "server_maintenance", "data": {"message": "soon", "startTime": "A", "endTime": "B"}}),
    );
    assert_eq!(
        toast_for(&maint).map(|t| t.body),
        Some("soon · A – B".into())
    );

    let proof = |ok: bool| {
        event(
            "zkde",
            GatewayKind::Zkde,
            "proof_complete",
            json!({"type": "proof_complete", "data": {"proof_type": "risk", "proof_hash": "0x1234567890abcdef1234567890", "success": ok}}),
        )
    };
    assert_eq!(
        toast_for(&proof(true)).map(|t| (t.severity, t.title)),
        Some((Severity::Info, "Proof ready".into()))
    );
    assert_eq!(
        toast_for(&proof(false)).map(|t| t.severity),
        Some(Severity::Warning)
    );
    assert!(toast_for(&proof(true)).is_some_and(|t| t.body == "risk 0x123456…567890"));

    let agent = |s: &str| {
        event(
            "zkde",
            GatewayKind::Zkde,
            "agent_status_change",
            json!({"type": "agent_status_change", "agent_id": "a1", "status": s}),
        )
    };
    assert_eq!(
        toast_for(&agent("error")).map(|t| t.severity),
        Some(Severity::Warning)
    );
    assert!(toast_for(&agent("running")).is_none());

    assert_eq!(
        toast_for(&intent("intent:status", "failed", 1)).map(|t| t.severity),
        Some(Severity::Warning)
    );
    assert!(toast_for(&intent("intent:status", "completed", 1)).is_none());

    let herr = event(
        "hashi",
        GatewayKind::Hashi,
        "error",
        json!({"type": "error", "data": {"message": "Authentication failed", "code": "AUTH_ERROR"}}),
    );
    let t = toast_for(&herr);
    assert_eq!(
        t.as_ref().map(|t| t.title.as_str()),
        Some("hashi error: AUTH_ERROR")
    );
    assert!(t.as_ref().is_some_and(|t| t.id.starts_with("toast:hashi:")));

    assert!(
        toast_for(&liquidation("evt_1", "p1")).is_none(),
        "alerts, not toasts"
    );
    assert!(toast_for(&axisor_update("p", 0.5, true, 1)).is_none());

    let ctl = toast_for_server_error(
        &conn("fusion"),
        GatewayKind::Fusion,
        None,
        "bad intentId",
        at(0),
    );
    assert_eq!(
        (ctl.title.as_str(), ctl.body.as_str(), ctl.severity),
        ("fusion error", "bad intentId", Severity::Warning)
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<f64>().prop_map(|f| json!(f)),
            any::<i64>().prop_map(|i| json!(i)),
            "[a-zA-Z_ 0-9.<>&]{0,12}".prop_map(Value::String),
            prop_oneof![
                Just("failed"),
                Just("error"),
                Just("critical"),
                Just("true"),
                Just("0.5")
            ]
            .prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let keys = prop_oneof![
                Just("data".to_owned()),
                Just("position".to_owned()),
                Just("positions".to_owned()),
                Just("id".to_owned()),
                Just("status".to_owned()),
                Just("severity".to_owned()),
                Just("distanceToLiquidation".to_owned()),
                Just("isAtRisk".to_owned()),
                Just("code".to_owned()),
                Just("params".to_owned()),
                Just("result".to_owned()),
                "[a-z]{1,6}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(keys, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    const TYPES: &[&str] = &[
        "position.liquidated",
        "position.force_unwound",
        "position.reverted",
        "notification",
        "position_status_update",
        "margin_guard_execution",
        "auto_close_execution",
        "price_alert",
        "service_status_update",
        "server_maintenance",
        "in_app_notification",
        "alert",
        "agent_status_change",
        "proof_complete",
        "intent:status",
        "intent:status_changed",
        "error",
        "",
    ];

    proptest! {
        #[test]
        fn any_payload_never_panics(payload in json_value(), g in 0usize..6, t in 0usize..18, secs in 0i64..100) {
            let gateway = GatewayKind::ALL[g % GatewayKind::ALL.len()];
            let event_type = TYPES[t % TYPES.len()];
            let ev = event("c", gateway, event_type, payload);
            let mut e = engine();
            for applied in [Applied::Created, Applied::Stale, Applied::NoEntity] {
                for a in e.on_event(&ev, applied, at(secs)) {
                    prop_assert!(!a.title.is_empty());
                    prop_assert!(a.grouped >= 1);
                    prop_assert!(!a.os_notify || a.severity == Severity::Critical);
                }
            }
            let _ = e.tick(at(secs + 10));
            let _ = toast_for(&ev);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Through the real decoders and reducer
// ---------------------------------------------------------------------------------------

mod pipeline {
    use super::*;
    use crate::decode::{decode, DecodeContext};
    use crate::event::Decoded;
    use crate::reduce::Reducer;
    use crate::wire::WireMessage;

    struct Pipe {
        reducer: Reducer,
        engine: AlertEngine,
    }

    impl Pipe {
        fn new() -> Self {
            Self {
                reducer: Reducer::new(),
                engine: AlertEngine::new(no_grouping()),
            }
        }

        fn feed(
            &mut self,
            conn: &str,
            gateway: GatewayKind,
            msg: WireMessage<'_>,
            secs: i64,
        ) -> Vec<Alert> {
            let ctx = DecodeContext {
                connection: ConnectionId::new(conn),
                gateway,
                received_at: at(secs),
            };
            match decode(&ctx, msg) {
                Ok(Decoded::Event(ev)) => {
                    let applied = self.reducer.apply(&ev);
                    self.engine.on_event(&ev, applied, at(secs))
                }
                Ok(Decoded::Control(crate::event::Control::Error { code, message })) => {
                    self.engine.on_server_error(
                        &ctx.connection,
                        gateway,
                        code.as_deref(),
                        &message,
                        at(secs),
                    )
                }
                other => panic!("unexpected decode result {other:?}"),
            }
        }
    }

    #[test]
    fn dimes_liquidation_redelivered_and_seen_by_both_gateways_alerts_once() {
        let mut p = Pipe::new();
        let env = |evt: &str| {
            json!({"id": evt, "type": "position.liquidated", "created_at": "2026-11-24T10:00:05.000Z",
                   "data": {"id": "dm_pos_abc", "status": "liquidated", "close_reason": "liquidated",
                            "result": {"realized_pnl": -12.5}}})
        };
        let first = [env("evt_1")];
        let again = [env("evt_2")];
        let msg = |args| WireMessage::SocketIo {
            event: "position.liquidated",
            args,
        };
        let a = p.feed("dimes-partner", GatewayKind::DimesPartner, msg(&first), 0);
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].rule.as_str(), a[0].severity, a[0].os_notify),
            ("dimes.liquidated", Severity::Critical, true)
        );
        assert!(
            a[0].body.contains("dm_pos_abc") && a[0].body.contains("PnL -12.5"),
            "{}",
            a[0].body
        );
        assert!(p
            .feed("dimes-partner", GatewayKind::DimesPartner, msg(&first), 1)
            .is_empty());
        assert!(p
            .feed("dimes-partner", GatewayKind::DimesPartner, msg(&again), 2)
            .is_empty());
        assert!(p
            .feed("dimes-customer", GatewayKind::DimesCustomer, msg(&again), 3)
            .is_empty());
    }

    #[test]
    fn axisor_crossing_hysteresis_through_the_decoder() {
        let mut p = Pipe::new();
        let frame = |d: f64, risk: bool, n: u32| {
            json!({"type": "position_status_update", "channel": "positions",
                   "data": {"userId": "user_123", "position": {"id": "pos_123", "symbol": "BTC_USD",
                            "distanceToLiquidation": d, "isAtRisk": risk, "pnl": 5,
                            "updatedAt": format!("2026-11-24T10:00:{n:02}Z")}}})
            .to_string()
        };
        let mut feed = |d, r, n: u32| {
            let text = frame(d, r, n);
            p.feed(
                "axisor",
                GatewayKind::Axisor,
                WireMessage::Text(&text),
                i64::from(n),
            )
            .len()
        };
        assert_eq!(feed(0.92, false, 1), 0);
        assert_eq!(feed(0.82, true, 2), 1);
        assert_eq!(feed(0.80, true, 3), 0);
        assert_eq!(feed(0.88, false, 4), 0);
        assert_eq!(feed(0.84, false, 5), 0);
        assert_eq!(feed(0.95, false, 6), 0);
        assert_eq!(feed(0.83, true, 7), 1);
        // A late, older reading (stale) changes nothing.
        assert_eq!(feed(0.99, false, 0), 0);
        assert_eq!(feed(0.70, true, 8), 0);
    }

    #[test]
    fn zkde_fusion_and_hashi_through_the_decoder() {
        let mut p = Pipe::new();
        let z =
            json!({"type": "alert", "data": {"severity": "critical", "alert_type": "health_factor",
                       "message": "Health factor 1.05", "action": "add_collateral"}})
            .to_string();
        let a = p.feed("zkde", GatewayKind::Zkde, WireMessage::Text(&z), 0);
        assert_eq!(
            (a.len(), a[0].rule.as_str(), a[0].os_notify),
            (1, "zkde.health_factor", true)
        );

        let intent = [
            json!({"intentId": "0xfeed", "status": "failed", "fromChain": "ethereum", "toChain": "starknet",
                             "failureReason": "timeout", "updatedAt": "2026-11-24T10:00:01Z"}),
        ];
        let a = p.feed(
            "fusion",
            GatewayKind::Fusion,
            WireMessage::SocketIo {
                event: "intent:status",
                args: &intent,
            },
            1,
        );
        assert_eq!((a.len(), a[0].rule.as_str()), (1, "fusion.intent_failed"));

        let err =
            json!({"type": "error", "data": {"message": "Lobby not found", "code": "NOT_FOUND"}})
                .to_string();
        let a = p.feed("hashi", GatewayKind::Hashi, WireMessage::Text(&err), 2);
        assert_eq!(
            (a.len(), a[0].rule.as_str(), a[0].severity),
            (1, "hashi.error", Severity::Warning)
        );
    }
}
