//! The scenario: a seeded, scripted timeline of gateway events, with no I/O.
//!
//! [`Script::next_step`] returns the next [`Step`]: when it happens (scenario time), on
//! which server, and the [`Emission`]s it produces (payload built from the documents with
//! `serde_json::json!`, plus a [`Route`] saying who receives it). The script also keeps
//! the [`World`] it believes in (positions, intents, lobbies…), which the servers read for
//! replies (`GET /positions`, `intent:status` on subscribe, lobby auto-join) and tests read
//! as ground truth.
//!
//! Determinism: everything depends on the seed and the epoch only. Each gateway's story
//! has its own random stream, and the order in which gateways take turns is a seeded
//! permutation per round of five, so every gateway advances at least once every five
//! steps: that is what guarantees every event type within the first minute.

mod axisor;
mod dimes;
mod fusion;
mod hashi;
mod world;
mod zkde;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::options::{Rate, Scenario};
use crate::rng::SimRng;

pub(crate) use world::World;

/// One of the five servers (both Dimes gateways are one server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Server {
    /// Dimes (partner + customer namespaces, REST).
    Dimes,
    /// Axisor.
    Axisor,
    /// zkde.
    Zkde,
    /// Hashi.
    Hashi,
    /// Fusion.
    Fusion,
}

impl Server {
    /// The five servers in port order.
    pub const ALL: [Server; 5] = [
        Server::Dimes,
        Server::Axisor,
        Server::Zkde,
        Server::Hashi,
        Server::Fusion,
    ];

    /// Index in port order.
    pub fn index(self) -> usize {
        match self {
            Server::Dimes => 0,
            Server::Axisor => 1,
            Server::Zkde => 2,
            Server::Hashi => 3,
            Server::Fusion => 4,
        }
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Server::Dimes => "dimes",
            Server::Axisor => "axisor",
            Server::Zkde => "zkde",
            Server::Hashi => "hashi",
            Server::Fusion => "fusion",
        }
    }
}

/// Who receives an emission.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum Route {
    /// A position event: every partner client, and the customer clients of `wallet`.
    DimesPosition {
        /// Owner of the position.
        wallet: String,
    },
    /// A `notification`: the customer clients of `wallet` only.
    DimesNotification {
        /// Customer the notification is for.
        wallet: String,
    },
    /// Market data: subscribers of `market:{symbol}` or of the channel.
    AxisorMarket {
        /// Symbol (`BTC_USD`).
        symbol: String,
        /// The document's channel for this event (`market_data`, `historical_data`).
        channel: String,
    },
    /// A user-specific event: every connection of that user (its `user:{id}` room).
    AxisorUser {
        /// The user id.
        user_id: String,
    },
    /// A system event: every authenticated client.
    AxisorAll,
    /// A per-address zkde event.
    ZkdeAddress {
        /// Starknet address.
        address: String,
    },
    /// A zkde broadcast (`market_change`).
    ZkdeAll,
    /// A Hashi contract event: every client.
    HashiAll,
    /// A Hashi lobby or storage event: the lobby's participants at that moment, plus
    /// whoever subscribed to the lobby.
    HashiLobby {
        /// Lobby id.
        lobby_id: String,
        /// Lobby code (subscriptions by code are accepted too).
        lobby_code: String,
        /// Player ids auto-joined to the lobby room.
        players: Vec<String>,
    },
    /// One intent's room.
    FusionIntent {
        /// Intent id.
        intent_id: String,
    },
    /// The `subscribe:all` room.
    FusionAll,
    /// Clients in the intent's room or the all room (each gets it once).
    FusionIntentOrAll {
        /// Intent id.
        intent_id: String,
    },
}

/// One message the scenario sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Emission {
    /// Who gets it.
    #[serde(flatten)]
    pub route: Route,
    /// The event name: the Socket.IO event, or the raw-WebSocket message `type`.
    pub event: String,
    /// The Socket.IO argument, or the whole raw-WebSocket message.
    pub payload: Value,
}

/// One scenario step: one state change on one server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Sequence number from 1.
    pub seq: u64,
    /// Scenario time of the step (from the start of the run).
    pub at: Duration,
    /// Which server emits.
    pub server: Server,
    /// What is sent (usually one message; Fusion sends one per audience).
    pub emissions: Vec<Emission>,
}

/// Shared per-step context handed to each gateway's story.
pub(crate) struct Ctx<'a> {
    pub(crate) now: DateTime<Utc>,
    pub(crate) world: &'a mut World,
}

impl Ctx<'_> {
    /// The step's timestamp in the documents' ISO 8601 form (`2025-06-01T10:00:05.000Z`).
    pub(crate) fn ts(&self) -> String {
        iso(self.now)
    }

    /// A timestamp offset from now (for "scheduled maintenance in 2 h" and the like).
    pub(crate) fn ts_in(&self, d: chrono::Duration) -> String {
        iso(self.now + d)
    }
}

/// ISO 8601 with milliseconds and `Z`.
pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// How scenario time advances per step.
#[derive(Debug, Clone, Copy)]
enum Pacing {
    /// Seeded gaps of 120–380 ms (≈ 4 steps/s).
    Demo,
    /// A fixed gap.
    Fixed(Duration),
    /// As fast as possible: the clock advances 1 µs per step so timestamps stay ordered.
    Max,
}

/// The seeded scenario generator.
pub struct Script {
    scenario: Scenario,
    pacing: Pacing,
    epoch: DateTime<Utc>,
    clock_rng: SimRng,
    seq: u64,
    at: Duration,
    round: Vec<Server>,
    world: World,
    dimes: dimes::DimesStory,
    axisor: axisor::AxisorStory,
    zkde: zkde::ZkdeStory,
    hashi: hashi::HashiStory,
    fusion: fusion::FusionStory,
}

impl Script {
    /// A script for `seed`, starting at wall-clock `epoch`, paced for `rate`.
    pub fn new(seed: u64, epoch: DateTime<Utc>, rate: Rate, scenario: Scenario) -> Self {
        let pacing = match rate {
            Rate::Demo => Pacing::Demo,
            Rate::PerSecond(r) => Pacing::Fixed(Duration::from_secs_f64(1.0 / r.max(1e-6))),
            Rate::Max => Pacing::Max,
        };
        Script {
            scenario,
            pacing,
            epoch,
            clock_rng: SimRng::new(seed, 100),
            seq: 0,
            at: Duration::ZERO,
            round: Vec::new(),
            world: World::default(),
            dimes: dimes::DimesStory::new(SimRng::new(seed, 101)),
            axisor: axisor::AxisorStory::new(SimRng::new(seed, 102)),
            zkde: zkde::ZkdeStory::new(SimRng::new(seed, 103)),
            hashi: hashi::HashiStory::new(SimRng::new(seed, 104)),
            fusion: fusion::FusionStory::new(SimRng::new(seed, 105)),
        }
    }

    /// Whether this script produces traffic at all (`Quiet` does not).
    pub fn is_quiet(&self) -> bool {
        self.scenario == Scenario::Quiet
    }

    /// Wall-clock time of scenario time zero.
    pub fn epoch(&self) -> DateTime<Utc> {
        self.epoch
    }

    /// The state the script believes in.
    pub(crate) fn world(&self) -> &World {
        &self.world
    }

    /// The next step (for `Quiet`, steps with no emissions).
    pub fn next_step(&mut self) -> Step {
        let gap = match self.pacing {
            Pacing::Demo => Duration::from_secs_f64(self.clock_rng.range(0.12, 0.38)),
            Pacing::Fixed(d) => d,
            Pacing::Max => Duration::from_micros(1),
        };
        self.at += gap;
        self.seq += 1;
        let server = self.next_server();
        if self.scenario == Scenario::Quiet {
            return Step {
                seq: self.seq,
                at: self.at,
                server,
                emissions: Vec::new(),
            };
        }
        let now = self.epoch
            + chrono::Duration::from_std(self.at).unwrap_or_else(|_| chrono::Duration::zero());
        let mut ctx = Ctx {
            now,
            world: &mut self.world,
        };
        let emissions = match server {
            Server::Dimes => self.dimes.step(&mut ctx),
            Server::Axisor => self.axisor.step(&mut ctx),
            Server::Zkde => self.zkde.step(&mut ctx),
            Server::Hashi => self.hashi.step(&mut ctx),
            Server::Fusion => self.fusion.step(&mut ctx),
        };
        Step {
            seq: self.seq,
            at: self.at,
            server,
            emissions,
        }
    }

    /// Round-robin over the five servers in a seeded order per round.
    fn next_server(&mut self) -> Server {
        if self.round.is_empty() {
            let mut order = Server::ALL.to_vec();
            // Fisher–Yates with the clock stream.
            for i in (1..order.len()).rev() {
                let j = self.clock_rng.below(i + 1);
                order.swap(i, j);
            }
            self.round = order;
        }
        self.round.pop().unwrap_or(Server::Dimes)
    }
}

/// An `evt_…` / `notif_…` style id.
pub(crate) fn prefixed_id(rng: &mut SimRng, prefix: &str, hex: usize) -> String {
    format!("{prefix}{}", rng.hex(hex))
}

#[cfg(test)]
mod tests;
