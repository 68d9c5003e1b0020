// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { EntityKind } from "./EntityKind";
import type { GatewayKind } from "./GatewayKind";
import type { Severity } from "./Severity";

export type AlertRow = {
  id: string;
  severity: Severity;
  connection: string;
  gateway: GatewayKind;
  entity_kind: EntityKind | null;
  entity_id: string | null;
  title: string;
  body: string;
  at: string;
  notified_os: boolean;
};
