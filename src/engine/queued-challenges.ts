/**
 * The Queued challenges, oldest first, for the scheduler.
 *
 * @packageDocumentation
 */
import type { Challenge } from '../domain/types.js';
import { creationTime, oldestFirst } from '../machine/scheduler.js';
import { MinHeap } from './min-heap.js';

interface Entry {
  readonly key: string;
  readonly challenge: Challenge;
  /** `metadata.creationTimestamp` in ms (see {@link creationTime}). */
  readonly createdAt: number;
}

const before = (a: Entry, b: Entry): boolean => oldestFirst(a, b) < 0;

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
  private heap = new MinHeap<Entry>(before);
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
    this.heap.push(entry);
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
    // Removed entries gather at the top, where scheduling leaves them.
    for (let top = this.heap.peek(); top !== undefined && this.live.get(top.key) !== top;) {
      this.heap.pop();
      top = this.heap.peek();
    }
    const entries = this.heap.items;
    // A second heap, of positions in the first: the next oldest is always a child of an entry
    // already read.
    const frontier = new MinHeap<number>((i, j) => before(entries[i]!, entries[j]!));
    if (entries.length > 0) frontier.push(0);
    for (let at = frontier.pop(); at !== undefined; at = frontier.pop()) {
      const entry = entries[at]!;
      for (const child of [2 * at + 1, 2 * at + 2]) {
        if (child < entries.length) frontier.push(child);
      }
      if (this.live.get(entry.key) === entry) yield { key: entry.key, challenge: entry.challenge };
    }
  }

  private compactIfStale(): void {
    if (this.heap.size <= 64 || this.heap.size <= 2 * this.live.size) return;
    this.heap = new MinHeap<Entry>(before);
    for (const entry of this.live.values()) this.heap.push(entry);
  }
}
