//! gatewatch-sim: simulators of the five gateways on loopback (WIP).
#![deny(missing_docs)]

mod creds;
pub mod error;
pub mod options;
mod rng;
pub mod script;
pub mod truth;
