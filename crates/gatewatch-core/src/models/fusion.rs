//! Fusion messages (stub: filled in by the core decoder work).

use serde::Serialize;

/// A decoded Fusion data event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FusionEvent {
    /// Placeholder until the models land.
    Placeholder,
}
