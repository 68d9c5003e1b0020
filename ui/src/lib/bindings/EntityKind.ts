// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type EntityKind = "position" | "intent" | "lobby" | "contract" | "storage_item" | "market" | "strategy" | "proof" | "agent" | "notification" | "price_alert" | "risk_alert" | "margin_guard_run" | "service" | "mempool";
