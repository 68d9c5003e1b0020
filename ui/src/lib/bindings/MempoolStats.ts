// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type MempoolStats = {
  connection: string;
  total: number | null;
  submitted: number | null;
  matched: number | null;
  executing: number | null;
  completed: number | null;
  failed: number | null;
  cancelled: number | null;
  at: string;
};
