import { MinHeap } from './min-heap.js';

/**
 * A time-ordered min-heap of (due time, key), so the engine wakes exactly when the next object is
 * due instead of scanning every object periodically.
 */
export class RequeueHeap {
  private readonly items = new MinHeap<{ at: number; key: string }>((a, b) => a.at < b.at);
  /** The due time currently scheduled for each key; a key is due at most once. */
  private readonly dueAt = new Map<string, number>();

  get size(): number {
    return this.dueAt.size;
  }

  /** Schedules `key` at `at`, keeping the earlier time when it is already scheduled. */
  add(key: string, at: number): void {
    const current = this.dueAt.get(key);
    if (current !== undefined && current <= at) return;
    this.dueAt.set(key, at);
    this.items.push({ at, key });
  }

  /** Forgets `key`; its stale heap entries are dropped lazily. */
  remove(key: string): void {
    this.dueAt.delete(key);
  }

  /** The earliest due time, or undefined when empty. */
  peekTime(): number | undefined {
    this.dropStale();
    return this.items.peek()?.at;
  }

  /** Removes and returns every key due at or before `now`. */
  popDue(now: number): string[] {
    const due: string[] = [];
    for (;;) {
      this.dropStale();
      const top = this.items.peek();
      if (top === undefined || top.at > now) return due;
      this.items.pop();
      this.dueAt.delete(top.key);
      due.push(top.key);
    }
  }

  private dropStale(): void {
    for (;;) {
      const top = this.items.peek();
      if (top === undefined || this.dueAt.get(top.key) === top.at) return;
      this.items.pop();
    }
  }
}
