// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
import type { AlertRow } from "./AlertRow";
import type { ConnectionStatus } from "./ConnectionStatus";
import type { ContractView } from "./ContractView";
import type { FrameRow } from "./FrameRow";
import type { IntentView } from "./IntentView";
import type { LobbyView } from "./LobbyView";
import type { MempoolStats } from "./MempoolStats";
import type { PositionView } from "./PositionView";
import type { StorageItemView } from "./StorageItemView";
import type { Toast } from "./Toast";

/** Upserts: an entity in a batch replaces the one with the same (venue/connection, id). */
export type UiBatch = {
  connections: Array<ConnectionStatus>;
  positions: Array<PositionView>;
  intents: Array<IntentView>;
  lobbies: Array<LobbyView>;
  contracts: Array<ContractView>;
  storage_items: Array<StorageItemView>;
  frames: Array<FrameRow>;
  toasts: Array<Toast>;
  alerts: Array<AlertRow>;
  mempool: MempoolStats | null;
  frames_dropped: number;
};
