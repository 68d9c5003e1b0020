//! Client → server messages serialize to the exact JSON text the documents show.

use gatewatch_core::models::axisor::AxisorClientMessage;
use gatewatch_core::models::fusion::FusionClientMessage;
use gatewatch_core::models::hashi::HashiClientMessage;
use gatewatch_core::models::zkde::ZkdeClientMessage;
use serde_json::json;

#[test]
fn axisor_client_messages() {
    assert_eq!(
        AxisorClientMessage::Auth {
            token: "jwt".into()
        }
        .to_json(),
        r#"{"type":"auth","token":"jwt"}"#
    );
    assert_eq!(
        AxisorClientMessage::Subscribe {
            channel: "market:BTC_USD".into()
        }
        .to_json(),
        r#"{"type":"subscribe","channel":"market:BTC_USD"}"#
    );
    assert_eq!(
        AxisorClientMessage::Unsubscribe {
            channel: "positions".into()
        }
        .to_json(),
        r#"{"type":"unsubscribe","channel":"positions"}"#
    );
    assert_eq!(
        AxisorClientMessage::ListRooms.to_json(),
        r#"{"type":"list_rooms"}"#
    );
}

#[test]
fn zkde_pong() {
    assert_eq!(ZkdeClientMessage::Pong.to_json(), r#"{"type":"pong"}"#);
}

#[test]
fn hashi_client_messages() {
    assert_eq!(HashiClientMessage::Ping.to_json(), r#"{"type":"ping"}"#);
    assert_eq!(
        HashiClientMessage::subscribe("ABC").to_json(),
        r#"{"type":"subscribe","data":{"lobbyId":"ABC"}}"#
    );
    assert_eq!(
        HashiClientMessage::unsubscribe("ABC").to_json(),
        r#"{"type":"unsubscribe","data":{"lobbyId":"ABC"}}"#
    );
}

#[test]
fn fusion_client_events() {
    let m = FusionClientMessage::SubscribeIntent("123".into());
    assert_eq!(m.event_name(), "subscribe:intent");
    // A numeric-looking id stays a JSON string.
    assert_eq!(m.args(), vec![json!("123")]);
    assert_eq!(m.to_json(), r#"["subscribe:intent","123"]"#);
    assert_eq!(
        FusionClientMessage::UnsubscribeIntent("0xab".into()).to_json(),
        r#"["unsubscribe:intent","0xab"]"#
    );
    assert_eq!(
        FusionClientMessage::SubscribeAll.to_json(),
        r#"["subscribe:all"]"#
    );
    assert_eq!(
        FusionClientMessage::UnsubscribeAll.to_json(),
        r#"["unsubscribe:all"]"#
    );
    assert_eq!(FusionClientMessage::Ping.to_json(), r#"["ping"]"#);
    assert!(FusionClientMessage::Ping.args().is_empty());
}
