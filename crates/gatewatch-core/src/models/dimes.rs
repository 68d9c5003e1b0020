//! Dimes messages (stub: filled in by the core decoder work).

use serde::Serialize;

/// A decoded Dimes data event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DimesEvent {
    /// Placeholder until the models land.
    Placeholder,
}
