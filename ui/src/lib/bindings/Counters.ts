// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type Counters = {
  frames_in: number;
  frames_out: number;
  events: number;
  decode_errors: number;
  duplicates: number;
  stale: number;
  reconnects: number;
  dropped_frames: number;
  last_event_at: string | null;
  events_per_sec: number;
  heartbeat_rtt_ms: number | null;
};
