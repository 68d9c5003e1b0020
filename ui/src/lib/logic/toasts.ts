// The toast stack: newest on top, a few visible at once, each expiring after a time that
// grows with severity. Time is passed in so the rules are testable without timers.

import type { Severity } from '../bindings/Severity';
import type { Toast } from '../bindings/Toast';

export const TOAST_LIFETIME_MS: Record<Severity, number> = {
  debug: 4_000,
  info: 6_000,
  warning: 10_000,
  critical: 20_000,
};

export type LiveToast = Toast & { expiresAt: number };

export class ToastStack {
  readonly maxVisible: number;
  #items: LiveToast[] = [];

  constructor(maxVisible = 4) {
    this.maxVisible = maxVisible;
  }

  /** Add toasts (ignoring ids already on the stack); newest first. */
  add(toasts: readonly Toast[], now: number): void {
    for (const t of toasts) {
      if (this.#items.some((x) => x.id === t.id)) continue;
      const life = TOAST_LIFETIME_MS[t.severity] ?? TOAST_LIFETIME_MS.info;
      this.#items.unshift({ ...t, expiresAt: now + life });
    }
    // Bounded: a burst of notifications can't grow the stack forever.
    if (this.#items.length > 50) this.#items.length = 50;
  }

  dismiss(id: string): void {
    this.#items = this.#items.filter((t) => t.id !== id);
  }

  /** Drop expired toasts; returns whether anything changed. */
  expire(now: number): boolean {
    const before = this.#items.length;
    this.#items = this.#items.filter((t) => t.expiresAt > now);
    return this.#items.length !== before;
  }

  get visible(): LiveToast[] {
    return this.#items.slice(0, this.maxVisible);
  }

  get hidden(): number {
    return Math.max(0, this.#items.length - this.maxVisible);
  }
}
