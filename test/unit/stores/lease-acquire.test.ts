import { describe, expect, it } from 'vitest';
import { createLease } from '../../../src/stores/lease.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store } from '../../../src/stores/types.js';
import { createFakeClock } from '../../../src/testing/fake-clock.js';

const key = 'leases/scheduler';

describe('lease: acquiring', () => {
  it('a free lease is taken, recorded, and then refused to another holder', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(1_000);
    const a = createLease(store, { key, holder: 'engine-a', ttlMs: 10_000, clock });
    const b = createLease(store, { key, holder: 'engine-b', ttlMs: 10_000, clock });
    expect(a.isHeld()).toBe(false);
    expect(await a.tryAcquire()).toBe(true);
    expect(a.isHeld()).toBe(true);
    expect((await store.get(key))?.value).toEqual({
      holder: 'engine-a',
      acquiredAt: 1_000,
      renewedAt: 1_000,
      ttlMs: 10_000,
      transitions: 0,
    });
    expect(await b.tryAcquire()).toBe(false);
    expect(b.isHeld()).toBe(false);
    expect(a.isHeld()).toBe(true);
  });

  it('tryAcquire by the holder renews its lease', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(0);
    const a = createLease(store, { key, holder: 'a', ttlMs: 100, clock });
    expect(await a.tryAcquire()).toBe(true);
    await clock.advance(60);
    expect(await a.tryAcquire()).toBe(true);
    await clock.advance(60);
    expect(a.isHeld()).toBe(true);
    expect((await store.get(key))?.value).toMatchObject({ acquiredAt: 0, renewedAt: 60 });
  });

  it('checks again after taking: a lease overwritten right after the write is not held', async () => {
    const inner = createMemoryStore();
    const clock = createFakeClock(0);
    let intrude = true;
    // Another writer (say, one whose clock runs far ahead) lands right after the lease's write.
    const store: Store = {
      ...inner,
      put: async (k, value, options) => {
        const version = await inner.put(k, value, options);
        if (intrude) {
          intrude = false;
          await inner.put(k, {
            holder: 'intruder',
            acquiredAt: 0,
            renewedAt: 0,
            ttlMs: 1e9,
            transitions: 1,
          });
        }
        return version;
      },
    };
    const a = createLease(store, { key, holder: 'a', ttlMs: 100, clock });
    expect(await a.tryAcquire()).toBe(false);
    expect(a.isHeld()).toBe(false);
    expect(await a.renew()).toBe(false);
  });
});
