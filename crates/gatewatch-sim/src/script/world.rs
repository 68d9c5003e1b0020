//! The state the script believes in, bounded so long runs stay small.

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use crate::truth::{
    GroundTruth, TruthContract, TruthIntent, TruthLobby, TruthPosition, TruthStorage,
};

/// How many finished entities of each kind are remembered.
const KEEP_FINISHED: usize = 256;

/// A map that forgets its oldest finished entries past [`KEEP_FINISHED`].
#[derive(Debug)]
pub(crate) struct Bounded<T> {
    items: BTreeMap<String, T>,
    finished: VecDeque<String>,
}

impl<T> Default for Bounded<T> {
    fn default() -> Self {
        Bounded {
            items: BTreeMap::new(),
            finished: VecDeque::new(),
        }
    }
}

impl<T> Bounded<T> {
    pub(crate) fn insert(&mut self, id: &str, item: T) {
        self.items.insert(id.to_owned(), item);
    }

    pub(crate) fn get(&self, id: &str) -> Option<&T> {
        self.items.get(id)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &T> {
        self.items.values()
    }

    /// Marks `id` finished: it stays visible until enough newer ones finish.
    pub(crate) fn finish(&mut self, id: &str) {
        self.finished.push_back(id.to_owned());
        while self.finished.len() > KEEP_FINISHED {
            if let Some(old) = self.finished.pop_front() {
                self.items.remove(&old);
            }
        }
    }
}

/// A Dimes position as the REST API would return it.
#[derive(Debug, Clone)]
pub(crate) struct DimesPos {
    pub(crate) wallet: String,
    pub(crate) object: Value,
}

/// A Fusion intent and its formatted update.
#[derive(Debug, Clone)]
pub(crate) struct Intent {
    pub(crate) status: String,
    pub(crate) proof_status: String,
    pub(crate) removed: bool,
    /// The formatted update (`intent:status` payload).
    pub(crate) formatted: Value,
}

/// A Hashi lobby.
#[derive(Debug, Clone)]
pub(crate) struct Lobby {
    pub(crate) id: String,
    pub(crate) code: String,
    pub(crate) participants: Vec<String>,
    pub(crate) deleted: bool,
}

/// Everything the scenario has created so far.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) dimes: Bounded<DimesPos>,
    pub(crate) axisor: Bounded<TruthPosition>,
    pub(crate) zkde: Bounded<TruthPosition>,
    pub(crate) intents: Bounded<Intent>,
    pub(crate) lobbies: Bounded<Lobby>,
    pub(crate) contracts: Bounded<TruthContract>,
    pub(crate) storage: Bounded<TruthStorage>,
}

impl World {
    /// Dimes positions visible to a partner (`None`) or one customer wallet.
    pub(crate) fn dimes_positions(&self, wallet: Option<&str>) -> Vec<Value> {
        self.dimes
            .values()
            .filter(|p| wallet.is_none_or(|w| w.eq_ignore_ascii_case(&p.wallet)))
            .map(|p| p.object.clone())
            .collect()
    }

    /// One Dimes position, if visible to the caller.
    pub(crate) fn dimes_position(&self, id: &str, wallet: Option<&str>) -> Option<Value> {
        self.dimes
            .get(id)
            .filter(|p| wallet.is_none_or(|w| w.eq_ignore_ascii_case(&p.wallet)))
            .map(|p| p.object.clone())
    }

    /// A live (not removed) intent's formatted update.
    pub(crate) fn intent(&self, id: &str) -> Option<&Intent> {
        self.intents.get(id).filter(|i| !i.removed)
    }

    /// The ids of the lobbies a player is in now.
    pub(crate) fn lobbies_of(&self, player: &str) -> Vec<(String, String)> {
        self.lobbies
            .values()
            .filter(|l| !l.deleted && l.participants.iter().any(|p| p == player))
            .map(|l| (l.id.clone(), l.code.clone()))
            .collect()
    }

    /// `mempool:stats` counts over the live intents.
    pub(crate) fn mempool_stats(&self) -> Value {
        let (mut total, mut submitted, mut matched, mut executing) = (0u64, 0u64, 0u64, 0u64);
        let (mut completed, mut failed) = (0u64, 0u64);
        for i in self.intents.values().filter(|i| !i.removed) {
            total += 1;
            match i.status.as_str() {
                "proofs_pending" | "proofs_verified" => submitted += 1,
                "matched" => matched += 1,
                "waiting_for_source_lock" | "executing" => executing += 1,
                "completed" => completed += 1,
                "failed" => failed += 1,
                _ => {}
            }
        }
        serde_json::json!({
            "total": total,
            "submitted": submitted,
            "matched": matched,
            "executing": executing,
            "completed": completed,
            "failed": failed,
            "cancelled": 0,
        })
    }

    /// The plain-struct view tests compare against.
    pub(crate) fn ground_truth(&self) -> GroundTruth {
        let mut positions: Vec<TruthPosition> = self
            .dimes
            .values()
            .map(|p| TruthPosition {
                venue: "dimes".to_owned(),
                id: p.object["id"].as_str().unwrap_or_default().to_owned(),
                status: p.object["status"].as_str().unwrap_or_default().to_owned(),
                owner: p.wallet.clone(),
            })
            .collect();
        positions.extend(self.axisor.values().cloned());
        positions.extend(self.zkde.values().cloned());
        GroundTruth {
            positions,
            intents: self
                .intents
                .values()
                .map(|i| TruthIntent {
                    id: i.formatted["intentId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    status: i.status.clone(),
                    proof_status: i.proof_status.clone(),
                    removed: i.removed,
                })
                .collect(),
            lobbies: self
                .lobbies
                .values()
                .map(|l| TruthLobby {
                    id: l.id.clone(),
                    code: l.code.clone(),
                    participants: l.participants.clone(),
                    deleted: l.deleted,
                })
                .collect(),
            contracts: self.contracts.values().cloned().collect(),
            storage: self.storage.values().cloned().collect(),
        }
    }
}
