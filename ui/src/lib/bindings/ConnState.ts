// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type ConnState =
  | { state: "connecting" }
  | { state: "connected" }
  | { state: "authenticated" }
  | { state: "subscribed" }
  | { state: "reconnecting"; attempt: number; next_try_at: string }
  | { state: "auth_failed"; message: string }
  | { state: "gave_up"; reason: string }
  | { state: "stopped" };
