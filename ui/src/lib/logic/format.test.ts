import { describe, expect, it } from 'vitest';
import { connStateView, formatAge, formatNum, formatSigned, rttView } from './format';

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
    expect(formatSigned(-0.0001)).toBe('0');
    expect(formatSigned(0.004)).toBe('0');
  });
  it('labels connection states, including ones it does not know', () => {
    expect(connStateView({ state: 'reconnecting', attempt: 3, next_try_at: '' })).toEqual({ label: 'reconnecting (attempt 3)', tone: 'warn' });
    expect(connStateView({ state: 'auth_failed', message: 'x' }).tone).toBe('bad');
    expect(connStateView({ state: 'warp' } as never).label).toBe('warp');
  });
  it('shows a round trip for every gateway, or why there is none', () => {
    for (const g of ['dimes-partner', 'dimes-customer', 'axisor', 'zkde', 'hashi', 'fusion']) {
      const v = rttView(g, { state: 'subscribed' }, 18);
      expect(v.text).toBe('18 ms');
      expect(v.title).toMatch(/ping/);
    }
    expect(rttView('zkde', { state: 'subscribed' }, 7).title).toMatch(/WebSocket ping/);
    expect(rttView('zkde', { state: 'subscribed' }, 0).text).toBe('<1 ms');
    expect(rttView('hashi', { state: 'reconnecting', attempt: 2, next_try_at: '' }, null)).toEqual({
      text: 'n/a',
      title: expect.stringMatching(/not connected \(reconnecting \(attempt 2\)\)/),
    });
    expect(rttView('fusion', { state: 'subscribed' }, null).text).toBe('…');
    expect(rttView('fusion', { state: 'subscribed' }, null).title).toMatch(/first ping/);
  });
});
