/**
 * A binary min-heap, the one the engine's ordered queues share.
 *
 * @packageDocumentation
 */

/**
 * A binary min-heap ordered by `before`: the first item is one no other item comes before.
 *
 * @remarks Removal is of the first item only; the queues built on it drop items lazily (an item
 * no longer wanted stays until it reaches the top, where its owner pops it).
 */
export class MinHeap<T> {
  readonly #items: T[] = [];

  /** @param before - whether `a` comes strictly before `b`. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.#items.length;
  }

  /** The items in heap order: the item at `i` comes no later than those at `2i + 1`, `2i + 2`. */
  get items(): readonly T[] {
    return this.#items;
  }

  /** The first item, or undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, a[parent]!)) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = item;
  }

  /** Removes and returns the first item, or undefined when empty. */
  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let smallest = last;
      if (l < a.length && this.before(a[l]!, smallest)) {
        m = l;
        smallest = a[l]!;
      }
      if (r < a.length && this.before(a[r]!, smallest)) m = r;
      if (m === i) break;
      a[i] = a[m]!;
      i = m;
    }
    a[i] = last;
    return top;
  }
}
