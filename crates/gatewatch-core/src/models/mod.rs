//! Serde models of every message in the five gateway documents, one module per gateway.

pub mod axisor;
pub mod dimes;
pub mod fusion;
pub mod hashi;
pub mod zkde;
