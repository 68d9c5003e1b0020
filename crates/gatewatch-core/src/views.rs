//! Venue-independent projections of [`EntityState`]: what the store's typed tables, the
//! CLI and the UI show. Each `from_state` reads the gateway's object leniently (fields at
//! the top level or under `data`, numbers as numbers or numeric strings) and never panics.
//!
//! The Dimes position object's full shape is not in its document, so the projections try
//! several plausible spellings per field (`entry.price`, `entry.avg_price`, …) across the
//! venues' conventions (Dimes snake_case sections, Axisor camelCase, zkde snake_case).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::EntityKind;
use crate::models::lenient::{value_to_bool, value_to_f64, value_to_string, value_to_u64};
use crate::reduce::{EntityState, PARTICIPANTS_KEY};

/// A position on any venue that carries them (Dimes, Axisor, zkde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PositionView {
    /// `dimes`, `axisor` or `zkde`.
    pub venue: String,
    /// The connection that last updated it.
    pub connection: String,
    /// The venue's position id.
    pub id: String,
    /// Market / symbol / pool.
    pub market: Option<String>,
    /// `long`/`short`, `yes`/`no`, … as the venue says.
    pub side: Option<String>,
    /// Size (venue units).
    pub size: Option<f64>,
    /// Entry price or entry value.
    pub entry: Option<f64>,
    /// Current value or current price.
    pub current_value: Option<f64>,
    /// Profit and loss.
    pub pnl: Option<f64>,
    /// Leverage.
    pub leverage: Option<f64>,
    /// Margin.
    pub margin: Option<f64>,
    /// Distance to liquidation as the venue gives it.
    pub distance_to_liquidation: Option<f64>,
    /// The venue (or Gatewatch's rules) flag it at risk.
    pub at_risk: bool,
    /// The venue's status (`pending`, `open`, `closing`, `closed`, `liquidated`, …). zkde
    /// sends none: its `position_update` only says a tracked position's value changed, so a
    /// zkde position is `open` (its document has no closing event).
    pub status: Option<String>,
    /// Between `position.opening` and `position.opened`.
    pub finalizing: bool,
    /// Closed, settled, liquidated, reverted or cancelled: belongs in history.
    pub closed: bool,
    /// May have missed updates (after a reconnect, before catch-up confirmed it).
    pub stale: bool,
    /// Type of the last event applied.
    pub last_event_type: String,
    /// First seen.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A Fusion intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IntentView {
    /// The connection that last updated it.
    pub connection: String,
    /// Intent id.
    pub id: String,
    /// Normalized status (`proofs_pending` … `completed`, `failed`), or `removed` when the
    /// intent left the mempool before any outcome was seen (an outcome outranks it).
    pub status: Option<String>,
    /// Proof status.
    pub proof_status: Option<String>,
    /// Solver.
    pub solver: Option<String>,
    /// Source chain.
    pub from_chain: Option<String>,
    /// Destination chain.
    pub to_chain: Option<String>,
    /// Amount, as the gateway spells it (often a big-number string).
    pub amount: Option<String>,
    /// HTLC state object or string, as given.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub htlc_state: Option<serde_json::Value>,
    /// Transaction hashes, as given.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub tx_hashes: Option<serde_json::Value>,
    /// Error.
    pub error: Option<String>,
    /// Failure reason.
    pub failure_reason: Option<String>,
    /// Terminal (completed, failed, removed).
    pub terminal: bool,
    /// First seen.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A Hashi lobby.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LobbyView {
    /// The connection that last updated it.
    pub connection: String,
    /// Lobby id.
    pub id: String,
    /// Lobby code (`ABC123`).
    pub code: Option<String>,
    /// Player ids currently in the lobby, as far as events tell.
    pub participants: Vec<String>,
    /// Participant count as the gateway last reported it.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub participant_count: Option<u64>,
    /// `lobby.deleted` seen.
    pub deleted: bool,
    /// Last event type.
    pub last_event_type: String,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A Hashi contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ContractView {
    /// The connection that last updated it.
    pub connection: String,
    /// Contract id.
    pub id: String,
    /// The lobby it belongs to.
    pub lobby_id: Option<String>,
    /// The lifecycle stage: the last `contract.*` event type applied.
    pub stage: String,
    /// Deleted or payout finalized.
    pub terminal: bool,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A Hashi storage item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StorageItemView {
    /// The connection that last updated it.
    pub connection: String,
    /// Storage id.
    pub id: String,
    /// Contract it belongs to.
    pub contract_id: Option<String>,
    /// Lobby it belongs to.
    pub lobby_id: Option<String>,
    /// Player who owns it.
    pub player_id: Option<String>,
    /// The last `storage.*` event type applied.
    pub stage: String,
    /// `storage.deleted` or `storage.multipart_aborted` seen.
    pub terminal: bool,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// Where a projection reads a state's fields: the object itself and, when it has one, its
/// `data` wrapper (looked up once per projection, not once per path).
#[derive(Clone, Copy)]
struct Fields<'a> {
    top: &'a Value,
    inner: Option<&'a Value>,
}

impl<'a> Fields<'a> {
    fn new(v: &'a Value) -> Self {
        Fields {
            top: v,
            inner: v.get("data"),
        }
    }

    /// The value at a dotted path (`entry.price`), also tried under the `data` wrapper.
    fn at(self, path: &str) -> Option<&'a Value> {
        walk(self.top, path).or_else(|| self.inner.and_then(|d| walk(d, path)))
    }

    /// The first path that holds a number (or numeric string).
    fn num(self, paths: &[&str]) -> Option<f64> {
        paths.iter().find_map(|p| self.at(p).and_then(value_to_f64))
    }

    /// The first path that holds a string (or number), non-empty.
    fn text(self, paths: &[&str]) -> Option<String> {
        paths
            .iter()
            .find_map(|p| self.at(p).and_then(value_to_string))
            .filter(|s| !s.is_empty())
    }

    /// The first path that holds a bool.
    fn flag(self, paths: &[&str]) -> Option<bool> {
        paths
            .iter()
            .find_map(|p| self.at(p).and_then(value_to_bool))
    }
}

/// The non-null value at a dotted path below `root`, segment by segment (no iterator
/// machinery: ~48 of these run per position state written).
fn walk<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = root;
    let mut rest = path;
    loop {
        let (head, tail) = match rest.find('.') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        cur = cur.as_object()?.get(head)?;
        match tail {
            Some(t) => rest = t,
            None => break,
        }
    }
    (!cur.is_null()).then_some(cur)
}

/// Statuses that put a position in history, whatever the venue.
const CLOSED_STATUSES: [&str; 7] = [
    "closed",
    "settled",
    "liquidated",
    "cancelled",
    "canceled",
    "reverted",
    "auto_closed",
];

const MARKET: &[&str] = &[
    "market_title",
    "market.title",
    "market.question",
    "question",
    "market_slug",
    "market.slug",
    "market_id",
    "market.id",
    "market",
    "symbol",
    "ticker",
    "pool_id",
    "poolId",
];
const SIDE: &[&str] = &[
    "side",
    "outcome",
    "direction",
    "position_side",
    "entry.side",
    "entry.outcome",
];
// `current` first: after `position.force_unwound` it holds the reduced size.
const SIZE: &[&str] = &[
    "current.shares",
    "current.size",
    "current.amount",
    "current.quantity",
    "entry.shares",
    "entry.amount",
    "entry.size",
    "entry.quantity",
    "size",
    "shares",
    "amount",
    "quantity",
];
const ENTRY: &[&str] = &[
    "entry.price",
    "entry.avg_price",
    "entry.average_price",
    "entry.entry_price",
    "entry.value",
    "entryPrice",
    "entry_price",
    "entry_value",
    "initial_value",
];
const CURRENT: &[&str] = &[
    "current.value",
    "current.current_value",
    "current.market_value",
    "current.notional",
    "current.price",
    "current_value",
    "currentValue",
    "currentPrice",
    "current_price",
    "value",
    "result.value",
    "result.proceeds",
    "result.payout",
];
const PNL_OPEN: &[&str] = &[
    "current.pnl",
    "current.unrealized_pnl",
    "current.pnl_usd",
    "pnl",
    "unrealized_pnl",
    "result.pnl",
    "result.realized_pnl",
];
// A closed position's result beats the last open-shape `current` the reducer kept.
const PNL_CLOSED: &[&str] = &[
    "result.pnl",
    "result.realized_pnl",
    "result.net_pnl",
    "result.profit",
    "pnl",
    "realized_pnl",
    "current.pnl",
];
const LEVERAGE: &[&str] = &["risk.leverage", "leverage", "entry.leverage"];
const MARGIN: &[&str] = &[
    "risk.margin",
    "entry.margin",
    "entry.collateral",
    "entry.collateral_amount",
    "margin",
    "collateral",
];
const DISTANCE: &[&str] = &[
    "risk.liquidation_distance",
    "risk.distance_to_liquidation",
    "risk.liquidationDistance",
    "risk.distanceToLiquidation",
    "risk.liq_distance",
    "distanceToLiquidation",
    "distance_to_liquidation",
    "liquidation_distance",
];
const AT_RISK: &[&str] = &[
    "risk.at_risk",
    "risk.is_at_risk",
    "risk.isAtRisk",
    "isAtRisk",
    "is_at_risk",
    "at_risk",
];

impl PositionView {
    /// Project a position entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        if state.key.entity.kind != EntityKind::Position {
            return None;
        }
        let f = Fields::new(&state.data);
        let status = state
            .status
            .clone()
            .or_else(|| f.text(&["status"]))
            .or_else(|| (state.key.venue == "zkde").then(|| "open".to_owned()));
        let closed = state.terminal
            || status
                .as_deref()
                .is_some_and(|s| CLOSED_STATUSES.contains(&s.to_ascii_lowercase().as_str()));
        // Dimes unwinds a position to reduce leverage: while it stays open it is at risk.
        let unwound = state.last_event_type == "position.force_unwound";
        Some(Self {
            venue: state.key.venue.clone(),
            connection: state.connection.to_string(),
            id: state.key.entity.id.clone(),
            market: f.text(MARKET),
            side: f.text(SIDE),
            size: f.num(SIZE),
            entry: f.num(ENTRY),
            current_value: f.num(CURRENT),
            pnl: f.num(if closed { PNL_CLOSED } else { PNL_OPEN }),
            leverage: f.num(LEVERAGE),
            margin: f.num(MARGIN),
            distance_to_liquidation: f.num(DISTANCE),
            at_risk: !closed && (f.flag(AT_RISK).unwrap_or(false) || unwound),
            status,
            finalizing: state.finalizing,
            closed,
            stale: state.stale,
            last_event_type: state.last_event_type.clone(),
            created_at: state.first_seen_at,
            updated_at: state.updated_at,
        })
    }
}

impl IntentView {
    /// Project an intent entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        if state.key.entity.kind != EntityKind::Intent {
            return None;
        }
        let f = Fields::new(&state.data);
        let raw = |paths: &[&str]| paths.iter().find_map(|p| f.at(p)).cloned();
        let error = raw(&["error"]).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        Some(Self {
            connection: state.connection.to_string(),
            id: state.key.entity.id.clone(),
            status: state.status.clone().or_else(|| f.text(&["status"])),
            proof_status: f.text(&["proofStatus", "proof_status"]),
            solver: f.text(&["solver"]),
            from_chain: f.text(&["fromChain", "from_chain", "sourceChain"]),
            to_chain: f.text(&["toChain", "to_chain", "destinationChain"]),
            amount: f.text(&["amount"]),
            htlc_state: raw(&["htlcState", "htlc_state"]),
            tx_hashes: raw(&["txHashes", "tx_hashes"]),
            error,
            failure_reason: f.text(&["failureReason", "failure_reason"]),
            terminal: state.terminal,
            created_at: state.first_seen_at,
            updated_at: state.updated_at,
        })
    }
}

impl LobbyView {
    /// Project a lobby entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        if state.key.entity.kind != EntityKind::Lobby {
            return None;
        }
        let f = Fields::new(&state.data);
        let participants = state
            .data
            .get(PARTICIPANTS_KEY)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(value_to_string).collect())
            .unwrap_or_default();
        Some(Self {
            connection: state.connection.to_string(),
            id: state.key.entity.id.clone(),
            code: f.text(&[
                "lobbyCode",
                "payload.lobby.code",
                "payload.lobby.lobbyCode",
                "code",
            ]),
            participants,
            participant_count: [
                "payload.participantCount",
                "participantCount",
                "payload.lobby.participantCount",
            ]
            .iter()
            .find_map(|p| f.at(p).and_then(value_to_u64)),
            deleted: state.terminal || state.status.as_deref() == Some("lobby.deleted"),
            last_event_type: state.last_event_type.clone(),
            updated_at: state.updated_at,
        })
    }
}

impl ContractView {
    /// Project a contract entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        if state.key.entity.kind != EntityKind::Contract {
            return None;
        }
        let f = Fields::new(&state.data);
        Some(Self {
            connection: state.connection.to_string(),
            id: state.key.entity.id.clone(),
            lobby_id: f.text(&["lobbyId", "payload.lobbyId", "payload.lobby_id"]),
            stage: state
                .status
                .clone()
                .unwrap_or_else(|| state.last_event_type.clone()),
            terminal: state.terminal,
            updated_at: state.updated_at,
        })
    }
}

impl StorageItemView {
    /// Project a storage item entity; `None` for other kinds.
    pub fn from_state(state: &EntityState) -> Option<Self> {
        if state.key.entity.kind != EntityKind::StorageItem {
            return None;
        }
        let f = Fields::new(&state.data);
        Some(Self {
            connection: state.connection.to_string(),
            id: state.key.entity.id.clone(),
            contract_id: f.text(&["contractId", "payload.storage.contractId"]),
            lobby_id: f.text(&["lobbyId", "payload.storage.lobbyId"]),
            player_id: f.text(&["playerId", "payload.storage.playerId"]),
            stage: state
                .status
                .clone()
                .unwrap_or_else(|| state.last_event_type.clone()),
            terminal: state.terminal,
            updated_at: state.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The path look-up's rules: the top level first, then under `data`; a null counts as
    /// absent; a partial path at the top (`entry` without `price`) still falls back to
    /// `data`; a non-object on the way ends the walk.
    #[test]
    fn paths_try_the_top_level_then_the_data_wrapper() {
        let v = json!({
            "entry": {"amount": 1},
            "risk": null,
            "side": "yes",
            "x": {"y": null},
            "n": 5,
            "data": {"entry": {"price": 0.42}, "risk": {"leverage": 3}, "side": "no",
                     "x": {"y": "deep"}, "n": {"m": 7}}
        });
        let f = Fields::new(&v);
        assert_eq!(f.num(&["entry.price"]), Some(0.42));
        assert_eq!(f.num(&["entry.amount"]), Some(1.0));
        assert_eq!(f.num(&["risk.leverage"]), Some(3.0));
        assert_eq!(f.text(&["side"]), Some("yes".to_owned()));
        assert_eq!(f.text(&["x.y"]), Some("deep".to_owned()));
        assert_eq!(f.num(&["n.m"]), Some(7.0));
        assert_eq!(f.num(&["n"]), Some(5.0));
        assert_eq!(
            f.num(&["missing", "also.missing", "entry.price"]),
            Some(0.42)
        );
        assert_eq!(f.num(&["side.deeper"]), None);
        assert_eq!(f.at("data.side"), Some(&json!("no")));
        let flat = json!({"isAtRisk": "true", "status": ""});
        let f = Fields::new(&flat);
        assert_eq!(f.flag(AT_RISK), Some(true));
        assert_eq!(f.text(&["status"]), None, "empty text is absent");
        let scalar = json!(3);
        assert_eq!(Fields::new(&scalar).at("a"), None);
    }
}
