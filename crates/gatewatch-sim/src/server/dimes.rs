//! Dimes: one Socket.IO server with the partner and customer namespaces, plus the REST
//! catch-up endpoints `GET /positions` and `GET /positions/{id}` on the same port.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gatewatch_core::event::GatewayKind;
use serde_json::{json, Value};
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::SocketIo;

use super::{auth_header, sio_buffer};
use crate::creds::{Credentials, DIMES_PARTNER_KEY};
use crate::hub::{lock, Shared, SioClient};

/// The partner namespace.
pub const PARTNER_NS: &str = "/v1/ws/prediction-markets/positions";
/// The customer namespace.
pub const CUSTOMER_NS: &str = "/v1/ws/prediction-markets/customer-positions";

/// Largest Engine.IO payload: room for the oversized-frame fault.
const MAX_PAYLOAD: u64 = 64 << 20;

/// The document's authentication error.
pub(crate) fn auth_error() -> Value {
    json!({"error": {"type": "AUTHENTICATION_ERROR", "code": "unauthorized", "message": "Unauthorized"}})
}

/// Who a connection is: the partner (`Ok(None)`) or one customer wallet.
type Scope = Option<String>;

fn partner_key_ok(shared: &Shared, key: &str) -> bool {
    !shared.rejects_auth(GatewayKind::DimesPartner) && key == DIMES_PARTNER_KEY
}

fn customer_of(shared: &Shared, token: &str) -> Option<String> {
    if shared.rejects_auth(GatewayKind::DimesCustomer) {
        return None;
    }
    Credentials::get()
        .dimes_customer(token)
        .map(|c| c.subject.clone())
}

/// The scope of a Socket.IO connection from its `auth` payload or `Authorization` header.
fn socket_scope(
    shared: &Shared,
    kind: GatewayKind,
    auth: &Value,
    headers: &HeaderMap,
) -> Option<Scope> {
    match kind {
        GatewayKind::DimesPartner => {
            let key = auth["apiKey"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| auth_header(headers, "Api-Key"))?;
            partner_key_ok(shared, &key).then_some(None)
        }
        _ => {
            let token = auth["token"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| auth_header(headers, "Bearer"))?;
            customer_of(shared, &token).map(Some)
        }
    }
}

/// The scope of a REST call: `Api-Key` is the partner, `Bearer` a customer.
fn rest_scope(shared: &Shared, headers: &HeaderMap) -> Option<Scope> {
    if let Some(key) = auth_header(headers, "Api-Key") {
        return partner_key_ok(shared, &key).then_some(None);
    }
    let token = auth_header(headers, "Bearer")?;
    customer_of(shared, &token).map(Some)
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let (layer, io) = SocketIo::builder()
        .max_buffer_size(sio_buffer(&shared))
        .max_payload(MAX_PAYLOAD)
        .build_layer();
    for (ns, kind) in [
        (PARTNER_NS, GatewayKind::DimesPartner),
        (CUSTOMER_NS, GatewayKind::DimesCustomer),
    ] {
        let sh = shared.clone();
        // socketioxide calls the closure synchronously inside the namespace connect and
        // only spawns the returned future: registering here, not in the future, means no
        // client event can arrive before the socket is in the hub.
        io.ns(ns, move |s: SocketRef, TryData(auth): TryData<Value>| {
            on_connect(sh.clone(), kind, s, auth.unwrap_or(Value::Null));
            std::future::ready(())
        });
    }
    Router::new()
        .route("/positions", get(list))
        .route("/positions/{id}", get(one))
        .with_state(shared)
        .layer(layer)
}

fn on_connect(shared: Arc<Shared>, kind: GatewayKind, s: SocketRef, auth: Value) {
    let Some(scope) = socket_scope(&shared, kind, &auth, &s.req_parts().headers) else {
        // The document: "the server emits an `error` event and disconnects".
        let _ = s.emit("error", &auth_error());
        let _ = s.disconnect();
        return;
    };
    shared.dimes.add(SioClient {
        socket: s.clone(),
        kind,
        identity: scope,
        intents: Default::default(),
        all: false,
    });
    let sh = shared.clone();
    s.on_disconnect(move |s: SocketRef| {
        sh.dimes.remove(s.id);
        std::future::ready(())
    });
}

fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, Json(auth_error())).into_response()
}

async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Some(scope) = rest_scope(&shared, &headers) else {
        return unauthorized();
    };
    let data = lock(&shared.script)
        .world()
        .dimes_positions(scope.as_deref());
    Json(json!({"data": data, "has_more": false})).into_response()
}

async fn one(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(scope) = rest_scope(&shared, &headers) else {
        return unauthorized();
    };
    match lock(&shared.script).world().dimes_position(&id, scope.as_deref()) {
        Some(p) => Json(p).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"type": "NOT_FOUND", "code": "not_found", "message": "Position not found"}})),
        )
            .into_response(),
    }
}
