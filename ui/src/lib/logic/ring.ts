// A fixed-capacity ring buffer with absolute indexes.
//
// Every pushed item gets an absolute index (0, 1, 2, … forever); the ring keeps the last
// `capacity` of them. Absolute indexes let a filtered view store plain numbers that stay
// valid until the item is evicted, and let a virtual list address rows in O(1).

export class Ring<T> {
  readonly capacity: number;
  #buf: (T | undefined)[];
  #pushed = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be >= 1');
    this.capacity = capacity;
    this.#buf = new Array<T | undefined>(capacity);
  }

  /** How many items are held now (at most `capacity`). */
  get length(): number {
    return Math.min(this.#pushed, this.capacity);
  }

  /** How many items were ever pushed. */
  get pushed(): number {
    return this.#pushed;
  }

  /** Absolute index of the oldest item still held. */
  get firstAbs(): number {
    return this.#pushed - this.length;
  }

  /** How many items were evicted so far because the ring was full. */
  get evicted(): number {
    return this.firstAbs;
  }

  push(item: T): number {
    const abs = this.#pushed;
    this.#buf[abs % this.capacity] = item;
    this.#pushed += 1;
    return abs;
  }

  /** The item at absolute index `abs`, or undefined if it was evicted or never pushed. */
  atAbs(abs: number): T | undefined {
    if (abs < this.firstAbs || abs >= this.#pushed) return undefined;
    return this.#buf[abs % this.capacity];
  }

  /** The i-th held item, 0 = oldest. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.length) return undefined;
    return this.atAbs(this.firstAbs + i);
  }

  /** The held items, oldest first (a copy). */
  toArray(): T[] {
    const out: T[] = [];
    for (let a = this.firstAbs; a < this.#pushed; a++) out.push(this.#buf[a % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.#buf = new Array<T | undefined>(this.capacity);
    this.#pushed = 0;
  }
}
