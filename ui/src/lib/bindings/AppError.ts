// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
/** Every command rejects with this shape. */
export type AppError = { kind: string; message: string };
