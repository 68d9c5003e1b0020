//! `gatewatch-engine`: the wiring. Connectors → decode → dedupe/reduce → store, alerts and
//! subscribers (UI, CLI), with one cancellation token for shutdown.
#![deny(missing_docs)]

pub mod config_file;
pub mod notify;
