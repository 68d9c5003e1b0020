// The one place the UI talks to the Rust side. Every command is async and rejects with an
// `AppError` ({ kind, message }); `errorMessage` turns whatever was thrown into text.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { AlertThresholds } from './bindings/AlertThresholds';
import type { AppError } from './bindings/AppError';
import type { AppInfo } from './bindings/AppInfo';
import type { ConnectionSettings } from './bindings/ConnectionSettings';
import type { EventFilter } from './bindings/EventFilter';
import type { EventRow } from './bindings/EventRow';
import type { IntentDetail } from './bindings/IntentDetail';
import type { Snapshot } from './bindings/Snapshot';
import type { TestResult } from './bindings/TestResult';
import type { Toast } from './bindings/Toast';
import type { UiBatch } from './bindings/UiBatch';

/** Whether a thrown value has the `AppError` shape every command rejects with. */
export function isAppError(e: unknown): e is AppError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { kind?: unknown }).kind === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

/** Human-readable text for anything a command (or the IPC layer itself) threw. */
export function errorMessage(e: unknown): string {
  if (isAppError(e)) return `${e.kind}: ${e.message}`;
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  return 'unknown error';
}

export const api = {
  appInfo: () => invoke<AppInfo>('app_info'),
  snapshot: () => invoke<Snapshot>('snapshot'),
  /** Live batches (at most ~30/s); the callback runs once per batch. */
  subscribeLive: (onBatch: (b: UiBatch) => void) => {
    const channel = new Channel<UiBatch>();
    channel.onmessage = onBatch;
    return invoke<void>('subscribe_live', { channel });
  },
  lookupIntent: (id: string) => invoke<IntentDetail>('lookup_intent', { id }),
  subscribeIntent: (connection: string, id: string) =>
    invoke<void>('subscribe_intent', { connection, id }),
  searchEvents: (filter: EventFilter) => invoke<EventRow[]>('search_events', { filter }),
  exportEvents: (filter: EventFilter, path: string) =>
    invoke<number>('export_events', { filter, path }),
  setInspectorPaused: (paused: boolean) => invoke<void>('set_inspector_paused', { paused }),
  listConnections: () => invoke<ConnectionSettings[]>('list_connections'),
  saveConnection: (settings: ConnectionSettings, secret: string | null) =>
    invoke<void>('save_connection', { settings, secret }),
  removeConnection: (name: string) => invoke<void>('remove_connection', { name }),
  testConnection: (settings: ConnectionSettings, secret: string | null) =>
    invoke<TestResult>('test_connection', { settings, secret }),
  getAlertThresholds: () => invoke<AlertThresholds>('get_alert_thresholds'),
  setAlertThresholds: (thresholds: AlertThresholds) =>
    invoke<void>('set_alert_thresholds', { thresholds }),
  // Tauri maps a Rust `muted_until` parameter to the JS key `mutedUntil` unless the command
  // says `rename_all = "snake_case"`; the contract spells it `muted_until`. Send both: a
  // command ignores keys it doesn't take.
  setMuted: (connection: string, mutedUntil: string | null) =>
    invoke<void>('set_muted', { connection, muted_until: mutedUntil, mutedUntil }),
  notificationHistory: () => invoke<Toast[]>('notification_history'),
};
