// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { GatewayKind } from "./GatewayKind";
import type { Severity } from "./Severity";

export type Toast = {
  id: string;
  severity: Severity;
  connection: string;
  gateway: GatewayKind;
  title: string;
  body: string;
  at: string;
};
