// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { Direction } from "./Direction";
import type { EntityKind } from "./EntityKind";
import type { GatewayKind } from "./GatewayKind";

export type FrameRow = {
  seq: number;
  connection: string;
  gateway: GatewayKind;
  direction: Direction;
  at: string;
  event_type: string | null;
  entity_kind: EntityKind | null;
  entity_id: string | null;
  decode_error: string | null;
  /** The raw frame, secrets already redacted. */
  text: string;
};
