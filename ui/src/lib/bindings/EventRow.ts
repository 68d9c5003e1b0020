// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { EntityKind } from "./EntityKind";
import type { GatewayKind } from "./GatewayKind";
import type { Severity } from "./Severity";

export type EventRow = {
  id: number;
  connection: string;
  gateway: GatewayKind;
  event_type: string;
  entity_kind: EntityKind | null;
  entity_id: string | null;
  severity: Severity;
  created_at: string | null;
  received_at: string;
  /** Redacted. */
  payload: unknown;
};
