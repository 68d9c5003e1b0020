// Reading Fusion intent payloads for the timeline. The payload is whatever the gateway sent
// (fields at the top level or under `data`), so every read is lenient.

import type { EventRow } from '../bindings/EventRow';
import type { IntentView } from '../bindings/IntentView';

function field(payload: unknown, name: string): unknown {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const obj = payload as Record<string, unknown>;
  if (name in obj) return obj[name];
  const data = obj.data;
  if (typeof data === 'object' && data !== null && name in (data as Record<string, unknown>)) {
    return (data as Record<string, unknown>)[name];
  }
  return undefined;
}

const str = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;

/** One line saying what a timeline event changed: status, proof status, old status. */
export function timelineSummary(e: EventRow): string {
  const parts: string[] = [];
  const status = str(field(e.payload, 'status'));
  const old = str(field(e.payload, 'oldStatus'));
  const proof = str(field(e.payload, 'proofStatus'));
  const oldProof = str(field(e.payload, 'oldProofStatus'));
  if (status) parts.push(old ? `status ${old} → ${status}` : `status ${status}`);
  if (proof) parts.push(oldProof ? `proof ${oldProof} → ${proof}` : `proof ${proof}`);
  const err = str(field(e.payload, 'error')) ?? str(field(e.payload, 'failureReason'));
  if (err) parts.push(`error: ${err}`);
  return parts.join(' · ');
}

/** Oldest first by the gateway's time, else by when we received it. */
export function sortTimeline(rows: readonly EventRow[]): EventRow[] {
  const t = (e: EventRow) => e.created_at ?? e.received_at;
  return [...rows].sort((a, b) => t(a).localeCompare(t(b)) || a.id - b.id);
}

/** The newer of two views of the same intent (lookup result vs live batch). */
export function newerIntent(a: IntentView | null, b: IntentView | null | undefined): IntentView | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return b.updated_at > a.updated_at ? b : a;
}

/** A short text for the HTLC state / tx hashes, which arrive as strings or objects. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}
