//! `gatewatch replay`: recorded frames through the same decode → reduce → alerts → store
//! pipeline as live data, deterministically (each frame keeps its recorded receive time).

use std::io::BufRead;
use std::path::Path;

use gatewatch_core::{decode, DecodeContext, Decoded, Direction, Frame, WireMessage};

/// What a replay did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReplayReport {
    /// Lines read.
    pub lines: u64,
    /// Inbound frames decoded into events.
    pub events: u64,
    /// Control frames (handshakes, pings) skipped.
    pub control: u64,
    /// Frames that did not decode (counted, not fatal).
    pub decode_errors: u64,
    /// Lines that were not a recorded frame.
    pub bad_lines: u64,
}

/// One recorded frame turned into what the pipeline consumes.
pub enum Replayed {
    /// A decoded event.
    Event(gatewatch_core::Event),
    /// A control frame (not an event).
    Control,
    /// A frame that did not decode.
    Error(gatewatch_core::DecodeError),
    /// Engine.IO/Socket.IO plumbing (`2`, `3`, `40`, …): nothing to decode.
    Plumbing,
}

/// Decode one recorded frame.
pub fn decode_frame(frame: &Frame) -> Replayed {
    let ctx = DecodeContext {
        connection: frame.connection.clone(),
        gateway: frame.gateway,
        received_at: frame.at,
    };
    let result = if frame.gateway.is_socketio() {
        match socketio_event(&frame.text) {
            Some((name, args)) => decode(
                &ctx,
                WireMessage::SocketIo {
                    event: &name,
                    args: &args,
                },
            ),
            None => return Replayed::Plumbing,
        }
    } else {
        decode(&ctx, WireMessage::Text(&frame.text))
    };
    match result {
        Ok(Decoded::Event(e)) => Replayed::Event(e),
        Ok(Decoded::Control(_)) => Replayed::Control,
        Err(e) => Replayed::Error(e),
    }
}

/// Parse a Socket.IO v4 EVENT packet (`42["name",…]` or `42/ns,["name",…]`, optionally
/// with an ack id) into its name and arguments. Other packets → `None`.
pub fn socketio_event(text: &str) -> Option<(String, Vec<serde_json::Value>)> {
    let rest = text.strip_prefix("42")?;
    let rest = match rest.strip_prefix('/') {
        Some(ns) => ns.split_once(',')?.1,
        None => rest,
    };
    // An ack id (digits) may precede the array.
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let serde_json::Value::Array(mut items) = serde_json::from_str(rest).ok()? else {
        return None;
    };
    if items.is_empty() {
        return None;
    }
    let name = match items.remove(0) {
        serde_json::Value::String(s) => s,
        _ => return None,
    };
    Some((name, items))
}

/// Read a recording (JSON lines of [`Frame`]) and decode its inbound frames in order.
pub fn read_recording(
    path: &Path,
    mut each: impl FnMut(Replayed),
) -> Result<ReplayReport, std::io::Error> {
    let file = std::fs::File::open(path)?;
    let mut report = ReplayReport::default();
    for line in std::io::BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        report.lines += 1;
        let Ok(frame) = serde_json::from_str::<Frame>(&line) else {
            report.bad_lines += 1;
            continue;
        };
        if frame.direction != Direction::In {
            continue;
        }
        let r = decode_frame(&frame);
        match &r {
            Replayed::Event(_) => report.events += 1,
            Replayed::Control | Replayed::Plumbing => report.control += 1,
            Replayed::Error(_) => report.decode_errors += 1,
        }
        each(r);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socketio_packets() {
        let (n, a) = socketio_event(
            r#"42/v1/ws/prediction-markets/positions,["position.opened",{"id":"evt_1"}]"#,
        )
        .unwrap();
        assert_eq!(n, "position.opened");
        assert_eq!(a[0]["id"], "evt_1");
        let (n, a) = socketio_event(r#"42["intent:status",{"intentId":"x"}]"#).unwrap();
        assert_eq!(n, "intent:status");
        assert_eq!(a.len(), 1);
        let (n, _) = socketio_event(r#"4212["pong"]"#).unwrap();
        assert_eq!(n, "pong");
        assert!(socketio_event("2").is_none());
        assert!(socketio_event("40/ns,{}").is_none());
        assert!(socketio_event("42[").is_none());
        assert!(socketio_event("42[1]").is_none());
    }
}
