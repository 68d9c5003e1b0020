//! The reducer: folds events into entity state by the rules in `specs/README.md`.
//!
//! - A duplicate (same [`Event::dedupe_key`]) is applied once; the reducer remembers a
//!   bounded window of recent keys (200,000 by default, oldest forgotten first).
//! - A stale event never moves an entity backwards. The *status* (status, terminal,
//!   finalizing, last event type) comes from the event that ranks highest by
//!   (status rank, effective time): a `position.close_requested` arriving after
//!   `position.closed` leaves it closed. Events without a status rank 0 and order by time.
//! - Terminal states stay terminal: terminal statuses outrank every other status.
//! - Dimes `position.opening` puts a pending position in the "finalizing" state until a
//!   higher-ranked event (`position.opened`, `position.reverted`, …) arrives.
//! - Partial updates merge into [`EntityState::data`] key by key: each top-level field
//!   holds the value from the latest event (by terminal-first, then time) that carried it,
//!   so omitted fields are kept and a late, older event only fills what is missing.
//!
//! Every rule compares events by a total order (rank or terminal flag, effective time,
//! then a hash of the dedupe key as tie-break), never by arrival order: any shuffle of a
//! history, with duplicates, folds to the same state as the in-order history, as long as
//! the events carry `created_at` (otherwise `received_at`, i.e. arrival, is their time).

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::decode::{event_fields, intent_id, maps_iterate_sorted};
use crate::event::{ConnectionId, EntityKind, EntityRef, Event, EventBody, GatewayKind};
use crate::models::dimes::PositionEventType;
use crate::models::hashi::{ContractEventType, LobbyEventType, StorageEventType};
use crate::models::lenient::value_to_string;

/// How many recent dedupe keys [`Reducer::new`] remembers (the window's table holds up to
/// twice as many entries of 16 bytes: ~9 MB at most).
pub const DEFAULT_DEDUPE_CAPACITY: usize = 200_000;

/// The key in a lobby's [`EntityState::data`] that holds the reducer-maintained list of
/// player ids currently in it.
pub const PARTICIPANTS_KEY: &str = "participants";

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

impl EntityKey {
    /// The key of the entity an event concerns, if any.
    pub fn of(event: &Event) -> Option<Self> {
        event.entity.as_ref().map(|entity| Self {
            venue: event.gateway.venue().to_owned(),
            entity: entity.clone(),
        })
    }
}

/// An [`EntityKey`] borrowed from an event, to look its entity up without allocating the
/// key. Hashes exactly as the `EntityKey` it stands for (the derived `Hash` of both writes
/// venue, kind, id in that order; `String` hashes as `str`), a test holds it to that.
#[derive(Hash)]
struct KeyRef<'a> {
    venue: &'a str,
    kind: EntityKind,
    id: &'a str,
}

impl hashbrown::Equivalent<EntityKey> for KeyRef<'_> {
    fn equivalent(&self, key: &EntityKey) -> bool {
        key.entity.kind == self.kind && key.entity.id == self.id && key.venue == self.venue
    }
}

/// The folded state of one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityState {
    /// Venue + entity.
    pub key: EntityKey,
    /// The connection of the event that set the current status.
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
    /// The type of the event that set the current status (the highest-ranked event).
    pub last_event_type: String,
    /// The latest effective time of any event folded into it.
    pub updated_at: DateTime<Utc>,
    /// The earliest effective time of any event folded into it.
    pub first_seen_at: DateTime<Utc>,
    /// How many distinct (non-duplicate) events were folded into it, stale ones included.
    pub events_applied: u64,
    /// Marked after a reconnect until confirmed by fresh data (catch-up).
    pub stale: bool,
    /// The entity's latest known fields: the gateway's object (Dimes `data`, Axisor
    /// `position`, the Hashi inner `data`, a Fusion intent update…), merged so that fields
    /// a partial update omits are kept. Lobbies also get [`PARTICIPANTS_KEY`].
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

/// Orders events for the status: rank first, then time, then a hash of the dedupe key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StatusOrder {
    rank: u8,
    time: DateTime<Utc>,
    tie: u64,
}

/// Orders events for data fields: terminal events first, then time, then the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct FieldOrder {
    terminal: bool,
    time: DateTime<Utc>,
    tie: u64,
}

/// What an event says about its entity's status.
#[derive(Debug, Clone, PartialEq)]
struct StatusInfo {
    status: Option<String>,
    rank: u8,
    terminal: bool,
    finalizing: bool,
}

const TERMINAL_RANK: u8 = u8::MAX;
/// Fusion's `intent:removed` (the intent left the mempool) ends an intent's life, but says
/// nothing of how it ended: it is terminal, yet ranks below the outcome (`completed`,
/// `failed`, …), so an intent that completed and was then removed still reads `completed`,
/// and one removed before its outcome arrived takes the outcome when it does.
const REMOVED_RANK: u8 = TERMINAL_RANK - 1;

impl StatusInfo {
    fn none() -> Self {
        Self {
            status: None,
            rank: 0,
            terminal: false,
            finalizing: false,
        }
    }

    fn ranked(status: impl Into<String>, rank: u8) -> Self {
        Self {
            status: Some(status.into()),
            rank,
            terminal: rank == TERMINAL_RANK,
            finalizing: false,
        }
    }
}

/// The status an event of `event_type` gives an entity of `kind` on `venue`, read from
/// the event type where the gateway encodes the lifecycle there, else from `data.status`.
fn status_info(
    venue: &str,
    kind: EntityKind,
    event_type: &str,
    data: &Map<String, Value>,
) -> StatusInfo {
    let data_status = || data.get("status").and_then(value_to_string);
    match (venue, kind) {
        ("dimes", EntityKind::Position) => {
            let Some(t) = PositionEventType::parse(event_type) else {
                return StatusInfo::none();
            };
            let rank = match t {
                _ if t.is_terminal() => TERMINAL_RANK,
                PositionEventType::Created => 10,
                PositionEventType::Opening => 20,
                PositionEventType::Opened | PositionEventType::ForceUnwound => 30,
                _ => 40, // close_requested
            };
            StatusInfo {
                finalizing: t == PositionEventType::Opening,
                ..StatusInfo::ranked(data_status().unwrap_or_else(|| t.status().to_owned()), rank)
            }
        }
        ("axisor", EntityKind::Position) => match event_type {
            "auto_close_execution" => StatusInfo::ranked("auto_closed", TERMINAL_RANK),
            "position_status_update" => StatusInfo {
                rank: 0,
                ..StatusInfo::ranked(data_status().unwrap_or_else(|| "open".to_owned()), 0)
            },
            _ => StatusInfo::none(),
        },
        ("fusion", EntityKind::Intent) => match event_type {
            "intent:removed" => StatusInfo {
                terminal: true,
                ..StatusInfo::ranked("removed", REMOVED_RANK)
            },
            "intent:status" | "intent:new" | "intent:status_changed" => match data_status() {
                Some(s) => {
                    let rank = fusion_rank(&s);
                    StatusInfo::ranked(s, rank)
                }
                None => StatusInfo::none(),
            },
            _ => StatusInfo::none(),
        },
        ("hashi", EntityKind::Contract) => ContractEventType::parse(event_type)
            .map(|t| {
                use ContractEventType as C;
                let rank = match t {
                    C::Created => 10,
                    C::Initializing => 20,
                    C::Initialized => 30,
                    C::PaymentTransferred => 40,
                    C::OutcomeAttested => 50,
                    C::DecisionContested => 60,
                    C::MediationSubmitted => 70,
                    C::AdminDecision => 80,
                    C::PayoutFinalized | C::Deleted => TERMINAL_RANK,
                };
                StatusInfo::ranked(event_type, rank)
            })
            .unwrap_or_else(StatusInfo::none),
        ("hashi", EntityKind::Lobby) => LobbyEventType::parse(event_type)
            .map(|t| {
                let rank = match t {
                    LobbyEventType::Created => 10,
                    LobbyEventType::Joined | LobbyEventType::Left => 20,
                    LobbyEventType::Deleted => TERMINAL_RANK,
                };
                StatusInfo::ranked(event_type, rank)
            })
            .unwrap_or_else(StatusInfo::none),
        ("hashi", EntityKind::StorageItem) => StorageEventType::parse(event_type)
            .map(|t| {
                use StorageEventType as S;
                let rank = match t {
                    S::ExternalUrlCreated | S::PresignedUrlCreated => 10,
                    S::MultipartCompleted => 20,
                    S::MultipartAborted | S::Deleted => TERMINAL_RANK,
                };
                StatusInfo::ranked(event_type, rank)
            })
            .unwrap_or_else(StatusInfo::none),
        // Everything else has no lifecycle: order by time, show the object's own status.
        _ => StatusInfo {
            status: data_status(),
            ..StatusInfo::none()
        },
    }
}

/// Fusion's normalized statuses in lifecycle order; unknown statuses rank 0 (time only)
/// unless their name says the intent is over.
fn fusion_rank(status: &str) -> u8 {
    match status.to_ascii_lowercase().as_str() {
        "proofs_pending" => 10,
        "proofs_verified" => 20,
        "matched" => 30,
        "waiting_for_source_lock" => 40,
        "executing" => 50,
        "completed" | "failed" | "cancelled" | "canceled" | "expired" | "refunded" => TERMINAL_RANK,
        _ => 0,
    }
}

/// The entity's object inside an event's payload (see [`EntityState::data`]), borrowed
/// from the payload whenever it sits there as is (the usual case), so that [`Slot::merge`]
/// copies only the values that change.
fn entity_fields(event: &Event) -> Cow<'_, Map<String, Value>> {
    fn obj(v: Option<&Value>) -> Cow<'_, Map<String, Value>> {
        match v {
            Some(Value::Object(m)) => Cow::Borrowed(m),
            _ => Cow::Owned(Map::new()),
        }
    }
    match event.gateway {
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer => obj(event.payload.get("data")),
        GatewayKind::Hashi => obj(event.payload.get("data")),
        GatewayKind::Axisor | GatewayKind::Zkde => {
            let is_axisor_position = event.gateway == GatewayKind::Axisor
                && matches!(
                    event.event_type.as_str(),
                    "position_status_update" | "auto_close_execution"
                );
            match event_fields(&event.payload) {
                Cow::Borrowed(fields) => {
                    let is_top = std::ptr::eq(fields, &*event.payload);
                    match fields.get("position") {
                        Some(p @ Value::Object(_)) if is_axisor_position => obj(Some(p)),
                        _ if is_top => {
                            let mut m = obj(Some(fields)).into_owned();
                            m.remove("type");
                            m.remove("channel");
                            Cow::Owned(m)
                        }
                        _ => obj(Some(fields)),
                    }
                }
                Cow::Owned(Value::Object(mut m)) => {
                    if is_axisor_position && matches!(m.get("position"), Some(Value::Object(_))) {
                        match m.remove("position") {
                            Some(Value::Object(p)) => Cow::Owned(p),
                            _ => Cow::Owned(Map::new()),
                        }
                    } else {
                        Cow::Owned(m)
                    }
                }
                Cow::Owned(_) => Cow::Owned(Map::new()),
            }
        }
        GatewayKind::Fusion => match &*event.payload {
            Value::Object(m) => match m.get("data") {
                Some(Value::Object(d)) if intent_id(&event.payload).is_none() => Cow::Borrowed(d),
                _ => Cow::Borrowed(m),
            },
            Value::String(s) => {
                let mut m = Map::new();
                m.insert("intentId".to_owned(), Value::String(s.clone()));
                Cow::Owned(m)
            }
            _ => Cow::Owned(Map::new()),
        },
    }
}

/// Who is in a lobby, tracked so that any arrival order gives the same answer: the latest
/// `lobby.joined`/`lobby.left` per player, and the latest full player list the lobby
/// object carried; a player is in when the newer of the two says so.
#[derive(Debug, Default)]
struct Participants {
    snapshot: Option<(FieldOrder, Vec<String>)>,
    players: HashMap<String, (FieldOrder, bool)>,
}

impl Participants {
    fn observe(&mut self, event_type: &str, data: &Map<String, Value>, order: FieldOrder) {
        let payload = data.get("payload");
        if let Some(list) = payload.and_then(|p| p.get("lobby")).and_then(player_list) {
            if newer_than(self.snapshot.as_ref().map(|(o, _)| *o), order) {
                self.snapshot = Some((order, list));
            }
        }
        let joined = match event_type {
            "lobby.joined" | "lobby.created" => true,
            "lobby.left" => false,
            _ => return,
        };
        let Some(player) = payload
            .and_then(|p| p.get("playerId"))
            .or_else(|| data.get("playerId"))
            .and_then(value_to_string)
        else {
            return;
        };
        let newer = newer_than(self.players.get(&player).map(|(o, _)| *o), order);
        if newer {
            self.players.insert(player, (order, joined));
        }
    }

    fn list(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let snap_order = self.snapshot.as_ref().map(|(o, _)| *o);
        if let Some((o, list)) = &self.snapshot {
            for p in list {
                let overridden = self.players.get(p).is_some_and(|(po, _)| po > o);
                if !overridden {
                    out.push(p.clone());
                }
            }
        }
        for (p, (o, joined)) in &self.players {
            let after_snapshot = newer_than(snap_order, *o);
            if *joined && after_snapshot && !out.contains(p) {
                out.push(p.clone());
            }
        }
        out.sort();
        out
    }
}

/// Whether `order` is newer than the stored one (or nothing is stored).
fn newer_than(stored: Option<FieldOrder>, order: FieldOrder) -> bool {
    match stored {
        None => true,
        Some(o) => o < order,
    }
}

/// The players of a lobby object, if it lists them (`players`, `participants`,
/// `playerIds` or `members`; items as ids or objects with an id).
fn player_list(lobby: &Value) -> Option<Vec<String>> {
    let items = ["players", "participants", "playerIds", "members"]
        .iter()
        .find_map(|k| lobby.get(*k).and_then(Value::as_array))?;
    Some(
        items
            .iter()
            .filter_map(|item| match item {
                Value::Object(_) => ["playerId", "id", "userId", "player_id"]
                    .iter()
                    .find_map(|k| item.get(*k).and_then(value_to_string)),
                other => value_to_string(other),
            })
            .collect(),
    )
}

/// One entity and the bookkeeping that keeps its folding order-independent.
#[derive(Debug)]
struct Slot {
    state: EntityState,
    /// The order of the event that set the status.
    order: StatusOrder,
    /// Whether that event carried its own status (else the status is `data.status`).
    own_status: bool,
    /// The highest field order seen; every data key came from it unless listed in
    /// `field_exceptions` (kept small: only keys a later event omitted).
    field_base: FieldOrder,
    field_exceptions: HashMap<String, FieldOrder>,
    participants: Option<Box<Participants>>,
    /// The keys of `data` when they were last known to be exactly the keys of the newest
    /// event (see [`Shape`]): an update with the same keys is merged value by value
    /// without reading the stored keys.
    shape: Shape,
}

/// The key names of an entity's data, each as its length (8 bytes) then its bytes, in one
/// allocation. Why: an entity's data is cold when its next event arrives (thousands of
/// entities between two updates of one), and comparing the event's keys with the stored
/// ones costs a cache miss per stored key (each `String` is an allocation of its own);
/// compared with this copy the same check reads a few consecutive cache lines.
///
/// Valid while `data` has as many keys as it lists: `data` only ever gains keys (nothing
/// in the reducer removes one), so the same count means the same keys.
#[derive(Debug, Default)]
struct Shape {
    bytes: Vec<u8>,
    keys: usize,
}

impl Shape {
    /// Whether `fields` has exactly the listed keys, in order.
    fn matches(&self, fields: &Map<String, Value>) -> bool {
        if self.keys != fields.len() {
            return false;
        }
        let mut rest = self.bytes.as_slice();
        for k in fields.keys() {
            let Some((len, tail)) = rest.split_first_chunk::<8>() else {
                return false;
            };
            let n = k.len();
            if u64::from_le_bytes(*len) != n as u64 || tail.get(..n) != Some(k.as_bytes()) {
                return false;
            }
            rest = &tail[n..];
        }
        rest.is_empty()
    }

    /// List the keys of `fields`.
    fn set(&mut self, fields: &Map<String, Value>) {
        self.bytes.clear();
        for k in fields.keys() {
            self.bytes
                .extend_from_slice(&(k.len() as u64).to_le_bytes());
            self.bytes.extend_from_slice(k.as_bytes());
        }
        self.keys = fields.len();
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.keys = usize::MAX;
    }
}

impl Slot {
    /// Merge an event's fields; true if `data` changed. Only values that differ are copied.
    /// Second: whether `data` is now exactly `fields` (same keys, same values), so that
    /// reading `fields` (fresh in cache) tells what `data` holds.
    fn merge(&mut self, fields: &Map<String, Value>, order: FieldOrder) -> (bool, bool) {
        if !self.state.data.is_object() {
            self.state.data = Value::Object(Map::new());
        }
        let Value::Object(data) = &mut self.state.data else {
            return (false, false);
        };
        let mut changed = false;
        let mut data_is_fields = false;
        if order > self.field_base {
            // The new latest event: keys it omits keep their value but remember that they
            // came from an older event.
            if maps_iterate_sorted()
                && self.field_exceptions.is_empty()
                && data.len() == self.shape.keys
                && self.shape.matches(fields)
            {
                // Same keys as the data (so no exception to drop and no participants key,
                // which a shape never lists): what `merge_sorted` does then, without
                // reading the stored keys.
                for (old, v) in data.values_mut().zip(fields.values()) {
                    if old != v {
                        old.clone_from(v);
                        changed = true;
                    }
                }
                data_is_fields = true;
            } else if maps_iterate_sorted() {
                changed = merge_sorted(data, fields, &mut self.field_exceptions, self.field_base);
                if data.len() == fields.len() && !fields.contains_key(PARTICIPANTS_KEY) {
                    // Every key of the event is in `data` now, with its value, and they are
                    // as many: the same keys.
                    self.shape.set(fields);
                    data_is_fields = true;
                } else {
                    self.shape.clear();
                }
            } else {
                for k in data.keys() {
                    if k != PARTICIPANTS_KEY && !fields.contains_key(k) {
                        self.field_exceptions
                            .entry(k.clone())
                            .or_insert(self.field_base);
                    }
                }
                for (k, v) in fields {
                    if k == PARTICIPANTS_KEY {
                        continue;
                    }
                    if !self.field_exceptions.is_empty() {
                        self.field_exceptions.remove(k);
                    }
                    changed |= set_field(data, k, v);
                }
            }
            self.field_base = order;
        } else {
            for (k, v) in fields {
                if k == PARTICIPANTS_KEY {
                    continue;
                }
                let newer = match (data.contains_key(k), self.field_exceptions.get(k)) {
                    (false, _) => true,
                    (true, Some(o)) => *o < order,
                    (true, None) => false, // came from `field_base`, newer than us
                };
                if newer {
                    self.field_exceptions.insert(k.clone(), order);
                    changed |= set_field(data, k, v);
                }
            }
        }
        (changed, data_is_fields)
    }

    fn set_participants(&mut self) -> bool {
        let Some(p) = &self.participants else {
            return false;
        };
        let list = Value::Array(p.list().into_iter().map(Value::String).collect());
        match &mut self.state.data {
            Value::Object(m) if m.get(PARTICIPANTS_KEY) != Some(&list) => {
                m.insert(PARTICIPANTS_KEY.to_owned(), list);
                true
            }
            _ => false,
        }
    }

    /// The status from `data.status` when no event gave its own. `same`: a map with the
    /// same `status` member as `data` (the event's fields, when [`Slot::merge`] says `data`
    /// is them; [`PARTICIPANTS_KEY`], which may have been added since, is another key),
    /// read instead of `data`, whose keys are likely out of cache.
    fn refresh_derived_status(&mut self, same: Option<&Map<String, Value>>) {
        if !self.own_status {
            let status = match same {
                Some(fields) => fields.get("status"),
                None => self.state.data.get("status"),
            }
            .and_then(value_to_string);
            set_status(&mut self.state.status, status);
        }
    }
}

/// `*slot = status`, keeping the stored string when it is the same (dropping the new one,
/// fresh in cache, instead of the stored one).
fn set_status(slot: &mut Option<String>, status: Option<String>) {
    if *slot != status {
        *slot = status;
    }
}

/// The newest event's `fields` into `data` (see [`Slot::merge`]): keys of `data` the event
/// omits get an exception at `base`, every key it carries (but [`PARTICIPANTS_KEY`]) takes
/// its value and loses any exception. Both maps iterate in key order, so one walk over the
/// two replaces a look-up per key in each; the same result as the look-up version (a
/// proptest holds it to that). True if `data` changed.
fn merge_sorted(
    data: &mut Map<String, Value>,
    fields: &Map<String, Value>,
    exceptions: &mut HashMap<String, FieldOrder>,
    base: FieldOrder,
) -> bool {
    let mut changed = false;
    let mut new_keys: Vec<(&String, &Value)> = Vec::new();
    let mut incoming = fields.iter().peekable();
    for (k, old) in data.iter_mut() {
        // Keys of the event below `k` are not in `data` yet; one comparison per step tells
        // those from `k` itself and from the keys after it.
        let mut same_key = None;
        while let Some(&(fk, fv)) = incoming.peek() {
            match fk.as_str().cmp(k.as_str()) {
                std::cmp::Ordering::Less => {
                    if fk != PARTICIPANTS_KEY {
                        new_keys.push((fk, fv));
                    }
                    incoming.next();
                }
                std::cmp::Ordering::Equal => {
                    same_key = Some(fv);
                    incoming.next();
                    break;
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        if k == PARTICIPANTS_KEY {
            // Maintained by the reducer, never taken from an event.
            continue;
        }
        match same_key {
            Some(v) => {
                if !exceptions.is_empty() {
                    exceptions.remove(k);
                }
                if old != v {
                    old.clone_from(v);
                    changed = true;
                }
            }
            None => {
                // The key is cloned only for a new exception.
                if !exceptions.contains_key(k) {
                    exceptions.insert(k.clone(), base);
                }
            }
        }
    }
    new_keys.extend(incoming.filter(|(fk, _)| *fk != PARTICIPANTS_KEY));
    for (k, v) in new_keys {
        if !exceptions.is_empty() {
            exceptions.remove(k);
        }
        data.insert(k.clone(), v.clone());
        changed = true;
    }
    changed
}

/// `data[k] = v` unless it already holds that value; true if it changed. Copies `v` (and
/// `k` for a new key) only when it changes.
fn set_field(data: &mut Map<String, Value>, k: &str, v: &Value) -> bool {
    match data.get_mut(k) {
        Some(old) if old == v => false,
        Some(old) => {
            old.clone_from(v);
            true
        }
        None => {
            data.insert(k.to_owned(), v.clone());
            true
        }
    }
}

/// Folds events into [`EntityState`]s.
#[derive(Debug)]
pub struct Reducer {
    entities: hashbrown::HashMap<EntityKey, Slot>,
    /// The dedupe window: the hash of each remembered dedupe key (already xxh3: foldhash
    /// only spreads them) → the number it was remembered as. A key is in the window while
    /// fewer than `dedupe_capacity` keys were remembered after it; older entries count as
    /// absent and are swept out together once the map holds twice the window. One table
    /// access per event where a set plus a queue of the keys in order took two (the oldest
    /// key's removal is another random access into a table of a few MB), at up to twice
    /// the entries.
    seen: hashbrown::HashMap<u64, u64>,
    /// How many keys have been remembered (the next one's number).
    remembered: u64,
    dedupe_capacity: usize,
}

impl Default for Reducer {
    fn default() -> Self {
        Self::new()
    }
}

impl Reducer {
    /// An empty reducer remembering [`DEFAULT_DEDUPE_CAPACITY`] recent dedupe keys.
    pub fn new() -> Self {
        Self::with_dedupe_capacity(DEFAULT_DEDUPE_CAPACITY)
    }

    /// An empty reducer remembering `capacity` recent dedupe keys (at least 1).
    pub fn with_dedupe_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            entities: hashbrown::HashMap::new(),
            seen: hashbrown::HashMap::with_capacity(capacity.min(1 << 16)),
            remembered: 0,
            dedupe_capacity: capacity,
        }
    }

    /// Seed the reducer with states loaded from the store at start-up (or written by a
    /// catch-up). A state replaces any the reducer holds for the same key; later events
    /// are ordered against its status and `updated_at`.
    pub fn restore(&mut self, states: impl IntoIterator<Item = EntityState>) {
        for state in states {
            let data = state.data.as_object().cloned().unwrap_or_default();
            let info = status_info(
                &state.key.venue,
                state.key.entity.kind,
                &state.last_event_type,
                &data,
            );
            let rank = if state.terminal {
                // A removed intent keeps room for its outcome (see REMOVED_RANK).
                if info.rank == REMOVED_RANK {
                    REMOVED_RANK
                } else {
                    TERMINAL_RANK
                }
            } else {
                info.rank.min(TERMINAL_RANK - 1)
            };
            let participants = (state.key.entity.kind == EntityKind::Lobby).then(|| {
                let order = FieldOrder {
                    terminal: false,
                    time: state.updated_at,
                    tie: 0,
                };
                let mut p = Participants::default();
                if let Some(list) = data.get(PARTICIPANTS_KEY).and_then(Value::as_array) {
                    for id in list.iter().filter_map(value_to_string) {
                        p.players.insert(id, (order, true));
                    }
                }
                Box::new(p)
            });
            let slot = Slot {
                order: StatusOrder {
                    rank,
                    time: state.updated_at,
                    tie: 0,
                },
                own_status: state.status.is_some(),
                field_base: FieldOrder {
                    terminal: state.terminal,
                    time: state.updated_at,
                    tie: 0,
                },
                field_exceptions: HashMap::new(),
                shape: Shape::default(),
                participants,
                state,
            };
            self.entities.insert(slot.state.key.clone(), slot);
        }
    }

    /// Remember a dedupe key without applying anything (e.g. keys of events already in the
    /// store's log). Returns false if it was already known.
    pub fn mark_seen(&mut self, dedupe_key: &str) -> bool {
        self.remember(key_hash(dedupe_key))
    }

    fn remember(&mut self, h: u64) -> bool {
        let now = self.remembered;
        let window = self.dedupe_capacity as u64;
        match self.seen.entry(h) {
            hashbrown::hash_map::Entry::Occupied(mut e) => {
                // The window is the keys numbered `now - window .. now`.
                if now - *e.get() <= window {
                    return false;
                }
                // Remembered once, but out of the window since: remembered again, now.
                e.insert(now);
            }
            hashbrown::hash_map::Entry::Vacant(e) => {
                e.insert(now);
            }
        }
        self.remembered = now + 1;
        if self.seen.len() > self.dedupe_capacity.saturating_mul(2) {
            let now = self.remembered;
            self.seen.retain(|_, n| now - *n <= window);
        }
        true
    }

    /// A hint before [`Reducer::apply`]ing `events` in order: looks up, in the dedupe
    /// window, each event's key, so that the cache misses happen here, where the look-ups
    /// do not depend on one another and the processor overlaps them, instead of one at a
    /// time inside each `apply`. It reads only; skipping it changes nothing but speed.
    ///
    /// Why: the window holds up to [`DEFAULT_DEDUPE_CAPACITY`] keys (a few MB) and each key
    /// lands at a random place in it; `perf annotate` put 8.5 % of a Dimes flood's samples
    /// on those loads. The gain measured (with the set-and-queue window before the
    /// numbered one) was a few percent, Axisor ahead in 7 of 8 alternated pairs, about the
    /// size of the machine's noise; reading each event's stored entity data the same way
    /// cost more than it saved (docs/connectors.md, "Sixth pass").
    pub fn warm(&self, events: &[Event]) {
        let mut known = 0usize;
        for event in events {
            known += usize::from(self.seen.contains_key(&key_hash(&event.dedupe_key)));
        }
        std::hint::black_box(known);
    }

    /// Apply one event.
    pub fn apply(&mut self, event: &Event) -> Applied {
        let tie = key_hash(&event.dedupe_key);
        if !self.remember(tie) {
            return Applied::Duplicate;
        }
        if matches!(event.body, EventBody::Unknown) {
            return Applied::NoEntity;
        }
        let Some(entity) = event.entity.as_ref() else {
            return Applied::NoEntity;
        };
        let venue = event.gateway.venue();
        let fields = entity_fields(event);
        let info = status_info(venue, entity.kind, &event.event_type, &fields);
        let time = event.effective_time();
        let order = StatusOrder {
            rank: info.rank,
            time,
            tie,
        };
        let field_order = FieldOrder {
            terminal: info.terminal,
            time,
            tie,
        };
        let is_lobby = entity.kind == EntityKind::Lobby;
        let lookup = KeyRef {
            venue,
            kind: entity.kind,
            id: &entity.id,
        };

        let Some(slot) = self.entities.get_mut(&lookup) else {
            let key = EntityKey {
                venue: venue.to_owned(),
                entity: entity.clone(),
            };
            let mut participants = is_lobby.then(Box::<Participants>::default);
            if let Some(p) = participants.as_mut() {
                p.observe(&event.event_type, &fields, field_order);
            }
            let own_status = info.status.is_some();
            let mut slot = Slot {
                state: EntityState {
                    key: key.clone(),
                    connection: event.connection.clone(),
                    gateway: event.gateway,
                    status: info.status,
                    finalizing: info.finalizing,
                    terminal: info.terminal,
                    last_event_type: event.event_type.clone(),
                    updated_at: time,
                    first_seen_at: time,
                    events_applied: 1,
                    stale: false,
                    data: Value::Object(fields.into_owned()),
                },
                order,
                own_status,
                field_base: field_order,
                field_exceptions: HashMap::new(),
                shape: Shape::default(),
                participants,
            };
            slot.set_participants();
            slot.refresh_derived_status(None);
            self.entities.insert(key, slot);
            return Applied::Created;
        };

        let st = &mut slot.state;
        st.events_applied += 1;
        st.first_seen_at = st.first_seen_at.min(time);
        st.updated_at = st.updated_at.max(time);

        if let Some(p) = slot.participants.as_mut() {
            p.observe(&event.event_type, &fields, field_order);
        } else if is_lobby {
            let mut p = Box::<Participants>::default();
            p.observe(&event.event_type, &fields, field_order);
            slot.participants = Some(p);
        }
        let (mut changed, data_is_fields) = slot.merge(&fields, field_order);
        changed |= slot.set_participants();

        let wins = order > slot.order;
        if wins {
            slot.order = order;
            slot.own_status = info.status.is_some();
            let st = &mut slot.state;
            if !std::sync::Arc::ptr_eq(&st.connection.0, &event.connection.0) {
                // Two atomic operations per event saved when it is the same connection.
                st.connection = event.connection.clone();
            }
            st.gateway = event.gateway;
            set_status(&mut st.status, info.status);
            st.finalizing = info.finalizing;
            st.terminal = info.terminal;
            st.last_event_type.clone_from(&event.event_type);
            st.stale = false;
        }
        slot.refresh_derived_status(data_is_fields.then_some(&*fields));
        if wins || changed {
            Applied::Updated
        } else {
            Applied::Stale
        }
    }

    /// The state of one entity.
    pub fn get(&self, key: &EntityKey) -> Option<&EntityState> {
        self.entities.get(key).map(|s| &s.state)
    }

    /// Every entity.
    pub fn entities(&self) -> impl Iterator<Item = &EntityState> {
        self.entities.values().map(|s| &s.state)
    }

    /// How many entities the reducer holds.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// Mark entities of one venue and kind stale after a reconnect (every non-terminal one
    /// when `ids` is `None`, else the listed ones). Returns how many changed. The mark
    /// clears when an event moves the entity or [`Reducer::confirm`] is called.
    pub fn mark_stale(&mut self, venue: &str, kind: EntityKind, ids: Option<&[String]>) -> usize {
        self.set_stale(venue, kind, ids, true)
    }

    /// Clear the stale mark (catch-up confirmed them). Returns how many changed.
    pub fn confirm(&mut self, venue: &str, kind: EntityKind, ids: Option<&[String]>) -> usize {
        self.set_stale(venue, kind, ids, false)
    }

    fn set_stale(
        &mut self,
        venue: &str,
        kind: EntityKind,
        ids: Option<&[String]>,
        stale: bool,
    ) -> usize {
        let mut n = 0;
        for slot in self.entities.values_mut() {
            let st = &mut slot.state;
            if st.key.venue != venue || st.key.entity.kind != kind || st.stale == stale {
                continue;
            }
            let selected = match ids {
                Some(ids) => ids.contains(&st.key.entity.id),
                None => !(stale && st.terminal),
            };
            if selected {
                st.stale = stale;
                n += 1;
            }
        }
        n
    }
}

fn key_hash(dedupe_key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(dedupe_key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventBody, Severity};
    use serde_json::json;

    /// `entity_fields` as first written (cloning every time): the borrowing version must
    /// pick out the same object for every payload shape.
    fn reference(event: &Event) -> Map<String, Value> {
        let obj = |v: Option<&Value>| match v {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        match event.gateway {
            GatewayKind::DimesPartner | GatewayKind::DimesCustomer | GatewayKind::Hashi => {
                obj(event.payload.get("data"))
            }
            GatewayKind::Axisor | GatewayKind::Zkde => {
                let fields = event_fields(&event.payload);
                let is_top = std::ptr::eq(&*fields, &*event.payload);
                match fields.get("position") {
                    Some(p @ Value::Object(_))
                        if event.gateway == GatewayKind::Axisor
                            && matches!(
                                event.event_type.as_str(),
                                "position_status_update" | "auto_close_execution"
                            ) =>
                    {
                        obj(Some(p))
                    }
                    _ => {
                        let mut m = obj(Some(&fields));
                        if is_top {
                            m.remove("type");
                            m.remove("channel");
                        }
                        m
                    }
                }
            }
            GatewayKind::Fusion => match &*event.payload {
                Value::Object(m) => match m.get("data") {
                    Some(Value::Object(d)) if intent_id(&event.payload).is_none() => d.clone(),
                    _ => m.clone(),
                },
                Value::String(s) => {
                    let mut m = Map::new();
                    m.insert("intentId".to_owned(), Value::String(s.clone()));
                    m
                }
                _ => Map::new(),
            },
        }
    }

    fn event(gateway: GatewayKind, event_type: &str, payload: Value) -> Event {
        Event {
            connection: ConnectionId::new("t"),
            gateway,
            event_type: event_type.to_owned(),
            external_id: None,
            dedupe_key: String::new(),
            entity: None,
            created_at: None,
            received_at: DateTime::<Utc>::UNIX_EPOCH,
            severity: Severity::Info,
            body: EventBody::Unknown,
            payload: payload.into(),
        }
    }

    #[test]
    fn borrowed_entity_fields_match_the_cloning_version() {
        let pos = json!({"id": "p1", "size": 3});
        let payloads = [
            json!({"type": "t", "channel": "c", "data": {"a": 1, "position": pos}}),
            json!({"type": "t", "channel": "c", "data": {"a": 1}}),
            json!({"type": "t", "timestamp": 5, "data": {"a": 1, "position": pos}}),
            json!({"type": "t", "timestamp": 5, "data": {"a": 1, "position": 7}}),
            json!({"type": "t", "timestamp": 5, "data": {"a": 1}}),
            json!({"type": "t", "channel": "c", "a": 1, "position": pos}),
            json!({"type": "t", "a": 1}),
            json!({"type": "t", "data": 3}),
            json!({"intentId": "i", "status": "matched"}),
            json!({"data": {"intentId": "i"}}),
            json!("i9"),
            json!(4),
            json!({"id": "e", "data": {"id": "d"}}),
        ];
        for g in GatewayKind::ALL {
            for ty in ["position_status_update", "auto_close_execution", "other"] {
                for p in &payloads {
                    let e = event(g, ty, p.clone());
                    assert_eq!(
                        entity_fields(&e).into_owned(),
                        reference(&e),
                        "{g} {ty} {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn borrowed_key_hashes_and_compares_as_the_owned_key() {
        use std::hash::BuildHasher;
        let map: hashbrown::HashMap<EntityKey, ()> = hashbrown::HashMap::new();
        for (venue, kind, id) in [
            ("dimes", EntityKind::Position, "dm_pos_1"),
            ("hashi", EntityKind::Lobby, ""),
            ("fusion", EntityKind::Intent, "0xabc"),
        ] {
            let owned = EntityKey {
                venue: venue.to_owned(),
                entity: EntityRef::new(kind, id),
            };
            let borrowed = KeyRef { venue, kind, id };
            assert_eq!(
                map.hasher().hash_one(&owned),
                map.hasher().hash_one(&borrowed)
            );
            assert!(hashbrown::Equivalent::equivalent(&borrowed, &owned));
            let other = KeyRef {
                venue,
                kind: EntityKind::Market,
                id,
            };
            assert!(!hashbrown::Equivalent::equivalent(&other, &owned));
        }
    }

    /// `merge_sorted` as first written: one look-up per key in each map.
    fn merge_by_lookup(
        data: &mut Map<String, Value>,
        fields: &Map<String, Value>,
        exceptions: &mut HashMap<String, FieldOrder>,
        base: FieldOrder,
    ) -> bool {
        let mut changed = false;
        for k in data.keys() {
            if k != PARTICIPANTS_KEY && !fields.contains_key(k) {
                exceptions.entry(k.clone()).or_insert(base);
            }
        }
        for (k, v) in fields {
            if k == PARTICIPANTS_KEY {
                continue;
            }
            if !exceptions.is_empty() {
                exceptions.remove(k);
            }
            changed |= set_field(data, k, v);
        }
        changed
    }

    fn order(t: i64) -> FieldOrder {
        FieldOrder {
            terminal: false,
            time: DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default(),
            tie: 0,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The one-walk merge gives the same data, exceptions and "changed" as the look-up
        /// version, whatever keys the two maps share (the participants key included).
        #[test]
        fn sorted_merge_equals_lookup_merge(
            data in proptest::collection::btree_map("[a-e]{0,2}|participants", 0u8..3, 0..8),
            fields in proptest::collection::btree_map("[a-e]{0,2}|participants", 0u8..3, 0..8),
            exc in proptest::collection::btree_map("[a-e]{0,2}", 0i64..3, 0..4),
        ) {
            let to_map = |m: &std::collections::BTreeMap<String, u8>| -> Map<String, Value> {
                m.iter().map(|(k, v)| (k.clone(), Value::from(*v))).collect()
            };
            let exceptions: HashMap<String, FieldOrder> =
                exc.iter().map(|(k, t)| (k.clone(), order(*t))).collect();
            let fields = to_map(&fields);
            let (mut d1, mut e1) = (to_map(&data), exceptions.clone());
            let (mut d2, mut e2) = (to_map(&data), exceptions);
            let c1 = merge_sorted(&mut d1, &fields, &mut e1, order(5));
            let c2 = merge_by_lookup(&mut d2, &fields, &mut e2, order(5));
            proptest::prop_assert_eq!(c1, c2);
            proptest::prop_assert_eq!(d1, d2);
            proptest::prop_assert_eq!(e1, e2);
        }

        /// The numbered dedupe window answers exactly as the window it replaced: a set of
        /// the last `capacity` remembered keys, the oldest pushed out first (a set plus a
        /// queue, kept here as the reference), over random key sequences from a small
        /// alphabet (so keys repeat inside and outside the window) and capacities from
        /// 1 up, sweeps included.
        #[test]
        fn the_numbered_window_answers_as_a_set_and_queue(
            capacity in 1usize..20,
            keys in proptest::collection::vec(0u8..24, 0..400),
        ) {
            let mut r = Reducer::with_dedupe_capacity(capacity);
            let mut set = std::collections::HashSet::new();
            let mut queue = std::collections::VecDeque::new();
            for k in keys {
                let key = format!("id:evt_{k}");
                let expected = if set.insert(key.clone()) {
                    queue.push_back(key.clone());
                    while queue.len() > capacity {
                        if let Some(old) = queue.pop_front() {
                            set.remove(&old);
                        }
                    }
                    true
                } else {
                    false
                };
                proptest::prop_assert_eq!(r.mark_seen(&key), expected, "key {}", key);
                proptest::prop_assert!(r.seen.len() <= 2 * capacity + 1);
            }
        }

        /// Merging with shapes (same keys: value by value) leaves the same data, exceptions
        /// and "changed" as merging without them, over sequences of updates whose key sets
        /// repeat, grow, shrink and carry the participants key, newer and older.
        #[test]
        fn merging_with_shapes_equals_merging_without(
            start in proptest::collection::btree_map("[a-d]|participants", 0u8..3, 0..5),
            steps in proptest::collection::vec(
                (proptest::collection::btree_map("[a-d]|participants", 0u8..3, 0..5), 0i64..8, proptest::bool::ANY),
                0..24,
            ),
        ) {
            let to_map = |m: &std::collections::BTreeMap<String, u8>| -> Map<String, Value> {
                m.iter().map(|(k, v)| (k.clone(), Value::from(*v))).collect()
            };
            let new_slot = || Slot {
                state: EntityState {
                    key: EntityKey {
                        venue: "dimes".into(),
                        entity: EntityRef::new(EntityKind::Position, "p"),
                    },
                    connection: ConnectionId::new("c"),
                    gateway: GatewayKind::DimesPartner,
                    status: None,
                    finalizing: false,
                    terminal: false,
                    last_event_type: String::new(),
                    updated_at: DateTime::<Utc>::default(),
                    first_seen_at: DateTime::<Utc>::default(),
                    events_applied: 0,
                    stale: false,
                    data: Value::Object(to_map(&start)),
                },
                order: StatusOrder { rank: 0, time: DateTime::<Utc>::default(), tie: 0 },
                own_status: false,
                field_base: order(0),
                field_exceptions: HashMap::new(),
                participants: None,
                shape: Shape::default(),
            };
            let (mut with, mut without) = (new_slot(), new_slot());
            let mut time = 1;
            for (fields, back, repeat) in &steps {
                // Mostly newer events; `back` > 5 sends one older than the newest.
                let t = if *back > 5 { time - back } else { time + 1 };
                time = time.max(t);
                let fields = to_map(fields);
                for _ in 0..if *repeat { 2 } else { 1 } {
                    without.shape.clear();
                    let (c1, same) = with.merge(&fields, order(t));
                    let (c2, _) = without.merge(&fields, order(t));
                    proptest::prop_assert_eq!(c1, c2);
                    if same {
                        proptest::prop_assert_eq!(&with.state.data, &Value::Object(fields.clone()));
                    }
                    proptest::prop_assert_eq!(&with.state.data, &without.state.data);
                    proptest::prop_assert_eq!(&with.field_exceptions, &without.field_exceptions);
                    proptest::prop_assert_eq!(with.field_base, without.field_base);
                }
            }
        }
    }
}
