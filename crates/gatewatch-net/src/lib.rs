//! `gatewatch-net`: the connectors to the five gateways.
//!
//! One task per configured connection speaks the gateway's protocol over
//! `tokio-tungstenite`: raw WebSocket with JSON text for Axisor, zkde and Hashi, and a thin
//! Socket.IO v4 client (websocket transport only) for Dimes and Fusion. Each task runs one
//! state machine (connecting → connected → authenticated → subscribed, reconnecting with
//! backoff, auth failed, gave up, stopped), answers and sends heartbeats, re-joins every
//! subscription after a reconnect, decodes every inbound message with
//! [`gatewatch_core::decode`] and hands the results to the engine through one bounded
//! channel.
//!
//! Layout:
//! - [`spec`]: what the engine configures ([`ConnectorSpec`], [`AuthMode`],
//!   [`Subscriptions`], [`Limits`], [`Command`]).
//! - [`connector`]: [`spawn`], [`ConnectionHandle`] and the socket loop.
//! - [`runtime`]: [`NetRuntime`], a thread of its own for the connectors and their consumer
//!   (no cross-thread hand-off per event).
//! - [`state`]: [`ConnState`] and [`NetEvent`], what a connector reports.
//! - [`backoff`] and [`heartbeat`]: the pure reconnect and liveness policies.
//! - [`tap`]: [`FrameTap`], every frame in and out (redacted) for the inspector.
//! - [`counters`]: per-connection [`Counters`].
//! - `gateway` (per-gateway URLs, auth, subscription and ping frames) and `sio` (the Socket.IO
//!   codec) are internal.
//!
//! Secrets never leave this crate unredacted: frames, previews, logs and error messages all
//! pass through [`gatewatch_core::redact`]. Add [`LOG_CAP`] to a tracing filter so
//! tungstenite's trace output (which prints the handshake request) stays out of the logs.
#![deny(missing_docs)]

pub mod backoff;
pub mod connector;
pub mod counters;
mod error;
mod gateway;
pub mod heartbeat;
pub mod runtime;
mod sio;
pub mod spec;
pub mod state;
pub mod tap;

pub use backoff::{Backoff, BackoffPolicy};
pub use connector::{spawn, ConnectionHandle, EVENT_CHANNEL};
pub use counters::{Counters, CountersSnapshot};
pub use error::NetError;
pub use gatewatch_core::redact::Secret;
pub use heartbeat::HeartbeatPolicy;
pub use runtime::NetRuntime;
pub use spec::{AuthMode, Command, ConnectorSpec, Limits, Subscriptions};
pub use state::{ConnState, NetEvent};
pub use tap::{FrameSubscriber, FrameTap};

/// Directives to append to any `tracing_subscriber::EnvFilter`: tungstenite logs the full
/// handshake request (with `Authorization` headers and `?token=` URLs) at debug/trace level,
/// so its level is capped at `info` whatever the user asks for.
pub const LOG_CAP: &str = "tungstenite=info,tokio_tungstenite=info";
