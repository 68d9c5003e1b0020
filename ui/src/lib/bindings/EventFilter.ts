// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { Direction } from "./Direction";

export type EventFilter = {
  connection: string | null;
  direction: Direction | null;
  event_type: string | null;
  entity_id: string | null;
  text: string | null;
  before_id: number | null;
  limit: number;
};
