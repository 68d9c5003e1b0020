//! Hashi: a lobby fills, a contract runs its whole lifecycle (a rolled-back draft first),
//! players upload evidence, then everyone leaves and the lobby is deleted.

use serde_json::{json, Value};

use super::world::Lobby;
use super::{Ctx, Emission, Route};
use crate::creds::Credentials;
use crate::rng::SimRng;
use crate::truth::{TruthContract, TruthStorage};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    LobbyCreated,
    LobbyJoined,
    DraftCreated,
    DraftDeleted,
    Contract(&'static str, &'static str),
    Payment(bool),
    Attested(bool),
    Storage(usize, &'static str, &'static str),
    LobbyLeft(bool),
    LobbyDeleted,
}

/// `Storage(slot, event, new status)`; slot 0 = host upload, 1 = guest link, 2 = aborted upload.
const CYCLE: [Stage; 23] = [
    Stage::LobbyCreated,
    Stage::LobbyJoined,
    Stage::DraftCreated,
    Stage::DraftDeleted,
    Stage::Contract("contract.created", "created"),
    Stage::Contract("contract.initializing", "initializing"),
    Stage::Contract("contract.initialized", "initialized"),
    Stage::Payment(true),
    Stage::Payment(false),
    Stage::Storage(0, "storage.presigned_url_created", "pending"),
    Stage::Storage(0, "storage.multipart_completed", "uploaded"),
    Stage::Storage(1, "storage.external_url_created", "active"),
    Stage::Attested(true),
    Stage::Attested(false),
    Stage::Contract("contract.mediation_submitted", "in_mediation"),
    Stage::Contract("contract.decision_contested", "contested"),
    Stage::Contract("contract.admin_decision", "decided"),
    Stage::Contract("contract.payout_finalized", "paid_out"),
    Stage::Storage(2, "storage.presigned_url_created", "pending"),
    Stage::Storage(2, "storage.multipart_aborted", "aborted"),
    Stage::Storage(1, "storage.deleted", "deleted"),
    Stage::LobbyLeft(false),
    Stage::LobbyDeleted,
];

const GAMES: [&str; 3] = ["chess", "poker-headsup", "fifa-24"];

/// Hashi's part of the scenario.
#[derive(Debug)]
pub(crate) struct HashiStory {
    rng: SimRng,
    stage: usize,
    cycle: usize,
    lobby_id: String,
    lobby_code: String,
    game: &'static str,
    stake: f64,
    lobby_created: String,
    participants: Vec<(String, String)>,
    contract_id: String,
    contract_created: String,
    funded: Vec<String>,
    storage: [(String, String); 3],
}

impl HashiStory {
    pub(crate) fn new(rng: SimRng) -> Self {
        HashiStory {
            rng,
            stage: 0,
            cycle: 0,
            lobby_id: String::new(),
            lobby_code: String::new(),
            game: "chess",
            stake: 0.0,
            lobby_created: String::new(),
            participants: Vec::new(),
            contract_id: String::new(),
            contract_created: String::new(),
            funded: Vec::new(),
            storage: Default::default(),
        }
    }

    fn player(&self, host: bool) -> String {
        let players = &Credentials::get().hashi_players;
        let i = self.cycle + usize::from(!host);
        players
            .get(i % players.len().max(1))
            .map(|p| p.subject.clone())
            .unwrap_or_default()
    }

    pub(crate) fn step(&mut self, ctx: &mut Ctx<'_>) -> Vec<Emission> {
        let stage = CYCLE
            .get(self.stage)
            .copied()
            .unwrap_or(Stage::LobbyCreated);
        self.stage += 1;
        let out = self.emit(stage, ctx);
        if self.stage >= CYCLE.len() {
            self.stage = 0;
            self.cycle += 1;
        }
        vec![out]
    }

    fn lobby_object(&self) -> Value {
        let status = match self.participants.len() {
            0 => "closed",
            1 => "open",
            _ => "full",
        };
        json!({
            "id": self.lobby_id,
            "code": self.lobby_code,
            "hostPlayerId": self.participants.first().map(|p| p.0.clone()),
            "game": self.game,
            "stakeAmount": self.stake,
            "currency": "USDC",
            "maxPlayers": 2,
            "status": status,
            "participants": self.participants.iter()
                .map(|(p, at)| json!({"playerId": p, "joinedAt": at}))
                .collect::<Vec<_>>(),
            "createdAt": self.lobby_created,
        })
    }

    fn contract_object(&self, id: &str, status: &str, now: &str) -> Value {
        json!({
            "id": id,
            "lobbyId": self.lobby_id,
            "lobbyCode": self.lobby_code,
            "status": status,
            "game": self.game,
            "stakeAmount": self.stake,
            "currency": "USDC",
            "chainId": 8453,
            "players": self.participants.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
            "fundedBy": self.funded,
            "createdAt": self.contract_created,
            "updatedAt": now,
        })
    }

    fn lobby_route(&self) -> Route {
        Route::HashiLobby {
            lobby_id: self.lobby_id.clone(),
            lobby_code: self.lobby_code.clone(),
            players: self.participants.iter().map(|p| p.0.clone()).collect(),
        }
    }

    fn save_lobby(&self, ctx: &mut Ctx<'_>, deleted: bool) {
        ctx.world.lobbies.insert(
            &self.lobby_id,
            Lobby {
                id: self.lobby_id.clone(),
                code: self.lobby_code.clone(),
                participants: self.participants.iter().map(|p| p.0.clone()).collect(),
                deleted,
            },
        );
        if deleted {
            ctx.world.lobbies.finish(&self.lobby_id);
        }
    }

    fn lobby_event(&self, ty: &str, player: &str, now: &str, route: Route) -> Emission {
        Emission {
            route,
            event: ty.to_owned(),
            payload: json!({
                "type": "lobby:event",
                "data": {
                    "type": ty,
                    "lobbyId": self.lobby_id,
                    "lobbyCode": self.lobby_code,
                    "timestamp": now,
                    "payload": {
                        "lobby": self.lobby_object(),
                        "playerId": player,
                        "participantCount": self.participants.len(),
                    },
                },
            }),
        }
    }

    fn contract_event(
        &mut self,
        ctx: &mut Ctx<'_>,
        ty: &str,
        id: &str,
        status: &'static str,
    ) -> Emission {
        let now = ctx.ts();
        let contract = self.contract_object(id, status, &now);
        ctx.world.contracts.insert(
            id,
            TruthContract {
                id: id.to_owned(),
                lobby_id: self.lobby_id.clone(),
                last_event: ty.to_owned(),
                status: status.to_owned(),
            },
        );
        if matches!(ty, "contract.deleted" | "contract.payout_finalized") {
            ctx.world.contracts.finish(id);
        }
        Emission {
            route: Route::HashiAll,
            event: ty.to_owned(),
            payload: json!({
                "type": "contract:event",
                "data": {
                    "type": ty,
                    "contractId": id,
                    "lobbyId": self.lobby_id,
                    "timestamp": now,
                    "payload": contract,
                },
            }),
        }
    }

    fn emit(&mut self, stage: Stage, ctx: &mut Ctx<'_>) -> Emission {
        let now = ctx.ts();
        match stage {
            Stage::LobbyCreated => {
                self.lobby_id = self.rng.uuid();
                self.lobby_code = self.rng.hex(6).to_uppercase();
                self.game = self.rng.pick(&GAMES).copied().unwrap_or("chess");
                self.stake = *self.rng.pick(&[5.0, 10.0, 25.0, 50.0]).unwrap_or(&10.0);
                self.lobby_created = now.clone();
                let host = self.player(true);
                self.participants = vec![(host.clone(), now.clone())];
                self.funded.clear();
                self.save_lobby(ctx, false);
                self.lobby_event("lobby.created", &host, &now, self.lobby_route())
            }
            Stage::LobbyJoined => {
                let guest = self.player(false);
                self.participants.push((guest.clone(), now.clone()));
                self.save_lobby(ctx, false);
                self.lobby_event("lobby.joined", &guest, &now, self.lobby_route())
            }
            Stage::DraftCreated => {
                self.contract_id = self.rng.uuid();
                self.contract_created = now;
                let id = self.contract_id.clone();
                self.contract_event(ctx, "contract.created", &id, "created")
            }
            Stage::DraftDeleted => {
                // The first draft is rolled back (the initializing transaction failed).
                let id = self.contract_id.clone();
                self.contract_event(ctx, "contract.deleted", &id, "deleted")
            }
            Stage::Contract(ty, status) => {
                if ty == "contract.created" {
                    self.contract_id = self.rng.uuid();
                    self.contract_created = now;
                }
                let id = self.contract_id.clone();
                self.contract_event(ctx, ty, &id, status)
            }
            Stage::Payment(host) => {
                let player = self.player(host);
                self.funded.push(player.clone());
                let status = if self.funded.len() >= 2 {
                    "funded"
                } else {
                    "funding"
                };
                let id = self.contract_id.clone();
                let mut e = self.contract_event(ctx, "contract.payment_transferred", &id, status);
                e.payload["data"]["playerId"] = json!(player);
                e
            }
            Stage::Attested(host) => {
                let player = self.player(host);
                let id = self.contract_id.clone();
                let mut e = self.contract_event(ctx, "contract.outcome_attested", &id, "attested");
                e.payload["data"]["playerId"] = json!(player);
                e.payload["data"]["payload"]["outcome"] = json!({
                    "claimedWinner": self.player(true),
                    "attestedBy": player,
                    "proofStorageId": self.storage[usize::from(!host)].0,
                });
                e
            }
            Stage::Storage(slot, ty, status) => {
                let player = self.player(slot == 0 || slot == 2);
                let fresh =
                    ty == "storage.presigned_url_created" || ty == "storage.external_url_created";
                if fresh {
                    let id = self.rng.uuid();
                    if let Some(s) = self.storage.get_mut(slot) {
                        *s = (id, now.clone());
                    }
                }
                let (id, created) = self.storage.get(slot).cloned().unwrap_or_default();
                let external = slot == 1;
                let url = if external {
                    format!("https://clips.example.invalid/{}", self.rng.hex(10))
                } else {
                    format!(
                        "https://uploads.example.invalid/{}?X-Amz-Signature=redacted",
                        id
                    )
                };
                ctx.world.storage.insert(
                    &id,
                    TruthStorage {
                        id: id.clone(),
                        contract_id: self.contract_id.clone(),
                        status: status.to_owned(),
                    },
                );
                if matches!(status, "aborted" | "deleted") {
                    ctx.world.storage.finish(&id);
                }
                Emission {
                    route: self.lobby_route(),
                    event: ty.to_owned(),
                    payload: json!({
                        "type": "storage:event",
                        "data": {
                            "type": ty,
                            "storageId": id,
                            "contractId": self.contract_id,
                            "lobbyId": self.lobby_id,
                            "playerId": player,
                            "timestamp": now,
                            "payload": {
                                "storage": {
                                    "id": id,
                                    "contractId": self.contract_id,
                                    "lobbyId": self.lobby_id,
                                    "playerId": player,
                                    "kind": if external { "external_url" } else { "upload" },
                                    "url": url,
                                    "fileName": if external { Value::Null } else { json!("match-evidence.mp4") },
                                    "contentType": if external { Value::Null } else { json!("video/mp4") },
                                    "status": status,
                                    "createdAt": created,
                                    "updatedAt": now,
                                },
                            },
                        },
                    }),
                }
            }
            Stage::LobbyLeft(host) => {
                let player = self.player(host);
                // Everyone in the room at the time of leaving hears it, the leaver included.
                let route = self.lobby_route();
                self.participants.retain(|p| p.0 != player);
                self.save_lobby(ctx, false);
                self.lobby_event("lobby.left", &player, &now, route)
            }
            Stage::LobbyDeleted => {
                // The last player leaves: the lobby is deleted (that is the event they get).
                let player = self.player(true);
                let route = self.lobby_route();
                self.participants.clear();
                self.save_lobby(ctx, true);
                self.lobby_event("lobby.deleted", &player, &now, route)
            }
        }
    }
}
