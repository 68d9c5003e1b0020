//! [`SimControl`]: cheap, non-blocking knobs and probes for tests and benchmarks.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use gatewatch_core::event::GatewayKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SimError;
use crate::hub::{lock, Shared, SimStats, Wire};
use crate::server::hashi::auto_lobbies;
use crate::truth::GroundTruth;

/// One custom frame to push to every client of a gateway.
#[derive(Debug, Clone, PartialEq)]
pub enum Inject {
    /// Raw text, sent as is (raw WebSocket gateways). On a Socket.IO gateway the text must
    /// be a JSON array `["event", arg, …]`.
    Text(String),
    /// A Socket.IO event with its arguments (Dimes, Fusion).
    SocketIo {
        /// Event name.
        event: String,
        /// Arguments (usually one object).
        args: Vec<Value>,
    },
}

impl From<&str> for Inject {
    fn from(s: &str) -> Self {
        Inject::Text(s.to_owned())
    }
}

impl From<String> for Inject {
    fn from(s: String) -> Self {
        Inject::Text(s)
    }
}

impl From<(&str, Value)> for Inject {
    fn from((event, arg): (&str, Value)) -> Self {
        Inject::SocketIo {
            event: event.to_owned(),
            args: vec![arg],
        }
    }
}

/// One connected client and what it is subscribed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSubs {
    /// Who it is: customer wallet (`partner` for the partner key), user id, player id, or
    /// address; the Socket.IO id for Fusion.
    pub identity: String,
    /// Subscriptions the client made itself: Axisor rooms and channels, Hashi lobby ids
    /// or codes, Fusion `intent:{id}` and `all`.
    pub subscriptions: Vec<String>,
    /// Rooms joined by the server: Axisor `user:{id}`, Hashi lobbies the player is in.
    pub auto_rooms: Vec<String>,
}

/// Handle on a running simulator (clone freely).
#[derive(Clone)]
pub struct SimControl {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for SimControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimControl").finish_non_exhaustive()
    }
}

impl SimControl {
    /// Drops every connection of the gateway's server now (TCP cut, no close frame).
    /// Both Dimes kinds share a server, so either drops both namespaces. Returns the
    /// number of TCP connections cut.
    pub fn drop_connections(&self, gateway: GatewayKind) -> usize {
        self.shared.drop_connections(gateway)
    }

    /// Stops (or resumes) sending anything and answering pings. While any Dimes kind is
    /// silent, the whole Dimes server is frozen at the byte level.
    pub fn set_silent(&self, gateway: GatewayKind, silent: bool) {
        self.shared.set_silent(gateway, silent);
    }

    /// Rejects (or accepts again) every credential on new connections and REST calls.
    /// zkde and Fusion document no auth: they refuse connections the same way.
    pub fn set_reject_auth(&self, gateway: GatewayKind, reject: bool) {
        self.shared.set_reject_auth(gateway, reject);
    }

    /// Connected, authenticated clients of a gateway.
    pub fn connection_count(&self, gateway: GatewayKind) -> usize {
        self.shared.connection_count(gateway)
    }

    /// Per connected client: its subscriptions, in connection order.
    pub fn subscriptions(&self, gateway: GatewayKind) -> Vec<ClientSubs> {
        let sh = &self.shared;
        let sorted = |it: &mut dyn Iterator<Item = String>| {
            let mut v: Vec<String> = it.collect();
            v.sort();
            v
        };
        match gateway {
            GatewayKind::Axisor => sh.axisor.map(|_, m| {
                let auto = format!("user:{}", m.user);
                ClientSubs {
                    identity: m.user.clone(),
                    subscriptions: sorted(&mut m.rooms.iter().filter(|r| **r != auto).cloned()),
                    auto_rooms: vec![auto],
                }
            }),
            GatewayKind::Zkde => sh.zkde.map(|_, m| ClientSubs {
                identity: m.address.clone(),
                subscriptions: Vec::new(),
                auto_rooms: Vec::new(),
            }),
            GatewayKind::Hashi => {
                let clients = sh.hashi.map(|_, m| (m.player.clone(), m.lobbies.clone()));
                clients
                    .into_iter()
                    .map(|(player, lobbies)| ClientSubs {
                        auto_rooms: sorted(&mut auto_lobbies(sh, &player).into_iter().map(|l| l.0)),
                        identity: player,
                        subscriptions: lobbies.into_iter().collect(),
                    })
                    .collect()
            }
            GatewayKind::DimesPartner | GatewayKind::DimesCustomer => sh
                .dimes
                .map(|c| (c.kind, c.identity.clone()))
                .into_iter()
                .filter(|(k, _)| *k == gateway)
                .map(|(_, id)| ClientSubs {
                    identity: id.unwrap_or_else(|| "partner".to_owned()),
                    subscriptions: Vec::new(),
                    auto_rooms: Vec::new(),
                })
                .collect(),
            GatewayKind::Fusion => sh.fusion.map(|c| {
                let mut subs: Vec<String> =
                    c.intents.iter().map(|i| format!("intent:{i}")).collect();
                if c.all {
                    subs.push("all".to_owned());
                }
                ClientSubs {
                    identity: c.socket.id.to_string(),
                    subscriptions: subs,
                    auto_rooms: Vec::new(),
                }
            }),
        }
    }

    /// The state the scenario believes in now.
    pub fn ground_truth(&self) -> GroundTruth {
        lock(&self.shared.script).world().ground_truth()
    }

    /// Pushes one frame to every client of a gateway (silent or not: tests decide).
    /// Returns how many clients it reached; a client whose buffer is full misses it
    /// (counted in [`SimStats`]).
    pub fn inject(
        &self,
        gateway: GatewayKind,
        frame: impl Into<Inject>,
    ) -> Result<usize, SimError> {
        let fail = |reason: &str| SimError::Inject {
            gateway: gateway.to_string(),
            reason: reason.to_owned(),
        };
        let wire = match (gateway.is_socketio(), frame.into()) {
            (false, Inject::Text(t)) => Wire::Text(Utf8Bytes::from(t)),
            (false, Inject::SocketIo { .. }) => {
                return Err(fail("a raw WebSocket gateway takes text frames"))
            }
            (true, Inject::SocketIo { event, args }) => Wire::SioArgs { event, args },
            (true, Inject::Text(t)) => {
                let v: Value = serde_json::from_str(&t)
                    .map_err(|_| fail("Socket.IO text must be a JSON array [\"event\", args…]"))?;
                let mut items = match v {
                    Value::Array(items) if !items.is_empty() => items,
                    _ => {
                        return Err(fail(
                            "Socket.IO text must be a JSON array [\"event\", args…]",
                        ))
                    }
                };
                let event = match items.remove(0) {
                    Value::String(e) => e,
                    _ => return Err(fail("the first element must be the event name")),
                };
                Wire::SioArgs { event, args: items }
            }
        };
        let sinks = self.shared.all_sinks(gateway);
        Ok(self.shared.deliver_now(sinks, &wire) as usize)
    }

    /// Event frames delivered to clients so far (scenario, faults and injections).
    pub fn emitted_count(&self) -> u64 {
        self.shared.counters.total_emitted()
    }

    /// All counters.
    pub fn stats(&self) -> SimStats {
        self.shared.counters.snapshot()
    }
}
