//! gatewatch-store: SQLite cache through sqlx: migrations, entity tables, event log, queries.
