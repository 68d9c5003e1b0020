// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type AlertThresholds = {
  distance_to_liquidation: number;
  rearm_margin: number;
  group_window_secs: number;
  max_notifications_per_minute: number;
};
