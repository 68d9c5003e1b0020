//! Hashi messages (stub: filled in by the core decoder work).

use serde::Serialize;

/// A decoded Hashi data event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum HashiEvent {
    /// Placeholder until the models land.
    Placeholder,
}
