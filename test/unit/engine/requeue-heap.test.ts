import { describe, expect, it } from 'vitest';
import { RequeueHeap } from '../../../src/engine/requeue-heap.js';

describe('RequeueHeap', () => {
  it('pops keys in due-time order, only those due', () => {
    const heap = new RequeueHeap();
    const times = [50, 10, 40, 30, 20, 60, 0];
    times.forEach((t, i) => heap.add(`k${i}`, t));
    expect(heap.peekTime()).toBe(0);
    expect(heap.popDue(25)).toEqual(['k6', 'k1', 'k4']);
    expect(heap.popDue(25)).toEqual([]);
    expect(heap.popDue(1_000)).toEqual(['k3', 'k2', 'k0', 'k5']);
    expect(heap.size).toBe(0);
  });

  it('keeps the earlier time when a key is added twice', () => {
    const heap = new RequeueHeap();
    heap.add('a', 100);
    heap.add('a', 50);
    heap.add('a', 200);
    expect(heap.size).toBe(1);
    expect(heap.popDue(60)).toEqual(['a']);
    expect(heap.popDue(1_000)).toEqual([]);
  });

  it('forgets removed keys', () => {
    const heap = new RequeueHeap();
    heap.add('a', 10);
    heap.add('b', 20);
    heap.remove('a');
    expect(heap.peekTime()).toBe(20);
    expect(heap.popDue(100)).toEqual(['b']);
  });

  it('orders 10,000 random times correctly', () => {
    const heap = new RequeueHeap();
    const times = Array.from({ length: 10_000 }, (_, i) => ({
      key: `k${i}`,
      at: (i * 7919) % 10_007,
    }));
    for (const { key, at } of times) heap.add(key, at);
    const popped = heap.popDue(Infinity);
    const sorted = [...times].sort((a, b) => a.at - b.at).map((t) => t.at);
    const byKey = new Map(times.map((t) => [t.key, t.at]));
    expect(popped.map((k) => byKey.get(k))).toEqual(sorted);
  });
});
