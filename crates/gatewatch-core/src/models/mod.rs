//! Serde models of every message in the five gateway documents, one module per gateway.
//!
//! Server → client models are lenient: every field is optional except the identities the
//! documents give (ids), unknown fields are ignored, and numbers are accepted as JSON
//! numbers or numeric strings. Client → server messages serialize to the exact JSON text a
//! connector sends (`to_json`).

pub mod axisor;
pub mod dimes;
pub mod fusion;
pub mod hashi;
pub(crate) mod lenient;
pub mod zkde;
