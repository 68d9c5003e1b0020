//! alerts (stub).
