//! The reducer: folds events into entity state by the rules in `specs/README.md`.
//!
//! - A duplicate (same [`Event::dedupe_key`]) is applied once.
//! - A stale event never moves an entity backwards: compare status rank first, then the
//!   event's effective time (`created_at`, else `received_at`).
//! - Terminal states stay terminal.
//! - Dimes `position.opening` puts a pending position in the "finalizing" state until
//!   `position.opened` (or `position.reverted`) arrives.
//!
//! (Contract stub: the rules are implemented by the core decoder/reducer work.)

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{ConnectionId, EntityRef, Event, GatewayKind};

/// Identifies an entity across connections: the venue (`dimes`, `axisor`, `zkde`, `hashi`,
/// `fusion`) plus the entity. Both Dimes gateways share the `dimes` venue, so a position
/// seen by the partner and the customer gateway is one entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityKey {
    /// [`GatewayKind::venue`] of the gateway that reported it.
    pub venue: String,
    /// The entity.
    pub entity: EntityRef,
}

/// The folded state of one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityState {
    /// Venue + entity.
    pub key: EntityKey,
    /// The connection that last updated it.
    pub connection: ConnectionId,
    /// The gateway kind of that connection.
    pub gateway: GatewayKind,
    /// The entity's status as the gateway spells it (`pending`, `open`, `liquidated`,
    /// `proofs_pending`, `contract.initialized`, …), when it has one.
    pub status: Option<String>,
    /// Dimes: `position.opening` seen and `position.opened` not yet: show "finalizing".
    pub finalizing: bool,
    /// The status is terminal (closed, settled, liquidated, reverted, cancelled, completed,
    /// failed, removed, deleted…): later non-terminal events don't change it.
    pub terminal: bool,
    /// The type of the last event applied.
    pub last_event_type: String,
    /// Effective time of the last event applied (orders later events).
    pub updated_at: DateTime<Utc>,
    /// Effective time of the first event seen.
    pub first_seen_at: DateTime<Utc>,
    /// How many events were applied to it.
    pub events_applied: u64,
    /// Marked after a reconnect until confirmed by fresh data (catch-up).
    pub stale: bool,
    /// The entity's latest known fields: the gateway's object (Dimes `data`, Axisor
    /// `position`, a Hashi `payload`, a Fusion intent update…), merged so that fields a
    /// partial update omits are kept.
    pub data: serde_json::Value,
}

/// What [`Reducer::apply`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// First event of a new entity.
    Created,
    /// The entity changed.
    Updated,
    /// Already seen (same dedupe key): ignored.
    Duplicate,
    /// Older than the entity's state (or after a terminal state): logged, state unchanged.
    Stale,
    /// The event concerns no entity (or is unknown): nothing to fold.
    NoEntity,
}

/// Folds events into [`EntityState`]s.
#[derive(Debug, Default)]
pub struct Reducer {
    entities: HashMap<EntityKey, EntityState>,
}

impl Reducer {
    /// An empty reducer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Apply one event.
    pub fn apply(&mut self, event: &Event) -> Applied {
        let _ = event;
        Applied::NoEntity
    }

    /// The state of one entity.
    pub fn get(&self, key: &EntityKey) -> Option<&EntityState> {
        self.entities.get(key)
    }

    /// Every entity.
    pub fn entities(&self) -> impl Iterator<Item = &EntityState> {
        self.entities.values()
    }
}
