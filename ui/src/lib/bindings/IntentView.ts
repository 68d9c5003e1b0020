// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type IntentView = {
  connection: string;
  id: string;
  status: string | null;
  proof_status: string | null;
  solver: string | null;
  from_chain: string | null;
  to_chain: string | null;
  amount: string | null;
  htlc_state: unknown;
  tx_hashes: unknown;
  error: string | null;
  failure_reason: string | null;
  terminal: boolean;
  created_at: string;
  updated_at: string;
};
