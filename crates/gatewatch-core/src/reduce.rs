//! reduce (stub).
