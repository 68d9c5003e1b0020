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
  const text = formatNum(n, digits);
  // A value that rounds to zero is "0", not "-0" or "+0".
  if (/^-?0$/.test(text)) return '0';
  return (n > 0 ? '+' : '') + text;
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

/** How each gateway's heartbeat round trip is measured (what the RTT's tooltip says). */
const RTT_METHOD: Record<string, string> = {
  hashi: 'our {"type":"ping"} → the server\'s pong',
  fusion: 'our Socket.IO "ping" event → the server\'s "pong"',
  axisor: 'a WebSocket ping → pong (Axisor has no app-level heartbeat)',
  zkde: 'a WebSocket ping → pong (zkde pings us at the app level; we answer, which can\'t be timed)',
  'dimes-partner': 'a WebSocket ping → pong (Engine.IO v4 pings come from the server; our answer can\'t be timed)',
  'dimes-customer': 'a WebSocket ping → pong (Engine.IO v4 pings come from the server; our answer can\'t be timed)',
};

/**
 * The heartbeat round trip for a tile: "18 ms", or why there is none — "n/a" while not
 * connected (nothing to time), "…" until the first pong (a ping goes out a second after
 * subscribing, then every heartbeat interval). `title` says how it is measured.
 */
export function rttView(
  gateway: string,
  state: ConnState,
  rttMs: number | null | undefined,
): { text: string; title: string } {
  const how = RTT_METHOD[gateway] ?? 'a WebSocket ping → pong';
  if (typeof rttMs === 'number' && Number.isFinite(rttMs)) {
    // Whole milliseconds: a local gateway answers within one.
    const text = rttMs < 1 ? '<1 ms' : `${formatNum(rttMs, 0)} ms`;
    return { text, title: `Heartbeat round trip: ${how}` };
  }
  const live = state.state === 'subscribed' || state.state === 'authenticated' || state.state === 'connected';
  if (!live) {
    return { text: 'n/a', title: `No round trip: not connected (${connStateView(state).label}). Measured with ${how}.` };
  }
  return { text: '…', title: `Not measured yet: the first ping goes out a second after subscribing. Measured with ${how}.` };
}
