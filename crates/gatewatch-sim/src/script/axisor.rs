//! Axisor: market data, and a leveraged position whose margin risk rises until Margin
//! Guard warns, then auto-closes it — every cycle crosses `distanceToLiquidation < 0.85`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{prefixed_id, Ctx, Emission, Route};
use crate::creds::Credentials;
use crate::rng::SimRng;
use crate::truth::TruthPosition;

/// Below this distance to liquidation a position is at risk.
const AT_RISK: f64 = 0.85;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Market,
    /// Position update with the scripted distance to liquidation (index into `DISTANCES`).
    Position(usize),
    Candles,
    PriceAlert,
    ServiceDegraded,
    GuardWarn,
    InAppNotification,
    NotificationDelivered,
    GuardClose,
    AutoClose,
    ServiceRecovered,
    Maintenance,
}

/// The walk toward liquidation: two safe, one just above the line, then below it.
const DISTANCES: [f64; 5] = [0.95, 0.91, 0.87, 0.82, 0.78];

const CYCLE: [Stage; 20] = [
    Stage::Market,
    Stage::Position(0),
    Stage::Market,
    Stage::Candles,
    Stage::Position(1),
    Stage::PriceAlert,
    Stage::Market,
    Stage::Position(2),
    Stage::ServiceDegraded,
    Stage::Position(3),
    Stage::GuardWarn,
    Stage::InAppNotification,
    Stage::NotificationDelivered,
    Stage::Market,
    Stage::Position(4),
    Stage::GuardClose,
    Stage::AutoClose,
    Stage::ServiceRecovered,
    Stage::Market,
    Stage::Maintenance,
];

const SYMBOLS: [(&str, f64); 3] = [
    ("BTC_USD", 43_250.5),
    ("ETH_USD", 2_310.25),
    ("SOL_USD", 98.4),
];

#[derive(Debug)]
struct Pos {
    id: String,
    user: String,
    symbol: String,
    side: &'static str,
    size: f64,
    entry: f64,
    margin: f64,
    leverage: f64,
    distance: f64,
    price: f64,
}

/// Axisor's part of the scenario.
#[derive(Debug)]
pub(crate) struct AxisorStory {
    rng: SimRng,
    stage: usize,
    cycle: usize,
    prices: BTreeMap<&'static str, f64>,
    pos: Option<Pos>,
    notification_id: String,
}

impl AxisorStory {
    pub(crate) fn new(rng: SimRng) -> Self {
        AxisorStory {
            rng,
            stage: 0,
            cycle: 0,
            prices: SYMBOLS.iter().copied().collect(),
            pos: None,
            notification_id: String::new(),
        }
    }

    fn user(&self) -> String {
        let users = &Credentials::get().axisor_users;
        users
            .get(self.cycle % users.len().max(1))
            .map(|u| u.subject.clone())
            .unwrap_or_default()
    }

    fn symbol(&self) -> &'static str {
        SYMBOLS
            .get(self.cycle % SYMBOLS.len())
            .map(|s| s.0)
            .unwrap_or("BTC_USD")
    }

    pub(crate) fn step(&mut self, ctx: &mut Ctx<'_>) -> Vec<Emission> {
        let stage = CYCLE.get(self.stage).copied().unwrap_or(Stage::Market);
        self.stage += 1;
        if self.stage >= CYCLE.len() {
            self.stage = 0;
            self.cycle += 1;
        }
        vec![self.emit(stage, ctx)]
    }

    fn tick_price(&mut self, symbol: &'static str) -> (f64, f64) {
        let old = self.prices.get(symbol).copied().unwrap_or(100.0);
        let new = SimRng::round(old * self.rng.range(0.995, 1.005), 2);
        self.prices.insert(symbol, new);
        (old, new)
    }

    fn emit(&mut self, stage: Stage, ctx: &mut Ctx<'_>) -> Emission {
        let now = ctx.ts();
        let user = self.user();
        match stage {
            Stage::Market => {
                // Alternate between the cycle's symbol and another, so subscribers of
                // one market see that others exist but never receive them.
                let symbol = if self.rng.chance(0.6) {
                    self.symbol()
                } else {
                    SYMBOLS
                        .get(self.rng.below(SYMBOLS.len()))
                        .map(|s| s.0)
                        .unwrap_or("BTC_USD")
                };
                let (open, price) = self.tick_price(symbol);
                let base = SYMBOLS
                    .iter()
                    .find(|s| s.0 == symbol)
                    .map(|s| s.1)
                    .unwrap_or(open);
                let change = SimRng::round(price - base, 2);
                let msg = json!({
                    "type": "market_data_update",
                    "channel": "market_data",
                    "data": {
                        "symbol": symbol,
                        "price": price,
                        "change": change,
                        "changePercent": SimRng::round(change / base * 100.0, 2),
                        "volume": SimRng::round(self.rng.range(5e5, 2e6), 2),
                        "high24h": SimRng::round(base.max(price) * 1.02, 2),
                        "low24h": SimRng::round(base.min(price) * 0.98, 2),
                        "timestamp": now,
                    },
                });
                market(symbol, "market_data", msg)
            }
            Stage::Candles => {
                let symbol = self.symbol();
                let (open, close) = self.tick_price(symbol);
                let hour = ctx.now.timestamp() / 3600 * 3600;
                let msg = json!({
                    "type": "historical_data_update",
                    "channel": "historical_data",
                    "data": {
                        "symbol": symbol,
                        "timeframe": "1h",
                        "candles": [{
                            "time": hour,
                            "open": open,
                            "high": SimRng::round(open.max(close) * 1.003, 2),
                            "low": SimRng::round(open.min(close) * 0.997, 2),
                            "close": close,
                            "volume": SimRng::round(self.rng.range(1e5, 1e6), 0),
                        }],
                        "timestamp": now,
                    },
                });
                market(symbol, "historical_data", msg)
            }
            Stage::Position(i) => {
                let distance = DISTANCES.get(i).copied().unwrap_or(0.9);
                // Small seeded noise that never moves a point across the 0.85 line.
                let distance = SimRng::round(distance + self.rng.range(-0.01, 0.01), 3);
                if i == 0 || self.pos.is_none() {
                    self.open_position(&user);
                }
                let Some(pos) = self.pos.as_mut() else {
                    return system_status(&now, "positions", "operational");
                };
                pos.distance = distance;
                // Move the price toward liquidation in step with the distance.
                let dir = if pos.side == "long" { -1.0 } else { 1.0 };
                pos.price = SimRng::round(
                    pos.entry * (1.0 + dir * (1.0 - distance) / pos.leverage * 0.8),
                    2,
                );
                // Long gains when the price rises, short when it falls (dir is the adverse move).
                let pnl = SimRng::round((pos.price - pos.entry) / pos.entry * pos.size * -dir, 2);
                let position = json!({
                    "id": pos.id,
                    "symbol": pos.symbol,
                    "side": pos.side,
                    "size": pos.size,
                    "entryPrice": pos.entry,
                    "currentPrice": pos.price,
                    "margin": pos.margin,
                    "leverage": pos.leverage,
                    "pnl": pnl,
                    "distanceToLiquidation": distance,
                    "isAtRisk": distance < AT_RISK,
                    "updatedAt": now,
                });
                ctx.world.axisor.insert(
                    &pos.id,
                    TruthPosition {
                        venue: "axisor".into(),
                        id: pos.id.clone(),
                        status: "open".into(),
                        owner: pos.user.clone(),
                    },
                );
                user_event(
                    &pos.user,
                    json!({
                        "type": "position_status_update",
                        "channel": "positions",
                        "data": {"userId": pos.user, "position": position},
                    }),
                )
            }
            Stage::PriceAlert => {
                let symbol = self.symbol();
                let current = self.prices.get(symbol).copied().unwrap_or(100.0);
                let msg = json!({
                    "type": "price_alert",
                    "channel": "alerts",
                    "data": {
                        "id": prefixed_id(&mut self.rng, "alert_", 8),
                        "symbol": symbol,
                        "condition": "below",
                        "price": SimRng::round(current * 1.01, 2),
                        "currentPrice": current,
                        "triggeredAt": now,
                    },
                });
                user_event(&user, msg)
            }
            Stage::GuardWarn | Stage::GuardClose => {
                let closing = stage == Stage::GuardClose;
                let (pos_json, owner) = match &self.pos {
                    Some(p) => (
                        json!([{
                            "id": p.id,
                            "symbol": p.symbol,
                            "distanceToLiquidation": p.distance,
                            "isAtRisk": p.distance < AT_RISK,
                            "recommendedAction": "close_position",
                        }]),
                        p.user.clone(),
                    ),
                    None => (json!([]), user.clone()),
                };
                let action = if closing {
                    "position_closed"
                } else {
                    "notification_sent"
                };
                let msg = json!({
                    "type": "margin_guard_execution",
                    "channel": "margin_guard",
                    "data": {
                        "executionId": prefixed_id(&mut self.rng, "mg_exec_", 8),
                        "userId": owner,
                        "action": action,
                        "positions": pos_json,
                        "summary": {
                            "positionsChecked": 3,
                            "positionsAtRisk": 1,
                            "actionsExecuted": [action],
                        },
                        "executedAt": now,
                    },
                });
                user_event(&owner, msg)
            }
            Stage::InAppNotification => {
                self.notification_id = prefixed_id(&mut self.rng, "notif_", 8);
                let (symbol, pid, distance) = match &self.pos {
                    Some(p) => (p.symbol.clone(), p.id.clone(), p.distance),
                    None => (self.symbol().to_owned(), String::new(), 0.0),
                };
                let msg = json!({
                    "type": "in_app_notification",
                    "channel": "notifications",
                    "data": {
                        "id": self.notification_id,
                        "userId": user,
                        "title": "Margin Guard Alert",
                        "message": format!("Position {symbol} is at risk of liquidation"),
                        "type": "warning",
                        "category": "margin_guard",
                        "data": {"positionId": pid, "distanceToLiquidation": distance},
                        "read": false,
                        "createdAt": now,
                    },
                });
                user_event(&user, msg)
            }
            Stage::NotificationDelivered => {
                let msg = json!({
                    "type": "notification_status_update",
                    "channel": "notifications",
                    "data": {
                        "id": self.notification_id,
                        "status": "delivered",
                        "deliveredAt": now,
                        "deliveryMethod": "email",
                    },
                });
                user_event(&user, msg)
            }
            Stage::AutoClose => {
                let Some(pos) = self.pos.take() else {
                    return system_status(&now, "margin_guard", "operational");
                };
                let pnl = SimRng::round(-pos.margin * self.rng.range(0.5, 0.9), 2);
                ctx.world.axisor.insert(
                    &pos.id,
                    TruthPosition {
                        venue: "axisor".into(),
                        id: pos.id.clone(),
                        status: "closed".into(),
                        owner: pos.user.clone(),
                    },
                );
                ctx.world.axisor.finish(&pos.id);
                let msg = json!({
                    "type": "auto_close_execution",
                    "channel": "margin_guard",
                    "data": {
                        "executionId": prefixed_id(&mut self.rng, "auto_close_", 8),
                        "userId": pos.user,
                        "position": {
                            "id": pos.id,
                            "symbol": pos.symbol,
                            "closedAt": now,
                            "reason": "margin_guard_auto_close",
                            "pnl": pnl,
                        },
                        "executedAt": now,
                    },
                });
                user_event(&pos.user, msg)
            }
            Stage::ServiceDegraded => {
                let mut e = system_status(&now, "margin_guard", "degraded");
                e.payload["data"]["estimatedRecovery"] =
                    json!(ctx.ts_in(chrono::Duration::minutes(30)));
                e
            }
            Stage::ServiceRecovered => system_status(&now, "margin_guard", "operational"),
            Stage::Maintenance => Emission {
                route: Route::AxisorAll,
                event: "server_maintenance".into(),
                payload: json!({
                    "type": "server_maintenance",
                    "channel": "system",
                    "data": {
                        "scheduled": true,
                        "startTime": ctx.ts_in(chrono::Duration::hours(2)),
                        "endTime": ctx.ts_in(chrono::Duration::hours(4)),
                        "message": "Scheduled maintenance will begin in 2 hours",
                    },
                }),
            },
        }
    }

    fn open_position(&mut self, user: &str) {
        let symbol = self.symbol();
        let price = self.prices.get(symbol).copied().unwrap_or(100.0);
        let leverage = *self.rng.pick(&[5.0, 10.0, 20.0]).unwrap_or(&10.0);
        let margin = SimRng::round(self.rng.range(100.0, 1000.0), 2);
        self.pos = Some(Pos {
            id: prefixed_id(&mut self.rng, "pos_", 10),
            user: user.to_owned(),
            symbol: symbol.to_owned(),
            side: if self.rng.chance(0.7) {
                "long"
            } else {
                "short"
            },
            size: SimRng::round(margin * leverage, 2),
            entry: price,
            margin,
            leverage,
            distance: 1.0,
            price,
        });
    }
}

fn market(symbol: &str, channel: &str, payload: Value) -> Emission {
    Emission {
        route: Route::AxisorMarket {
            symbol: symbol.to_owned(),
            channel: channel.to_owned(),
        },
        event: payload["type"].as_str().unwrap_or_default().to_owned(),
        payload,
    }
}

fn user_event(user: &str, payload: Value) -> Emission {
    Emission {
        route: Route::AxisorUser {
            user_id: user.to_owned(),
        },
        event: payload["type"].as_str().unwrap_or_default().to_owned(),
        payload,
    }
}

fn system_status(now: &str, service: &str, status: &str) -> Emission {
    let message = if status == "operational" {
        format!("{service} service operating normally")
    } else {
        "Margin Guard service experiencing delays".to_owned()
    };
    Emission {
        route: Route::AxisorAll,
        event: "service_status_update".into(),
        payload: json!({
            "type": "service_status_update",
            "channel": "system",
            "data": {
                "service": service,
                "status": status,
                "message": message,
                "estimatedRecovery": null,
                "updatedAt": now,
            },
        }),
    }
}
