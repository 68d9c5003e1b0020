// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
// participant_count is a Rust Option<u64>: it needs #[ts(type = "number | null")] when generated.
export type LobbyView = {
  connection: string;
  id: string;
  code: string | null;
  participants: Array<string>;
  participant_count: number | null;
  deleted: boolean;
  last_event_type: string;
  updated_at: string;
};
