//! Fusion: cross-chain intents from `proofs_pending` to `completed`, and one that fails,
//! with proof status changes, HTLC state and transaction hashes, then removal.
//!
//! Every change goes to two audiences: the intent's own room (`intent:status`,
//! `intent:proof`) and the `subscribe:all` room (`intent:new`, `intent:status_changed`,
//! `intent:proof_changed`, `intent:removed`, `mempool:stats`).

use serde_json::{json, Value};

use super::world::Intent;
use super::{Ctx, Emission, Route};
use crate::rng::SimRng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    New,
    Proof(&'static str),
    Status(&'static str),
    Removed,
}

const HAPPY: &[Stage] = &[
    Stage::New,
    Stage::Proof("generating"),
    Stage::Proof("verified"),
    Stage::Status("proofs_verified"),
    Stage::Status("matched"),
    Stage::Status("waiting_for_source_lock"),
    Stage::Status("executing"),
    Stage::Status("completed"),
    Stage::Removed,
];

const FAILED: &[Stage] = &[
    Stage::New,
    Stage::Proof("generating"),
    Stage::Proof("failed"),
    Stage::Status("failed"),
    Stage::Removed,
];

/// Fails after matching: the source chain lock never arrives.
const FAILED_LATE: &[Stage] = &[
    Stage::New,
    Stage::Proof("generating"),
    Stage::Proof("verified"),
    Stage::Status("proofs_verified"),
    Stage::Status("matched"),
    Stage::Status("waiting_for_source_lock"),
    Stage::Status("failed"),
    Stage::Removed,
];

const TEMPLATES: [&[Stage]; 3] = [HAPPY, FAILED, FAILED_LATE];

const ROUTES: [(&str, &str); 4] = [
    ("ethereum", "starknet"),
    ("starknet", "ethereum"),
    ("bitcoin", "starknet"),
    ("arbitrum", "starknet"),
];

/// The backend's internal status enum, which `oldStatus` carries (the document says it
/// differs from the normalized frontend string).
fn internal(status: &str) -> &'static str {
    match status {
        "proofs_pending" => "PENDING",
        "proofs_verified" => "PROOFS_VERIFIED",
        "matched" => "MATCHED",
        "waiting_for_source_lock" => "AWAITING_SOURCE_LOCK",
        "executing" => "EXECUTING",
        "completed" => "COMPLETED",
        "failed" => "FAILED",
        _ => "UNKNOWN",
    }
}

#[derive(Debug)]
struct Life {
    template: usize,
    stage: usize,
    id: String,
    status: &'static str,
    proof: &'static str,
    from: &'static str,
    to: &'static str,
    amount: String,
    created_at: String,
    matched_at: Option<String>,
    completed_at: Option<String>,
    proof_at: Option<String>,
    solver: Option<String>,
    hashlock: String,
    tx: [Option<String>; 3],
    error: Option<&'static str>,
}

/// Fusion's part of the scenario.
#[derive(Debug)]
pub(crate) struct FusionStory {
    rng: SimRng,
    active: Vec<Life>,
    started: usize,
    steps: usize,
}

impl FusionStory {
    pub(crate) fn new(rng: SimRng) -> Self {
        FusionStory {
            rng,
            active: Vec::new(),
            started: 0,
            steps: 0,
        }
    }

    pub(crate) fn step(&mut self, ctx: &mut Ctx<'_>) -> Vec<Emission> {
        self.steps += 1;
        if self.steps % 7 == 3 {
            return vec![Emission {
                route: Route::FusionAll,
                event: "mempool:stats".into(),
                payload: ctx.world.mempool_stats(),
            }];
        }
        while self.active.len() < 2 {
            let life = self.spawn(ctx);
            self.active.push(life);
        }
        let idx = if self.started <= TEMPLATES.len() {
            0
        } else {
            self.rng.below(self.active.len())
        };
        if idx >= self.active.len() {
            return Vec::new();
        }
        let mut life = self.active.remove(idx);
        let stages = TEMPLATES.get(life.template).copied().unwrap_or(HAPPY);
        let stage = stages.get(life.stage).copied().unwrap_or(Stage::Removed);
        life.stage += 1;
        let out = self.apply(&mut life, stage, ctx);
        if life.stage < stages.len() {
            self.active.insert(idx.min(self.active.len()), life);
        }
        out
    }

    fn spawn(&mut self, ctx: &Ctx<'_>) -> Life {
        let template = if self.started < TEMPLATES.len() {
            self.started
        } else if self.rng.chance(0.7) {
            0
        } else {
            1 + self.rng.below(2)
        };
        self.started += 1;
        let (from, to) = self.rng.pick(&ROUTES).copied().unwrap_or(ROUTES[0]);
        Life {
            template,
            stage: 0,
            id: format!("0x{}", self.rng.hex(64)),
            status: "proofs_pending",
            proof: "pending",
            from,
            to,
            amount: format!("{:.4}", self.rng.range(0.05, 25.0)),
            created_at: ctx.ts(),
            matched_at: None,
            completed_at: None,
            proof_at: None,
            solver: None,
            hashlock: format!("0x{}", self.rng.hex(64)),
            tx: [None, None, None],
            error: None,
        }
    }

    fn formatted(&self, life: &Life, now: &str) -> Value {
        let htlc_source = match life.status {
            "executing" => "locked",
            "completed" => "claimed",
            "failed" if life.tx[0].is_some() => "refunded",
            _ => "none",
        };
        let htlc_dest = match life.status {
            "executing" => "locked",
            "completed" => "claimed",
            _ => "none",
        };
        json!({
            "intentId": life.id,
            "status": life.status,
            "proofStatus": life.proof,
            "solver": life.solver,
            "fromChain": life.from,
            "toChain": life.to,
            "amount": life.amount,
            "createdAt": life.created_at,
            "updatedAt": now,
            "matchedAt": life.matched_at,
            "completedAt": life.completed_at,
            "htlcState": {
                "hashlock": life.hashlock,
                "source": htlc_source,
                "destination": htlc_dest,
            },
            "txHashes": {
                "sourceLock": life.tx[0],
                "destinationLock": life.tx[1],
                "destinationClaim": life.tx[2],
            },
            "error": life.error,
            "failureReason": life.error.map(|_| match life.proof {
                "failed" => "proof_verification_failed",
                _ => "source_lock_timeout",
            }),
            "timestamp": now,
        })
    }

    fn save(&self, life: &Life, ctx: &mut Ctx<'_>, now: &str, removed: bool) -> Value {
        let formatted = self.formatted(life, now);
        ctx.world.intents.insert(
            &life.id,
            Intent {
                status: life.status.to_owned(),
                proof_status: life.proof.to_owned(),
                removed,
                formatted: formatted.clone(),
            },
        );
        if removed {
            ctx.world.intents.finish(&life.id);
        }
        formatted
    }

    fn apply(&mut self, life: &mut Life, stage: Stage, ctx: &mut Ctx<'_>) -> Vec<Emission> {
        let now = ctx.ts();
        let room = || Route::FusionIntent {
            intent_id: life.id.clone(),
        };
        match stage {
            Stage::New => {
                let f = self.save(life, ctx, &now, false);
                vec![
                    Emission {
                        route: Route::FusionAll,
                        event: "intent:new".into(),
                        payload: f.clone(),
                    },
                    Emission {
                        route: room(),
                        event: "intent:status".into(),
                        payload: f,
                    },
                ]
            }
            Stage::Proof(proof) => {
                let old = life.proof;
                life.proof = proof;
                if proof == "verified" {
                    life.proof_at = Some(now.clone());
                }
                if proof == "failed" {
                    life.error = Some("ZK proof verification failed: invalid witness");
                }
                self.save(life, ctx, &now, false);
                let payload = json!({
                    "intentId": life.id,
                    "proofStatus": proof,
                    "oldProofStatus": old,
                    "proofGeneratedAt": life.proof_at,
                    "timestamp": now,
                });
                vec![
                    Emission {
                        route: room(),
                        event: "intent:proof".into(),
                        payload: payload.clone(),
                    },
                    Emission {
                        route: Route::FusionAll,
                        event: "intent:proof_changed".into(),
                        payload,
                    },
                ]
            }
            Stage::Status(status) => {
                let old = life.status;
                life.status = status;
                match status {
                    "matched" => {
                        life.matched_at = Some(now.clone());
                        life.solver = Some(format!("0x{}", self.rng.hex(40)));
                    }
                    "executing" => {
                        life.tx[0] = Some(format!("0x{}", self.rng.hex(64)));
                        life.tx[1] = Some(format!("0x{}", self.rng.hex(64)));
                    }
                    "completed" => {
                        life.completed_at = Some(now.clone());
                        life.tx[2] = Some(format!("0x{}", self.rng.hex(64)));
                    }
                    "failed" if life.error.is_none() => {
                        life.error = Some("Source chain lock not observed before timelock");
                    }
                    _ => {}
                }
                let f = self.save(life, ctx, &now, false);
                let mut changed = f.clone();
                changed["oldStatus"] = json!(internal(old));
                vec![
                    Emission {
                        route: room(),
                        event: "intent:status".into(),
                        payload: f,
                    },
                    Emission {
                        route: Route::FusionAll,
                        event: "intent:status_changed".into(),
                        payload: changed,
                    },
                ]
            }
            Stage::Removed => {
                self.save(life, ctx, &now, true);
                vec![Emission {
                    route: Route::FusionIntentOrAll {
                        intent_id: life.id.clone(),
                    },
                    event: "intent:removed".into(),
                    payload: json!({"intentId": life.id, "timestamp": now}),
                }]
            }
        }
    }
}
