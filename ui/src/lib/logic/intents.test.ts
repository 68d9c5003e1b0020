import { describe, expect, it } from 'vitest';
import type { EventRow } from '../bindings/EventRow';
import { describeValue, sortTimeline, timelineSummary } from './intents';

const row = (id: number, payload: unknown, created_at: string | null = null): EventRow => ({
  id, connection: 'fusion', gateway: 'fusion', event_type: 'intent:status', entity_kind: 'intent',
  entity_id: 'i1', severity: 'info', created_at, received_at: '2026-01-01T00:00:00Z', payload,
});

describe('intent timeline', () => {
  it('summarizes status, proof and errors from the top level or under data', () => {
    expect(timelineSummary(row(1, { status: 'matched', oldStatus: 'PENDING' }))).toBe('status PENDING → matched');
    expect(timelineSummary(row(1, { data: { proofStatus: 'verified' } }))).toBe('proof verified');
    expect(timelineSummary(row(1, { status: 'failed', failureReason: 'timeout' }))).toBe('status failed · error: timeout');
    expect(timelineSummary(row(1, 'not an object'))).toBe('');
    expect(timelineSummary(row(1, null))).toBe('');
  });
  it('orders by the gateway time, then by id', () => {
    const rows = [row(3, {}, '2026-01-01T00:00:02Z'), row(1, {}, '2026-01-01T00:00:01Z'), row(2, {}, '2026-01-01T00:00:01Z')];
    expect(sortTimeline(rows).map((r) => r.id)).toEqual([1, 2, 3]);
  });
  it('describes strings and objects', () => {
    expect(describeValue(null)).toBe('—');
    expect(describeValue('locked')).toBe('locked');
    expect(describeValue({ a: 1 })).toContain('"a": 1');
  });
});
