//! Zkde messages (stub: filled in by the core decoder work).

use serde::Serialize;

/// A decoded Zkde data event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ZkdeEvent {
    /// Placeholder until the models land.
    Placeholder,
}
