//! Every event type of the five documents, decoded from a fixture that follows its
//! document; control messages; unknown and malformed input.

mod common;

use common::{decode_fixture, decode_value, event, fixture, t};
use gatewatch_core::models::{axisor, dimes, fusion, hashi, zkde};
use gatewatch_core::{
    decode, Control, DecodeError, Decoded, EntityKind, EventBody, GatewayKind, Severity,
    WireMessage,
};
use serde_json::json;

const DP: GatewayKind = GatewayKind::DimesPartner;
const DC: GatewayKind = GatewayKind::DimesCustomer;

fn control(gateway: GatewayKind, dir: &str, name: &str) -> Control {
    match decode_fixture(gateway, dir, name) {
        Ok(Decoded::Control(c)) => c,
        other => panic!("{dir}/{name}: expected a control message, got {other:?}"),
    }
}

// ------------------------------------------------------------------------------ Dimes

#[test]
fn dimes_every_position_event_decodes_on_both_gateways() {
    let cases = [
        ("position.created", Severity::Info, "2025-06-01T10:00:00Z"),
        ("position.opening", Severity::Info, "2025-06-01T10:00:03Z"),
        ("position.opened", Severity::Info, "2025-06-01T10:00:05Z"),
        (
            "position.close_requested",
            Severity::Info,
            "2025-06-01T11:00:00Z",
        ),
        ("position.closed", Severity::Info, "2025-06-01T11:00:10Z"),
        ("position.settled", Severity::Info, "2025-06-02T00:00:00Z"),
        (
            "position.liquidated",
            Severity::Critical,
            "2025-06-01T12:00:00Z",
        ),
        (
            "position.force_unwound",
            Severity::Warning,
            "2025-06-01T11:30:00Z",
        ),
        (
            "position.reverted",
            Severity::Warning,
            "2025-06-01T10:00:20Z",
        ),
        ("position.cancelled", Severity::Info, "2025-06-01T10:00:30Z"),
    ];
    assert_eq!(cases.len(), dimes::PositionEventType::ALL.len());
    for gateway in [DP, DC] {
        for (ty, severity, created) in cases {
            let file = format!("{}.json", ty.replace("position.", "position_"));
            let e = event(gateway, "dimes", &file);
            assert_eq!(e.event_type, ty);
            assert_eq!(e.gateway, gateway);
            let entity = e.entity.as_ref().expect("entity");
            assert_eq!(entity.kind, EntityKind::Position);
            assert_eq!(entity.id, "dm_pos_abc123");
            assert_eq!(e.severity, severity, "{ty}");
            assert_eq!(e.created_at, Some(t(created)), "{ty}");
            let ext = e.external_id.clone().expect("external id");
            assert!(ext.starts_with("evt_"), "{ext}");
            assert_eq!(e.dedupe_key, format!("id:{ext}"));
            // The payload is the envelope as received.
            let raw = fixture("dimes", &file);
            assert_eq!(e.payload, raw["args"][0]);
            let EventBody::Dimes(body) = &e.body else {
                panic!("{ty}: body {:?}", e.body)
            };
            let kind = body.position_type().expect("position variant");
            assert_eq!(kind.as_str(), ty);
            let env = body.position_event().expect("envelope");
            assert_eq!(env.data.id, "dm_pos_abc123");
            assert_eq!(env.data.status.as_deref(), Some(kind.status()));
        }
    }
}

#[test]
fn dimes_closed_shapes_keep_close_reason_and_result() {
    let e = event(DP, "dimes", "position_liquidated.json");
    let EventBody::Dimes(dimes::DimesEvent::PositionLiquidated(env)) = &e.body else {
        panic!("{:?}", e.body)
    };
    assert_eq!(env.data.close_reason.as_deref(), Some("liquidated"));
    let data = &e.payload["data"];
    let result = dimes::Position::section(data, "result").expect("result");
    assert_eq!(result["collected_liquidation_fee_usdc"], "0.50");
    assert!(dimes::Position::section(data, "current").is_none());
    assert!(dimes::Position::section(data, "entry").is_some());
}

#[test]
fn dimes_notifications_decode_with_their_codes() {
    let cases = [
        (
            "notification_order_fulfillment_retrying.json",
            dimes::NotificationCode::OrderFulfillmentRetrying,
            Severity::Info,
            "evt_abc123",
        ),
        (
            "notification_partial_open_progress.json",
            dimes::NotificationCode::PartialOpenProgress,
            Severity::Info,
            "evt_np_002",
        ),
        (
            "notification_partial_open_floor_missed.json",
            dimes::NotificationCode::PartialOpenFloorMissed,
            Severity::Warning,
            "evt_np_003",
        ),
    ];
    for (file, code, severity, id) in cases {
        let e = event(DC, "dimes", file);
        assert_eq!(e.event_type, "notification");
        let entity = e.entity.as_ref().expect("entity");
        assert_eq!(
            (entity.kind, entity.id.as_str()),
            (EntityKind::Notification, id)
        );
        assert_eq!(e.severity, severity);
        let EventBody::Dimes(dimes::DimesEvent::Notification(n)) = &e.body else {
            panic!("{:?}", e.body)
        };
        assert_eq!(n.data.known_code(), Some(code));
        assert_eq!(n.data.params.position_id.as_deref(), Some("dm_pos_abc123"));
    }
    let e = event(DC, "dimes", "notification_order_fulfillment_retrying.json");
    let EventBody::Dimes(dimes::DimesEvent::Notification(n)) = &e.body else {
        panic!()
    };
    assert_eq!(n.data.params.slippage_bps, Some(150.0));
    let e = event(DC, "dimes", "notification_partial_open_progress.json");
    let EventBody::Dimes(dimes::DimesEvent::Notification(n)) = &e.body else {
        panic!()
    };
    assert_eq!(n.data.params.attempt_number, Some(2));
    assert_eq!(
        n.data.params.target_making_amount.as_deref(),
        Some("100000000")
    );
}

#[test]
fn dimes_auth_error_in_every_accepted_shape() {
    assert_eq!(
        control(DP, "dimes", "auth_error.json"),
        Control::AuthFailed {
            code: "unauthorized".into(),
            message: "Unauthorized".into()
        }
    );
    for arg in [
        json!({"type": "AUTHENTICATION_ERROR", "code": "unauthorized", "message": "Unauthorized"}),
        json!("Unauthorized"),
        json!({"error": "authentication failed"}),
    ] {
        let args = [arg.clone()];
        let d = decode(
            &common::ctx(DC),
            WireMessage::SocketIo {
                event: "error",
                args: &args,
            },
        );
        assert!(
            matches!(d, Ok(Decoded::Control(Control::AuthFailed { .. }))),
            "{arg}: {d:?}"
        );
    }
    let args =
        [json!({"error": {"type": "RATE_LIMITED", "code": "slow_down", "message": "Too fast"}})];
    let d = decode(
        &common::ctx(DP),
        WireMessage::SocketIo {
            event: "error",
            args: &args,
        },
    );
    assert_eq!(
        d,
        Ok(Decoded::Control(Control::Error {
            code: Some("slow_down".into()),
            message: "Too fast".into()
        }))
    );
}

#[test]
fn dimes_envelope_without_type_uses_the_event_name_and_unknown_names_are_kept() {
    let v = json!({"event": "position.opened", "args": [{"id": "evt_9", "data": {"id": "dm_pos_9", "status": "open"}}]});
    let Ok(Decoded::Event(e)) = decode_value(DP, &v) else {
        panic!()
    };
    assert_eq!(e.event_type, "position.opened");
    assert!(matches!(
        e.body,
        EventBody::Dimes(dimes::DimesEvent::PositionOpened(_))
    ));
    // Without `created_at` the event still decodes; ordering falls back on received_at.
    assert_eq!(e.created_at, None);

    let v = json!({"event": "position.resized", "args": [{"id": "evt_10", "type": "position.resized", "data": {"id": "dm_pos_9"}}]});
    let Ok(Decoded::Event(e)) = decode_value(DP, &v) else {
        panic!()
    };
    assert_eq!(e.body, EventBody::Unknown);
    assert_eq!(e.event_type, "position.resized");
    assert_eq!(e.entity.map(|r| r.id), Some("dm_pos_9".to_owned()));
    assert_eq!(e.payload["type"], "position.resized");
}

#[test]
fn dimes_malformed_inputs() {
    for v in [
        json!({"event": "position.opened", "args": [{"id": "evt_1", "type": "position.opened", "data": {}}]}),
        json!({"event": "position.opened", "args": [{"id": "evt_1", "type": "position.opened"}]}),
        json!({"event": "position.opened", "args": ["not an object"]}),
        json!({"event": "position.opened", "args": []}),
        json!({"event": "notification", "args": [{"type": "notification", "data": {"code": "X"}}]}),
    ] {
        assert!(
            matches!(decode_value(DP, &v), Err(DecodeError::Malformed { .. })),
            "{v}"
        );
    }
    assert_eq!(
        decode(&common::ctx(DP), WireMessage::Text("{}")),
        Err(DecodeError::WrongTransport { gateway: DP })
    );
}

// ------------------------------------------------------------------------------ Axisor

#[test]
fn axisor_every_event_type_decodes_from_the_documents_examples() {
    let ax = GatewayKind::Axisor;
    let cases = [
        (
            "market_data_update",
            EntityKind::Market,
            "BTC_USD",
            Severity::Debug,
            "2025-01-06T10:30:00Z",
        ),
        (
            "historical_data_update",
            EntityKind::Market,
            "BTC_USD",
            Severity::Debug,
            "2025-01-06T10:30:00Z",
        ),
        (
            "price_alert",
            EntityKind::PriceAlert,
            "alert_123",
            Severity::Info,
            "2025-01-06T10:30:00Z",
        ),
        (
            "margin_guard_execution",
            EntityKind::MarginGuardRun,
            "mg_exec_123",
            Severity::Warning,
            "2025-01-06T10:30:00Z",
        ),
        (
            "position_status_update",
            EntityKind::Position,
            "pos_123",
            Severity::Info,
            "2025-01-06T10:30:00Z",
        ),
        (
            "auto_close_execution",
            EntityKind::Position,
            "pos_123",
            Severity::Critical,
            "2025-01-06T10:30:00Z",
        ),
        (
            "in_app_notification",
            EntityKind::Notification,
            "notif_123",
            Severity::Info,
            "2025-01-06T10:30:00Z",
        ),
        (
            "notification_status_update",
            EntityKind::Notification,
            "notif_123",
            Severity::Info,
            "2025-01-06T10:30:05Z",
        ),
        (
            "server_maintenance",
            EntityKind::Service,
            "maintenance",
            Severity::Warning,
            "2025-01-07T02:00:00Z",
        ),
        (
            "service_status_update",
            EntityKind::Service,
            "margin_guard",
            Severity::Warning,
            "2025-01-06T10:30:00Z",
        ),
    ];
    assert_eq!(cases.len(), axisor::AxisorEventType::ALL.len());
    for (ty, kind, id, severity, created) in cases {
        let e = event(ax, "axisor", &format!("{ty}.json"));
        assert_eq!(e.event_type, ty);
        let entity = e.entity.as_ref().expect("entity");
        assert_eq!((entity.kind, entity.id.as_str()), (kind, id), "{ty}");
        assert_eq!(e.severity, severity, "{ty}");
        assert_eq!(e.created_at, Some(t(created)), "{ty}");
        assert_eq!(e.external_id, None);
        assert!(e.dedupe_key.starts_with("c:"), "{}", e.dedupe_key);
        assert_eq!(e.payload, fixture("axisor", &format!("{ty}.json")));
        let EventBody::Axisor(body) = &e.body else {
            panic!("{ty}: {:?}", e.body)
        };
        let tagged = serde_json::to_value(body).expect("serialize");
        assert_eq!(tagged["type"], ty);
    }
}

#[test]
fn axisor_typed_payloads_carry_the_documented_fields() {
    let ax = GatewayKind::Axisor;
    let e = event(ax, "axisor", "market_data_update.json");
    let EventBody::Axisor(axisor::AxisorEvent::MarketDataUpdate(m)) = e.body else {
        panic!()
    };
    assert_eq!(m.price, Some(43250.5));
    assert_eq!(m.high_24h, Some(44500.0));
    let e = event(ax, "axisor", "historical_data_update.json");
    let EventBody::Axisor(axisor::AxisorEvent::HistoricalDataUpdate(m)) = e.body else {
        panic!()
    };
    assert_eq!(m.candles.len(), 1);
    assert_eq!(m.candles[0].close, Some(43250.0));
    let e = event(ax, "axisor", "margin_guard_execution.json");
    let EventBody::Axisor(axisor::AxisorEvent::MarginGuardExecution(m)) = e.body else {
        panic!()
    };
    assert!(m.has_positions_at_risk());
    assert_eq!(m.positions[0].distance_to_liquidation, Some(0.82));
    let e = event(ax, "axisor", "position_status_update.json");
    let EventBody::Axisor(axisor::AxisorEvent::PositionStatusUpdate(m)) = e.body else {
        panic!()
    };
    assert_eq!(m.position.leverage, Some(10.0));
    assert_eq!(m.position.is_at_risk, Some(false));
    let e = event(ax, "axisor", "in_app_notification.json");
    let EventBody::Axisor(axisor::AxisorEvent::InAppNotification(m)) = e.body else {
        panic!()
    };
    assert_eq!(m.kind.as_deref(), Some("warning"));
    assert_eq!(m.category.as_deref(), Some("margin_guard"));
}

#[test]
fn axisor_risk_raises_severity() {
    let mut v = fixture("axisor", "position_status_update.json");
    v["data"]["position"]["isAtRisk"] = json!(true);
    let Ok(Decoded::Event(e)) = decode_value(GatewayKind::Axisor, &v) else {
        panic!()
    };
    assert_eq!(e.severity, Severity::Critical);

    let mut v = fixture("axisor", "service_status_update.json");
    v["data"]["status"] = json!("operational");
    let Ok(Decoded::Event(e)) = decode_value(GatewayKind::Axisor, &v) else {
        panic!()
    };
    assert_eq!(e.severity, Severity::Info);

    let mut v = fixture("axisor", "margin_guard_execution.json");
    v["data"]["positions"][0]["isAtRisk"] = json!(false);
    v["data"]["summary"]["positionsAtRisk"] = json!(0);
    let Ok(Decoded::Event(e)) = decode_value(GatewayKind::Axisor, &v) else {
        panic!()
    };
    assert_eq!(e.severity, Severity::Info);
}

#[test]
fn axisor_control_messages() {
    let ax = GatewayKind::Axisor;
    assert_eq!(
        control(ax, "axisor", "connection.json"),
        Control::Connected {
            user_id: Some("user_123".into()),
            session_id: Some("session_456".into()),
            message: None
        }
    );
    assert_eq!(
        control(ax, "axisor", "room_subscription.json"),
        Control::Subscription {
            channel: Some("market:BTC_USD".into()),
            status: "subscribed".into(),
            rooms: vec!["user:user_123".into(), "market:BTC_USD".into()]
        }
    );
    assert_eq!(
        control(ax, "axisor", "error_auth.json"),
        Control::AuthFailed {
            code: "AUTHENTICATION_FAILED".into(),
            message: "Invalid token".into()
        }
    );
    assert_eq!(
        control(ax, "axisor", "error_rate_limit.json"),
        Control::Error {
            code: Some("RATE_LIMIT_EXCEEDED".into()),
            message: "Too many messages".into()
        }
    );
    assert_eq!(
        control(ax, "axisor", "error_invalid_room.json"),
        Control::Error {
            code: Some("INVALID_ROOM".into()),
            message: "Unknown room: market:NOPE".into()
        }
    );
    let v = json!({"type": "connection", "status": "unauthorized", "message": "bad token"});
    assert_eq!(
        decode_value(ax, &v),
        Ok(Decoded::Control(Control::AuthFailed {
            code: "unauthorized".into(),
            message: "bad token".into()
        }))
    );
}

#[test]
fn axisor_fields_at_the_top_level_are_accepted() {
    let v = json!({"type": "price_alert", "id": "alert_9", "symbol": "ETH_USD", "triggeredAt": 1736159400});
    let Ok(Decoded::Event(e)) = decode_value(GatewayKind::Axisor, &v) else {
        panic!()
    };
    assert_eq!(e.entity.map(|r| r.id), Some("alert_9".to_owned()));
    assert_eq!(e.created_at, Some(t("2025-01-06T10:30:00Z")));
}

// ------------------------------------------------------------------------------ zkde

#[test]
fn zkde_every_event_type_decodes() {
    let zk = GatewayKind::Zkde;
    let cases = [
        (
            "strategy_update",
            EntityKind::Strategy,
            "strat_42",
            Severity::Info,
        ),
        (
            "market_change",
            EntityKind::Market,
            "pool_eth_usdc",
            Severity::Info,
        ),
        ("alert", EntityKind::RiskAlert, "zpos_7", Severity::Critical),
        (
            "proof_complete",
            EntityKind::Proof,
            "0x5f2c9a",
            Severity::Info,
        ),
        (
            "position_update",
            EntityKind::Position,
            "zpos_7",
            Severity::Info,
        ),
        (
            "agent_status_change",
            EntityKind::Agent,
            "agent_rebalancer",
            Severity::Warning,
        ),
    ];
    assert_eq!(cases.len(), zkde::ZkdeEventType::ALL.len());
    for (ty, kind, id, severity) in cases {
        let e = event(zk, "zkde", &format!("{ty}.json"));
        assert_eq!(e.event_type, ty);
        let entity = e.entity.as_ref().expect("entity");
        assert_eq!((entity.kind, entity.id.as_str()), (kind, id), "{ty}");
        assert_eq!(e.severity, severity, "{ty}");
        assert!(e.created_at.is_some(), "{ty}");
        let EventBody::Zkde(body) = &e.body else {
            panic!("{ty}: {:?}", e.body)
        };
        assert_eq!(serde_json::to_value(body).expect("ser")["type"], ty);
    }
    let e = event(zk, "zkde", "proof_complete.json");
    let EventBody::Zkde(zkde::ZkdeEvent::ProofComplete(p)) = e.body else {
        panic!()
    };
    assert_eq!(p.success, Some(true));
    assert_eq!(p.proof_type.as_deref(), Some("risk_compliance"));
}

#[test]
fn zkde_flat_and_nested_shapes_decode_alike() {
    let zk = GatewayKind::Zkde;
    let flat = event(zk, "zkde", "position_update_flat.json");
    let EventBody::Zkde(zkde::ZkdeEvent::PositionUpdate(p)) = &flat.body else {
        panic!()
    };
    assert_eq!(p.position_id, "zpos_7");
    assert_eq!(p.current_value, Some(10300.1));
    assert_eq!(flat.created_at, Some(t("2026-04-05T12:05:00Z")));

    // Top-level timestamp beside a data object is merged in.
    let v = json!({"type": "market_change", "timestamp": "2026-04-05T12:00:00Z", "data": {"pool_id": "p1", "change_pct": "3.5"}});
    let Ok(Decoded::Event(e)) = decode_value(zk, &v) else {
        panic!()
    };
    assert_eq!(e.created_at, Some(t("2026-04-05T12:00:00Z")));
    let EventBody::Zkde(zkde::ZkdeEvent::MarketChange(m)) = e.body else {
        panic!()
    };
    assert_eq!(m.change_pct, Some(3.5));
}

#[test]
fn zkde_alert_severity_and_identity() {
    let zk = GatewayKind::Zkde;
    for (sev, expected) in [
        ("critical", Severity::Critical),
        ("HIGH", Severity::Critical),
        ("medium", Severity::Warning),
        ("warning", Severity::Warning),
        ("low", Severity::Info),
    ] {
        let v = json!({"type": "alert", "data": {"severity": sev, "alert_type": "exposure"}});
        let Ok(Decoded::Event(e)) = decode_value(zk, &v) else {
            panic!()
        };
        assert_eq!(e.severity, expected, "{sev}");
        assert_eq!(e.entity.map(|r| r.id), Some("exposure".to_owned()));
    }
    let v = json!({"type": "alert", "data": {"alert_id": "al_1", "position_id": "p", "severity": "low"}});
    let Ok(Decoded::Event(e)) = decode_value(zk, &v) else {
        panic!()
    };
    assert_eq!(e.entity.map(|r| r.id), Some("al_1".to_owned()));
    let v = json!({"type": "alert", "data": {"severity": "low", "message": "?"}});
    assert!(matches!(
        decode_value(zk, &v),
        Err(DecodeError::Malformed { .. })
    ));
}

#[test]
fn zkde_control_messages() {
    let zk = GatewayKind::Zkde;
    assert_eq!(
        control(zk, "zkde", "connected.json"),
        Control::Connected {
            user_id: None,
            session_id: None,
            message: Some("Connected to Capital OS...".into())
        }
    );
    assert_eq!(
        control(zk, "zkde", "ping.json"),
        Control::Ping {
            timestamp: Some("2026-04-05T12:00:00Z".into())
        }
    );
}

// ------------------------------------------------------------------------------ Hashi

#[test]
fn hashi_every_contract_lobby_and_storage_type_decodes() {
    let h = GatewayKind::Hashi;
    let families: [(&str, EntityKind, &str, &[&str]); 3] = [
        (
            "contract",
            EntityKind::Contract,
            "550e8400-e29b-41d4-a716-446655440000",
            &[
                "created",
                "initializing",
                "initialized",
                "deleted",
                "payment_transferred",
                "outcome_attested",
                "decision_contested",
                "mediation_submitted",
                "admin_decision",
                "payout_finalized",
            ],
        ),
        (
            "lobby",
            EntityKind::Lobby,
            "6b1e9c2a-0f44-4a51-9d0c-3f2a8e7c1b55",
            &["created", "joined", "left", "deleted"],
        ),
        (
            "storage",
            EntityKind::StorageItem,
            "9a7d3c10-2b5e-4f6a-8c1d-7e2f4a6b8c90",
            &[
                "external_url_created",
                "presigned_url_created",
                "multipart_completed",
                "multipart_aborted",
                "deleted",
            ],
        ),
    ];
    assert_eq!(families[0].3.len(), hashi::ContractEventType::ALL.len());
    assert_eq!(families[1].3.len(), hashi::LobbyEventType::ALL.len());
    assert_eq!(families[2].3.len(), hashi::StorageEventType::ALL.len());
    for (family, kind, id, types) in families {
        for (i, ty) in types.iter().enumerate() {
            let e = event(h, "hashi", &format!("{family}_{ty}.json"));
            let full = format!("{family}.{ty}");
            assert_eq!(e.event_type, full);
            let entity = e.entity.as_ref().expect("entity");
            assert_eq!((entity.kind, entity.id.as_str()), (kind, id), "{full}");
            assert_eq!(
                e.created_at,
                Some(t(&format!("2024-01-15T10:{}:00Z", 30 + i))),
                "{full}"
            );
            let EventBody::Hashi(body) = &e.body else {
                panic!("{full}: {:?}", e.body)
            };
            assert_eq!(
                serde_json::to_value(body).expect("ser")["type"],
                full.as_str()
            );
            assert!(e.payload["data"]["payload"].is_object());
        }
    }
}

#[test]
fn hashi_document_examples_decode() {
    let h = GatewayKind::Hashi;
    let e = event(h, "hashi", "doc_contract_initialized.json");
    let EventBody::Hashi(hashi::HashiEvent::ContractInitialized(c)) = &e.body else {
        panic!("{:?}", e.body)
    };
    assert_eq!(c.lobby_id.as_deref(), Some("ABC123"));
    let e = event(h, "hashi", "doc_lobby_joined.json");
    let EventBody::Hashi(hashi::HashiEvent::LobbyJoined(l)) = &e.body else {
        panic!("{:?}", e.body)
    };
    assert_eq!(l.payload.participant_count, Some(2));
    assert_eq!(l.lobby_code.as_deref(), Some("ABC123"));
    let e = event(h, "hashi", "doc_storage_presigned_url_created.json");
    assert!(matches!(
        e.body,
        EventBody::Hashi(hashi::HashiEvent::StoragePresignedUrlCreated(_))
    ));
}

#[test]
fn hashi_control_messages() {
    let h = GatewayKind::Hashi;
    assert_eq!(
        control(h, "hashi", "error.json"),
        Control::AuthFailed {
            code: "AUTH_ERROR".into(),
            message: "Authentication failed".into()
        }
    );
    assert!(matches!(
        control(h, "hashi", "connected.json"),
        Control::Connected { .. }
    ));
    assert_eq!(
        control(h, "hashi", "pong.json"),
        Control::Pong {
            timestamp: Some("2024-01-15T10:30:00.000Z".into())
        }
    );
    let v = json!({"type": "error", "data": {"message": "Not a member", "code": "FORBIDDEN"}});
    assert_eq!(
        decode_value(h, &v),
        Ok(Decoded::Control(Control::Error {
            code: Some("FORBIDDEN".into()),
            message: "Not a member".into()
        }))
    );
}

#[test]
fn hashi_unknown_outer_and_inner_types_are_kept() {
    let h = GatewayKind::Hashi;
    let v =
        json!({"type": "contract:event", "data": {"type": "contract.frozen", "contractId": "c1"}});
    let Ok(Decoded::Event(e)) = decode_value(h, &v) else {
        panic!()
    };
    assert_eq!(e.body, EventBody::Unknown);
    assert_eq!(e.event_type, "contract.frozen");
    assert_eq!(
        e.entity.map(|r| (r.kind, r.id)),
        Some((EntityKind::Contract, "c1".to_owned()))
    );
    assert_eq!(e.payload, v);

    let v = json!({"type": "bounty:event", "data": {"type": "bounty.created", "bountyId": "b1"}});
    let Ok(Decoded::Event(e)) = decode_value(h, &v) else {
        panic!()
    };
    assert_eq!(e.body, EventBody::Unknown);
    assert_eq!(e.event_type, "bounty.created");
    assert_eq!(e.payload, v);
}

#[test]
fn hashi_malformed_inputs() {
    let h = GatewayKind::Hashi;
    for v in [
        json!({"type": "contract:event", "data": {"type": "contract.created"}}),
        json!({"type": "lobby:event", "data": {"lobbyId": "l1"}}),
        json!({"type": "storage:event"}),
        json!({"data": {"type": "lobby.created", "lobbyId": "l1"}}),
    ] {
        assert!(
            matches!(decode_value(h, &v), Err(DecodeError::Malformed { .. })),
            "{v}"
        );
    }
}

// ------------------------------------------------------------------------------ Fusion

#[test]
fn fusion_every_server_event_decodes() {
    let f = GatewayKind::Fusion;
    let cases = [
        (
            "intent_status.json",
            "intent:status",
            EntityKind::Intent,
            "0x3f1c2a9b",
            Severity::Info,
        ),
        (
            "intent_status_failed.json",
            "intent:status",
            EntityKind::Intent,
            "0x3f1c2a9b",
            Severity::Warning,
        ),
        (
            "intent_new.json",
            "intent:new",
            EntityKind::Intent,
            "0x3f1c2a9b",
            Severity::Info,
        ),
        (
            "intent_status_changed.json",
            "intent:status_changed",
            EntityKind::Intent,
            "0x3f1c2a9b",
            Severity::Info,
        ),
        (
            "intent_proof.json",
            "intent:proof",
            EntityKind::Intent,
            "0x3f1c2a9b",
            Severity::Info,
        ),
        (
            "intent_proof_changed.json",
            "intent:proof_changed",
            EntityKind::Intent,
            "0x3f1c2a9b",
            Severity::Info,
        ),
        (
            "intent_removed.json",
            "intent:removed",
            EntityKind::Intent,
            "0x3f1c2a9b",
            Severity::Info,
        ),
        (
            "intent_not_found.json",
            "intent:not_found",
            EntityKind::Intent,
            "0xdeadbeef",
            Severity::Info,
        ),
        (
            "mempool_stats.json",
            "mempool:stats",
            EntityKind::Mempool,
            "mempool",
            Severity::Info,
        ),
    ];
    for (file, ty, kind, id, severity) in cases {
        let e = event(f, "fusion", file);
        assert_eq!(e.event_type, ty);
        let entity = e.entity.as_ref().expect("entity");
        assert_eq!((entity.kind, entity.id.as_str()), (kind, id), "{file}");
        assert_eq!(e.severity, severity, "{file}");
        assert_eq!(e.payload, fixture("fusion", file)["args"][0]);
        let EventBody::Fusion(body) = &e.body else {
            panic!("{file}: {:?}", e.body)
        };
        assert_eq!(serde_json::to_value(body).expect("ser")["event"], ty);
    }
    let e = event(f, "fusion", "intent_status_changed.json");
    let EventBody::Fusion(fusion::FusionEvent::IntentStatusChanged(u)) = &e.body else {
        panic!()
    };
    assert_eq!(u.status.as_deref(), Some("executing"));
    assert_eq!(u.old_status.as_deref(), Some("SOURCE_LOCKED"));
    assert_eq!(u.amount.as_deref(), Some("1000000000000000000"));
    assert_eq!(e.created_at, Some(t("2025-03-01T09:07:00Z")));
    let e = event(f, "fusion", "mempool_stats.json");
    let EventBody::Fusion(fusion::FusionEvent::MempoolStats(m)) = &e.body else {
        panic!()
    };
    assert_eq!(
        (m.total, m.completed, m.cancelled),
        (Some(120), Some(80), Some(2))
    );
}

#[test]
fn fusion_control_and_unknown_events() {
    let f = GatewayKind::Fusion;
    assert_eq!(
        control(f, "fusion", "pong.json"),
        Control::Pong {
            timestamp: Some("1740819600000".into())
        }
    );
    assert_eq!(
        control(f, "fusion", "error.json"),
        Control::Error {
            code: None,
            message: "Invalid intentId".into()
        }
    );
    let e = event(f, "fusion", "intent_settlement_proof.json");
    assert_eq!(e.body, EventBody::Unknown);
    assert_eq!(e.event_type, "intent:settlement_proof");
    assert_eq!(e.entity.map(|r| r.id), Some("0x3f1c2a9b".to_owned()));
    assert_eq!(e.payload["proof"], "0xproof");
    // A bare intent id as the argument is accepted.
    let args = [json!("0x77")];
    let Ok(Decoded::Event(e)) = decode(
        &common::ctx(f),
        WireMessage::SocketIo {
            event: "intent:not_found",
            args: &args,
        },
    ) else {
        panic!()
    };
    assert_eq!(e.entity.map(|r| r.id), Some("0x77".to_owned()));
    assert!(matches!(
        decode_value(
            f,
            &json!({"event": "intent:status", "args": [{"status": "matched"}]})
        ),
        Err(DecodeError::Malformed { .. })
    ));
}

// ------------------------------------------------------------------------------ shared

#[test]
fn not_json_and_wrong_transport() {
    for g in [GatewayKind::Axisor, GatewayKind::Zkde, GatewayKind::Hashi] {
        assert!(matches!(
            decode(&common::ctx(g), WireMessage::Text("{not json")),
            Err(DecodeError::NotJson(_))
        ));
        assert!(matches!(
            decode(&common::ctx(g), WireMessage::Text("[1,2]")),
            Err(DecodeError::Malformed { .. })
        ));
        assert!(matches!(
            decode(&common::ctx(g), WireMessage::Text(r#"{"data":{}}"#)),
            Err(DecodeError::Malformed { .. })
        ));
        assert_eq!(
            decode(
                &common::ctx(g),
                WireMessage::SocketIo {
                    event: "x",
                    args: &[]
                }
            ),
            Err(DecodeError::WrongTransport { gateway: g })
        );
    }
    assert_eq!(
        decode(&common::ctx(GatewayKind::Fusion), WireMessage::Text("{}")),
        Err(DecodeError::WrongTransport {
            gateway: GatewayKind::Fusion
        })
    );
}

#[test]
fn unknown_raw_ws_types_are_kept_with_their_payload() {
    for g in [GatewayKind::Axisor, GatewayKind::Zkde] {
        let v = json!({"type": "something_new", "data": {"x": 1}});
        let Ok(Decoded::Event(e)) = decode_value(g, &v) else {
            panic!()
        };
        assert_eq!(e.body, EventBody::Unknown);
        assert_eq!(e.event_type, "something_new");
        assert_eq!(e.payload, v);
    }
}

#[test]
fn same_content_gets_the_same_hash_key_whatever_the_key_order() {
    let a = r#"{"type":"position_update","data":{"position_id":"p1","current_value":5}}"#;
    let b = r#"{"data":{"current_value":5,"position_id":"p1"},"type":"position_update"}"#;
    let c = r#"{"type":"position_update","data":{"position_id":"p1","current_value":6}}"#;
    let key = |s: &str| match decode(&common::ctx(GatewayKind::Zkde), WireMessage::Text(s)) {
        Ok(Decoded::Event(e)) => e.dedupe_key,
        other => panic!("{other:?}"),
    };
    assert_eq!(key(a), key(b));
    assert_ne!(key(a), key(c));
}

#[test]
fn timestamps_in_every_accepted_form() {
    use gatewatch_core::decode::parse_time;
    let want = t("2025-01-06T10:30:00Z");
    for v in [
        json!("2025-01-06T10:30:00Z"),
        json!("2025-01-06T10:30:00.000+00:00"),
        json!("2025-01-06T12:30:00+02:00"),
        json!("2025-01-06T10:30:00"),
        json!(1736159400),
        json!(1736159400000_u64),
        json!("1736159400"),
        json!(1736159400.0),
    ] {
        assert_eq!(parse_time(&v), Some(want), "{v}");
    }
    for v in [json!("yesterday"), json!(null), json!({}), json!(1e300)] {
        assert_eq!(parse_time(&v), None, "{v}");
    }
}
