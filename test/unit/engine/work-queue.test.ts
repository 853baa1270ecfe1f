import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../src/engine/work-queue.js';
import { createFakeClock } from '../../../src/testing/fake-clock.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('deduplicates a key queued several times before it runs', async () => {
    const clock = createFakeClock(0);
    const seen: string[] = [];
    const q = new WorkQueue({
      name: 't',
      clock,
      concurrency: 1,
      reconcile: async (k) => void seen.push(k),
      onError: () => 0,
    });
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    q.start();
    await flush();
    expect(seen).toEqual(['a', 'b']);
  });

  it('never reconciles one key twice at once, and re-runs it once when it changed meanwhile', async () => {
    const clock = createFakeClock(0);
    const gate = deferred();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const q = new WorkQueue({
      name: 't',
      clock,
      concurrency: 4,
      reconcile: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        if (runs === 1) await gate.promise;
        active--;
      },
      onError: () => 0,
    });
    q.start();
    q.add('a');
    await flush();
    q.add('a');
    q.add('a');
    gate.resolve();
    await flush();
    await flush();
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
  });

  it('runs requeued keys when the clock reaches them, with one timer', async () => {
    const clock = createFakeClock(0);
    const seen: string[] = [];
    const q = new WorkQueue({
      name: 't',
      clock,
      concurrency: 2,
      reconcile: async (k) => void seen.push(`${k}@${clock.now()}`),
      onError: () => 0,
    });
    q.start();
    q.addAfter('late', 5_000);
    q.addAfter('early', 1_000);
    q.addAfter('early', 3_000); // the earlier request wins
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(999);
    expect(seen).toEqual([]);
    await clock.advance(1);
    await flush();
    expect(seen).toEqual(['early@1000']);
    await clock.advance(4_000);
    await flush();
    expect(seen).toEqual(['early@1000', 'late@5000']);
    expect(q.scheduled).toBe(0);
  });

  it('retries a failing key after the delay onError returns', async () => {
    const clock = createFakeClock(0);
    let calls = 0;
    const failures: number[] = [];
    const q = new WorkQueue({
      name: 't',
      clock,
      concurrency: 1,
      reconcile: async () => {
        calls++;
        if (calls < 3) throw new Error('boom');
      },
      onError: (_k, _e, n) => {
        failures.push(n);
        return 100 * n;
      },
    });
    q.start();
    q.add('a');
    await flush();
    expect(calls).toBe(1);
    await clock.advance(100);
    await flush();
    expect(calls).toBe(2);
    await clock.advance(200);
    await flush();
    expect(calls).toBe(3);
    expect(failures).toEqual([1, 2]);
  });

  it('requeues after the delay a reconcile returns, and stop waits for in-flight work', async () => {
    const clock = createFakeClock(0);
    let calls = 0;
    const gate = deferred();
    const q = new WorkQueue({
      name: 't',
      clock,
      concurrency: 1,
      reconcile: async () => {
        calls++;
        if (calls === 2) await gate.promise;
        return 1_000;
      },
      onError: () => 0,
    });
    q.start();
    q.add('a');
    await flush();
    await clock.advance(1_000);
    await flush();
    expect(calls).toBe(2);
    let stopped = false;
    const stopping = q.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);
    await clock.advance(10_000);
    expect(calls).toBe(2);
  });
});
