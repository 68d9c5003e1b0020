// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type StorageItemView = {
  connection: string;
  id: string;
  contract_id: string | null;
  lobby_id: string | null;
  player_id: string | null;
  stage: string;
  terminal: boolean;
  updated_at: string;
};
