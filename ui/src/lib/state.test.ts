import { describe, expect, it } from 'vitest';
import type { UiBatch } from './bindings/UiBatch';
import { conn, pos, frame } from './logic/fixtures.test-util';
import { positionKey } from './logic/entities';
import { AppState } from './state.svelte';

const batch = (over: Partial<UiBatch> = {}): UiBatch => ({
  reset: null, connections: [], positions: [], intents: [], lobbies: [], contracts: [], storage_items: [],
  frames: [], toasts: [], alerts: [], mempool: null, frames_dropped: 0, ...over,
});

describe('AppState.applyBatch', () => {
  it('upserts positions in place and keeps untouched objects identical', () => {
    const s = new AppState();
    s.applyBatch(batch({ positions: [pos({ id: 'a' }), pos({ id: 'b' })] }));
    const b = s.positions.get(positionKey({ venue: 'dimes', id: 'b' }));
    s.applyBatch(batch({ positions: [pos({ id: 'a', status: 'liquidated', closed: true })] }));
    expect(s.positions.size).toBe(2);
    expect(s.positions.get(positionKey({ venue: 'dimes', id: 'a' }))?.status).toBe('liquidated');
    expect(s.positions.get(positionKey({ venue: 'dimes', id: 'b' }))).toBe(b);
  });

  it('tolerates missing collections (an older engine) without throwing', () => {
    const s = new AppState();
    s.applyBatch({ positions: [pos()] } as unknown as UiBatch);
    expect(s.positions.size).toBe(1);
  });

  it('keeps frames unless paused, and counts what was skipped', () => {
    const s = new AppState();
    s.applyBatch(batch({ frames: [frame(), frame()], frames_dropped: 3 }));
    expect(s.frames.length).toBe(2);
    expect(s.framesDroppedByEngine).toBe(3);
    s.inspectorPaused = true;
    s.applyBatch(batch({ frames: [frame()] }));
    expect(s.frames.length).toBe(2);
    expect(s.framesSkippedWhilePaused).toBe(1);
  });

  it('stacks toasts and records them in the history once', () => {
    const s = new AppState();
    const t = { id: 't1', severity: 'warning' as const, connection: 'c', gateway: 'zkde' as const, title: 'x', body: 'y', at: '2026-01-01T00:00:00Z' };
    s.applyBatch(batch({ toasts: [t] }), 0);
    s.applyBatch(batch({ toasts: [t] }), 1);
    expect(s.notifications.length).toBe(1);
    expect(s.toastStack.visible.length).toBe(1);
    s.expireToasts(60_000);
    expect(s.toastStack.visible.length).toBe(0);
    expect(s.notifications.length).toBe(1);
  });

  it('drops a connection missing from the next status list (a removed connection)', () => {
    const s = new AppState();
    s.applyBatch(batch({ connections: [conn('a'), conn('b')] }));
    expect([...s.connections.keys()]).toEqual(['a', 'b']);
    // A batch without statuses leaves them alone...
    s.applyBatch(batch({ positions: [pos()] }));
    expect([...s.connections.keys()]).toEqual(['a', 'b']);
    // ...a status list is the whole list.
    s.applyBatch(batch({ connections: [conn('b')] }));
    expect([...s.connections.keys()]).toEqual(['b']);
  });

  it('a reset batch replaces the state: the old engine\'s cards go, demo follows the engine', () => {
    const s = new AppState();
    s.applySnapshot({ ...batch({ connections: [conn('dimes-partner')], positions: [pos({ id: 'demo' })] }), demo: true, version: '0.1.0' });
    const alert = { id: 'al1', severity: 'critical' as const, connection: 'dimes-partner', gateway: 'dimes-partner' as const, entity_kind: null, entity_id: null, title: 't', body: 'b', at: '2026-01-01T00:00:00Z', notified_os: false };
    s.applyBatch(batch({ alerts: [alert], frames: [frame()] }));
    s.applyBatch(batch({ reset: { demo: false }, connections: [conn('ax-prod')], positions: [pos({ id: 'real', venue: 'axisor' })] }));
    expect(s.demo).toBe(false);
    expect([...s.connections.keys()]).toEqual(['ax-prod']);
    expect([...s.positions.values()].map((p) => p.id)).toEqual(['real']);
    // History is not state: alerts and frames stay.
    expect(s.alerts.size).toBe(1);
    expect(s.frames.length).toBe(1);
  });

  it('reads demo and version from the snapshot', () => {
    const s = new AppState();
    s.applySnapshot({ ...batch(), demo: true, version: '0.1.0' });
    expect(s.demo).toBe(true);
    expect(s.version).toBe('0.1.0');
    expect(s.loaded).toBe(true);
  });
});
