// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { EventRow } from "./EventRow";
import type { IntentView } from "./IntentView";

export type IntentDetail = { intent: IntentView | null; timeline: Array<EventRow> };
