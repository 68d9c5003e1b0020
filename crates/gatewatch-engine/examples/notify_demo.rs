//! Sends the OS notifications of a small scripted session: a Dimes liquidation (delivered
//! twice, then re-delivered under a new event id) and an Axisor margin-risk crossing,
//! through the real pipeline (decode → reduce → alert rules → `DesktopNotifier`).
//!
//! Used by `tests/notify/check_notify.py --mode example` to check the notification path
//! on a private D-Bus without the rest of the engine:
//!
//! ```text
//! dbus-run-session -- python3 tests/notify/check_notify.py --mode example
//! ```

use std::time::Duration;

use chrono::Utc;
use gatewatch_core::alerts::AlertEngine;
use gatewatch_core::config::AlertThresholds;
use gatewatch_core::reduce::{Applied, Reducer};
use gatewatch_core::{
    decode, ConnectionId, DecodeContext, Decoded, Event, EventBody, GatewayKind, Severity,
    WireMessage,
};
use gatewatch_engine::notify::{DesktopNotifier, Notifier};
use serde_json::{json, Value};

fn main() {
    let notifier = DesktopNotifier::new();
    let mut reducer = Reducer::new();
    let mut alerts = AlertEngine::new(AlertThresholds::default());

    let liquidation = |evt: &str| {
        json!({"id": evt, "type": "position.liquidated", "created_at": "2026-11-24T10:00:05.000Z",
               "data": {"id": "dm_pos_demo1", "status": "liquidated", "close_reason": "liquidated",
                        "market": {"ticker": "S&P <500> YES"},
                        "entry": {"price": 0.61},
                        "result": {"realized_pnl": -42.5, "collected_liquidation_fee_usdc": 1.25}}})
    };
    let axisor = |d: f64, at_risk: bool, n: u32| {
        json!({"type": "position_status_update", "channel": "positions",
               "data": {"userId": "user_123", "position": {
                   "id": "pos_demo7", "symbol": "BTC_USD", "side": "long", "size": 1000,
                   "entryPrice": 43000, "currentPrice": 39400, "margin": 100, "leverage": 10,
                   "pnl": -360, "distanceToLiquidation": d, "isAtRisk": at_risk,
                   "updatedAt": format!("2026-11-24T10:00:{n:02}Z")}}})
        .to_string()
    };

    let dimes_args = [liquidation("evt_demo_1")];
    let redelivered = [liquidation("evt_demo_2")];
    let frames: Vec<(GatewayKind, Frame<'_>)> = vec![
        (
            GatewayKind::DimesPartner,
            Frame::Sio("position.liquidated", &dimes_args),
        ),
        // The same delivery again (same envelope id): a duplicate.
        (
            GatewayKind::DimesPartner,
            Frame::Sio("position.liquidated", &dimes_args),
        ),
        // Re-delivered under a new event id: still the same position's liquidation.
        (
            GatewayKind::DimesPartner,
            Frame::Sio("position.liquidated", &redelivered),
        ),
        (GatewayKind::Axisor, Frame::Text(axisor(0.92, false, 1))),
        (GatewayKind::Axisor, Frame::Text(axisor(0.82, true, 2))),
        (GatewayKind::Axisor, Frame::Text(axisor(0.80, true, 3))),
    ];

    for (gateway, frame) in &frames {
        let ctx = DecodeContext {
            connection: ConnectionId::new(gateway.as_str()),
            gateway: *gateway,
            received_at: Utc::now(),
        };
        let ev = match frame.decode(&ctx) {
            Some(ev) => ev,
            None => continue,
        };
        let applied = reducer.apply(&ev);
        for alert in alerts.on_event(&ev, applied, Utc::now()) {
            println!("{}", serde_json::to_string(&alert).unwrap_or_default());
            if alert.os_notify {
                if let Err(e) = notifier.notify(&alert) {
                    eprintln!("notify failed: {e}");
                }
            }
        }
        if applied == Applied::Duplicate {
            eprintln!("duplicate: {}", ev.dedupe_key);
        }
    }
    if !notifier.close(Duration::from_secs(10)) {
        eprintln!("notification queue did not drain in 10 s");
    }
    let s = notifier.stats();
    eprintln!(
        "notifications: {} sent, {} failed, {} dropped",
        s.sent, s.failed, s.dropped
    );
}

enum Frame<'a> {
    Text(String),
    Sio(&'a str, &'a [Value]),
}

impl Frame<'_> {
    /// Decodes with the real decoder; while a gateway's decoder is missing, falls back to
    /// the event a decoder would produce (so this example runs at every stage of the work).
    fn decode(&self, ctx: &DecodeContext) -> Option<Event> {
        let msg = match self {
            Frame::Text(t) => WireMessage::Text(t),
            Frame::Sio(event, args) => WireMessage::SocketIo { event, args },
        };
        match decode(ctx, msg) {
            Ok(Decoded::Event(ev)) => Some(ev),
            Ok(Decoded::Control(c)) => {
                eprintln!("control message: {c:?}");
                None
            }
            Err(e) => {
                eprintln!("decoder said {e}; using a hand-built event");
                let payload = match self {
                    Frame::Text(t) => serde_json::from_str(t).ok()?,
                    Frame::Sio(_, args) => args.first()?.clone(),
                };
                let event_type = match self {
                    Frame::Sio(name, _) => (*name).to_owned(),
                    Frame::Text(_) => payload.get("type")?.as_str()?.to_owned(),
                };
                let external_id = payload.get("id").and_then(Value::as_str).map(str::to_owned);
                Some(Event {
                    connection: ctx.connection.clone(),
                    gateway: ctx.gateway,
                    dedupe_key: match &external_id {
                        Some(id) => format!("id:{id}"),
                        None => format!("h:{payload}"),
                    },
                    event_type,
                    external_id,
                    entity: None,
                    created_at: None,
                    received_at: ctx.received_at,
                    severity: Severity::Info,
                    body: EventBody::Unknown,
                    payload: payload.into(),
                })
            }
        }
    }
}
