//! Synthetic events for tests, the benchmark and the durability harness: the store's
//! inputs built directly (no decoder), with realistic shapes and payload sizes.

use chrono::{DateTime, Duration, Utc};
use gatewatch_core::reduce::{Applied, EntityKey, EntityState};
use gatewatch_core::{
    ConnectionId, EntityKind, EntityRef, Event, EventBody, GatewayKind, Severity,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::model::{BatchEvent, WriteBatch};

/// An event with `EventBody::Unknown` and the given payload. The dedupe key is
/// `id:<external id>` when there is one, else `h:<connection>:<event type>:<payload>`-ish
/// (any string unique per distinct event will do for the store).
pub fn event(
    gateway: GatewayKind,
    connection: &str,
    event_type: &str,
    external_id: Option<&str>,
    entity: Option<EntityRef>,
    at: DateTime<Utc>,
    payload: Value,
) -> Event {
    let dedupe_key = match external_id {
        Some(id) => format!("id:{id}"),
        None => format!("h:{connection}:{event_type}:{payload}"),
    };
    Event {
        connection: ConnectionId::new(connection),
        gateway,
        event_type: event_type.to_owned(),
        external_id: external_id.map(str::to_owned),
        dedupe_key,
        entity,
        created_at: Some(at),
        received_at: at,
        severity: Severity::Info,
        body: EventBody::Unknown,
        payload: payload.into(),
    }
}

/// The state a reducer would hold after `event` (which must concern an entity), with the
/// given status, terminal flag and entity data.
pub fn state(
    event: &Event,
    status: Option<&str>,
    terminal: bool,
    data: Value,
) -> Option<EntityState> {
    let entity = event.entity.clone()?;
    Some(EntityState {
        key: EntityKey {
            venue: event.gateway.venue().to_owned(),
            entity,
        },
        connection: event.connection.clone(),
        gateway: event.gateway,
        status: status.map(str::to_owned),
        finalizing: false,
        terminal,
        last_event_type: event.event_type.clone(),
        updated_at: event.effective_time(),
        first_seen_at: event.effective_time(),
        events_applied: 1,
        stale: false,
        data,
    })
}

/// A deterministic stream of mixed events from all five gateways: Dimes position events
/// with evt ids, Axisor ticks and positions (some at risk), zkde strategies, Hashi
/// contracts, Fusion intents, and unknown event types, with payload sizes of
/// [`PayloadSizes`].
#[derive(Debug)]
pub struct Synth {
    rng: StdRng,
    run: String,
    seq: u64,
    t0: DateTime<Utc>,
    /// How many distinct ids per entity kind.
    pub entities_per_kind: u64,
    /// How large the payloads are.
    pub payload_sizes: PayloadSizes,
}

/// The payload sizes of a [`Synth`] stream (bytes of the payload's JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadSizes {
    /// Each kind of event about as large as the simulator's frames of that kind, which
    /// follow the gateways' documents (measured from `gatewatch watch --record` against the
    /// demo simulator, 2026-12-01: Dimes position events 890–1050 bytes, Axisor ticks
    /// 218–233, Axisor positions 336–341, zkde strategies 178–181, Hashi contract events
    /// 595–914, Fusion intent status 655–934). Averages ~590 bytes over this mix.
    #[default]
    Simulator,
    /// Uniformly 300–1500 bytes whatever the kind (average ~900): the earlier default,
    /// heavier than any gateway's documents.
    Uniform,
}

const DIMES_TYPES: [(&str, &str, bool); 5] = [
    ("position.created", "pending", false),
    ("position.opened", "open", false),
    ("position.force_unwound", "open", false),
    ("position.close_requested", "closing", false),
    ("position.closed", "closed", true),
];
const INTENT_STATUSES: [&str; 5] = [
    "proofs_pending",
    "proofs_verified",
    "matched",
    "executing",
    "completed",
];

impl Synth {
    /// A stream; `run` makes ids unique across runs sharing one database.
    pub fn new(seed: u64, run: &str, t0: DateTime<Utc>) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            run: run.to_owned(),
            seq: 0,
            t0,
            entities_per_kind: 10_000,
            payload_sizes: PayloadSizes::default(),
        }
    }

    /// How many events were generated so far (the next event's sequence number).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The dedupe key the event with sequence number `seq` of this run carries.
    pub fn dedupe_key(&self, seq: u64) -> String {
        format!("id:{}", self.external_id(seq))
    }

    /// When event `seq` says it was created: its receive time (`t0` + `seq` ms) moved by
    /// one of five clock skews (0, −3 s, +1.5 s, −40 s, +7 s: gateways' clocks disagree)
    /// and up to 500 ms of reordering. The log's dedupe keys start with this time
    /// ([`crate::stored_key`]), so the bench must not hand them over in perfect order. A
    /// function of `seq` alone, so a test can recompute it.
    pub fn created_at(&self, seq: u64) -> DateTime<Utc> {
        const SKEW_MS: [i64; 5] = [0, -3_000, 1_500, -40_000, 7_000];
        let r = splitmix64(seq ^ 0x5bd1_e995);
        let skew = SKEW_MS[(r % 5) as usize];
        let jitter = ((r >> 8) % 500) as i64;
        self.t0 + Duration::milliseconds(seq as i64 + skew + jitter)
    }

    /// The event id of event `seq`: the run, then random-looking hex like the gateways' own
    /// ids (`evt_f4f2b94646c871c7d8d438dc`), so the unique dedupe-key index takes the random
    /// inserts it takes in production, not appends. A bijection of `seq`, so ids stay unique
    /// and a test can recompute them.
    fn external_id(&self, seq: u64) -> String {
        format!("evt_{}_{:016x}", self.run, splitmix64(seq))
    }

    /// Filler for the payload `base` of a `gateway` event: up to a random size in the
    /// range [`PayloadSizes`] gives it.
    fn padding(&mut self, gateway: GatewayKind, kind: EntityKind, base: &Value) -> String {
        let range = match (self.payload_sizes, gateway, kind) {
            (PayloadSizes::Uniform, ..) => 300..1500usize,
            (_, GatewayKind::DimesPartner | GatewayKind::DimesCustomer, _) => 890..1050,
            (_, GatewayKind::Axisor, EntityKind::Position) => 336..342,
            (_, GatewayKind::Axisor, _) => 218..234,
            (_, GatewayKind::Zkde, _) => 160..200,
            (_, GatewayKind::Hashi, _) => 595..915,
            (_, GatewayKind::Fusion, _) => 655..935,
        };
        let target = self.rng.random_range(range);
        let have = base.to_string().len() + 12;
        let n = target.saturating_sub(have);
        (0..n)
            .map(|i| char::from(b'a' + ((self.seq as usize + i) % 26) as u8))
            .collect()
    }

    /// The next event and the state a reducer would give it.
    pub fn next_event(&mut self) -> BatchEvent {
        let seq = self.seq;
        self.seq += 1;
        let at = self.created_at(seq);
        let ext = self.external_id(seq);
        let n = self.rng.random_range(0..self.entities_per_kind);
        let which = self.rng.random_range(0..100u32);
        let (gateway, conn, event_type, kind, id, status, terminal, mut payload) = match which {
            0..=29 => {
                let (t, status, terminal) =
                    DIMES_TYPES[self.rng.random_range(0..DIMES_TYPES.len())];
                let id = format!("dm_pos_{n}");
                let data = json!({
                    "id": id, "status": status, "market": format!("mkt_{}", n % 97),
                    "side": if n % 2 == 0 { "yes" } else { "no" },
                    "entry": {"price": 0.42, "amount": "100.00"},
                    "current": {"value": 0.5 + (n % 10) as f64 / 100.0},
                    "risk": {"leverage": 2},
                });
                let payload =
                    json!({"id": ext, "type": t, "created_at": at.to_rfc3339(), "data": data});
                (
                    GatewayKind::DimesPartner,
                    "dimes-partner",
                    t.to_owned(),
                    EntityKind::Position,
                    id,
                    Some(status),
                    terminal,
                    payload,
                )
            }
            30..=49 => {
                let symbol = format!("SYM{}", n % 50);
                let payload = json!({"type": "market_data_update", "channel": format!("market:{symbol}"),
                    "data": {"symbol": symbol, "price": 43000.0 + n as f64, "change24h": 1.2}});
                (
                    GatewayKind::Axisor,
                    "axisor",
                    "market_data_update".to_owned(),
                    EntityKind::Market,
                    symbol,
                    None,
                    false,
                    payload,
                )
            }
            50..=64 => {
                let id = format!("pos_{n}");
                let at_risk = n % 20 == 0;
                let payload = json!({"type": "position_update", "channel": "positions",
                    "data": {"position": {"id": id, "symbol": "BTC_USD", "side": "long", "size": 1.5,
                    "entryPrice": 43000, "currentPrice": 43100, "pnl": 150, "leverage": 10, "margin": 4300,
                    "distanceToLiquidation": if at_risk { 2.5 } else { 25.0 }, "isAtRisk": at_risk}}});
                (
                    GatewayKind::Axisor,
                    "axisor",
                    "position_update".to_owned(),
                    EntityKind::Position,
                    id,
                    Some("open"),
                    false,
                    payload,
                )
            }
            65..=74 => {
                let id = format!("strat_{n}");
                let payload = json!({"type": "strategy_update", "data": {"strategy_id": id, "pool_id": "pool_1", "apy": 7.5, "risk_score": 3}});
                (
                    GatewayKind::Zkde,
                    "zkde",
                    "strategy_update".to_owned(),
                    EntityKind::Strategy,
                    id,
                    None,
                    false,
                    payload,
                )
            }
            75..=84 => {
                let id = format!("ctr_{n}");
                let payload = json!({"type": "contract:event", "data": {"type": "contract.initialized",
                    "contractId": id, "lobbyId": format!("lobby_{}", n % 100), "timestamp": at.to_rfc3339(), "payload": {}}});
                (
                    GatewayKind::Hashi,
                    "hashi",
                    "contract.initialized".to_owned(),
                    EntityKind::Contract,
                    id,
                    Some("contract.initialized"),
                    false,
                    payload,
                )
            }
            85..=96 => {
                let id = format!("intent_{n}");
                let status = INTENT_STATUSES[self.rng.random_range(0..INTENT_STATUSES.len())];
                let payload = json!({"intentId": id, "status": status, "proofStatus": "verified",
                    "solver": "solver_a", "fromChain": "ethereum", "toChain": "starknet",
                    "amount": "1000000000000000000", "txHashes": {"source": "0xabc"}, "updatedAt": at.to_rfc3339()});
                (
                    GatewayKind::Fusion,
                    "fusion",
                    "intent:status".to_owned(),
                    EntityKind::Intent,
                    id,
                    Some(status),
                    status == "completed",
                    payload,
                )
            }
            _ => {
                let payload = json!({"type": "something_new", "data": {"n": n}});
                (
                    GatewayKind::Zkde,
                    "zkde",
                    "something_new".to_owned(),
                    EntityKind::Agent,
                    String::new(),
                    None,
                    false,
                    payload,
                )
            }
        };
        let pad = self.padding(gateway, kind, &payload);
        if let Value::Object(m) = &mut payload {
            m.insert("note".to_owned(), Value::String(pad));
        }
        let entity = (!id.is_empty()).then(|| EntityRef::new(kind, id));
        let mut e = event(gateway, conn, &event_type, Some(&ext), entity, at, payload);
        // Received in sequence; created by the gateways' clocks (see `created_at`).
        e.received_at = self.t0 + Duration::milliseconds(seq as i64);
        if gateway != GatewayKind::DimesPartner {
            e.external_id = None; // only Dimes carries event ids; the key stays unique
        }
        // The reducer keeps the gateway's object: Dimes `data`, Axisor `data.position`, the
        // whole message otherwise.
        let data = e
            .payload
            .get("data")
            .map(|d| d.get("position").unwrap_or(d))
            .cloned()
            .unwrap_or_else(|| (*e.payload).clone());
        let st = state(&e, status, terminal, data);
        let applied = Some(if st.is_some() {
            Applied::Updated
        } else {
            Applied::NoEntity
        });
        BatchEvent {
            event: e,
            applied,
            state: st,
        }
    }

    /// `n` events, with `dup_every`-th events replaced by a re-delivery of an earlier one
    /// (0: no duplicates).
    pub fn batch(&mut self, n: usize, dup_every: usize) -> WriteBatch {
        let mut b = WriteBatch::new();
        for i in 0..n {
            if dup_every > 0 && i % dup_every == dup_every - 1 {
                if let Some(prev) = b.events.first().cloned() {
                    b.events.push(BatchEvent {
                        state: None,
                        applied: Some(Applied::Duplicate),
                        ..prev
                    });
                    continue;
                }
            }
            b.events.push(self.next_event());
        }
        b
    }
}

/// SplitMix64's finalizer: a bijection on u64 that scatters consecutive inputs.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
