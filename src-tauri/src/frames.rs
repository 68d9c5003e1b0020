//! From a redacted wire frame to the inspector's row: an inbound frame goes through the same
//! decoder as live data (so the row names the event type and entity, or says why it did not
//! decode); an outbound frame, a control message or a Socket.IO packet is labelled from its
//! text without a full decode.

use gatewatch_core::{Direction, Frame};
use gatewatch_engine::replay::{decode_frame, socketio_event, Replayed};

use crate::ipc::FrameRow;

/// The inspector row of one frame (`seq` is set when the ring takes it).
pub fn frame_row(frame: &Frame) -> FrameRow {
    let mut row = FrameRow {
        seq: 0,
        connection: frame.connection.to_string(),
        gateway: frame.gateway,
        direction: frame.direction,
        at: frame.at,
        event_type: None,
        entity_kind: None,
        entity_id: None,
        decode_error: None,
        text: frame.text.clone(),
    };
    if frame.direction == Direction::In {
        match decode_frame(frame) {
            Replayed::Event(event) => {
                row.event_type = Some(event.event_type).filter(|t| !t.is_empty());
                if let Some(entity) = event.entity {
                    row.entity_kind = Some(entity.kind);
                    row.entity_id = Some(entity.id);
                }
            }
            Replayed::Error(error) => row.decode_error = Some(error.to_string()),
            Replayed::Control | Replayed::Plumbing => {}
        }
    }
    if row.event_type.is_none() {
        row.event_type = label(frame);
    }
    row
}

/// A cheap name for a frame that is not an event: the Socket.IO event name, the Engine.IO /
/// Socket.IO packet kind, or a JSON message's `type`.
fn label(frame: &Frame) -> Option<String> {
    let text = frame.text.as_str();
    if frame.gateway.is_socketio() {
        if let Some((name, _)) = socketio_event(text) {
            return Some(name);
        }
        return socketio_packet(text).map(str::to_owned);
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("type")?.as_str().map(str::to_owned)
}

/// Engine.IO packet types (`0` open … `3` pong, `4` message) and, inside a message, the
/// Socket.IO packet types other than EVENT.
fn socketio_packet(text: &str) -> Option<&'static str> {
    let mut chars = text.chars();
    Some(match (chars.next()?, chars.next()) {
        ('0', _) => "engine.io open",
        ('1', _) => "engine.io close",
        ('2', _) => "engine.io ping",
        ('3', _) => "engine.io pong",
        ('4', Some('0')) => "socket.io connect",
        ('4', Some('1')) => "socket.io disconnect",
        ('4', Some('3')) => "socket.io ack",
        ('4', Some('4')) => "socket.io connect_error",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use gatewatch_core::{ConnectionId, EntityKind, GatewayKind};

    fn frame(gateway: GatewayKind, direction: Direction, text: &str) -> Frame {
        Frame {
            connection: ConnectionId::new("c"),
            gateway,
            direction,
            at: Utc::now(),
            text: text.into(),
        }
    }

    #[test]
    fn an_inbound_event_names_its_type_and_entity() {
        let text = r#"42/v1/ws/prediction-markets/positions,["position.opened",{"id":"evt_1","type":"position.opened","created_at":"2026-01-01T00:00:00Z","data":{"id":"dm_pos_1","status":"open"}}]"#;
        let row = frame_row(&frame(GatewayKind::DimesPartner, Direction::In, text));
        assert_eq!(row.event_type.as_deref(), Some("position.opened"));
        assert_eq!(row.entity_kind, Some(EntityKind::Position));
        assert_eq!(row.entity_id.as_deref(), Some("dm_pos_1"));
        assert_eq!(row.decode_error, None);
        assert_eq!(row.text, text);
    }

    #[test]
    fn a_frame_that_does_not_decode_says_why() {
        let row = frame_row(&frame(
            GatewayKind::Hashi,
            Direction::In,
            r#"{"type":"contract.cr"#,
        ));
        let error = row.decode_error.expect("truncated JSON is a decode error");
        assert!(!error.is_empty());
        assert_eq!(row.entity_id, None);
    }

    #[test]
    fn outbound_and_plumbing_frames_are_labelled() {
        let out = frame(
            GatewayKind::Fusion,
            Direction::Out,
            r#"42["subscribe:intent","int_1"]"#,
        );
        assert_eq!(
            frame_row(&out).event_type.as_deref(),
            Some("subscribe:intent")
        );
        let ping = frame(GatewayKind::Fusion, Direction::In, "2");
        assert_eq!(
            frame_row(&ping).event_type.as_deref(),
            Some("engine.io ping")
        );
        let connect = frame(
            GatewayKind::DimesPartner,
            Direction::Out,
            r#"40/ns,{"apiKey":"[redacted]"}"#,
        );
        assert_eq!(
            frame_row(&connect).event_type.as_deref(),
            Some("socket.io connect")
        );
        let sub = frame(
            GatewayKind::Hashi,
            Direction::Out,
            r#"{"type":"subscribe","data":{"lobbyId":"l1"}}"#,
        );
        assert_eq!(frame_row(&sub).event_type.as_deref(), Some("subscribe"));
        let junk = frame(GatewayKind::Axisor, Direction::Out, "not json");
        assert_eq!(frame_row(&junk).event_type, None);
    }
}
