// Test-only: installs a mocked Tauri IPC (`window.__TAURI_INTERNALS__`) before the app
// starts, serving the data in ./data.ts. Bundled to an IIFE by e2e/harness.mjs and injected
// with `page.addInitScript`; never part of the app's build.
//
// Tests drive it through `window.__gw`: push live batches, read the commands the UI called.

import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import type { Channel } from '@tauri-apps/api/core';
import type { EventFilter } from '../../src/lib/bindings/EventFilter';
import type { UiBatch } from '../../src/lib/bindings/UiBatch';
import * as data from './data';

type MockConfig = { demo?: boolean; empty?: boolean };
type Call = { cmd: string; args: unknown };

declare global {
  interface Window {
    __GW_MOCK_CONFIG?: MockConfig;
    __gw: {
      calls: Call[];
      live: boolean;
      push: (b: Partial<UiBatch>) => void;
      frames: (n: number) => UiBatch['frames'];
      data: typeof data;
    };
  }
}

const cfg: MockConfig = window.__GW_MOCK_CONFIG ?? {};
let channel: Channel<UiBatch> | null = null;
const calls: Call[] = [];
let connectionSettings = data.settings();
let thresholds = { distance_to_liquidation: 0.05, rearm_margin: 0.02, group_window_secs: 30, max_notifications_per_minute: 6 };

const reject = (kind: string, message: string) => Promise.reject({ kind, message });

function searchEvents(f: EventFilter) {
  const text = f.text?.toLowerCase() ?? null;
  return data
    .historyEvents()
    .filter((e) => (f.connection ? e.connection === f.connection : true))
    .filter((e) => (f.event_type ? e.event_type.includes(f.event_type) : true))
    .filter((e) => (f.entity_id ? (e.entity_id ?? '').includes(f.entity_id) : true))
    .filter((e) => (text ? JSON.stringify(e).toLowerCase().includes(text) : true))
    .filter((e) => (f.before_id !== null ? e.id < f.before_id : true))
    .slice(0, f.limit);
}

mockWindows('main');
mockIPC((cmd, rawArgs) => {
  const args = (rawArgs ?? {}) as Record<string, unknown>;
  // Record JSON-safe arguments only (the live channel is an object with callbacks).
  calls.push({ cmd, args: cmd === 'subscribe_live' ? {} : JSON.parse(JSON.stringify(args)) });
  switch (cmd) {
    case 'app_info':
      return { version: '0.1.0', gateway_kinds: ['dimes-partner', 'dimes-customer', 'axisor', 'zkde', 'hashi', 'fusion'] };
    case 'snapshot':
      return cfg.empty ? data.emptySnapshot(cfg.demo ?? false) : data.realisticSnapshot(cfg.demo ?? true);
    case 'subscribe_live':
      channel = args.channel as Channel<UiBatch>;
      window.__gw.live = true;
      return null;
    case 'lookup_intent': {
      const id = String(args.id ?? '');
      const intent = data.intents().find((i) => i.id === id) ?? null;
      if (!intent) return reject('not_found', `no intent ${id}`);
      return { intent, timeline: id === data.LOOKUP_INTENT_ID ? data.intentTimeline() : [] };
    }
    case 'subscribe_intent':
    case 'set_inspector_paused':
    case 'set_muted':
      return null;
    case 'search_events':
      return searchEvents(args.filter as EventFilter);
    case 'export_events':
      return searchEvents({ ...(args.filter as EventFilter), limit: 1e9 }).length;
    case 'list_connections':
      return connectionSettings;
    case 'save_connection': {
      const s = args.settings as (typeof connectionSettings)[number];
      connectionSettings = [...connectionSettings.filter((c) => c.name !== s.name), s];
      return null;
    }
    case 'remove_connection':
      connectionSettings = connectionSettings.filter((c) => c.name !== args.name);
      return null;
    case 'test_connection':
      return { ok: true, message: 'Connected and authenticated in 84 ms.' };
    case 'get_alert_thresholds':
      return thresholds;
    case 'set_alert_thresholds':
      thresholds = args.thresholds as typeof thresholds;
      return null;
    case 'notification_history':
      return cfg.empty ? [] : data.toasts();
    default:
      return reject('unknown_command', cmd);
  }
});

window.__gw = {
  calls,
  live: false,
  push: (b) => {
    if (!channel) throw new Error('the UI has not called subscribe_live yet');
    channel.onmessage({ ...data.emptyBatch(), ...b });
  },
  frames: data.frames,
  data,
};
