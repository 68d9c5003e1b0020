//! Hashi (raw WebSocket, JSON text): `contract:event` (10 `contract.*` types),
//! `lobby:event` (4 `lobby.*`), `storage:event` (5 `storage.*`), the `connected`, `pong`
//! and `error` control messages, and the client `ping` / `subscribe` / `unsubscribe`.
//!
//! Server messages are `{type, data}`; for the three event families `data` carries its own
//! inner `type` (`contract.initialized`, …), the entity ids, a `timestamp` and a `payload`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient as l;

macro_rules! inner_types {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $wire:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every type, in the document's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// Parse the wire spelling.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|t| t.as_str() == s)
            }
        }
    };
}

inner_types! {
    /// The ten `contract.*` types, in lifecycle order.
    ContractEventType {
        /// Contract record created in database.
        Created => "contract.created",
        /// Blockchain transaction submitted.
        Initializing => "contract.initializing",
        /// Transaction confirmed on-chain.
        Initialized => "contract.initialized",
        /// Contract rolled back or deleted (terminal).
        Deleted => "contract.deleted",
        /// Player funded their stake.
        PaymentTransferred => "contract.payment_transferred",
        /// Player submitted outcome and proof.
        OutcomeAttested => "contract.outcome_attested",
        /// Player contested mediation decision.
        DecisionContested => "contract.decision_contested",
        /// Mediator submitted decision.
        MediationSubmitted => "contract.mediation_submitted",
        /// Admin made final decision.
        AdminDecision => "contract.admin_decision",
        /// Payout completed and distributed (terminal).
        PayoutFinalized => "contract.payout_finalized",
    }
}

inner_types! {
    /// The four `lobby.*` types.
    LobbyEventType {
        /// New lobby created.
        Created => "lobby.created",
        /// Player joined the lobby.
        Joined => "lobby.joined",
        /// Player left the lobby.
        Left => "lobby.left",
        /// Lobby deleted, last player left (terminal).
        Deleted => "lobby.deleted",
    }
}

inner_types! {
    /// The five `storage.*` types.
    StorageEventType {
        /// External URL stored for a contract.
        ExternalUrlCreated => "storage.external_url_created",
        /// Presigned upload URL generated (file not yet uploaded).
        PresignedUrlCreated => "storage.presigned_url_created",
        /// Multipart upload completed.
        MultipartCompleted => "storage.multipart_completed",
        /// Multipart upload aborted (terminal).
        MultipartAborted => "storage.multipart_aborted",
        /// Storage item deleted (terminal).
        Deleted => "storage.deleted",
    }
}

/// The `data` of a `contract:event`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContractEvent {
    /// `contract.initialized`, …
    #[serde(rename = "type", deserialize_with = "l::opt_string")]
    pub event_type: Option<String>,
    /// Contract id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub contract_id: String,
    /// Lobby.
    #[serde(deserialize_with = "l::opt_string")]
    pub lobby_id: Option<String>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
    /// The full contract object, as given.
    #[serde(deserialize_with = "l::opt_value")]
    pub payload: Option<Value>,
}

/// The `payload` of a `lobby:event`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LobbyPayload {
    /// The full lobby object, as given.
    #[serde(deserialize_with = "l::opt_value")]
    pub lobby: Option<Value>,
    /// The player who joined or left.
    #[serde(deserialize_with = "l::opt_string")]
    pub player_id: Option<String>,
    /// Participants after the event.
    #[serde(deserialize_with = "l::opt_u64")]
    pub participant_count: Option<u64>,
}

/// The `data` of a `lobby:event`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LobbyEvent {
    /// `lobby.joined`, …
    #[serde(rename = "type", deserialize_with = "l::opt_string")]
    pub event_type: Option<String>,
    /// Lobby id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub lobby_id: String,
    /// Lobby code (`ABC123`).
    #[serde(deserialize_with = "l::opt_string")]
    pub lobby_code: Option<String>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
    /// Lobby, player and count.
    pub payload: LobbyPayload,
}

/// The `payload` of a `storage:event`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoragePayload {
    /// The full storage object, as given.
    #[serde(deserialize_with = "l::opt_value")]
    pub storage: Option<Value>,
}

/// The `data` of a `storage:event`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StorageEvent {
    /// `storage.presigned_url_created`, …
    #[serde(rename = "type", deserialize_with = "l::opt_string")]
    pub event_type: Option<String>,
    /// Storage id: the identity.
    #[serde(deserialize_with = "l::id_string")]
    pub storage_id: String,
    /// Contract.
    #[serde(deserialize_with = "l::opt_string")]
    pub contract_id: Option<String>,
    /// Lobby.
    #[serde(deserialize_with = "l::opt_string")]
    pub lobby_id: Option<String>,
    /// Player.
    #[serde(deserialize_with = "l::opt_string")]
    pub player_id: Option<String>,
    /// When.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
    /// The storage object.
    pub payload: StoragePayload,
}

/// A decoded Hashi data event: one variant per inner event type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data")]
pub enum HashiEvent {
    /// `contract.created`.
    #[serde(rename = "contract.created")]
    ContractCreated(Box<ContractEvent>),
    /// `contract.initializing`.
    #[serde(rename = "contract.initializing")]
    ContractInitializing(Box<ContractEvent>),
    /// `contract.initialized`.
    #[serde(rename = "contract.initialized")]
    ContractInitialized(Box<ContractEvent>),
    /// `contract.deleted`.
    #[serde(rename = "contract.deleted")]
    ContractDeleted(Box<ContractEvent>),
    /// `contract.payment_transferred`.
    #[serde(rename = "contract.payment_transferred")]
    ContractPaymentTransferred(Box<ContractEvent>),
    /// `contract.outcome_attested`.
    #[serde(rename = "contract.outcome_attested")]
    ContractOutcomeAttested(Box<ContractEvent>),
    /// `contract.decision_contested`.
    #[serde(rename = "contract.decision_contested")]
    ContractDecisionContested(Box<ContractEvent>),
    /// `contract.mediation_submitted`.
    #[serde(rename = "contract.mediation_submitted")]
    ContractMediationSubmitted(Box<ContractEvent>),
    /// `contract.admin_decision`.
    #[serde(rename = "contract.admin_decision")]
    ContractAdminDecision(Box<ContractEvent>),
    /// `contract.payout_finalized`.
    #[serde(rename = "contract.payout_finalized")]
    ContractPayoutFinalized(Box<ContractEvent>),
    /// `lobby.created`.
    #[serde(rename = "lobby.created")]
    LobbyCreated(Box<LobbyEvent>),
    /// `lobby.joined`.
    #[serde(rename = "lobby.joined")]
    LobbyJoined(Box<LobbyEvent>),
    /// `lobby.left`.
    #[serde(rename = "lobby.left")]
    LobbyLeft(Box<LobbyEvent>),
    /// `lobby.deleted`.
    #[serde(rename = "lobby.deleted")]
    LobbyDeleted(Box<LobbyEvent>),
    /// `storage.external_url_created`.
    #[serde(rename = "storage.external_url_created")]
    StorageExternalUrlCreated(Box<StorageEvent>),
    /// `storage.presigned_url_created`.
    #[serde(rename = "storage.presigned_url_created")]
    StoragePresignedUrlCreated(Box<StorageEvent>),
    /// `storage.multipart_completed`.
    #[serde(rename = "storage.multipart_completed")]
    StorageMultipartCompleted(Box<StorageEvent>),
    /// `storage.multipart_aborted`.
    #[serde(rename = "storage.multipart_aborted")]
    StorageMultipartAborted(Box<StorageEvent>),
    /// `storage.deleted`.
    #[serde(rename = "storage.deleted")]
    StorageDeleted(Box<StorageEvent>),
}

impl HashiEvent {
    /// Wrap a contract event in the variant of its type.
    pub fn contract(kind: ContractEventType, e: ContractEvent) -> Self {
        match kind {
            ContractEventType::Created => Self::ContractCreated(Box::new(e)),
            ContractEventType::Initializing => Self::ContractInitializing(Box::new(e)),
            ContractEventType::Initialized => Self::ContractInitialized(Box::new(e)),
            ContractEventType::Deleted => Self::ContractDeleted(Box::new(e)),
            ContractEventType::PaymentTransferred => Self::ContractPaymentTransferred(Box::new(e)),
            ContractEventType::OutcomeAttested => Self::ContractOutcomeAttested(Box::new(e)),
            ContractEventType::DecisionContested => Self::ContractDecisionContested(Box::new(e)),
            ContractEventType::MediationSubmitted => Self::ContractMediationSubmitted(Box::new(e)),
            ContractEventType::AdminDecision => Self::ContractAdminDecision(Box::new(e)),
            ContractEventType::PayoutFinalized => Self::ContractPayoutFinalized(Box::new(e)),
        }
    }

    /// Wrap a lobby event in the variant of its type.
    pub fn lobby(kind: LobbyEventType, e: LobbyEvent) -> Self {
        match kind {
            LobbyEventType::Created => Self::LobbyCreated(Box::new(e)),
            LobbyEventType::Joined => Self::LobbyJoined(Box::new(e)),
            LobbyEventType::Left => Self::LobbyLeft(Box::new(e)),
            LobbyEventType::Deleted => Self::LobbyDeleted(Box::new(e)),
        }
    }

    /// Wrap a storage event in the variant of its type.
    pub fn storage(kind: StorageEventType, e: StorageEvent) -> Self {
        match kind {
            StorageEventType::ExternalUrlCreated => Self::StorageExternalUrlCreated(Box::new(e)),
            StorageEventType::PresignedUrlCreated => Self::StoragePresignedUrlCreated(Box::new(e)),
            StorageEventType::MultipartCompleted => Self::StorageMultipartCompleted(Box::new(e)),
            StorageEventType::MultipartAborted => Self::StorageMultipartAborted(Box::new(e)),
            StorageEventType::Deleted => Self::StorageDeleted(Box::new(e)),
        }
    }
}

/// The `data` of `connected`, `pong` and `error` (any of the fields may be present).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ControlData {
    /// Text.
    #[serde(deserialize_with = "l::opt_string")]
    pub message: Option<String>,
    /// `AUTH_ERROR`, …
    #[serde(deserialize_with = "l::opt_string")]
    pub code: Option<String>,
    /// Server clock.
    #[serde(deserialize_with = "l::opt_string")]
    pub timestamp: Option<String>,
}

impl ControlData {
    /// Read from a whole message: fields under `data`, else at the top level.
    pub fn from_message(msg: &Value) -> Self {
        let top = Self::deserialize(msg).unwrap_or_default();
        let inner = match msg.get("data") {
            Some(v @ Value::Object(_)) => Self::deserialize(v).unwrap_or_default(),
            Some(Value::String(s)) => Self {
                message: Some(s.clone()),
                ..Self::default()
            },
            _ => Self::default(),
        };
        Self {
            message: inner.message.or(top.message),
            code: inner.code.or(top.code),
            timestamp: inner.timestamp.or(top.timestamp),
        }
    }

    /// Whether the error code says authentication failed (`AUTH_ERROR`).
    pub fn is_auth_error(&self) -> bool {
        self.code.as_deref().is_some_and(|c| {
            let c = c.to_ascii_uppercase();
            c == "AUTH_ERROR" || c.contains("AUTH") || c == "UNAUTHORIZED"
        })
    }
}

/// `data` of `subscribe` / `unsubscribe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LobbyRef {
    /// The lobby room.
    pub lobby_id: String,
}

/// Client → server messages. The document does not give the subscribe shape; Gatewatch
/// sends `{"type":"subscribe","data":{"lobbyId":…}}` (see specs/README.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HashiClientMessage {
    /// `{"type":"ping"}`: keep-alive; the server answers `pong`.
    Ping,
    /// `{"type":"subscribe","data":{"lobbyId":…}}`.
    Subscribe {
        /// The lobby.
        data: LobbyRef,
    },
    /// `{"type":"unsubscribe","data":{"lobbyId":…}}`.
    Unsubscribe {
        /// The lobby.
        data: LobbyRef,
    },
}

impl HashiClientMessage {
    /// `subscribe` to a lobby room.
    pub fn subscribe(lobby_id: impl Into<String>) -> Self {
        Self::Subscribe {
            data: LobbyRef {
                lobby_id: lobby_id.into(),
            },
        }
    }

    /// `unsubscribe` from a lobby room.
    pub fn unsubscribe(lobby_id: impl Into<String>) -> Self {
        Self::Unsubscribe {
            data: LobbyRef {
                lobby_id: lobby_id.into(),
            },
        }
    }

    /// The exact JSON text to send.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
