//! From the config file's model to what the connectors need, and the demo config that
//! points at the embedded simulator.

use std::time::Duration;

use gatewatch_core::config::{AuthForm, Config, ConnectionConfig, CredentialRef};
use gatewatch_core::redact::Secret;
use gatewatch_core::{ConnectionId, GatewayKind};
use gatewatch_net::{
    AuthMode, BackoffPolicy, ConnectorSpec, HeartbeatPolicy, Limits, Subscriptions,
};

use crate::config_file::{resolve_credential, LoadError};

/// Build a connector spec, resolving the credential reference.
pub fn connector_spec(file: &str, c: &ConnectionConfig) -> Result<ConnectorSpec, LoadError> {
    let credential = resolve_credential(file, &c.name, &c.credential)?.map(Secret::new);
    let auth = match c.auth {
        AuthForm::Auto => AuthMode::Auto,
        AuthForm::AuthPayload => AuthMode::AuthPayload,
        AuthForm::Header => AuthMode::Header,
        AuthForm::FirstMessage => AuthMode::FirstMessage,
        AuthForm::Query => AuthMode::Query,
    };
    let backoff = BackoffPolicy {
        initial: Duration::from_millis(c.backoff.initial_ms),
        max: Duration::from_millis(c.backoff.max_ms),
        max_attempts: c.backoff.max_attempts,
        ..BackoffPolicy::default()
    };
    let heartbeat = HeartbeatPolicy {
        interval: Duration::from_secs(c.heartbeat.interval_secs),
        timeout: Duration::from_secs(c.heartbeat.timeout_secs),
        server_silence: Duration::from_secs(c.heartbeat.server_silence_secs),
        ..HeartbeatPolicy::default()
    };
    let limits = Limits {
        max_message_size: c.max_frame_bytes,
        max_frame_size: c.max_frame_bytes,
        ..Limits::default()
    };
    Ok(ConnectorSpec {
        id: ConnectionId::new(&c.name),
        kind: c.kind,
        url: c.url.clone(),
        credential,
        auth,
        subscriptions: Subscriptions {
            rooms: c.rooms.clone(),
            zkde_events: c.events.clone(),
            lobbies: c.lobbies.clone(),
            intents: c.intents.clone(),
            all_intents: c.all_intents,
        },
        backoff,
        heartbeat,
        limits,
    })
}

/// A config with one connection per simulated gateway, credentials inline (they are the
/// simulator's own, printed by `gatewatch sim`), environment `simulator`.
pub fn demo_config(info: &gatewatch_sim::SimInfo) -> Config {
    let mut connections = Vec::new();
    for kind in GatewayKind::ALL {
        let Some(g) = info.gateway(kind) else {
            continue;
        };
        let credential = match kind {
            GatewayKind::Zkde | GatewayKind::Fusion => CredentialRef::None,
            _ => g
                .credential(0)
                .map(|v| CredentialRef::Literal(v.to_owned()))
                .unwrap_or_default(),
        };
        let mut c = ConnectionConfig {
            name: kind.as_str().to_owned(),
            kind,
            url: g.url.clone(),
            environment: "simulator".to_owned(),
            credential,
            auth: AuthForm::Auto,
            enabled: true,
            rooms: Vec::new(),
            events: vec!["*".to_owned()],
            lobbies: Vec::new(),
            intents: Vec::new(),
            all_intents: false,
            backoff: Default::default(),
            heartbeat: Default::default(),
            max_frame_bytes: 1 << 20,
            alerts: None,
        };
        match kind {
            GatewayKind::Axisor => {
                c.rooms = [
                    "positions",
                    "notifications",
                    "margin_guard",
                    "market:BTC_USD",
                    "market:ETH_USD",
                    "market:SOL_USD",
                ]
                .into_iter()
                .map(str::to_owned)
                .collect();
            }
            GatewayKind::Fusion => c.all_intents = true,
            _ => {}
        }
        connections.push(c);
    }
    Config {
        connections,
        alerts: Default::default(),
        store: Default::default(),
        warnings: Vec::new(),
    }
}
