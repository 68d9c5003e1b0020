//! Axisor (raw WebSocket, JSON text): the ten event types, the `connection`,
//! `room_subscription` and `error` replies, and the client messages (`auth`, `subscribe`,
//! `unsubscribe`, `list_rooms`).
//!
//! Server messages are `{type, channel, data}`; the models below are the `data` objects.
//! Field names follow the document (camelCase).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient as l;

/// The ten Axisor event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AxisorEventType {
    /// `market_data_update`.
    MarketDataUpdate,
    /// `historical_data_update`.
    HistoricalDataUpdate,
    /// `price_alert`.
    PriceAlert,
    /// `margin_guard_execution`.
    MarginGuardExecution,
    /// `position_status_update`.
    PositionStatusUpdate,
    /// `auto_close_execution`.
    AutoCloseExecution,
    /// `in_app_notification`.
    InAppNotification,
    /// `notification_status_update`.
    NotificationStatusUpdate,
    /// `server_maintenance`.
    ServerMaintenance,
    /// `service_status_update`.
    ServiceStatusUpdate,
}

impl AxisorEventType {
    /// Every type, in the document's order.
    pub const ALL: [AxisorEventType; 10] = [
        Self::MarketDataUpdate,
        Self::HistoricalDataUpdate,
        Self::PriceAlert,
        Self::MarginGuardExecution,
        Self::PositionStatusUpdate,
        Self::AutoCloseExecution,
        Self::InAppNotification,
        Self::NotificationStatusUpdate,
        Self::ServerMaintenance,
        Self::ServiceStatusUpdate,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MarketDataUpdate => "market_data_update",
            Self::HistoricalDataUpdate => "historical_data_update",
            Self::PriceAlert => "price_alert",
            Self::MarginGuardExecution => "margin_guard_execution",
            Self::PositionStatusUpdate => "position_status_update",
            Self::AutoCloseExecution => "auto_close_execution",
            Self::InAppNotification => "in_app_notification",
            Self::NotificationStatusUpdate => "notification_status_update",
            Self::ServerMaintenance => "server_maintenance",
            Self::ServiceStatusUpdate => "service_status_update",
        }
    }

    /// Parse the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// `market_data_update` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MarketDataUpdate {
    /// Symbol (`BTC_USD`): the market's identity.
    #[serde(deserialize_with = "l::id_string")]
    pub symbol: String,
    /// Last price.
    #[serde(deserialize_with = "l::opt_f64")]
    pub price: Option<f64>,
    /// Absolute change.
    #[serde(deserialize_with = "l::opt_f64")]
    pub change: Option<f64>,
    /// Change in percent.
    #[serde(deserialize_with = "l::opt_f64")]
    pub change_percent: Option<f64>,
    /// Volume.
    #[serde(deserialize_with = "l::opt_f64")]
    pub volume: Option<f64>,
    /// 24 h high.
    #[serde(rename = "high24h", deserialize_with = "l::opt_f64")]
    pub high_24h: Option<f64>,
    /// 24 h low.
    #[serde(rename = "low24h", deserialize_with = "l::opt_f64")]
    pub low_24h: Option<f64>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// One candle of `historical_data_update`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Candle {
    /// Candle start (epoch seconds).
    #[serde(deserialize_with = "l::opt_f64")]
    pub time: Option<f64>,
    /// Open.
    #[serde(deserialize_with = "l::opt_f64")]
    pub open: Option<f64>,
    /// High.
    #[serde(deserialize_with = "l::opt_f64")]
    pub high: Option<f64>,
    /// Low.
    #[serde(deserialize_with = "l::opt_f64")]
    pub low: Option<f64>,
    /// Close.
    #[serde(deserialize_with = "l::opt_f64")]
    pub close: Option<f64>,
    /// Volume.
    #[serde(deserialize_with = "l::opt_f64")]
    pub volume: Option<f64>,
}

/// `historical_data_update` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HistoricalDataUpdate {
    /// Symbol: the market's identity.
    #[serde(deserialize_with = "l::id_string")]
    pub symbol: String,
    /// `1h`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub timeframe: Option<String>,
    /// Candles (malformed ones are skipped).
    #[serde(deserialize_with = "l::vec_of")]
    pub candles: Vec<Candle>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

/// `price_alert` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PriceAlert {
    /// Alert id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub id: String,
    /// Symbol.
    #[serde(deserialize_with = "l::opt_string")]
    pub symbol: Option<String>,
    /// `above` / `below`.
    #[serde(deserialize_with = "l::opt_string")]
    pub condition: Option<String>,
    /// Threshold.
    #[serde(deserialize_with = "l::opt_f64")]
    pub price: Option<f64>,
    /// Price when triggered.
    #[serde(deserialize_with = "l::opt_f64")]
    pub current_price: Option<f64>,
    /// When triggered.
    #[serde(deserialize_with = "l::opt_string")]
    pub triggered_at: Option<String>,
}

/// A position checked by a margin-guard run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GuardedPosition {
    /// Position id.
    #[serde(deserialize_with = "l::opt_string")]
    pub id: Option<String>,
    /// Symbol.
    #[serde(deserialize_with = "l::opt_string")]
    pub symbol: Option<String>,
    /// Distance to liquidation as given (0.82).
    #[serde(deserialize_with = "l::opt_f64")]
    pub distance_to_liquidation: Option<f64>,
    /// At risk.
    #[serde(deserialize_with = "l::opt_bool")]
    pub is_at_risk: Option<bool>,
    /// `close_position`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub recommended_action: Option<String>,
}

/// `summary` of a margin-guard run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GuardSummary {
    /// Positions checked.
    #[serde(deserialize_with = "l::opt_u64")]
    pub positions_checked: Option<u64>,
    /// Positions at risk.
    #[serde(deserialize_with = "l::opt_u64")]
    pub positions_at_risk: Option<u64>,
    /// Actions executed.
    #[serde(deserialize_with = "l::strings")]
    pub actions_executed: Vec<String>,
}

/// `margin_guard_execution` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MarginGuardExecution {
    /// Run id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub execution_id: String,
    /// User.
    #[serde(deserialize_with = "l::opt_string")]
    pub user_id: Option<String>,
    /// `notification_sent`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub action: Option<String>,
    /// Positions checked.
    #[serde(deserialize_with = "l::vec_of")]
    pub positions: Vec<GuardedPosition>,
    /// Summary.
    #[serde(deserialize_with = "l::opt")]
    pub summary: Option<GuardSummary>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub executed_at: Option<String>,
}

impl MarginGuardExecution {
    /// Whether the run found positions at risk (a flagged position or a non-zero count).
    pub fn has_positions_at_risk(&self) -> bool {
        self.positions.iter().any(|p| p.is_at_risk == Some(true))
            || self
                .summary
                .as_ref()
                .and_then(|s| s.positions_at_risk)
                .is_some_and(|n| n > 0)
    }
}

/// The position object of `position_status_update`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AxisorPosition {
    /// Position id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub id: String,
    /// Symbol.
    #[serde(deserialize_with = "l::opt_string")]
    pub symbol: Option<String>,
    /// `long` / `short`.
    #[serde(deserialize_with = "l::opt_string")]
    pub side: Option<String>,
    /// Size.
    #[serde(deserialize_with = "l::opt_f64")]
    pub size: Option<f64>,
    /// Entry price.
    #[serde(deserialize_with = "l::opt_f64")]
    pub entry_price: Option<f64>,
    /// Current price.
    #[serde(deserialize_with = "l::opt_f64")]
    pub current_price: Option<f64>,
    /// Margin.
    #[serde(deserialize_with = "l::opt_f64")]
    pub margin: Option<f64>,
    /// Leverage.
    #[serde(deserialize_with = "l::opt_f64")]
    pub leverage: Option<f64>,
    /// Profit and loss.
    #[serde(deserialize_with = "l::opt_f64")]
    pub pnl: Option<f64>,
    /// Distance to liquidation as given.
    #[serde(deserialize_with = "l::opt_f64")]
    pub distance_to_liquidation: Option<f64>,
    /// At risk.
    #[serde(deserialize_with = "l::opt_bool")]
    pub is_at_risk: Option<bool>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub updated_at: Option<String>,
}

impl MarketDataUpdate {
    /// What the derived `Deserialize` reads from a JSON object, without serde's visitor
    /// machinery (an object never fails: every field is lenient). The test
    /// `object_readers_equal_the_derived_deserializers` holds it to serde over any object.
    pub(crate) fn from_object(m: &serde_json::Map<String, Value>) -> Self {
        let mut out = Self::default();
        for (k, v) in m {
            match k.as_str() {
                "symbol" => out.symbol = l::value_to_string(v).unwrap_or_default(),
                "price" => out.price = l::value_to_f64(v),
                "change" => out.change = l::value_to_f64(v),
                "changePercent" => out.change_percent = l::value_to_f64(v),
                "volume" => out.volume = l::value_to_f64(v),
                "high24h" => out.high_24h = l::value_to_f64(v),
                "low24h" => out.low_24h = l::value_to_f64(v),
                "timestamp" => out.timestamp = l::value_to_string(v),
                _ => {}
            }
        }
        out
    }
}

impl AxisorPosition {
    /// See [`MarketDataUpdate::from_object`].
    pub(crate) fn from_object(m: &serde_json::Map<String, Value>) -> Self {
        let mut out = Self::default();
        for (k, v) in m {
            match k.as_str() {
                "id" => out.id = l::value_to_string(v).unwrap_or_default(),
                "symbol" => out.symbol = l::value_to_string(v),
                "side" => out.side = l::value_to_string(v),
                "size" => out.size = l::value_to_f64(v),
                "entryPrice" => out.entry_price = l::value_to_f64(v),
                "currentPrice" => out.current_price = l::value_to_f64(v),
                "margin" => out.margin = l::value_to_f64(v),
                "leverage" => out.leverage = l::value_to_f64(v),
                "pnl" => out.pnl = l::value_to_f64(v),
                "distanceToLiquidation" => out.distance_to_liquidation = l::value_to_f64(v),
                "isAtRisk" => out.is_at_risk = l::value_to_bool(v),
                "updatedAt" => out.updated_at = l::value_to_string(v),
                _ => {}
            }
        }
        out
    }
}

impl PositionStatusUpdate {
    /// See [`MarketDataUpdate::from_object`]; `None` when `position` is there but not an
    /// object (serde then reports the error, or reads an array's elements as the fields).
    pub(crate) fn from_object(m: &serde_json::Map<String, Value>) -> Option<Self> {
        let mut out = Self::default();
        for (k, v) in m {
            match k.as_str() {
                "userId" => out.user_id = l::value_to_string(v),
                "position" => out.position = AxisorPosition::from_object(v.as_object()?),
                _ => {}
            }
        }
        Some(out)
    }
}

/// `position_status_update` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PositionStatusUpdate {
    /// User.
    #[serde(deserialize_with = "l::opt_string")]
    pub user_id: Option<String>,
    /// The position.
    pub position: AxisorPosition,
}

/// The position object of `auto_close_execution`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClosedPosition {
    /// Position id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub id: String,
    /// Symbol.
    #[serde(deserialize_with = "l::opt_string")]
    pub symbol: Option<String>,
    /// When closed.
    #[serde(deserialize_with = "l::opt_string")]
    pub closed_at: Option<String>,
    /// `margin_guard_auto_close`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub reason: Option<String>,
    /// Realized profit and loss.
    #[serde(deserialize_with = "l::opt_f64")]
    pub pnl: Option<f64>,
}

/// `auto_close_execution` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AutoCloseExecution {
    /// Run id.
    #[serde(deserialize_with = "l::opt_string")]
    pub execution_id: Option<String>,
    /// User.
    #[serde(deserialize_with = "l::opt_string")]
    pub user_id: Option<String>,
    /// The closed position.
    pub position: ClosedPosition,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub executed_at: Option<String>,
}

/// `in_app_notification` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InAppNotification {
    /// Notification id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub id: String,
    /// User.
    #[serde(deserialize_with = "l::opt_string")]
    pub user_id: Option<String>,
    /// Title.
    #[serde(deserialize_with = "l::opt_string")]
    pub title: Option<String>,
    /// Text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
    /// `warning`, `info`, … (the notification's own `type`).
    #[serde(rename = "type", deserialize_with = "l::opt_string")]
    pub kind: Option<String>,
    /// `margin_guard`, `system`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub category: Option<String>,
    /// Extra context, as given.
    #[serde(deserialize_with = "l::opt_value")]
    pub data: Option<Value>,
    /// Read flag.
    #[serde(deserialize_with = "l::opt_bool")]
    pub read: Option<bool>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub created_at: Option<String>,
}

/// `notification_status_update` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NotificationStatusUpdate {
    /// Notification id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub id: String,
    /// `delivered`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub status: Option<String>,
    /// When delivered.
    #[serde(deserialize_with = "l::opt_string")]
    pub delivered_at: Option<String>,
    /// `email`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub delivery_method: Option<String>,
}

/// `server_maintenance` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServerMaintenance {
    /// Scheduled (vs emergency).
    #[serde(deserialize_with = "l::opt_bool")]
    pub scheduled: Option<bool>,
    /// Start.
    #[serde(deserialize_with = "l::opt_string")]
    pub start_time: Option<String>,
    /// End.
    #[serde(deserialize_with = "l::opt_string")]
    pub end_time: Option<String>,
    /// Text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
}

/// `service_status_update` data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceStatusUpdate {
    /// Service name (`margin_guard`): the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub service: String,
    /// `operational`, `degraded`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub status: Option<String>,
    /// Text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
    /// Expected recovery.
    #[serde(deserialize_with = "l::opt_string")]
    pub estimated_recovery: Option<String>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub updated_at: Option<String>,
}

impl ServiceStatusUpdate {
    /// `operational`/`ok` (or no status given).
    pub fn is_healthy(&self) -> bool {
        match self.status.as_deref() {
            None => true,
            Some(s) => matches!(
                s.to_ascii_lowercase().as_str(),
                "operational" | "ok" | "healthy" | "up"
            ),
        }
    }
}

/// A decoded Axisor data event: one variant per event type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum AxisorEvent {
    /// `market_data_update`.
    MarketDataUpdate(Box<MarketDataUpdate>),
    /// `historical_data_update`.
    HistoricalDataUpdate(Box<HistoricalDataUpdate>),
    /// `price_alert`.
    PriceAlert(Box<PriceAlert>),
    /// `margin_guard_execution`.
    MarginGuardExecution(Box<MarginGuardExecution>),
    /// `position_status_update`.
    PositionStatusUpdate(Box<PositionStatusUpdate>),
    /// `auto_close_execution`.
    AutoCloseExecution(Box<AutoCloseExecution>),
    /// `in_app_notification`.
    InAppNotification(Box<InAppNotification>),
    /// `notification_status_update`.
    NotificationStatusUpdate(Box<NotificationStatusUpdate>),
    /// `server_maintenance`.
    ServerMaintenance(Box<ServerMaintenance>),
    /// `service_status_update`.
    ServiceStatusUpdate(Box<ServiceStatusUpdate>),
}

/// The `connection` reply: `{type:"connection", status, userId, sessionId, serverTime}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Connection {
    /// `connected` (anything else: authentication failed).
    #[serde(deserialize_with = "l::opt_string")]
    pub status: Option<String>,
    /// User.
    #[serde(deserialize_with = "l::opt_string")]
    pub user_id: Option<String>,
    /// Session.
    #[serde(deserialize_with = "l::opt_string")]
    pub session_id: Option<String>,
    /// Server clock.
    #[serde(deserialize_with = "l::opt_string")]
    pub server_time: Option<String>,
    /// Text, if any.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
}

/// The `room_subscription` reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoomSubscription {
    /// The room.
    #[serde(deserialize_with = "l::opt_string")]
    pub channel: Option<String>,
    /// `subscribed`, `unsubscribed`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub status: Option<String>,
    /// Rooms we are in now.
    #[serde(deserialize_with = "l::strings")]
    pub subscribed_rooms: Vec<String>,
}

/// The `error` message. The document shows only `error.code` / `error.message`; the shape
/// is accepted flat, under `error`, or under `data`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AxisorError {
    /// `AUTHENTICATION_FAILED`, `RATE_LIMIT_EXCEEDED`, `INVALID_ROOM`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub code: Option<String>,
    /// Text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
}

impl AxisorError {
    /// Read the error from a whole message, wherever its fields are.
    pub fn from_message(msg: &Value) -> Self {
        let mut out = Self::deserialize(msg).unwrap_or_default();
        for nested in ["error", "data"] {
            match msg.get(nested) {
                Some(v @ Value::Object(_)) => {
                    let inner = Self::deserialize(v).unwrap_or_default();
                    out.code = out.code.or(inner.code);
                    out.message = out.message.or(inner.message);
                }
                Some(Value::String(s)) if out.message.is_none() => out.message = Some(s.clone()),
                _ => {}
            }
        }
        out
    }

    /// Whether the code is `AUTHENTICATION_FAILED` (or another spelling of an auth failure).
    pub fn is_auth(&self) -> bool {
        self.code.as_deref().is_some_and(|c| {
            let c = c.to_ascii_uppercase();
            c == "AUTHENTICATION_FAILED" || c.contains("AUTH") || c == "UNAUTHORIZED"
        })
    }
}

/// Client → server messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AxisorClientMessage {
    /// `{"type":"auth","token":…}`: authenticate after connecting (when the header isn't used).
    Auth {
        /// The JWT. Secret: never log the serialized message.
        token: String,
    },
    /// `{"type":"subscribe","channel":"market:BTC_USD"}`.
    Subscribe {
        /// Room or channel.
        channel: String,
    },
    /// `{"type":"unsubscribe","channel":…}`.
    Unsubscribe {
        /// Room or channel.
        channel: String,
    },
    /// `{"type":"list_rooms"}`.
    ListRooms,
}

impl AxisorClientMessage {
    /// The exact JSON text to send.
    pub fn to_json(&self) -> String {
        // Serializing a derive-only enum of strings into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Map};

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            " ?(-?[0-9]{1,6}(\\.[0-9]{0,3})?|true|no|1|x|2025-01-06T10:00:00Z) ?"
                .prop_map(Value::String),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,3}|id", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    const MARKET_KEYS: [&str; 9] = [
        "symbol",
        "price",
        "change",
        "changePercent",
        "volume",
        "high24h",
        "low24h",
        "timestamp",
        "other",
    ];
    const POSITION_KEYS: [&str; 13] = [
        "id",
        "symbol",
        "side",
        "size",
        "entryPrice",
        "currentPrice",
        "margin",
        "leverage",
        "pnl",
        "distanceToLiquidation",
        "isAtRisk",
        "updatedAt",
        "other",
    ];

    fn object(keys: &'static [&'static str]) -> impl Strategy<Value = Map<String, Value>> {
        proptest::collection::vec((proptest::sample::select(keys), any_value()), 0..14)
            .prop_map(|kv| kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    proptest! {
        /// The hand-written object readers give what serde's derived deserializers give,
        /// for any object with the types' keys (and others) holding any values.
        #[test]
        fn object_readers_equal_the_derived_deserializers(
            market in object(&MARKET_KEYS),
            position in object(&POSITION_KEYS),
            user in any_value(),
            position_value in prop_oneof![Just(None), any_value().prop_map(Some)],
        ) {
            let serde_market = MarketDataUpdate::deserialize(&Value::Object(market.clone()));
            prop_assert_eq!(Some(MarketDataUpdate::from_object(&market)), serde_market.ok());

            let mut update = Map::new();
            update.insert("userId".into(), user);
            // An object position, or any value there (`None`: the object).
            update.insert(
                "position".into(),
                position_value.unwrap_or_else(|| Value::Object(position.clone())),
            );
            let serde_update = PositionStatusUpdate::deserialize(&Value::Object(update.clone()));
            match PositionStatusUpdate::from_object(&update) {
                Some(fast) => prop_assert_eq!(Some(fast), serde_update.ok()),
                None => prop_assert!(!update["position"].is_object()),
            }
            let bare = AxisorPosition::deserialize(&Value::Object(position.clone()));
            prop_assert_eq!(Some(AxisorPosition::from_object(&position)), bare.ok());
        }
    }
}
