// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type Direction = "in" | "out";
