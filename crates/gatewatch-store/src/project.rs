//! Typed rows from [`EntityState`]: the `gatewatch_core::views` projections where they
//! answer, and a lenient reading of `EntityState::data` otherwise (fields at the top level
//! or under `data` / `payload` / the entity's own key, numbers as numbers or numeric
//! strings). Never panics on odd shapes: a missing field is `None`.

use gatewatch_core::reduce::EntityState;
use gatewatch_core::views::{ContractView, IntentView, LobbyView, PositionView, StorageItemView};
use gatewatch_core::EntityKind;
use serde_json::Value;

/// Where an entity's fields may sit inside `data`.
const NESTS: [&str; 7] = [
    "data", "payload", "position", "intent", "lobby", "contract", "storage",
];

/// Look up a dotted path (`risk.leverage`) in `v`.
fn path<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(v, |cur, key| cur.get(key))
        .filter(|v| !v.is_null())
}

/// The first of `keys` found at the top level of `data` or one level of nesting down.
pub(crate) fn find<'a>(data: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| path(data, k)).or_else(|| {
        NESTS.iter().find_map(|n| {
            let inner = data.get(n)?;
            keys.iter().find_map(|k| path(inner, k))
        })
    })
}

/// A string field (numbers are rendered as text).
pub(crate) fn text(data: &Value, keys: &[&str]) -> Option<String> {
    match find(data, keys)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A number field (numeric strings accepted).
pub(crate) fn num(data: &Value, keys: &[&str]) -> Option<f64> {
    match find(data, keys)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean field (`true`, `"true"`, `1`).
pub(crate) fn flag(data: &Value, keys: &[&str]) -> Option<bool> {
    match find(data, keys)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        _ => None,
    }
}

/// A raw JSON field as given.
fn raw(data: &Value, keys: &[&str]) -> Option<Value> {
    find(data, keys).cloned()
}

/// The store's coarse status rank, guarding entity upserts behind the reducer: an initial
/// status ranks 0, a live one 1, a terminal one 2. Compared before the update time, as the
/// reducer does, so a late stale event can't regress a row even if the reducer was wrong.
pub(crate) fn rank(state: &EntityState) -> i64 {
    if state.terminal {
        return 2;
    }
    match state.status.as_deref() {
        None => 1,
        Some(s) => {
            let s = s.rsplit('.').next().unwrap_or(s);
            if matches!(
                s,
                "pending" | "created" | "proofs_pending" | "submitted" | "new"
            ) {
                0
            } else {
                1
            }
        }
    }
}

/// A position row.
pub(crate) fn position(state: &EntityState) -> PositionView {
    if let Some(v) = PositionView::from_state(state) {
        return v;
    }
    let d = &state.data;
    PositionView {
        venue: state.key.venue.clone(),
        connection: state.connection.to_string(),
        id: state.key.entity.id.clone(),
        market: text(
            d,
            &[
                "market",
                "symbol",
                "market_id",
                "marketId",
                "pool_id",
                "poolId",
                "ticker",
                "market.id",
                "market.ticker",
            ],
        ),
        side: text(d, &["side", "direction", "outcome"]),
        size: num(d, &["size", "quantity", "qty", "shares", "current.size"]),
        entry: num(
            d,
            &[
                "entry_price",
                "entryPrice",
                "entry.price",
                "entry.value",
                "entry_value",
                "entryValue",
                "entry.amount",
                "entry",
            ],
        ),
        current_value: num(
            d,
            &[
                "current_value",
                "currentValue",
                "current.value",
                "current_price",
                "currentPrice",
                "markPrice",
                "mark_price",
                "current.price",
                "value",
            ],
        ),
        pnl: num(
            d,
            &[
                "pnl",
                "unrealized_pnl",
                "unrealizedPnl",
                "current.pnl",
                "result.pnl",
                "realized_pnl",
                "realizedPnl",
            ],
        ),
        leverage: num(d, &["leverage", "risk.leverage", "entry.leverage"]),
        margin: num(
            d,
            &["margin", "risk.margin", "collateral", "entry.collateral"],
        ),
        distance_to_liquidation: num(
            d,
            &[
                "distanceToLiquidation",
                "distance_to_liquidation",
                "risk.distance_to_liquidation",
                "risk.distanceToLiquidation",
            ],
        ),
        at_risk: flag(
            d,
            &[
                "isAtRisk",
                "is_at_risk",
                "at_risk",
                "atRisk",
                "risk.at_risk",
            ],
        )
        .unwrap_or(false),
        status: state.status.clone().or_else(|| text(d, &["status"])),
        finalizing: state.finalizing,
        closed: state.terminal,
        stale: state.stale,
        last_event_type: state.last_event_type.clone(),
        created_at: state.first_seen_at,
        updated_at: state.updated_at,
    }
}

/// An intent row.
pub(crate) fn intent(state: &EntityState) -> IntentView {
    if let Some(v) = IntentView::from_state(state) {
        return v;
    }
    let d = &state.data;
    IntentView {
        connection: state.connection.to_string(),
        id: state.key.entity.id.clone(),
        status: state.status.clone().or_else(|| text(d, &["status"])),
        proof_status: text(d, &["proofStatus", "proof_status"]),
        solver: text(d, &["solver"]),
        from_chain: text(d, &["fromChain", "from_chain"]),
        to_chain: text(d, &["toChain", "to_chain"]),
        amount: text(d, &["amount"]),
        htlc_state: raw(d, &["htlcState", "htlc_state"]),
        tx_hashes: raw(d, &["txHashes", "tx_hashes"]),
        error: text(d, &["error"]),
        failure_reason: text(d, &["failureReason", "failure_reason"]),
        terminal: state.terminal,
        created_at: state.first_seen_at,
        updated_at: state.updated_at,
    }
}

/// Player ids from a participants array of strings or objects.
fn participants(d: &Value) -> Vec<String> {
    let Some(Value::Array(items)) = find(d, &["participants", "players", "lobby.participants"])
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|p| match p {
            Value::String(s) => Some(s.clone()),
            other => text(other, &["playerId", "player_id", "id", "userId"]),
        })
        .collect()
}

/// A lobby row.
pub(crate) fn lobby(state: &EntityState) -> LobbyView {
    if let Some(v) = LobbyView::from_state(state) {
        return v;
    }
    let d = &state.data;
    LobbyView {
        connection: state.connection.to_string(),
        id: state.key.entity.id.clone(),
        code: text(d, &["lobbyCode", "code", "lobby.code"]),
        participants: participants(d),
        participant_count: num(d, &["participantCount", "participant_count"])
            .filter(|n| *n >= 0.0)
            .map(|n| n as u64),
        deleted: state.last_event_type == "lobby.deleted"
            || state.status.as_deref() == Some("lobby.deleted"),
        last_event_type: state.last_event_type.clone(),
        updated_at: state.updated_at,
    }
}

/// A contract row.
pub(crate) fn contract(state: &EntityState) -> ContractView {
    if let Some(v) = ContractView::from_state(state) {
        return v;
    }
    ContractView {
        connection: state.connection.to_string(),
        id: state.key.entity.id.clone(),
        lobby_id: text(&state.data, &["lobbyId", "lobby_id"]),
        stage: state
            .status
            .clone()
            .unwrap_or_else(|| state.last_event_type.clone()),
        terminal: state.terminal,
        updated_at: state.updated_at,
    }
}

/// A storage item row.
pub(crate) fn storage_item(state: &EntityState) -> StorageItemView {
    if let Some(v) = StorageItemView::from_state(state) {
        return v;
    }
    let d = &state.data;
    StorageItemView {
        connection: state.connection.to_string(),
        id: state.key.entity.id.clone(),
        contract_id: text(d, &["contractId", "contract_id"]),
        lobby_id: text(d, &["lobbyId", "lobby_id"]),
        player_id: text(d, &["playerId", "player_id"]),
        stage: state
            .status
            .clone()
            .unwrap_or_else(|| state.last_event_type.clone()),
        terminal: state.terminal,
        updated_at: state.updated_at,
    }
}

/// A typed column of the simpler entity tables.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Col {
    /// TEXT.
    Text(&'static str, &'static [&'static str]),
    /// REAL.
    Real(&'static str, &'static [&'static str]),
    /// INTEGER 0/1.
    Bool(&'static str, &'static [&'static str]),
}

impl Col {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Col::Text(n, _) | Col::Real(n, _) | Col::Bool(n, _) => n,
        }
    }
}

/// A value read for a [`Col`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ColValue {
    Text(Option<String>),
    Real(Option<f64>),
    Bool(Option<bool>),
}

impl Col {
    pub(crate) fn read(self, data: &Value) -> ColValue {
        match self {
            Col::Text(_, keys) => ColValue::Text(text(data, keys)),
            Col::Real(_, keys) => ColValue::Real(num(data, keys)),
            Col::Bool(_, keys) => ColValue::Bool(flag(data, keys)),
        }
    }
}

/// The simpler entity tables: `(venue, id, connection, status, updated_at, payload)` plus
/// these typed columns.
pub(crate) fn simple_table(kind: EntityKind) -> Option<(&'static str, &'static [Col])> {
    const MARKETS: &[Col] = &[
        Col::Text("symbol", &["symbol", "pool_id", "poolId", "market", "id"]),
        Col::Real(
            "price",
            &[
                "price",
                "lastPrice",
                "last_price",
                "new_value",
                "newValue",
                "close",
            ],
        ),
        Col::Real(
            "change_pct",
            &[
                "change_pct",
                "changePct",
                "change24h",
                "priceChange24h",
                "change",
            ],
        ),
    ];
    const STRATEGIES: &[Col] = &[
        Col::Text("pool_id", &["pool_id", "poolId"]),
        Col::Real("apy", &["apy"]),
        Col::Real("risk_score", &["risk_score", "riskScore"]),
    ];
    const PROOFS: &[Col] = &[
        Col::Text("proof_type", &["proof_type", "proofType"]),
        Col::Text("proof_hash", &["proof_hash", "proofHash"]),
        Col::Bool("success", &["success"]),
    ];
    const NOTIFICATIONS: &[Col] = &[
        Col::Text("code", &["code", "notification_code", "type"]),
        Col::Text("message", &["message", "body", "title"]),
        Col::Text(
            "position_id",
            &[
                "params.position_id",
                "position_id",
                "positionId",
                "params.positionId",
            ],
        ),
    ];
    match kind {
        EntityKind::Market => Some(("markets", MARKETS)),
        EntityKind::Strategy => Some(("strategies", STRATEGIES)),
        EntityKind::Proof => Some(("proofs", PROOFS)),
        EntityKind::Agent => Some(("agents", &[])),
        EntityKind::Notification => Some(("notifications", NOTIFICATIONS)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_fields_at_top_level_nested_and_dotted() {
        let d = json!({"symbol": "BTC_USD", "data": {"size": "1.5"}, "risk": {"leverage": 3}});
        assert_eq!(text(&d, &["market", "symbol"]).as_deref(), Some("BTC_USD"));
        assert_eq!(num(&d, &["size"]), Some(1.5));
        assert_eq!(num(&d, &["risk.leverage"]), Some(3.0));
        assert_eq!(num(&d, &["nope"]), None);
        assert_eq!(
            flag(&json!({"isAtRisk": "true"}), &["isAtRisk"]),
            Some(true)
        );
        // Odd shapes never panic.
        assert_eq!(num(&json!([1, 2]), &["size"]), None);
        assert_eq!(text(&json!(null), &["a.b.c"]), None);
    }
}
