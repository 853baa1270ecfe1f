import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../../../src/stores/file.js';
import { createLease, type Lease } from '../../../src/stores/lease.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store } from '../../../src/stores/types.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';

const key = 'leases/scheduler';

async function contend(store: Store, clock: FakeClock, holders: number): Promise<void> {
  const leases: Lease[] = Array.from({ length: holders }, (_, i) =>
    createLease(store, { key, holder: `engine-${i}`, ttlMs: 1_000, clock }),
  );
  for (let round = 0; round < 10; round += 1) {
    const results = await Promise.all(leases.map((lease) => lease.tryAcquire()));
    const held = leases.flatMap((lease, i) => (lease.isHeld() ? [i] : []));
    expect(held).toHaveLength(1);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results.indexOf(true)).toBe(held[0]);
    // Let the lease lapse half the time, so holders change and the winner must race again.
    await clock.advance(round % 2 === 0 ? 1_000 : 500);
    expect(leases.filter((lease) => lease.isHeld()).length).toBeLessThanOrEqual(1);
  }
}

describe('lease: contention', () => {
  it('16 holders racing on a memory store: exactly one holds it at any time', async () => {
    await contend(createMemoryStore(), createFakeClock(0), 16);
  });

  it('8 holders racing on a file store: exactly one holds it at any time', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    try {
      // Separate instances, as separate engines would have.
      const stores = Array.from({ length: 8 }, () => createFileStore({ directory }));
      const clock = createFakeClock(0);
      const leases = stores.map((store, i) =>
        createLease(store, { key, holder: `engine-${i}`, ttlMs: 1_000, clock }),
      );
      for (let round = 0; round < 5; round += 1) {
        const results = await Promise.all(leases.map((lease) => lease.tryAcquire()));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(leases.filter((lease) => lease.isHeld())).toHaveLength(1);
        await clock.advance(1_000);
        expect(leases.filter((lease) => lease.isHeld())).toHaveLength(0);
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
