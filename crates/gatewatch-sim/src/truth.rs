//! Ground truth: what the simulator believes the current state is, as plain serde structs.
//!
//! Tests compare Gatewatch's reduced state against this (after faults such as duplicates
//! and reordering, the reduced state must still match).

use serde::{Deserialize, Serialize};

/// A position on one venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthPosition {
    /// `dimes`, `axisor` or `zkde`.
    pub venue: String,
    /// The position id as the gateway spells it.
    pub id: String,
    /// The gateway's status (`open`, `closed`, `liquidated`, …).
    pub status: String,
    /// Owner: wallet, user id or address.
    pub owner: String,
}

/// A Fusion intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthIntent {
    /// Intent id.
    pub id: String,
    /// Normalized status (`proofs_pending` … `completed`, `failed`).
    pub status: String,
    /// Proof status (`pending`, `generating`, `verified`, `failed`).
    pub proof_status: String,
    /// Whether `intent:removed` was sent.
    pub removed: bool,
}

/// A Hashi lobby.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthLobby {
    /// Lobby id.
    pub id: String,
    /// Lobby code.
    pub code: String,
    /// Player ids currently in the lobby.
    pub participants: Vec<String>,
    /// Whether `lobby.deleted` was sent.
    pub deleted: bool,
}

/// A Hashi contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthContract {
    /// Contract id.
    pub id: String,
    /// Lobby id it belongs to.
    pub lobby_id: String,
    /// The last `contract.*` event type applied (`contract.payout_finalized`, …).
    pub last_event: String,
    /// The contract object's `status`.
    pub status: String,
}

/// A Hashi storage item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthStorage {
    /// Storage id.
    pub id: String,
    /// Contract id.
    pub contract_id: String,
    /// The storage object's `status`.
    pub status: String,
}

/// Everything at once. Each list holds the most recent entities (bounded, so a long
/// `--rate max` run does not grow without limit), sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Positions of Dimes, Axisor and zkde.
    pub positions: Vec<TruthPosition>,
    /// Fusion intents.
    pub intents: Vec<TruthIntent>,
    /// Hashi lobbies.
    pub lobbies: Vec<TruthLobby>,
    /// Hashi contracts.
    pub contracts: Vec<TruthContract>,
    /// Hashi storage items.
    pub storage: Vec<TruthStorage>,
}
