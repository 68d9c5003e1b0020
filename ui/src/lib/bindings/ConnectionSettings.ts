// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { Credential } from "./Credential";
import type { GatewayKind } from "./GatewayKind";
import type { Subscriptions } from "./Subscriptions";

export type ConnectionSettings = {
  name: string;
  kind: GatewayKind;
  url: string;
  environment: string;
  credential: Credential;
  subscriptions: Subscriptions;
};
