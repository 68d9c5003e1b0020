// Upsert rules for the entity collections a batch carries, and the positions board's rules
// (history section, badges, filters). Pure functions: the Svelte state calls them.

import type { PositionView } from '../bindings/PositionView';

/** Positions are keyed by venue + id (both Dimes gateways are one venue). */
export const positionKey = (p: { venue: string; id: string }): string => `${p.venue}\u0000${p.id}`;
/** Intents, lobbies, contracts and storage items are keyed by connection + id. */
export const connectionKey = (e: { connection: string; id: string }): string =>
  `${e.connection}\u0000${e.id}`;

/**
 * Apply upserts: an item replaces the one with the same key. Returns a new Map when
 * something changed (so reactive readers see a new value) and the same Map otherwise.
 */
export function upsertAll<T>(
  current: ReadonlyMap<string, T>,
  items: readonly T[] | null | undefined,
  key: (t: T) => string,
): ReadonlyMap<string, T> {
  if (!items || items.length === 0) return current;
  const next = new Map(current);
  for (const item of items) next.set(key(item), item);
  return next;
}

/**
 * Replace the whole collection with `items` (in their order): entries missing from `items`
 * are removed. Returns the same Map when nothing changed (same keys, same objects, same order).
 */
export function replaceAll<T>(
  current: ReadonlyMap<string, T>,
  items: readonly T[],
  key: (t: T) => string,
): ReadonlyMap<string, T> {
  const next = new Map<string, T>();
  for (const item of items) next.set(key(item), item);
  if (next.size === current.size) {
    const a = [...current];
    const b = [...next];
    if (a.every(([k, v], i) => b[i][0] === k && b[i][1] === v)) return current;
  }
  return next;
}

/** Keep at most `max` entries, dropping the oldest inserted first. */
export function capMap<T>(m: ReadonlyMap<string, T>, max: number): ReadonlyMap<string, T> {
  if (m.size <= max) return m;
  const next = new Map(m);
  for (const k of next.keys()) {
    if (next.size <= max) break;
    next.delete(k);
  }
  return next;
}

const TERMINAL_STATUSES = new Set([
  'closed',
  'settled',
  'liquidated',
  'reverted',
  'cancelled',
  'canceled',
]);

/**
 * Whether a position belongs in the history section. The engine's `closed` flag is the
 * rule; the status check keeps a terminal position out of the live board even if a
 * venue's status reached us before the flag did.
 */
export function isHistory(p: PositionView): boolean {
  return p.closed || TERMINAL_STATUSES.has((p.status ?? '').toLowerCase());
}

/** The status badge: "finalizing" between `position.opening` and `position.opened`. */
export function statusBadge(p: PositionView): string {
  if (p.finalizing && !isHistory(p)) return 'finalizing';
  return (p.status ?? 'unknown').toLowerCase();
}

export type PositionFilter = {
  venue: string; // '' = all
  status: string; // '' = all; matches statusBadge
  atRiskOnly: boolean;
};

export const emptyPositionFilter = (): PositionFilter => ({ venue: '', status: '', atRiskOnly: false });

export function matchPosition(p: PositionView, f: PositionFilter): boolean {
  if (f.venue && p.venue !== f.venue) return false;
  if (f.status && statusBadge(p) !== f.status) return false;
  if (f.atRiskOnly && !p.at_risk) return false;
  return true;
}

/** Live cards: at-risk first, then most recently updated. */
function liveOrder(a: PositionView, b: PositionView): number {
  if (a.at_risk !== b.at_risk) return a.at_risk ? -1 : 1;
  return b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id);
}

/** Split and order positions for the board. */
export function boardSections(
  positions: Iterable<PositionView>,
  f: PositionFilter,
): { live: PositionView[]; history: PositionView[] } {
  const live: PositionView[] = [];
  const history: PositionView[] = [];
  for (const p of positions) {
    if (!matchPosition(p, f)) continue;
    (isHistory(p) ? history : live).push(p);
  }
  live.sort(liveOrder);
  history.sort((a, b) => b.updated_at.localeCompare(a.updated_at) || a.id.localeCompare(b.id));
  return { live, history };
}
