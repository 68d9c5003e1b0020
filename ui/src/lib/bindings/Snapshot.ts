// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { UiBatch } from "./UiBatch";

export type Snapshot = UiBatch & {
  /** Running on the embedded simulator. */
  demo: boolean;
  version: string;
};
