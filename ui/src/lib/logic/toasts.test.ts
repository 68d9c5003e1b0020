import { describe, expect, it } from 'vitest';
import type { Toast } from '../bindings/Toast';
import { TOAST_LIFETIME_MS, ToastStack } from './toasts';

const toast = (id: string, severity: Toast['severity'] = 'info'): Toast => ({
  id, severity, connection: 'c', gateway: 'axisor', title: id, body: '', at: '2026-01-01T00:00:00Z',
});

describe('ToastStack', () => {
  it('stacks newest first, shows a few and counts the rest', () => {
    const s = new ToastStack(2);
    s.add([toast('a'), toast('b'), toast('c')], 0);
    expect(s.visible.map((t) => t.id)).toEqual(['c', 'b']);
    expect(s.hidden).toBe(1);
  });
  it('ignores a toast id it already shows', () => {
    const s = new ToastStack();
    s.add([toast('a')], 0);
    s.add([toast('a')], 1);
    expect(s.visible.length).toBe(1);
  });
  it('expires by severity and can be dismissed', () => {
    const s = new ToastStack();
    s.add([toast('i', 'info'), toast('c', 'critical')], 0);
    expect(s.expire(TOAST_LIFETIME_MS.info - 1)).toBe(false);
    expect(s.expire(TOAST_LIFETIME_MS.info)).toBe(true);
    expect(s.visible.map((t) => t.id)).toEqual(['c']);
    s.dismiss('c');
    expect(s.visible).toEqual([]);
  });
});
