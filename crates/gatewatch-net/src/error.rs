//! The crate's error type.

use gatewatch_core::GatewayKind;

/// What can go wrong when talking to a connector.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// The connection's task has ended (stopped, or the handle outlived it).
    #[error("connection `{0}` is not running")]
    Closed(String),
    /// The command makes no sense for this gateway (a room on Hashi, a lobby on Fusion…).
    #[error("{command} is not supported by {gateway}")]
    Unsupported {
        /// The command's name.
        command: &'static str,
        /// The gateway.
        gateway: GatewayKind,
    },
    /// The configured URL can't be used (already redacted).
    #[error("bad URL `{url}`: {reason}")]
    BadUrl {
        /// The URL, secrets redacted.
        url: String,
        /// Why.
        reason: String,
    },
    /// The auth mode can't be used with this gateway.
    #[error("auth mode {mode:?} is not supported by {gateway}")]
    BadAuthMode {
        /// The configured mode.
        mode: crate::AuthMode,
        /// The gateway.
        gateway: GatewayKind,
    },
}
