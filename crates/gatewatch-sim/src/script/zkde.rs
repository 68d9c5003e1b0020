//! zkde: strategies, pool moves, alerts of every severity and type, proofs, positions and
//! agents. Messages are `{"type", "data": {…}, "timestamp"}` (the document lists key
//! fields without saying where they sit; the simulator always nests them under `data`).

use serde_json::{json, Value};

use super::{prefixed_id, Ctx, Emission, Route};
use crate::creds::Credentials;
use crate::rng::SimRng;
use crate::truth::TruthPosition;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Strategy(&'static str),
    Market,
    Position,
    Agent(&'static str),
    Proof(bool),
    Alert(&'static str, &'static str),
    OtherAddressPosition,
}

const CYCLE: [Stage; 17] = [
    Stage::Strategy("created"),
    Stage::Market,
    Stage::Position,
    Stage::Agent("started"),
    Stage::Proof(true),
    Stage::Alert("warning", "drawdown"),
    Stage::Market,
    Stage::Position,
    Stage::Alert("critical", "health_factor"),
    Stage::Agent("paused"),
    Stage::Strategy("scored"),
    Stage::Alert("info", "exposure"),
    Stage::Agent("error"),
    Stage::Proof(false),
    Stage::Agent("resumed"),
    Stage::OtherAddressPosition,
    Stage::Agent("stopped"),
];

const POOLS: [&str; 3] = ["ekubo-eth-usdc", "nostra-strk-eth", "vesu-usdc-lend"];

/// zkde's part of the scenario.
#[derive(Debug)]
pub(crate) struct ZkdeStory {
    rng: SimRng,
    stage: usize,
    cycle: usize,
    strategy_id: String,
    agent_id: String,
    position_id: String,
    value: f64,
    agent_status: &'static str,
    apys: [f64; 3],
}

impl ZkdeStory {
    pub(crate) fn new(mut rng: SimRng) -> Self {
        let strategy_id = prefixed_id(&mut rng, "strat_", 8);
        let agent_id = prefixed_id(&mut rng, "agent_", 6);
        let position_id = prefixed_id(&mut rng, "zpos_", 8);
        ZkdeStory {
            rng,
            stage: 0,
            cycle: 0,
            strategy_id,
            agent_id,
            position_id,
            value: 10_000.0,
            agent_status: "stopped",
            apys: [4.2, 7.9, 3.1],
        }
    }

    pub(crate) fn step(&mut self, ctx: &mut Ctx<'_>) -> Vec<Emission> {
        let stage = CYCLE.get(self.stage).copied().unwrap_or(Stage::Market);
        self.stage += 1;
        if self.stage >= CYCLE.len() {
            self.stage = 0;
            self.cycle += 1;
            self.strategy_id = prefixed_id(&mut self.rng, "strat_", 8);
        }
        vec![self.emit(stage, ctx)]
    }

    fn address(&self, other: bool) -> String {
        let addrs = &Credentials::get().zkde_addresses;
        let i = usize::from(other) + self.cycle;
        addrs
            .get(i % addrs.len().max(1))
            .cloned()
            .unwrap_or_default()
    }

    fn emit(&mut self, stage: Stage, ctx: &mut Ctx<'_>) -> Emission {
        let now = ctx.ts();
        let address = self.address(false);
        let pool_idx = self.rng.below(POOLS.len());
        let pool = POOLS.get(pool_idx).copied().unwrap_or("ekubo-eth-usdc");
        let (ty, data, to_all) = match stage {
            Stage::Strategy(action) => (
                "strategy_update",
                json!({
                    "strategy_id": self.strategy_id,
                    "pool_id": pool,
                    "apy": SimRng::round(self.rng.range(3.0, 12.0), 2),
                    "risk_score": SimRng::round(self.rng.range(10.0, 80.0), 1),
                    "action": action,
                }),
                false,
            ),
            Stage::Market => {
                let old = self.apys.get(pool_idx).copied().unwrap_or(5.0);
                let new = SimRng::round(old * self.rng.range(0.85, 1.15), 2);
                if let Some(a) = self.apys.get_mut(pool_idx) {
                    *a = new;
                }
                (
                    "market_change",
                    json!({
                        "change_type": "apy",
                        "pool_id": pool,
                        "old_value": old,
                        "new_value": new,
                        "change_pct": SimRng::round((new - old) / old * 100.0, 2),
                    }),
                    true,
                )
            }
            Stage::Position | Stage::OtherAddressPosition => {
                let other = stage == Stage::OtherAddressPosition;
                self.value = SimRng::round(self.value * self.rng.range(0.97, 1.03), 2);
                let (id, owner) = if other {
                    (format!("{}_b", self.position_id), self.address(true))
                } else {
                    (self.position_id.clone(), address.clone())
                };
                ctx.world.zkde.insert(
                    &id,
                    TruthPosition {
                        venue: "zkde".into(),
                        id: id.clone(),
                        status: "open".into(),
                        owner: owner.clone(),
                    },
                );
                let msg = frame(
                    "position_update",
                    json!({"position_id": id, "current_value": self.value, "pool_id": pool}),
                    &now,
                );
                return Emission {
                    route: Route::ZkdeAddress { address: owner },
                    event: "position_update".into(),
                    payload: msg,
                };
            }
            Stage::Agent(status) => {
                let previous = self.agent_status;
                self.agent_status = status;
                let mut data = json!({
                    "agent_id": self.agent_id,
                    "status": status,
                    "previous_status": previous,
                });
                if status == "error" {
                    data["error"] = json!("RPC timeout while submitting rebalance transaction");
                }
                ("agent_status_change", data, false)
            }
            Stage::Proof(success) => (
                "proof_complete",
                json!({
                    "proof_type": if success { "risk_compliance" } else { "execution_integrity" },
                    "proof_hash": format!("0x{}", self.rng.hex(64)),
                    "success": success,
                    "strategy_id": self.strategy_id,
                    "duration_ms": self.rng.below(9000) + 1000,
                }),
                false,
            ),
            Stage::Alert(severity, alert_type) => {
                let (message, action) = match alert_type {
                    "drawdown" => ("Position drawdown exceeded 10% in 24h", "review_position"),
                    "health_factor" => (
                        "Health factor fell to 1.08 (threshold 1.2)",
                        "add_collateral",
                    ),
                    _ => (
                        "Exposure to a single pool above 40% of portfolio",
                        "rebalance",
                    ),
                };
                (
                    "alert",
                    json!({
                        "severity": severity,
                        "alert_type": alert_type,
                        "message": message,
                        "action": action,
                        "position_id": self.position_id,
                    }),
                    false,
                )
            }
        };
        Emission {
            route: if to_all {
                Route::ZkdeAll
            } else {
                Route::ZkdeAddress { address }
            },
            event: ty.to_owned(),
            payload: frame(ty, data, &now),
        }
    }
}

fn frame(ty: &str, data: Value, now: &str) -> Value {
    json!({"type": ty, "data": data, "timestamp": now})
}
