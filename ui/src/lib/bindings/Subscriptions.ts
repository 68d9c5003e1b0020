// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
export type Subscriptions = {
  rooms: Array<string>;
  zkde_events: Array<string>;
  lobbies: Array<string>;
  intents: Array<string>;
  all_intents: boolean;
};
