// The app's live state: everything the views read, folded from the snapshot and then from
// each live batch. Collections are `$state.raw` and replaced (not mutated) when a batch
// changes them, so only views reading a changed collection re-run, and keyed `{#each}`
// blocks only touch the cards whose object changed. The frame log is a plain ring outside
// Svelte's reactivity (thousands of rows a second); `framesVersion` tells readers it moved.

import type { AlertRow } from './bindings/AlertRow';
import type { ConnectionStatus } from './bindings/ConnectionStatus';
import type { ContractView } from './bindings/ContractView';
import type { IntentView } from './bindings/IntentView';
import type { LobbyView } from './bindings/LobbyView';
import type { MempoolStats } from './bindings/MempoolStats';
import type { PositionView } from './bindings/PositionView';
import type { Snapshot } from './bindings/Snapshot';
import type { StorageItemView } from './bindings/StorageItemView';
import type { Toast } from './bindings/Toast';
import type { UiBatch } from './bindings/UiBatch';
import { capMap, connectionKey, positionKey, replaceAll, upsertAll } from './logic/entities';
import { FrameLog } from './logic/frames';
import { ToastStack } from './logic/toasts';

/** UI-side bound on frames kept for the inspector (the engine keeps its own ring). */
export const FRAME_RING_CAPACITY = 20_000;
/** Bounds on other collections that only grow. */
const MAX_ENTITIES = 5_000;
const MAX_NOTIFICATIONS = 500;
const MAX_ALERTS = 500;

const arr = <T>(v: T[] | null | undefined): T[] => (Array.isArray(v) ? v : []);

export class AppState {
  demo = $state(false);
  version = $state('');
  loaded = $state(false);
  loadError = $state<string | null>(null);
  /** Batches received on the live channel. */
  batches = $state(0);

  connections = $state.raw<ReadonlyMap<string, ConnectionStatus>>(new Map());
  positions = $state.raw<ReadonlyMap<string, PositionView>>(new Map());
  intents = $state.raw<ReadonlyMap<string, IntentView>>(new Map());
  lobbies = $state.raw<ReadonlyMap<string, LobbyView>>(new Map());
  contracts = $state.raw<ReadonlyMap<string, ContractView>>(new Map());
  storageItems = $state.raw<ReadonlyMap<string, StorageItemView>>(new Map());
  alerts = $state.raw<ReadonlyMap<string, AlertRow>>(new Map());
  mempool = $state.raw<MempoolStats | null>(null);
  /** Notification history, newest first. */
  notifications = $state.raw<Toast[]>([]);

  readonly frames = new FrameLog(FRAME_RING_CAPACITY);
  framesVersion = $state(0);
  /** Frames the engine says it dropped (its ring overflowed or the UI was paused). */
  framesDroppedByEngine = $state(0);
  inspectorPaused = $state(false);
  /** Frames that arrived while the inspector was paused and were not kept. */
  framesSkippedWhilePaused = $state(0);

  readonly toastStack = new ToastStack(4);
  toastsVersion = $state(0);

  applySnapshot(s: Snapshot): void {
    this.demo = s.demo === true;
    this.version = typeof s.version === 'string' ? s.version : '';
    this.applyBatch(s);
    this.loaded = true;
  }

  applyBatch(b: UiBatch, now: number = Date.now()): void {
    this.batches += 1;
    // A reset batch is the whole state of a (re)started engine: what it doesn't carry is
    // gone (a removed connection's tile and cards, the demo's data after leaving demo mode).
    const reset = b.reset ?? null;
    if (reset) this.demo = reset.demo === true;
    const base = <T>(m: ReadonlyMap<string, T>): ReadonlyMap<string, T> => (reset ? new Map() : m);
    // Connections come as the whole list whenever present: replace, so removals show.
    const conns = arr(b.connections);
    if (reset || conns.length > 0) {
      this.connections = replaceAll(this.connections, conns, (c) => c.connection);
    }
    this.positions = capMap(upsertAll(base(this.positions), arr(b.positions), positionKey), MAX_ENTITIES);
    this.intents = capMap(upsertAll(base(this.intents), arr(b.intents), connectionKey), MAX_ENTITIES);
    this.lobbies = capMap(upsertAll(base(this.lobbies), arr(b.lobbies), connectionKey), MAX_ENTITIES);
    this.contracts = capMap(upsertAll(base(this.contracts), arr(b.contracts), connectionKey), MAX_ENTITIES);
    this.storageItems = capMap(
      upsertAll(base(this.storageItems), arr(b.storage_items), connectionKey),
      MAX_ENTITIES,
    );
    this.alerts = capMap(upsertAll(this.alerts, arr(b.alerts), (a) => a.id), MAX_ALERTS);
    if (b.mempool) this.mempool = b.mempool;
    else if (reset) this.mempool = null;
    if (typeof b.frames_dropped === 'number' && b.frames_dropped > 0) {
      this.framesDroppedByEngine += b.frames_dropped;
    }

    const frames = arr(b.frames);
    if (frames.length > 0) {
      if (this.inspectorPaused) {
        this.framesSkippedWhilePaused += frames.length;
      } else {
        this.frames.push(frames);
        this.framesVersion += 1;
      }
    }

    const toasts = arr(b.toasts);
    if (toasts.length > 0) {
      this.addNotifications(toasts);
      this.toastStack.add(toasts, now);
      this.toastsVersion += 1;
    }
  }

  /** Merge toasts into the history (newest first, ids unique, bounded). */
  addNotifications(toasts: readonly Toast[]): void {
    const seen = new Set(this.notifications.map((t) => t.id));
    const fresh = toasts.filter((t) => !seen.has(t.id));
    if (fresh.length === 0) return;
    const merged = [...fresh, ...this.notifications];
    merged.sort((a, b) => b.at.localeCompare(a.at));
    this.notifications = merged.slice(0, MAX_NOTIFICATIONS);
  }

  dismissToast(id: string): void {
    this.toastStack.dismiss(id);
    this.toastsVersion += 1;
  }

  expireToasts(now: number = Date.now()): void {
    if (this.toastStack.expire(now)) this.toastsVersion += 1;
  }
}
