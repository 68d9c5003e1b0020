//! `gatewatch-core`: everything Gatewatch knows about the five gateways, with no I/O.
//!
//! Layout:
//! - [`event`]: the normalized [`Event`] every gateway decodes into, and the shared
//!   vocabulary ([`GatewayKind`], [`EntityKind`], [`EntityRef`], [`Severity`], [`Control`]).
//! - [`wire`]: what a connector hands to a decoder ([`WireMessage`]) and the frame record
//!   shown in the inspector ([`Frame`]).
//! - [`models`]: serde models of every server→client and client→server message, one module
//!   per gateway.
//! - [`decode`]: one decoder per gateway, wire message → [`Decoded`]; never panics.
//! - [`reduce`]: folds events into entity state (dedupe, out-of-order, terminal states).
//! - [`views`]: venue-independent projections of entity state (positions, intents, lobbies).
//! - [`config`]: the TOML configuration model and its validation.
//! - [`hash`]: the content hash behind the dedupe keys of events without an id.
//! - [`json`]: JSON text to `serde_json::Value`, faster than serde_json on gateway frames.
//! - [`tape`]: JSON text read once into nodes that borrow it, for reading fields without a
//!   `Value` tree.
//! - [`redact`]: the one place secrets are removed from URLs, headers and payloads.
//! - [`alerts`]: alert rules over decoded events.
#![deny(missing_docs)]

pub mod alerts;
pub mod config;
pub mod decode;
pub mod event;
pub mod hash;
pub mod json;
pub mod models;
pub mod redact;
pub mod reduce;
pub mod tape;
pub mod views;
pub mod wire;

pub use decode::{decode, DecodeContext, DecodeError};
pub use event::{
    ConnectionId, Control, Decoded, EntityKind, EntityRef, Event, EventBody, GatewayKind, Payload,
    Severity,
};
pub use wire::{Direction, Frame, WireMessage};
