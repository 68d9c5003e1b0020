// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type AppInfo = { version: string; gateway_kinds: Array<string> };
