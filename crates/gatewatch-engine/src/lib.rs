//! gatewatch-engine: Wiring: connectors -> decode -> dedupe/reduce -> store, alerts and subscribers, with one shutdown.
