// Small display helpers shared by the views.

import type { ConnState } from '../bindings/ConnState';

/** "now", "12s", "4m", "3h", "2d" since `iso`, or "—" when unknown or unparsable. */
export function formatAge(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 1) return 'now';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** A number for a card: up to `digits` decimals, thousands separators; "—" for null. */
export function formatNum(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function formatSigned(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return (n > 0 ? '+' : '') + formatNum(n, digits);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(11, 23);
}

/** Label and tone (good / warn / bad / idle) of a connection state. */
export function connStateView(s: ConnState): { label: string; tone: 'good' | 'warn' | 'bad' | 'idle' } {
  switch (s.state) {
    case 'connecting':
      return { label: 'connecting', tone: 'warn' };
    case 'connected':
      return { label: 'connected', tone: 'good' };
    case 'authenticated':
      return { label: 'authenticated', tone: 'good' };
    case 'subscribed':
      return { label: 'subscribed', tone: 'good' };
    case 'reconnecting':
      return { label: `reconnecting (attempt ${s.attempt})`, tone: 'warn' };
    case 'auth_failed':
      return { label: 'authentication failed', tone: 'bad' };
    case 'gave_up':
      return { label: 'gave up', tone: 'bad' };
    case 'stopped':
      return { label: 'stopped', tone: 'idle' };
    default:
      // An engine newer than this UI may add states: show them rather than crash.
      return { label: String((s as { state?: unknown }).state ?? 'unknown'), tone: 'idle' };
  }
}

/** Render any JSON-ish value as indented text for a <pre> (never as HTML). */
export function prettyJson(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}
