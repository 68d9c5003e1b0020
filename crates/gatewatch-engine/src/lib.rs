//! `gatewatch-engine`: the wiring. Connectors → decode → dedupe/reduce → store, alerts and
//! subscribers (UI, CLI), with one cancellation token for shutdown.
//!
//! Layout:
//! - [`engine`]: [`Engine::start`] and the pipeline task (reducer, alert rules, fan-out).
//! - [`writer`]: the store writer (batched transactions, bounded channel = backpressure).
//! - [`spec`]: config → connector specs; the demo config for the embedded simulator.
//! - [`config_file`]: finding/reading the config file and resolving credentials.
//! - [`catchup`]: Dimes `GET /positions` after a reconnect.
//! - [`replay`]: recorded frames through the same pipeline.
//! - [`status`]: per-connection status and counters for the CLI and the UI.
//! - [`notify`]: OS notifications for critical alerts.
#![deny(missing_docs)]

pub mod catchup;
pub mod config_file;
pub mod engine;
pub mod notify;
pub mod replay;
pub mod spec;
pub mod status;
pub mod writer;

pub use engine::{Engine, EngineOptions, Update};
pub use status::{ConnectionStatus, Counters};

/// Why the engine could not start or carry out a command.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The config (or a credential it references) is invalid.
    #[error(transparent)]
    Config(#[from] config_file::LoadError),
    /// The embedded simulator failed to start.
    #[error("embedded simulator: {0}")]
    Simulator(gatewatch_sim::SimError),
    /// The store failed.
    #[error("store: {0}")]
    Store(gatewatch_store::StoreError),
    /// A connector command failed.
    #[error("connection: {0}")]
    Net(gatewatch_net::NetError),
    /// No connection by that name.
    #[error("no connection named \"{0}\"")]
    NoSuchConnection(String),
    /// A lock was poisoned by a panic elsewhere.
    #[error("internal state unavailable (a task panicked)")]
    Poisoned,
    /// Reading a recording failed, or the connectors' thread could not be started.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
