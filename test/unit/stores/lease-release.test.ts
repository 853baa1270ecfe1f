import { describe, expect, it } from 'vitest';
import { createLease } from '../../../src/stores/lease.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { createFakeClock } from '../../../src/testing/fake-clock.js';

const key = 'leases/scheduler';

describe('lease: release', () => {
  it('a released lease can be taken by another holder at once', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(0);
    const a = createLease(store, { key, holder: 'a', ttlMs: 60_000, clock });
    const b = createLease(store, { key, holder: 'b', ttlMs: 60_000, clock });
    expect(await a.tryAcquire()).toBe(true);
    await a.release();
    expect(a.isHeld()).toBe(false);
    expect((await store.get(key))?.value).toMatchObject({ holder: '', ttlMs: 0 });
    expect(await b.tryAcquire()).toBe(true);
    expect((await store.get(key))?.value).toMatchObject({ holder: 'b', transitions: 1 });
    expect(await a.renew()).toBe(false);
  });

  it('releasing a lease lost to another holder leaves theirs alone', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(0);
    const a = createLease(store, { key, holder: 'a', ttlMs: 100, clock });
    const b = createLease(store, { key, holder: 'b', ttlMs: 100, clock });
    expect(await a.tryAcquire()).toBe(true);
    await clock.advance(100);
    expect(await b.tryAcquire()).toBe(true);
    const taken = await store.get(key);
    await a.release();
    expect(await store.get(key)).toEqual(taken);
    expect(b.isHeld()).toBe(true);
  });

  it('release without holding is a no-op', async () => {
    const store = createMemoryStore();
    const a = createLease(store, { key, holder: 'a', ttlMs: 100, clock: createFakeClock(0) });
    await a.release();
    expect(await store.get(key)).toBeUndefined();
  });
});
