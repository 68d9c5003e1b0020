//! Axisor messages (stub: filled in by the core decoder work).

use serde::Serialize;

/// A decoded Axisor data event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum AxisorEvent {
    /// Placeholder until the models land.
    Placeholder,
}
