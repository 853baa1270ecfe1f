import { describe, expect, it } from 'vitest';
import { sleep } from '../../../src/clock.js';
import { CertflowError } from '../../../src/errors.js';
import { createFakeClock, FAKE_CLOCK_START } from '../../../src/testing/fake-clock.js';

describe('fake clock', () => {
  it('starts at the given time, or 2025-01-01T00:00:00Z, and stands still', () => {
    expect(createFakeClock(1_000).now()).toBe(1_000);
    const clock = createFakeClock();
    expect(new Date(clock.now()).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(clock.now()).toBe(FAKE_CLOCK_START);
  });

  it('fires due timers in time order, then in the order they were set, each at its due time', async () => {
    const clock = createFakeClock(0);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimer(at('c'), 30);
    clock.setTimer(at('a1'), 10);
    clock.setTimer(at('a2'), 10);
    clock.setTimer(at('late'), 100);
    clock.setTimer(at('b'), 20);
    expect(clock.pendingTimers()).toBe(5);
    await clock.advance(30);
    expect(fired).toEqual(['a1@10', 'a2@10', 'b@20', 'c@30']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(69);
    expect(fired).toHaveLength(4);
    expect(clock.now()).toBe(99);
    await clock.advance(1);
    expect(fired.at(-1)).toBe('late@100');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs the promise chain a timer starts before the next timer fires', async () => {
    const clock = createFakeClock(0);
    const log: string[] = [];
    clock.setTimer(() => {
      void (async () => {
        for (let i = 0; i < 20; i += 1) await Promise.resolve();
        log.push('chain done');
        // A timer set by the chain inside the window fires in the same advance.
        clock.setTimer(() => log.push(`nested@${clock.now()}`), 5);
      })();
    }, 10);
    clock.setTimer(() => log.push('second'), 11);
    await clock.advance(20);
    expect(log).toEqual(['chain done', 'second', 'nested@15']);
  });

  it('drives sleep() and lets the continuation run before advance resolves', async () => {
    const clock = createFakeClock(0);
    let woke = false;
    const sleeping = sleep(clock, 1_000).then(() => {
      woke = true;
    });
    await clock.advance(999);
    expect(woke).toBe(false);
    await clock.advance(1);
    expect(woke).toBe(true);
    await sleeping;
  });

  it('fires zero and negative delays at the next advance, never synchronously', async () => {
    const clock = createFakeClock(0);
    const fired: number[] = [];
    clock.setTimer(() => fired.push(1), 0);
    clock.setTimer(() => fired.push(2), -5);
    clock.setTimer(() => fired.push(3), Number.NaN);
    expect(fired).toEqual([]);
    await clock.advance(0);
    expect(fired).toEqual([1, 2, 3]);
    expect(clock.now()).toBe(0);
  });

  it('cancel removes a timer, and is a no-op once fired', async () => {
    const clock = createFakeClock(0);
    const fired: string[] = [];
    const a = clock.setTimer(() => fired.push('a'), 10);
    clock.setTimer(() => fired.push('b'), 10);
    a.cancel();
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(10);
    expect(fired).toEqual(['b']);
    a.cancel();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs advances called without awaiting one after the other', async () => {
    const clock = createFakeClock(0);
    const fired: number[] = [];
    clock.setTimer(() => fired.push(clock.now()), 15);
    clock.setTimer(() => fired.push(clock.now()), 25);
    await Promise.all([clock.advance(10), clock.advance(10), clock.advance(10)]);
    expect(fired).toEqual([15, 25]);
    expect(clock.now()).toBe(30);
  });

  it('rejects with a timer callback error after running the rest of the window', async () => {
    const clock = createFakeClock(0);
    const fired: string[] = [];
    clock.setTimer(() => {
      throw new Error('callback failed');
    }, 5);
    clock.setTimer(() => fired.push('after'), 6);
    await expect(clock.advance(10)).rejects.toThrow('callback failed');
    expect(fired).toEqual(['after']);
    expect(clock.now()).toBe(10);
    await clock.advance(1);
    expect(clock.now()).toBe(11);
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    'rejects advance(%s) with a ValidationError',
    async (ms) => {
      const clock = createFakeClock(0);
      const error = await clock.advance(ms).catch((err: unknown) => err);
      expect(CertflowError.is(error, 'ERR_VALIDATION')).toBe(true);
      expect(clock.now()).toBe(0);
    },
  );
});
