// The inspector's frame log: a bounded ring of frames plus an incrementally maintained
// filtered view, so a batch of new frames costs O(batch) rather than re-filtering the ring.

import type { Direction } from '../bindings/Direction';
import type { EventFilter } from '../bindings/EventFilter';
import type { FrameRow } from '../bindings/FrameRow';
import { Ring } from './ring';

/** What the inspector's filter bar holds. Empty strings mean "any". */
export type FrameFilter = {
  connection: string;
  direction: '' | Direction;
  eventType: string;
  entityId: string;
  text: string;
};

export const emptyFilter = (): FrameFilter => ({
  connection: '',
  direction: '',
  eventType: '',
  entityId: '',
  text: '',
});

export function isEmptyFilter(f: FrameFilter): boolean {
  return !f.connection && !f.direction && !f.eventType.trim() && !f.entityId.trim() && !f.text.trim();
}

/**
 * Whether a frame passes the filter. Type and entity id match as case-insensitive
 * substrings (people paste partial ids); free text searches the redacted raw frame.
 */
export function matchFrame(f: FrameRow, filter: FrameFilter): boolean {
  if (filter.connection && f.connection !== filter.connection) return false;
  if (filter.direction && f.direction !== filter.direction) return false;
  const type = filter.eventType.trim().toLowerCase();
  if (type && !(f.event_type ?? '').toLowerCase().includes(type)) return false;
  const eid = filter.entityId.trim().toLowerCase();
  if (eid && !(f.entity_id ?? '').toLowerCase().includes(eid)) return false;
  const text = filter.text.trim().toLowerCase();
  if (text && !f.text.toLowerCase().includes(text)) return false;
  return true;
}

/** The same filter as the engine's `EventFilter` (for `search_events` / `export_events`). */
export function toEventFilter(
  filter: FrameFilter,
  limit: number,
  beforeId: number | null = null,
): EventFilter {
  const opt = (s: string) => (s.trim() ? s.trim() : null);
  return {
    connection: opt(filter.connection),
    direction: filter.direction || null,
    event_type: opt(filter.eventType),
    entity_id: opt(filter.entityId),
    text: opt(filter.text),
    before_id: beforeId,
    limit,
  };
}

export class FrameLog {
  readonly ring: Ring<FrameRow>;
  /** Absolute ring indexes of the frames that pass `filter`, oldest first. */
  #matches: Ring<number>;
  #filter: FrameFilter = emptyFilter();
  #all = true;

  constructor(capacity: number) {
    this.ring = new Ring<FrameRow>(capacity);
    this.#matches = new Ring<number>(capacity);
  }

  get filter(): FrameFilter {
    return this.#filter;
  }

  /** Frames dropped on the UI side because the ring was full. */
  get evicted(): number {
    return this.ring.evicted;
  }

  /** Rows visible under the current filter. */
  get length(): number {
    return this.#all ? this.ring.length : this.#visibleMatches();
  }

  push(frames: readonly FrameRow[]): void {
    for (const f of frames) {
      const abs = this.ring.push(f);
      if (!this.#all && matchFrame(f, this.#filter)) this.#matches.push(abs);
    }
  }

  /** The i-th visible row under the current filter, 0 = oldest. */
  at(i: number): FrameRow | undefined {
    if (this.#all) return this.ring.at(i);
    const skip = this.#staleMatches();
    const abs = this.#matches.at(i + skip);
    return abs === undefined ? undefined : this.ring.atAbs(abs);
  }

  /** Visible rows in [start, end), oldest first. */
  slice(start: number, end: number): FrameRow[] {
    const out: FrameRow[] = [];
    const n = this.length;
    for (let i = Math.max(0, start); i < Math.min(end, n); i++) {
      const f = this.at(i);
      if (f) out.push(f);
    }
    return out;
  }

  setFilter(filter: FrameFilter): void {
    this.#filter = { ...filter };
    this.#all = isEmptyFilter(filter);
    this.#matches.clear();
    if (this.#all) return;
    for (let a = this.ring.firstAbs; a < this.ring.pushed; a++) {
      const f = this.ring.atAbs(a);
      if (f && matchFrame(f, this.#filter)) this.#matches.push(a);
    }
  }

  clear(): void {
    this.ring.clear();
    this.#matches.clear();
  }

  /** Matches whose frame has been evicted from the ring sit at the front: count them. */
  #staleMatches(): number {
    const first = this.ring.firstAbs;
    let lo = 0;
    let hi = this.#matches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#matches.at(mid) ?? first) < first) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #visibleMatches(): number {
    return this.#matches.length - this.#staleMatches();
  }
}

/**
 * Pretty-print a frame for the detail pane. Socket.IO packets carry a type digit and an
 * optional namespace before the JSON (`42/ns,["event",{…}]`): skip to the first bracket.
 * Returns the raw text when it isn't JSON.
 */
export function prettyFrame(text: string): string {
  const tryParse = (s: string): string | null => {
    try {
      return JSON.stringify(JSON.parse(s), null, 2);
    } catch {
      return null;
    }
  };
  const direct = tryParse(text);
  if (direct !== null) return direct;
  const start = text.search(/[[{]/);
  if (start > 0) {
    const inner = tryParse(text.slice(start));
    if (inner !== null) return `${text.slice(0, start)}\n${inner}`;
  }
  return text;
}
