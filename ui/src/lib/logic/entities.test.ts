import { describe, expect, it } from 'vitest';
import type { PositionView } from '../bindings/PositionView';
import { boardSections, capMap, emptyPositionFilter, isHistory, positionKey, statusBadge, upsertAll } from './entities';
import { pos } from './fixtures.test-util';

describe('upsertAll', () => {
  it('replaces the entity with the same venue + id and keeps others', () => {
    let m: ReadonlyMap<string, PositionView> = upsertAll(new Map<string, PositionView>(), [pos({ id: 'a', pnl: 1 }), pos({ id: 'b' }), pos({ id: 'a', venue: 'zkde' })], positionKey);
    expect(m.size).toBe(3);
    m = upsertAll(m, [pos({ id: 'a', pnl: 42 })], positionKey);
    expect(m.size).toBe(3);
    expect(m.get(positionKey({ venue: 'dimes', id: 'a' }))?.pnl).toBe(42);
    expect(m.get(positionKey({ venue: 'zkde', id: 'a' }))?.pnl).toBe(1);
  });
  it('returns the same map when nothing arrives (no needless re-render)', () => {
    const m = new Map([['k', pos()]]);
    expect(upsertAll(m, [], positionKey)).toBe(m);
    expect(upsertAll(m, undefined, positionKey)).toBe(m);
  });
  it('capMap drops the oldest inserted', () => {
    const m = upsertAll(new Map(), ['a', 'b', 'c'].map((id) => pos({ id })), positionKey);
    expect([...capMap(m, 2).values()].map((p) => p.id)).toEqual(['b', 'c']);
  });
});

describe('history rules', () => {
  it('sends closed, settled, liquidated, reverted and cancelled positions to history', () => {
    for (const status of ['closed', 'settled', 'liquidated', 'reverted', 'cancelled']) {
      expect(isHistory(pos({ status }))).toBe(true);
    }
    expect(isHistory(pos({ status: 'open' }))).toBe(false);
    expect(isHistory(pos({ status: 'closing' }))).toBe(false);
    expect(isHistory(pos({ status: 'open', closed: true }))).toBe(true);
  });
  it('shows "finalizing" only while the position is live', () => {
    expect(statusBadge(pos({ status: 'pending', finalizing: true }))).toBe('finalizing');
    expect(statusBadge(pos({ status: 'liquidated', finalizing: true, closed: true }))).toBe('liquidated');
    expect(statusBadge(pos({ status: null }))).toBe('unknown');
  });
  it('splits, filters and orders the board (at-risk first)', () => {
    const all = [
      pos({ id: '1', venue: 'dimes', created_at: '2026-01-01T00:00:01Z' }),
      pos({ id: '2', venue: 'axisor', at_risk: true, created_at: '2026-01-01T00:00:00Z' }),
      pos({ id: '3', venue: 'zkde', status: 'liquidated', closed: true }),
      pos({ id: '4', venue: 'dimes', status: 'pending', finalizing: true, created_at: '2026-01-01T00:00:02Z' }),
    ];
    const s = boardSections(all, emptyPositionFilter());
    expect(s.live.map((p) => p.id)).toEqual(['2', '4', '1']);
    expect(s.history.map((p) => p.id)).toEqual(['3']);
    expect(boardSections(all, { venue: 'dimes', status: '', atRiskOnly: false }).live.map((p) => p.id)).toEqual(['4', '1']);
    expect(boardSections(all, { venue: '', status: 'finalizing', atRiskOnly: false }).live.map((p) => p.id)).toEqual(['4']);
    expect(boardSections(all, { venue: '', status: '', atRiskOnly: true }).live.map((p) => p.id)).toEqual(['2']);
  });
});
