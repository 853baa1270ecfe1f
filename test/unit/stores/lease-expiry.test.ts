import { describe, expect, it } from 'vitest';
import { createLease } from '../../../src/stores/lease.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { createFakeClock } from '../../../src/testing/fake-clock.js';

const key = 'leases/scheduler';

describe('lease: expiry', () => {
  it('an expired lease is taken over, and the old holder stops believing it holds it', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(0);
    const a = createLease(store, { key, holder: 'a', ttlMs: 1_000, clock });
    const b = createLease(store, { key, holder: 'b', ttlMs: 1_000, clock });
    expect(await a.tryAcquire()).toBe(true);
    await clock.advance(999);
    expect(a.isHeld()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    await clock.advance(1);
    // Both sides agree on the instant: a stops holding exactly when b may take over.
    expect(a.isHeld()).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
    expect(b.isHeld()).toBe(true);
    expect((await store.get(key))?.value).toEqual({
      holder: 'b',
      acquiredAt: 1_000,
      renewedAt: 1_000,
      ttlMs: 1_000,
      transitions: 1,
    });
    expect(await a.renew()).toBe(false);
    expect(a.isHeld()).toBe(false);
    expect(await a.tryAcquire()).toBe(false);
    expect(b.isHeld()).toBe(true);
  });

  it('renewing in time keeps the lease; renewing late still works if nobody took it', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(0);
    const a = createLease(store, { key, holder: 'a', ttlMs: 1_000, clock });
    const b = createLease(store, { key, holder: 'b', ttlMs: 1_000, clock });
    expect(await a.renew()).toBe(false);
    expect(await a.tryAcquire()).toBe(true);
    for (let i = 0; i < 5; i += 1) {
      await clock.advance(800);
      expect(await a.renew()).toBe(true);
      expect(await b.tryAcquire()).toBe(false);
    }
    await clock.advance(1_500);
    expect(a.isHeld()).toBe(false);
    expect(await a.renew()).toBe(true);
    expect(a.isHeld()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
  });

  it('a holder restarted under the same name waits out its old lease', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(0);
    const before = createLease(store, { key, holder: 'a', ttlMs: 1_000, clock });
    expect(await before.tryAcquire()).toBe(true);
    const after = createLease(store, { key, holder: 'a', ttlMs: 1_000, clock });
    expect(await after.tryAcquire()).toBe(false);
    await clock.advance(1_000);
    expect(await after.tryAcquire()).toBe(true);
    expect((await store.get(key))?.value).toMatchObject({ holder: 'a', transitions: 0 });
  });
});
