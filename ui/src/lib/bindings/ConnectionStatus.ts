// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { ConnState } from "./ConnState";
import type { Counters } from "./Counters";
import type { GatewayKind } from "./GatewayKind";

export type ConnectionStatus = {
  connection: string;
  gateway: GatewayKind;
  environment: string;
  /** Already redacted by the engine. */
  url: string;
  state: ConnState;
  counters: Counters;
  last_error: string | null;
};
