//! redact (stub).
