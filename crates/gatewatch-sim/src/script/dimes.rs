//! Dimes: prediction-market positions walking the documented lifecycles.
//!
//! Envelope `{id: "evt_…", type, created_at, data}`; `data` is the full position object in
//! the shape the document's table gives per event (open shape: `entry`, `current`, `risk`,
//! `fees`, `timing`; closed shape: `close_reason`, `entry`, `result`, `fees`).

use serde_json::{json, Value};

use super::world::DimesPos;
use super::{prefixed_id, Ctx, Emission, Route};
use crate::creds::Credentials;
use crate::rng::SimRng;

/// One stage of a lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Created,
    Opening,
    Opened,
    ForceUnwound,
    Liquidated,
    CloseRequested,
    Closed,
    Settled,
    Reverted,
    Cancelled,
    NotifyRetrying,
    NotifyProgress,
    NotifyFloorMissed,
}

/// The documented lifecycles; the first five positions use them in this order so the
/// first minute shows every event type and all three notification codes.
const TEMPLATES: [&[Stage]; 5] = [
    &[
        Stage::Created,
        Stage::Opening,
        Stage::Opened,
        Stage::ForceUnwound,
        Stage::Liquidated,
    ],
    &[
        Stage::Created,
        Stage::NotifyRetrying,
        Stage::Opening,
        Stage::Opened,
        Stage::CloseRequested,
        Stage::Closed,
    ],
    &[
        Stage::Created,
        Stage::Opening,
        Stage::NotifyProgress,
        Stage::NotifyFloorMissed,
        Stage::Reverted,
    ],
    &[
        Stage::Created,
        Stage::Opening,
        Stage::Opened,
        Stage::Settled,
    ],
    // `position.cancelled` is EVM only: this one is on Base.
    &[Stage::Created, Stage::Cancelled],
];

const MARKETS: [(&str, &str, &str); 4] = [
    (
        "dm_mkt_btc100k",
        "Will Bitcoin close above $100,000 on Dec 31?",
        "polymarket",
    ),
    (
        "dm_mkt_fedcut",
        "Will the Fed cut rates in March?",
        "kalshi",
    ),
    (
        "dm_mkt_ethflip",
        "Will ETH outperform BTC this quarter?",
        "polymarket",
    ),
    ("dm_mkt_rainnyc", "Will it rain in NYC tomorrow?", "kalshi"),
];

#[derive(Debug)]
struct Life {
    template: usize,
    stage: usize,
    id: String,
    wallet: String,
    chain: &'static str,
    market: Value,
    side: &'static str,
    leverage: f64,
    entry_price: f64,
    shares: f64,
    collateral: f64,
    price: f64,
    created_at: String,
    opened_at: Option<String>,
}

/// Dimes' part of the scenario.
#[derive(Debug)]
pub(crate) struct DimesStory {
    rng: SimRng,
    active: Vec<Life>,
    started: usize,
}

impl DimesStory {
    pub(crate) fn new(rng: SimRng) -> Self {
        DimesStory {
            rng,
            active: Vec::new(),
            started: 0,
        }
    }

    pub(crate) fn step(&mut self, ctx: &mut Ctx<'_>) -> Vec<Emission> {
        while self.active.len() < 2 {
            let life = self.spawn(ctx);
            self.active.push(life);
        }
        // Keep the first lifecycles mostly in order so the first minute is complete.
        let idx = if self.started <= TEMPLATES.len() {
            0
        } else {
            self.rng.below(self.active.len())
        };
        let Some(mut life) = (idx < self.active.len()).then(|| self.active.remove(idx)) else {
            return Vec::new();
        };
        let stages = TEMPLATES.get(life.template).copied().unwrap_or(&[]);
        let stage = stages.get(life.stage).copied().unwrap_or(Stage::Created);
        life.stage += 1;
        let emission = self.apply(&mut life, stage, ctx);
        if life.stage < stages.len() {
            self.active.insert(idx.min(self.active.len()), life);
        } else {
            ctx.world.dimes.finish(&life.id);
        }
        vec![emission]
    }

    fn spawn(&mut self, ctx: &Ctx<'_>) -> Life {
        let template = if self.started < TEMPLATES.len() {
            self.started
        } else {
            self.rng.below(TEMPLATES.len())
        };
        self.started += 1;
        let customers = &Credentials::get().dimes_customers;
        // Alternate customers so partner-vs-customer scope is visible from the start.
        let wallet = customers
            .get(self.started % customers.len().max(1))
            .map(|c| c.subject.clone())
            .unwrap_or_default();
        let (mkt_id, title, venue) = self.rng.pick(&MARKETS).copied().unwrap_or(MARKETS[0]);
        let entry_price = SimRng::round(self.rng.range(0.18, 0.82), 3);
        let collateral = SimRng::round(self.rng.range(25.0, 500.0), 2);
        let leverage = *self.rng.pick(&[2.0, 3.0, 5.0]).unwrap_or(&2.0);
        let shares = SimRng::round(collateral * leverage / entry_price, 2);
        Life {
            template,
            stage: 0,
            id: prefixed_id(&mut self.rng, "dm_pos_", 20),
            wallet,
            chain: if template == 4 { "base" } else { "solana" },
            market: json!({
                "id": mkt_id,
                "title": title,
                "outcome": "YES",
                "source": venue,
                "closes_at": ctx.ts_in(chrono::Duration::days(30)),
            }),
            side: if self.rng.chance(0.5) { "yes" } else { "no" },
            leverage,
            entry_price,
            shares,
            collateral,
            price: entry_price,
            created_at: ctx.ts(),
            opened_at: None,
        }
    }

    fn apply(&mut self, life: &mut Life, stage: Stage, ctx: &mut Ctx<'_>) -> Emission {
        let now = ctx.ts();
        let (event, data) = match stage {
            Stage::Created => ("position.created", open_shape(life, "pending", &now)),
            Stage::Opening => ("position.opening", open_shape(life, "pending", &now)),
            Stage::Opened => {
                life.opened_at = Some(now.clone());
                life.price = SimRng::round(life.entry_price * self.rng.range(0.97, 1.06), 3);
                ("position.opened", open_shape(life, "open", &now))
            }
            Stage::ForceUnwound => {
                // Price moved against the position: the venue halves it to cut leverage.
                life.price = SimRng::round(life.entry_price * self.rng.range(0.78, 0.86), 3);
                life.shares = SimRng::round(life.shares / 2.0, 2);
                ("position.force_unwound", open_shape(life, "open", &now))
            }
            Stage::CloseRequested => {
                life.price = SimRng::round(life.entry_price * self.rng.range(1.02, 1.2), 3);
                (
                    "position.close_requested",
                    open_shape(life, "closing", &now),
                )
            }
            Stage::Liquidated => {
                life.price = SimRng::round(life.entry_price * (1.0 - 0.9 / life.leverage), 3);
                let data = closed_shape(life, "liquidated", "liquidated", &now);
                ("position.liquidated", data)
            }
            Stage::Closed => (
                "position.closed",
                closed_shape(life, "closed", "closed", &now),
            ),
            Stage::Settled => {
                life.price = if self.rng.chance(0.6) { 1.0 } else { 0.0 };
                let data = closed_shape(life, "settled", "settled", &now);
                ("position.settled", data)
            }
            Stage::Reverted => (
                "position.reverted",
                closed_shape(life, "cancelled", "reverted", &now),
            ),
            Stage::Cancelled => (
                "position.cancelled",
                closed_shape(life, "cancelled", "reverted", &now),
            ),
            Stage::NotifyRetrying | Stage::NotifyProgress | Stage::NotifyFloorMissed => {
                return self.notification(life, stage, &now);
            }
        };
        ctx.world.dimes.insert(
            &life.id,
            DimesPos {
                wallet: life.wallet.clone(),
                object: data.clone(),
            },
        );
        Emission {
            route: Route::DimesPosition {
                wallet: life.wallet.clone(),
            },
            event: event.to_owned(),
            payload: json!({
                "id": prefixed_id(&mut self.rng, "evt_", 24),
                "type": event,
                "created_at": now,
                "data": data,
            }),
        }
    }

    fn notification(&mut self, life: &Life, stage: Stage, now: &str) -> Emission {
        let data = match stage {
            Stage::NotifyRetrying => json!({
                "code": "ORDER_FULFILLMENT_RETRYING",
                "message": "Order fulfillment not possible at current slippage tolerance. Retrying.",
                "params": {"position_id": life.id, "slippage_bps": 150},
            }),
            Stage::NotifyProgress => {
                let target = SimRng::round(life.collateral * life.leverage, 2);
                json!({
                    "code": "PARTIAL_OPEN_PROGRESS",
                    "message": "Partial open in progress.",
                    "params": {
                        "position_id": life.id,
                        "cumulative_filled_making_amount": SimRng::round(target * 0.4, 2),
                        "target_making_amount": target,
                        "attempt_number": 2,
                    },
                })
            }
            _ => json!({
                "code": "PARTIAL_OPEN_FLOOR_MISSED",
                "message": "Minimum fill not reached after retries. Position reverted.",
                "params": {"position_id": life.id},
            }),
        };
        Emission {
            route: Route::DimesNotification {
                wallet: life.wallet.clone(),
            },
            event: "notification".to_owned(),
            payload: json!({
                "id": prefixed_id(&mut self.rng, "evt_", 24),
                "type": "notification",
                "created_at": now,
                "data": data,
            }),
        }
    }
}

fn common(life: &Life, status: &str, now: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(life.id));
    m.insert("object".into(), json!("position"));
    m.insert("status".into(), json!(status));
    m.insert("wallet_address".into(), json!(life.wallet));
    m.insert("chain".into(), json!(life.chain));
    m.insert("market".into(), life.market.clone());
    m.insert("side".into(), json!(life.side));
    m.insert("leverage".into(), json!(life.leverage));
    m.insert("created_at".into(), json!(life.created_at));
    m.insert("updated_at".into(), json!(now));
    m
}

fn entry(life: &Life) -> Value {
    json!({
        "price": life.entry_price,
        "shares": life.shares,
        "collateral_usd": life.collateral,
        "notional_usd": SimRng::round(life.collateral * life.leverage, 2),
    })
}

fn fees(life: &Life) -> Value {
    let open_fee = SimRng::round(life.collateral * life.leverage * 0.003, 2);
    json!({"open_fee_usd": open_fee, "financing_fee_usd": 0.04, "total_usd": SimRng::round(open_fee + 0.04, 2)})
}

fn open_shape(life: &Life, status: &str, now: &str) -> Value {
    let mut m = common(life, status, now);
    let value = SimRng::round(life.shares * life.price, 2);
    let cost = life.shares * life.entry_price;
    let pnl = SimRng::round(value - cost, 2);
    let liq_price = SimRng::round(life.entry_price * (1.0 - 0.9 / life.leverage), 3);
    let health = SimRng::round(
        ((life.price - liq_price) / (life.entry_price - liq_price).max(1e-9)).clamp(0.0, 2.0),
        3,
    );
    m.insert("entry".into(), entry(life));
    m.insert(
        "current".into(),
        json!({
            "price": life.price,
            "shares": life.shares,
            "value_usd": value,
            "pnl_usd": pnl,
            "pnl_pct": SimRng::round(pnl / life.collateral * 100.0, 2),
        }),
    );
    m.insert(
        "risk".into(),
        json!({"liquidation_price": liq_price, "health": health, "at_risk": health < 0.5}),
    );
    m.insert("fees".into(), fees(life));
    m.insert(
        "timing".into(),
        json!({"created_at": life.created_at, "opened_at": life.opened_at, "updated_at": now}),
    );
    Value::Object(m)
}

fn closed_shape(life: &Life, status: &str, reason: &str, now: &str) -> Value {
    let mut m = common(life, status, now);
    let refunded = reason == "reverted";
    let proceeds = if refunded {
        life.collateral
    } else {
        SimRng::round(
            (life.shares * life.price - life.shares * life.entry_price + life.collateral).max(0.0),
            2,
        )
    };
    let pnl = SimRng::round(proceeds - life.collateral, 2);
    let mut result = json!({
        "exit_price": if refunded { Value::Null } else { json!(life.price) },
        "proceeds_usd": proceeds,
        "pnl_usd": pnl,
        "pnl_pct": SimRng::round(pnl / life.collateral * 100.0, 2),
        "closed_at": now,
    });
    if status == "liquidated" {
        if let Some(r) = result.as_object_mut() {
            r.insert(
                "collected_liquidation_fee_usd".into(),
                json!(SimRng::round(life.collateral * 0.05, 2)),
            );
            r.insert("collected_liquidation_fee_bps".into(), json!(500));
        }
    }
    if refunded {
        if let Some(r) = result.as_object_mut() {
            r.insert("refunded_collateral_usd".into(), json!(life.collateral));
        }
    }
    m.insert("close_reason".into(), json!(reason));
    m.insert("entry".into(), entry(life));
    m.insert("result".into(), result);
    m.insert("fees".into(), fees(life));
    Value::Object(m)
}
