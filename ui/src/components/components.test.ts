import { render } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import { describe, expect, it } from 'vitest';
import { pos } from '../lib/logic/fixtures.test-util';
import PositionCard from './PositionCard.svelte';
import VirtualList from './VirtualList.svelte';

describe('PositionCard', () => {
  it('renders untrusted strings as text, never as markup', () => {
    const evil = '<img src=x onerror="alert(1)"><b>bold</b>';
    const { container } = render(PositionCard, { p: pos({ market: evil, id: evil, last_event_type: evil }) });
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(container.textContent).toContain(evil);
  });

  it('shows "finalizing" and makes at-risk cards stand out', () => {
    const { container } = render(PositionCard, { p: pos({ status: 'pending', finalizing: true, at_risk: true }) });
    const card = container.querySelector('[data-testid=position-card]');
    expect(card?.getAttribute('data-status')).toBe('finalizing');
    expect(card?.classList.contains('at-risk')).toBe(true);
    expect(container.textContent).toContain('at risk');
  });

  it('does not flag a liquidated card as at risk any more', () => {
    const { container } = render(PositionCard, { p: pos({ status: 'liquidated', closed: true, at_risk: true }) });
    const card = container.querySelector('[data-testid=position-card]');
    expect(card?.classList.contains('at-risk')).toBe(false);
    expect(card?.classList.contains('history')).toBe(true);
  });
});

// jsdom has no layout and no ResizeObserver (used by bind:clientHeight): a no-op stand-in.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

describe('VirtualList', () => {
  it('creates DOM rows only for the window, whatever the count', () => {
    const row = createRawSnippet((item: () => number) => ({ render: () => `<span class="item">${item()}</span>` }));
    const { container } = render(VirtualList<number>, {
      count: 10_000,
      rowHeight: 20,
      getRow: (i: number) => i,
      row,
      label: 'numbers',
      follow: false,
    });
    const rows = container.querySelectorAll('.item');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]?.textContent).toBe('0');
    const spacer = container.querySelector('.spacer') as HTMLElement;
    expect(spacer.style.height).toBe('200000px');
  });
});
