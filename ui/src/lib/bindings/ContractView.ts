// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type ContractView = {
  connection: string;
  id: string;
  lobby_id: string | null;
  stage: string;
  terminal: boolean;
  updated_at: string;
};
