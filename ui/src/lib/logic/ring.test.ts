import { describe, expect, it } from 'vitest';
import { Ring } from './ring';

describe('Ring', () => {
  it('keeps only the last `capacity` items, oldest first', () => {
    const r = new Ring<number>(3);
    for (let i = 0; i < 10; i++) r.push(i);
    expect(r.length).toBe(3);
    expect(r.toArray()).toEqual([7, 8, 9]);
    expect(r.evicted).toBe(7);
    expect(r.at(0)).toBe(7);
    expect(r.at(3)).toBeUndefined();
  });
  it('addresses items by absolute index until they are evicted', () => {
    const r = new Ring<string>(2);
    const a = r.push('a');
    const b = r.push('b');
    expect(r.atAbs(a)).toBe('a');
    r.push('c');
    expect(r.atAbs(a)).toBeUndefined();
    expect(r.atAbs(b)).toBe('b');
    expect(r.atAbs(99)).toBeUndefined();
  });
  it('rejects a zero capacity', () => {
    expect(() => new Ring(0)).toThrow(RangeError);
  });
});
