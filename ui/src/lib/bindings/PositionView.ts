// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type PositionView = {
  venue: string;
  connection: string;
  id: string;
  market: string | null;
  side: string | null;
  size: number | null;
  entry: number | null;
  current_value: number | null;
  pnl: number | null;
  leverage: number | null;
  margin: number | null;
  distance_to_liquidation: number | null;
  at_risk: boolean;
  status: string | null;
  finalizing: boolean;
  closed: boolean;
  stale: boolean;
  last_event_type: string;
  created_at: string;
  updated_at: string;
};
