//! The one error every command returns. It crosses to the UI as `{ kind, message }`: `kind` is
//! stable and machine-readable (the UI can tell "not found" from "the keychain refused"),
//! `message` is for people and never holds a secret.

use gatewatch_engine::EngineError;
use gatewatch_store::StoreError;
use serde::Serialize;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The engine is still starting (or failed to start: the message says why).
    #[error("{0}")]
    NotRunning(String),
    /// The engine refused or failed (unknown connection, a connector command, start-up).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The SQLite cache failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The app runs without a database, so history is unavailable.
    #[error("no event history: the app runs without a database")]
    NoStore,
    /// Nothing by that id.
    #[error("{0}")]
    NotFound(String),
    /// The request itself is wrong (an empty id, an invalid threshold).
    #[error("{0}")]
    InvalidInput(String),
    /// The config file could not be read, edited or validated (names file, connection, field).
    #[error("{0}")]
    Config(String),
    /// The OS keychain refused to store a secret.
    #[error("keychain: {0}")]
    Keychain(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

impl AppError {
    /// The stable kind the UI sees.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::NotRunning(_) => "not_running",
            AppError::Engine(EngineError::NoSuchConnection(_)) => "no_such_connection",
            AppError::Engine(EngineError::Config(_)) => "config",
            AppError::Engine(EngineError::Net(_)) => "connection",
            AppError::Engine(_) => "engine",
            AppError::Store(_) => "store",
            AppError::NoStore => "no_store",
            AppError::NotFound(_) => "not_found",
            AppError::InvalidInput(_) => "invalid_input",
            AppError::Config(_) => "config",
            AppError::Keychain(_) => "keychain",
            AppError::Io { .. } => "io",
        }
    }

    /// The wire shape.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            kind: self.kind().to_owned(),
            message: self.to_string(),
        }
    }
}

/// What a rejected command sends the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AppError"))]
pub struct ErrorBody {
    /// Stable, machine-readable: `not_found`, `invalid_input`, `config`, `keychain`, …
    pub kind: String,
    /// For people; never holds a secret.
    pub message: String,
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_kind_and_message() {
        let e = AppError::Engine(EngineError::NoSuchConnection("fusion-x".into()));
        let json = serde_json::to_value(&e).expect("serializable");
        assert_eq!(
            json,
            serde_json::json!({"kind": "no_such_connection", "message": "no connection named \"fusion-x\""})
        );
        let e = AppError::NotFound("no intent int_1".into());
        assert_eq!(
            serde_json::to_value(&e).expect("serializable")["kind"],
            "not_found"
        );
    }
}
