/**
 * A time-ordered min-heap of (due time, key), so the engine wakes exactly when the next object is
 * due instead of scanning every object periodically.
 */
export class RequeueHeap {
  private readonly items: { at: number; key: string }[] = [];
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
    this.push({ at, key });
  }

  /** Forgets `key`; its stale heap entries are dropped lazily. */
  remove(key: string): void {
    this.dueAt.delete(key);
  }

  /** The earliest due time, or undefined when empty. */
  peekTime(): number | undefined {
    this.dropStale();
    return this.items[0]?.at;
  }

  /** Removes and returns every key due at or before `now`. */
  popDue(now: number): string[] {
    const due: string[] = [];
    for (;;) {
      this.dropStale();
      const top = this.items[0];
      if (top === undefined || top.at > now) return due;
      this.pop();
      this.dueAt.delete(top.key);
      due.push(top.key);
    }
  }

  private dropStale(): void {
    for (;;) {
      const top = this.items[0];
      if (top === undefined || this.dueAt.get(top.key) === top.at) return;
      this.pop();
    }
  }

  private push(item: { at: number; key: string }): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.at <= item.at) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = item;
  }

  private pop(): void {
    const a = this.items;
    const last = a.pop();
    if (last === undefined || a.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let mAt = last.at;
      if (l < a.length && a[l]!.at < mAt) {
        m = l;
        mAt = a[l]!.at;
      }
      if (r < a.length && a[r]!.at < mAt) m = r;
      if (m === i) break;
      a[i] = a[m]!;
      i = m;
    }
    a[i] = last;
  }
}
