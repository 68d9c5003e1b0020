//! Plays the script: paces steps, routes each emission to the clients it is for, and
//! applies the configured faults on the way.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use gatewatch_core::event::GatewayKind;
use serde_json::Value;
use tokio::time::Instant;

use crate::hub::{lock, ws_sinks, Counters, Shared, Sink, Wire};
use crate::options::{FaultSpec, Rate};
use crate::rng::SimRng;
use crate::script::{Emission, Route, Server, Step};
use crate::server::zkde::normalize_address;

/// The gateway kinds an emission can reach.
fn route_kinds(route: &Route) -> &'static [GatewayKind] {
    match route {
        Route::DimesPosition { .. } => &[GatewayKind::DimesPartner, GatewayKind::DimesCustomer],
        Route::DimesNotification { .. } => &[GatewayKind::DimesCustomer],
        Route::AxisorMarket { .. } | Route::AxisorUser { .. } | Route::AxisorAll => {
            &[GatewayKind::Axisor]
        }
        Route::ZkdeAddress { .. } | Route::ZkdeAll => &[GatewayKind::Zkde],
        Route::HashiAll | Route::HashiLobby { .. } => &[GatewayKind::Hashi],
        Route::FusionIntent { .. } | Route::FusionAll | Route::FusionIntentOrAll { .. } => {
            &[GatewayKind::Fusion]
        }
    }
}

/// The clients an emission goes to, grouped by kind, silent kinds left out.
pub(crate) fn recipients(shared: &Shared, route: &Route) -> Vec<(GatewayKind, Sink)> {
    let sio = |v: Vec<(GatewayKind, socketioxide::extract::SocketRef)>| {
        v.into_iter()
            .map(|(k, s)| (k, Sink::Sio(s)))
            .collect::<Vec<_>>()
    };
    let all = match route {
        Route::DimesPosition { wallet } => sio(shared.dimes.select(|c| {
            c.kind == GatewayKind::DimesPartner
                || c.identity
                    .as_deref()
                    .is_some_and(|w| w.eq_ignore_ascii_case(wallet))
        })),
        Route::DimesNotification { wallet } => sio(shared.dimes.select(|c| {
            c.kind == GatewayKind::DimesCustomer
                && c.identity
                    .as_deref()
                    .is_some_and(|w| w.eq_ignore_ascii_case(wallet))
        })),
        Route::AxisorMarket { symbol, channel } => {
            let room = format!("market:{symbol}");
            ws_sinks(
                GatewayKind::Axisor,
                shared.axisor.select(|m| {
                    m.rooms
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(&room) || r == channel)
                }),
            )
        }
        Route::AxisorUser { user_id } => ws_sinks(
            GatewayKind::Axisor,
            shared.axisor.select(|m| &m.user == user_id),
        ),
        Route::AxisorAll => ws_sinks(GatewayKind::Axisor, shared.axisor.select(|_| true)),
        Route::ZkdeAddress { address } => {
            let want = normalize_address(address);
            ws_sinks(
                GatewayKind::Zkde,
                shared
                    .zkde
                    .select(|m| normalize_address(&m.address) == want),
            )
        }
        Route::ZkdeAll => ws_sinks(GatewayKind::Zkde, shared.zkde.select(|_| true)),
        Route::HashiAll => ws_sinks(GatewayKind::Hashi, shared.hashi.select(|_| true)),
        Route::HashiLobby {
            lobby_id,
            lobby_code,
            players,
        } => ws_sinks(
            GatewayKind::Hashi,
            shared.hashi.select(|m| {
                players.contains(&m.player)
                    || m.lobbies.contains(lobby_id)
                    || m.lobbies.iter().any(|l| l.eq_ignore_ascii_case(lobby_code))
            }),
        ),
        Route::FusionIntent { intent_id } => {
            sio(shared.fusion.select(|c| c.intents.contains(intent_id)))
        }
        Route::FusionAll => sio(shared.fusion.select(|c| c.all)),
        Route::FusionIntentOrAll { intent_id } => sio(shared
            .fusion
            .select(|c| c.all || c.intents.contains(intent_id))),
    };
    all.into_iter()
        .filter(|(k, _)| !shared.is_silent(*k))
        .collect()
}

/// The frame for an emission on its server's transport.
pub(crate) fn wire(server: Server, em: &Emission) -> Wire {
    match server {
        Server::Dimes | Server::Fusion => Wire::Sio {
            event: em.event.clone(),
            payload: em.payload.clone(),
        },
        _ => Wire::Text(Utf8Bytes::from(em.payload.to_string())),
    }
}

/// Cuts a string to about `len` bytes on a character boundary.
fn cut(s: &str, len: usize) -> &str {
    let mut end = len.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A frame that is not what the document promises: truncated JSON, not JSON, or JSON of
/// the wrong shape (raw WebSocket); a string, number or null where an object belongs
/// (Socket.IO, whose framing the library keeps valid).
fn malformed(server: Server, em: &Emission, rng: &mut SimRng) -> Wire {
    let text = em.payload.to_string();
    let variant = rng.below(3);
    match server {
        Server::Dimes | Server::Fusion => Wire::Sio {
            event: em.event.clone(),
            payload: match variant {
                0 => Value::String(cut(&text, text.len() / 2).to_owned()),
                1 => Value::from(42),
                _ => Value::Null,
            },
        },
        _ => Wire::Text(Utf8Bytes::from(match variant {
            0 => cut(&text, text.len() / 2).to_owned(),
            1 => "\u{1}garbage: this is not JSON".to_owned(),
            _ => "[1,2,3]".to_owned(),
        })),
    }
}

/// The emission with a `padding` field that makes it `bytes` long.
fn oversized(server: Server, em: &Emission, bytes: usize) -> Wire {
    let pad = "x".repeat(bytes);
    match server {
        Server::Dimes | Server::Fusion => {
            let mut payload = em.payload.clone();
            if let Some(o) = payload.as_object_mut() {
                o.insert("padding".into(), Value::String(pad));
            }
            Wire::Sio {
                event: em.event.clone(),
                payload,
            }
        }
        _ => {
            let text = em.payload.to_string();
            // Every scenario payload is an object: splice the field before the last `}`.
            let body = text.strip_suffix('}').unwrap_or(&text);
            let sep = if body.ends_with('{') { "" } else { "," };
            Wire::Text(Utf8Bytes::from(format!(
                r#"{body}{sep}"padding":"{pad}"}}"#
            )))
        }
    }
}

/// Runs the scenario until shutdown.
pub(crate) async fn run(shared: Arc<Shared>) {
    if lock(&shared.script).is_quiet() {
        return shared.shutdown.cancelled().await;
    }
    let faults: BTreeMap<GatewayKind, FaultSpec> = GatewayKind::ALL
        .iter()
        .map(|k| (*k, shared.opts.faults.get(*k)))
        .collect();
    let mut rng = SimRng::new(shared.opts.seed, 200);
    let mut held: [Option<Step>; 5] = Default::default();
    let start = Instant::now();
    let max = matches!(shared.opts.rate, Rate::Max);
    let mut since_yield = 0u32;
    while !shared.shutdown.is_cancelled() {
        let step = lock(&shared.script).next_step();
        shared
            .counters
            .steps
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if max {
            since_yield += 1;
            if since_yield >= 64 {
                since_yield = 0;
                tokio::task::yield_now().await;
            }
        } else {
            tokio::select! {
                _ = shared.shutdown.cancelled() => break,
                _ = tokio::time::sleep_until(start + step.at) => {}
            }
        }
        let idx = step.server.index() % 5;
        let reorder = step
            .emissions
            .first()
            .map(|e| route_kinds(&e.route))
            .unwrap_or(&[])
            .iter()
            .map(|k| faults.get(k).map_or(0.0, |f| f.reorder))
            .fold(0.0, f64::max);
        if held[idx].is_none() && rng.chance(reorder) {
            if let Some(kind) = step
                .emissions
                .first()
                .and_then(|e| route_kinds(&e.route).first())
            {
                Counters::add(&shared.counters.reordered, *kind, 1);
            }
            held[idx] = Some(step);
            continue;
        }
        dispatch(&shared, &step, &faults, &mut rng).await;
        if let Some(late) = held[idx].take() {
            dispatch(&shared, &late, &faults, &mut rng).await;
        }
    }
}

async fn dispatch(
    shared: &Shared,
    step: &Step,
    faults: &BTreeMap<GatewayKind, FaultSpec>,
    rng: &mut SimRng,
) {
    for em in &step.emissions {
        let sinks = recipients(shared, &em.route);
        if sinks.is_empty() {
            continue;
        }
        let frame = wire(step.server, em);
        let mut by_kind: BTreeMap<GatewayKind, Vec<(GatewayKind, Sink)>> = BTreeMap::new();
        for (k, s) in sinks {
            by_kind.entry(k).or_default().push((k, s));
        }
        for (kind, group) in by_kind {
            let spec = faults.get(&kind).cloned().unwrap_or_else(FaultSpec::none);
            if rng.chance(spec.malformed) {
                Counters::add(&shared.counters.malformed, kind, 1);
                let bad = malformed(step.server, em, rng);
                shared.deliver(group.clone(), &bad).await;
            }
            if rng.chance(spec.oversized) {
                Counters::add(&shared.counters.oversized, kind, 1);
                let big = oversized(step.server, em, spec.oversized_bytes);
                shared.deliver(group.clone(), &big).await;
            }
            let dup = rng.chance(spec.dup);
            shared.deliver(group.clone(), &frame).await;
            if dup {
                Counters::add(&shared.counters.duplicated, kind, 1);
                shared.deliver(group, &frame).await;
            }
        }
    }
}

/// Drops a kind's connections at seeded random intervals around `every`.
pub(crate) async fn drop_every(shared: Arc<Shared>, kind: GatewayKind, every: Duration) {
    let mut rng = SimRng::new(shared.opts.seed, 300 + crate::hub::kind_index(kind) as u64);
    loop {
        let wait = every.mul_f64(rng.range(0.5, 1.5));
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        shared.drop_connections(kind);
    }
}

/// Silences a kind after `after`.
pub(crate) async fn silent_after(shared: Arc<Shared>, kind: GatewayKind, after: Duration) {
    tokio::select! {
        _ = shared.shutdown.cancelled() => {}
        _ = tokio::time::sleep(after) => shared.set_silent(kind, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn em() -> Emission {
        Emission {
            route: Route::ZkdeAll,
            event: "market_change".into(),
            payload: json!({"type": "market_change", "data": {"pool_id": "p"}}),
        }
    }

    #[test]
    fn malformed_raw_frames_never_parse_as_the_event() {
        let mut rng = SimRng::new(1, 0);
        for _ in 0..30 {
            let Wire::Text(t) = malformed(Server::Zkde, &em(), &mut rng) else {
                panic!("raw gateway got a Socket.IO frame");
            };
            let parsed: Option<Value> = serde_json::from_str(t.as_str()).ok();
            assert!(
                parsed.is_none_or(|v| v.get("type").is_none()),
                "{}",
                t.as_str()
            );
        }
    }

    #[test]
    fn oversized_frames_are_valid_json_of_the_asked_size() {
        let Wire::Text(t) = oversized(Server::Zkde, &em(), 1 << 20) else {
            panic!("raw gateway got a Socket.IO frame");
        };
        assert!(t.as_str().len() > 1 << 20);
        let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
        assert_eq!(v["type"], "market_change");
        let Wire::Sio { payload, .. } = oversized(Server::Fusion, &em(), 1000) else {
            panic!("socket.io gateway got a raw frame");
        };
        assert_eq!(payload["padding"].as_str().map(str::len), Some(1000));
    }

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("abc", 10), "abc");
    }
}
