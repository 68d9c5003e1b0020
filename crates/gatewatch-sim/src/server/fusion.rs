//! Fusion: Socket.IO, default namespace, intent rooms and the all-intents room.

use std::sync::Arc;

use axum::Router;
use gatewatch_core::event::GatewayKind;
use serde_json::{json, Value};
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::SocketIo;

use super::{now_iso, sio_buffer};
use crate::hub::{lock, Shared, SioClient};

/// An intent id worth looking up: a non-empty string of id characters (hex hashes,
/// UUIDs, prefixed ids). Anything else gets the documented `error`.
pub(crate) fn plausible_intent_id(v: &Value) -> Option<String> {
    // Lenient: `{intentId}` objects are accepted as well as the documented bare string.
    let s = v.as_str().or_else(|| v["intentId"].as_str())?.trim();
    let ok = !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-:.".contains(c));
    ok.then(|| s.to_owned())
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let (layer, io) = SocketIo::builder()
        .max_buffer_size(sio_buffer(&shared))
        .max_payload(64 << 20)
        .build_layer();
    let sh = shared.clone();
    // Synchronous registration: see the note in `dimes::router`.
    io.ns("/", move |s: SocketRef| {
        on_connect(sh.clone(), s);
        std::future::ready(())
    });
    Router::new().layer(layer)
}

fn invalid(s: &SocketRef, got: &Value) {
    let _ = s.emit(
        "error",
        &json!({"message": "Invalid intentId: expected a non-empty intent id string", "received": got}),
    );
}

fn subscribe_intent(sh: &Shared, s: &SocketRef, v: Value) {
    let Some(id) = plausible_intent_id(&v) else {
        return invalid(s, &v);
    };
    // Join first: an intent that does not exist yet may appear later.
    sh.fusion.with(s.id, |c| c.intents.insert(id.clone()));
    let current = lock(&sh.script)
        .world()
        .intent(&id)
        .map(|i| i.formatted.clone());
    let _ = match current {
        Some(f) => s.emit("intent:status", &f),
        None => s.emit("intent:not_found", &json!({"intentId": id})),
    };
}

fn on_connect(shared: Arc<Shared>, s: SocketRef) {
    // Fusion documents no auth; `reject_auth` refuses the connection the way Dimes does.
    if shared.rejects_auth(GatewayKind::Fusion) {
        let _ = s.emit("error", &json!({"message": "Unauthorized"}));
        let _ = s.disconnect();
        return;
    }
    shared.fusion.add(SioClient {
        socket: s.clone(),
        kind: GatewayKind::Fusion,
        identity: None,
        intents: Default::default(),
        all: false,
    });
    // Every handler does its work synchronously, in the closure socketioxide calls while
    // reading the client's packets, and returns a finished future: socketioxide spawns
    // one task per message, so async bodies could run `unsubscribe:all` after a later
    // `subscribe:all`. Done here, the client's order is kept.
    let sh = shared.clone();
    s.on(
        "subscribe:intent",
        move |s: SocketRef, TryData(v): TryData<Value>| {
            subscribe_intent(&sh, &s, v.unwrap_or(Value::Null));
            std::future::ready(())
        },
    );
    let sh = shared.clone();
    s.on(
        "unsubscribe:intent",
        move |s: SocketRef, TryData(v): TryData<Value>| {
            let v = v.unwrap_or(Value::Null);
            match plausible_intent_id(&v) {
                Some(id) => {
                    sh.fusion.with(s.id, |c| c.intents.remove(&id));
                }
                None => invalid(&s, &v),
            }
            std::future::ready(())
        },
    );
    let sh = shared.clone();
    s.on("subscribe:all", move |s: SocketRef| {
        sh.fusion.with(s.id, |c| c.all = true);
        let stats = lock(&sh.script).world().mempool_stats();
        let _ = s.emit("mempool:stats", &stats);
        std::future::ready(())
    });
    let sh = shared.clone();
    s.on("unsubscribe:all", move |s: SocketRef| {
        sh.fusion.with(s.id, |c| c.all = false);
        std::future::ready(())
    });
    s.on("ping", move |s: SocketRef| {
        let _ = s.emit("pong", &json!({"timestamp": now_iso()}));
        std::future::ready(())
    });
    let sh = shared.clone();
    s.on_disconnect(move |s: SocketRef| {
        sh.fusion.remove(s.id);
        std::future::ready(())
    });
}

#[cfg(test)]
mod tests {
    use super::plausible_intent_id;
    use serde_json::json;

    #[test]
    fn intent_ids_must_be_plausible_strings() {
        assert_eq!(
            plausible_intent_id(&json!("0xabc123")).as_deref(),
            Some("0xabc123")
        );
        assert_eq!(
            plausible_intent_id(&json!({"intentId": "int-1"})).as_deref(),
            Some("int-1")
        );
        assert_eq!(plausible_intent_id(&json!("")), None);
        assert_eq!(plausible_intent_id(&json!(123)), None);
        assert_eq!(plausible_intent_id(&json!(null)), None);
        assert_eq!(plausible_intent_id(&json!("<script>")), None);
        assert_eq!(plausible_intent_id(&json!("a".repeat(300))), None);
    }
}
