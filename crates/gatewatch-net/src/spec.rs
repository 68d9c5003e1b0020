//! What the engine tells a connector: where, how to authenticate, what to subscribe to, and
//! the policies (backoff, heartbeat, limits).

use std::time::Duration;

use gatewatch_core::redact::Secret;
use gatewatch_core::{ConnectionId, GatewayKind};
use serde::{Deserialize, Serialize};

use crate::backoff::BackoffPolicy;
use crate::heartbeat::HeartbeatPolicy;

/// Everything needed to run one connection.
#[derive(Debug, Clone)]
pub struct ConnectorSpec {
    /// The configured connection's name.
    pub id: ConnectionId,
    /// Which gateway it is.
    pub kind: GatewayKind,
    /// The URL as configured (`wss://api.dimes.fi/v1/ws/prediction-markets/positions`,
    /// `ws://host/ws/{address}`, `wss://socket…?token=…`). May contain a `?token=`: it is
    /// redacted everywhere it is shown.
    pub url: String,
    /// The resolved API key or JWT, if the gateway needs one.
    pub credential: Option<Secret>,
    /// How the credential is presented.
    pub auth: AuthMode,
    /// Rooms, event filters, lobbies and intents to (re)join.
    pub subscriptions: Subscriptions,
    /// Reconnect spacing and attempt limit.
    pub backoff: BackoffPolicy,
    /// Heartbeat timings.
    pub heartbeat: HeartbeatPolicy,
    /// Size limits, timeouts and channel capacities.
    pub limits: Limits,
}

impl ConnectorSpec {
    /// A spec with the documented defaults for `kind`: auto auth, no subscriptions (zkde: all
    /// events), default policies.
    pub fn new(id: impl Into<ConnectionId>, kind: GatewayKind, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind,
            url: url.into(),
            credential: None,
            auth: AuthMode::Auto,
            subscriptions: Subscriptions::default(),
            backoff: BackoffPolicy::default(),
            heartbeat: HeartbeatPolicy::default(),
            limits: Limits::default(),
        }
    }
}

/// How a credential is presented to the gateway.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// The document's recommended form: Dimes partner `auth: {apiKey}`, Dimes customer
    /// `auth: {token}`, Axisor `Authorization: Bearer`, Hashi `?token=`, zkde and Fusion none.
    #[default]
    Auto,
    /// Socket.IO `auth` payload in the connect packet (Dimes `{apiKey}` / `{token}`, Fusion
    /// `{token}`).
    AuthPayload,
    /// `Authorization` header on the WebSocket handshake (`Api-Key …` for Dimes partner,
    /// `Bearer …` otherwise).
    Header,
    /// `?token=…` in the query string.
    Query,
    /// Axisor's `{"type":"auth","token":…}` as the first message after the socket opens.
    FirstMessage,
}

/// What to subscribe to; remembered, changed by commands, and re-joined after every reconnect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subscriptions {
    /// Axisor rooms (`market:BTC_USD`, `positions`, `notifications`, `margin_guard`…).
    pub rooms: Vec<String>,
    /// zkde event types to keep (`*` or empty = all). zkde has no server-side subscription:
    /// this is a client-side filter, and what it filters out is counted.
    pub zkde_events: Vec<String>,
    /// Hashi lobby ids.
    pub lobbies: Vec<String>,
    /// Fusion intent ids.
    pub intents: Vec<String>,
    /// Fusion `subscribe:all`.
    pub all_intents: bool,
}

/// Size limits, timeouts and channel capacities.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest WebSocket message accepted (tungstenite's default is 64 MiB; a bigger one is a
    /// counted error that rebuilds the connection).
    pub max_message_size: usize,
    /// Largest single WebSocket frame accepted.
    pub max_frame_size: usize,
    /// TCP + TLS + WebSocket handshake must finish within this.
    pub connect_timeout: Duration,
    /// The gateway's own handshake (Socket.IO open + connect ack, Axisor `connection`) must
    /// finish within this.
    pub handshake_timeout: Duration,
    /// Queued commands per connection.
    pub command_capacity: usize,
    /// Longest preview of a bad message kept in a [`crate::NetEvent::DecodeError`].
    pub preview_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_size: 1 << 20,
            max_frame_size: 1 << 20,
            connect_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            command_capacity: 64,
            preview_chars: 512,
        }
    }
}

/// A runtime request to a running connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", content = "arg", rename_all = "snake_case")]
pub enum Command {
    /// Fusion `subscribe:intent`.
    SubscribeIntent(String),
    /// Fusion `unsubscribe:intent`.
    UnsubscribeIntent(String),
    /// Fusion `subscribe:all`.
    SubscribeAll,
    /// Fusion `unsubscribe:all`.
    UnsubscribeAll,
    /// Axisor `subscribe` to a room.
    SubscribeRoom(String),
    /// Axisor `unsubscribe` from a room.
    UnsubscribeRoom(String),
    /// Hashi `subscribe` to a lobby.
    SubscribeLobby(String),
    /// Hashi `unsubscribe` from a lobby.
    UnsubscribeLobby(String),
    /// Drop the connection and connect again now (also restarts after auth failure or
    /// giving up, with a fresh attempt count).
    Reconnect,
}

impl Command {
    /// The command's name, for errors.
    pub fn name(&self) -> &'static str {
        match self {
            Command::SubscribeIntent(_) => "subscribe_intent",
            Command::UnsubscribeIntent(_) => "unsubscribe_intent",
            Command::SubscribeAll => "subscribe_all",
            Command::UnsubscribeAll => "unsubscribe_all",
            Command::SubscribeRoom(_) => "subscribe_room",
            Command::UnsubscribeRoom(_) => "unsubscribe_room",
            Command::SubscribeLobby(_) => "subscribe_lobby",
            Command::UnsubscribeLobby(_) => "unsubscribe_lobby",
            Command::Reconnect => "reconnect",
        }
    }

    /// Whether the command applies to `kind`.
    pub fn applies_to(&self, kind: GatewayKind) -> bool {
        match self {
            Command::SubscribeIntent(_)
            | Command::UnsubscribeIntent(_)
            | Command::SubscribeAll
            | Command::UnsubscribeAll => kind == GatewayKind::Fusion,
            Command::SubscribeRoom(_) | Command::UnsubscribeRoom(_) => kind == GatewayKind::Axisor,
            Command::SubscribeLobby(_) | Command::UnsubscribeLobby(_) => kind == GatewayKind::Hashi,
            Command::Reconnect => true,
        }
    }
}

impl Subscriptions {
    /// Remember the effect of a subscription command. Returns whether anything changed.
    pub(crate) fn apply(&mut self, cmd: &Command) -> bool {
        fn add(list: &mut Vec<String>, v: &str) -> bool {
            if list.iter().any(|x| x == v) {
                false
            } else {
                list.push(v.to_owned());
                true
            }
        }
        fn remove(list: &mut Vec<String>, v: &str) -> bool {
            let before = list.len();
            list.retain(|x| x != v);
            list.len() != before
        }
        match cmd {
            Command::SubscribeIntent(id) => add(&mut self.intents, id),
            Command::UnsubscribeIntent(id) => remove(&mut self.intents, id),
            Command::SubscribeAll => !std::mem::replace(&mut self.all_intents, true),
            Command::UnsubscribeAll => std::mem::replace(&mut self.all_intents, false),
            Command::SubscribeRoom(r) => add(&mut self.rooms, r),
            Command::UnsubscribeRoom(r) => remove(&mut self.rooms, r),
            Command::SubscribeLobby(l) => add(&mut self.lobbies, l),
            Command::UnsubscribeLobby(l) => remove(&mut self.lobbies, l),
            Command::Reconnect => false,
        }
    }

    /// Whether zkde events of `event_type` pass the client-side filter.
    pub(crate) fn zkde_accepts(&self, event_type: &str) -> bool {
        self.zkde_events.is_empty() || self.zkde_events.iter().any(|e| e == "*" || e == event_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_remembered_once() {
        let mut s = Subscriptions::default();
        assert!(s.apply(&Command::SubscribeRoom("market:BTC_USD".into())));
        assert!(!s.apply(&Command::SubscribeRoom("market:BTC_USD".into())));
        assert!(s.apply(&Command::SubscribeAll));
        assert!(!s.apply(&Command::SubscribeAll));
        assert!(s.apply(&Command::SubscribeLobby("L1".into())));
        assert!(s.apply(&Command::UnsubscribeRoom("market:BTC_USD".into())));
        assert!(s.rooms.is_empty());
        assert_eq!(s.lobbies, vec!["L1".to_owned()]);
        assert!(s.all_intents);
        assert!(s.apply(&Command::UnsubscribeAll));
        assert!(!s.all_intents);
    }

    #[test]
    fn zkde_filter() {
        let mut s = Subscriptions::default();
        assert!(s.zkde_accepts("alert"), "empty = all");
        s.zkde_events = vec!["proof_complete".into()];
        assert!(!s.zkde_accepts("alert"));
        assert!(s.zkde_accepts("proof_complete"));
        s.zkde_events.push("*".into());
        assert!(s.zkde_accepts("alert"));
    }

    #[test]
    fn commands_apply_to_their_gateway_only() {
        assert!(Command::SubscribeRoom("x".into()).applies_to(GatewayKind::Axisor));
        assert!(!Command::SubscribeRoom("x".into()).applies_to(GatewayKind::Hashi));
        assert!(!Command::SubscribeAll.applies_to(GatewayKind::DimesPartner));
        assert!(Command::Reconnect.applies_to(GatewayKind::Zkde));
    }
}
