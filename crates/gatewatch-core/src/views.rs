//! views (stub).
