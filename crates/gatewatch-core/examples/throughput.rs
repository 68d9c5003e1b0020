//! Measures decode and reduce throughput on document-shaped messages.
//!
//! `cargo run --release -p gatewatch-core --example throughput` (`GATEWATCH_EXAMPLE_EVENTS`
//! sets the number of events per gateway, 200,000 by default; a smaller number keeps
//! `valgrind --tool=callgrind` runs short).

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use gatewatch_core::decode::decode_socketio;
use gatewatch_core::reduce::Reducer;
use gatewatch_core::{decode, DecodeContext, Decoded, GatewayKind, WireMessage};
use serde_json::json;

fn main() {
    let n: usize = std::env::var("GATEWATCH_EXAMPLE_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n >= 2)
        .unwrap_or(200_000);
    let t0 = Utc
        .with_ymd_and_hms(2025, 6, 1, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let ctx = |g| DecodeContext::new("bench", g, t0);

    // Dimes: Socket.IO args (already parsed by the connector, which hands them over owned to
    // `decode_socketio`), 1,000 positions cycling through their lifecycle.
    let types = [
        "position.created",
        "position.opening",
        "position.opened",
        "position.force_unwound",
        "position.close_requested",
        "position.closed",
    ];
    let dimes_args: Vec<(String, Vec<serde_json::Value>)> = (0..n)
        .map(|i| {
            let ty = types[(i / 1000) % types.len()];
            let env = json!({"id": format!("evt_{i}"), "type": ty, "created_at": (t0 + Duration::milliseconds(i as i64)).to_rfc3339(),
                "data": {"id": format!("dm_pos_{}", i % 1000), "status": "open", "market_id": "mkt_1", "side": "yes",
                         "entry": {"price": "0.62", "amount": "100.00"}, "current": {"value": "103.2", "pnl": "3.2"},
                         "risk": {"leverage": 4, "liquidation_distance": 0.25}, "fees": {"open": "0.1"}}});
            (ty.to_owned(), vec![env])
        })
        .collect();
    // Axisor: text frames (parse included), no event id (content hash).
    let axisor_text: Vec<String> = (0..n)
        .map(|i| json!({"type": "position_status_update", "channel": "positions", "data": {"userId": "u1",
            "position": {"id": format!("pos_{}", i % 1000), "symbol": "BTC_USD", "side": "long", "size": 1000, "entryPrice": 43000,
                         "currentPrice": 43000 + i % 500, "margin": 100, "leverage": 10, "pnl": i % 500, "distanceToLiquidation": 0.92,
                         "isAtRisk": false, "updatedAt": (t0 + Duration::milliseconds(i as i64)).to_rfc3339()}}}).to_string())
        .collect();
    let avg = axisor_text.iter().map(String::len).sum::<usize>() / n;

    let dimes_ctx = ctx(GatewayKind::DimesPartner);
    let axisor_ctx = ctx(GatewayKind::Axisor);
    let decode_dimes =
        |(ty, args): (String, Vec<serde_json::Value>)| decode_socketio(&dimes_ctx, &ty, args);
    let decode_axisor = |t: &String| decode(&axisor_ctx, WireMessage::Text(t));
    let us = |d: std::time::Duration, n: usize| d.as_secs_f64() * 1e6 / n as f64;

    // Decode only (each event dropped, as a connector that forwards it would).
    // The owned arguments are copied before the clock starts.
    let copy = dimes_args.clone();
    let start = Instant::now();
    let ok = copy
        .into_iter()
        .map(decode_dimes)
        .filter(|r| matches!(r, Ok(Decoded::Event(_))))
        .count();
    let d = start.elapsed();
    println!("decode dimes (Socket.IO args, evt id):          {:>8.0} events/s  {:.2} µs/event  ({ok} ok)", n as f64 / d.as_secs_f64(), us(d, n));
    let start = Instant::now();
    let ok = axisor_text
        .iter()
        .filter(|t| matches!(decode_axisor(t), Ok(Decoded::Event(_))))
        .count();
    let d = start.elapsed();
    println!("decode axisor (text ~{avg} B, parse + content hash): {:>8.0} events/s  {:.2} µs/event  ({ok} ok)", n as f64 / d.as_secs_f64(), us(d, n));

    // The connector's redaction check on every inbound frame (nothing to redact here).
    let dimes_text: Vec<String> = dimes_args
        .iter()
        .map(|(ty, args)| {
            format!(
                "42/v1/ws/prediction-markets/positions,{}",
                json!([ty, args[0]])
            )
        })
        .collect();
    let start = Instant::now();
    let clean = dimes_text
        .iter()
        .chain(&axisor_text)
        .filter(|t| {
            matches!(
                gatewatch_core::redact::redact_text(t),
                std::borrow::Cow::Borrowed(_)
            )
        })
        .count();
    let d = start.elapsed();
    println!(
        "redaction check (Dimes + Axisor frames):        {:.2} µs/frame  ({clean} of {} untouched)",
        us(d, 2 * n),
        2 * n
    );

    // Decode + reduce, interleaved, 2,000 entities.
    let mut r = Reducer::new();
    let copy = dimes_args.clone();
    let start = Instant::now();
    for (a, t) in copy.into_iter().zip(&axisor_text) {
        if let Ok(Decoded::Event(e)) = decode_dimes(a) {
            r.apply(&e);
        }
        if let Ok(Decoded::Event(e)) = decode_axisor(t) {
            r.apply(&e);
        }
    }
    let d = start.elapsed();
    println!(
        "decode + reduce, {} events into {} entities:  {:>8.0} events/s  {:.2} µs/event",
        2 * n,
        r.len(),
        2.0 * n as f64 / d.as_secs_f64(),
        us(d, 2 * n)
    );
    // Redelivery of the latest 100k Dimes events: still inside the 200k-key dedupe window
    // (400k keys went through it), so every one is a duplicate.
    let copy = dimes_args[n / 2..].to_vec();
    let start = Instant::now();
    let mut dups = 0;
    for a in copy {
        if let Ok(Decoded::Event(e)) = decode_dimes(a) {
            dups += usize::from(r.apply(&e) == gatewatch_core::reduce::Applied::Duplicate);
        }
    }
    let d = start.elapsed();
    println!(
        "redelivery of {} dimes events: {dups} duplicates, {:.2} µs/event (decode included)",
        n / 2,
        us(d, n / 2)
    );
}
