/**
 * The Queued challenges, oldest first, for the scheduler.
 *
 * @packageDocumentation
 */
import type { Challenge } from '../domain/types.js';

interface Entry {
  readonly key: string;
  readonly challenge: Challenge;
  /** `metadata.creationTimestamp` in ms; an absent or unreadable one sorts last. */
  readonly createdAt: number;
}

/** The scheduler's order (see `pickChallengesToSchedule`): creation time, then name, namespace. */
function before(a: Entry, b: Entry): boolean {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  const an = a.challenge.metadata.name;
  const bn = b.challenge.metadata.name;
  if (an !== bn) return an < bn;
  return (a.challenge.metadata.namespace ?? '') < (b.challenge.metadata.namespace ?? '');
}

function creationTime(challenge: Challenge): number {
  const stamp = challenge.metadata.creationTimestamp;
  const ms = stamp === undefined ? Number.NaN : Date.parse(stamp);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/**
 * The challenges waiting in `Queued`, kept in a min-heap in the scheduler's order so that a round
 * reads the oldest few instead of sorting every waiting challenge.
 *
 * @remarks
 * With 10,000 Certificates due at once, 20,000 challenges wait while a few dozen are in flight,
 * and a round runs each time a slot frees: sorting all of them every round made scheduling
 * quadratic. Here a round costs O(k log n) for the k oldest it looks at. Removed and replaced
 * entries are left in the heap and skipped (the map says which entry is live); the heap is
 * rebuilt when they outnumber the live ones.
 */
export class QueuedChallenges {
  private heap: Entry[] = [];
  private readonly live = new Map<string, Entry>();

  /** How many challenges are waiting. */
  get size(): number {
    return this.live.size;
  }

  /** Whether `key` is waiting. */
  has(key: string): boolean {
    return this.live.has(key);
  }

  /** Adds `key` as waiting, or replaces what is kept for it. */
  set(key: string, challenge: Challenge): void {
    const entry: Entry = { key, challenge, createdAt: creationTime(challenge) };
    this.live.set(key, entry);
    this.push(entry);
    this.compactIfStale();
  }

  /** `key` no longer waits. */
  delete(key: string): void {
    if (this.live.delete(key)) this.compactIfStale();
  }

  /**
   * The waiting challenges, oldest first, read lazily: taking the first k costs O(k log k) plus
   * the removed entries on the way, and changes nothing.
   */
  *oldestFirst(): Generator<{ key: string; challenge: Challenge }> {
    this.dropStaleTop();
    const heap = this.heap;
    // A second heap of positions in the first: the next oldest is always one of the children of
    // the entries already read.
    const frontier: number[] = heap.length === 0 ? [] : [0];
    while (frontier.length > 0) {
      const at = popPosition(frontier, heap);
      const entry = heap[at]!;
      for (const child of [2 * at + 1, 2 * at + 2]) {
        if (child < heap.length) pushPosition(frontier, heap, child);
      }
      if (this.live.get(entry.key) === entry) yield { key: entry.key, challenge: entry.challenge };
    }
  }

  private compactIfStale(): void {
    if (this.heap.length <= 64 || this.heap.length <= 2 * this.live.size) return;
    this.heap = [];
    for (const entry of this.live.values()) this.push(entry);
  }

  /** Pops removed entries off the top, where scheduling leaves them. */
  private dropStaleTop(): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || this.live.get(top.key) === top) return;
      this.popTop();
    }
  }

  private push(entry: Entry): void {
    const a = this.heap;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, a[parent]!)) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = entry;
  }

  private popTop(): void {
    const a = this.heap;
    const last = a.pop();
    if (last === undefined || a.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let smallest = last;
      if (l < a.length && before(a[l]!, smallest)) {
        m = l;
        smallest = a[l]!;
      }
      if (r < a.length && before(a[r]!, smallest)) m = r;
      if (m === i) break;
      a[i] = a[m]!;
      i = m;
    }
    a[i] = last;
  }
}

/** Adds heap position `at` to `frontier`, a min-heap of positions ordered by their entries. */
function pushPosition(frontier: number[], heap: readonly Entry[], at: number): void {
  frontier.push(at);
  let i = frontier.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[at]!, heap[frontier[parent]!]!)) break;
    frontier[i] = frontier[parent]!;
    i = parent;
  }
  frontier[i] = at;
}

/** Removes and returns the position of the oldest entry in `frontier`. */
function popPosition(frontier: number[], heap: readonly Entry[]): number {
  const top = frontier[0]!;
  const last = frontier.pop()!;
  if (frontier.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    let smallest = heap[last]!;
    if (l < frontier.length && before(heap[frontier[l]!]!, smallest)) {
      m = l;
      smallest = heap[frontier[l]!]!;
    }
    if (r < frontier.length && before(heap[frontier[r]!]!, smallest)) m = r;
    if (m === i) break;
    frontier[i] = frontier[m]!;
    i = m;
  }
  frontier[i] = last;
  return top;
}
