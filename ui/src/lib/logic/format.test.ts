import { describe, expect, it } from 'vitest';
import { connStateView, formatAge, formatNum, formatSigned } from './format';

describe('format', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  it('formats ages', () => {
    expect(formatAge(null, now)).toBe('—');
    expect(formatAge('garbage', now)).toBe('—');
    expect(formatAge('2026-01-01T01:00:00Z', now)).toBe('now');
    expect(formatAge('2026-01-01T00:59:30Z', now)).toBe('30s');
    expect(formatAge('2026-01-01T00:30:00Z', now)).toBe('30m');
    expect(formatAge('2025-12-31T22:00:00Z', now)).toBe('3h');
  });
  it('formats numbers and signs', () => {
    expect(formatNum(null)).toBe('—');
    expect(formatNum(1234.567)).toBe('1,234.57');
    expect(formatSigned(5)).toBe('+5');
    expect(formatSigned(-5)).toBe('-5');
  });
  it('labels connection states, including ones it does not know', () => {
    expect(connStateView({ state: 'reconnecting', attempt: 3, next_try_at: '' })).toEqual({ label: 'reconnecting (attempt 3)', tone: 'warn' });
    expect(connStateView({ state: 'auth_failed', message: 'x' }).tone).toBe('bad');
    expect(connStateView({ state: 'warp' } as never).label).toBe('warp');
  });
});
