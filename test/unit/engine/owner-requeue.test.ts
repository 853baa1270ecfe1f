// The engine requeues an Order for a change of one of its Challenges only when the Order can act
// on it: a Challenge still working (here Queued, behind a full slot) changes without a reconcile
// of its Order; once it ends, the Order is reconciled.
import { describe, expect, it, vi } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { createEngine } from '../../../src/engine/engine.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store } from '../../../src/stores/types.js';
import { settle } from '../controllers/engine-fixture.js';
import { challenge, order, recordingSolver, seed } from './fixtures.js';

const ORDER_KEY = 'resources/Order/default/site-1-abc';
const QUEUED_KEY = 'resources/Challenge/default/queued';

describe('requeueing an Order for changes of its Challenges', () => {
  it('skips the changes of a working Challenge and reconciles on its end', async () => {
    const inner = createMemoryStore();
    // One slot, held by a challenge whose presentation never returns: nothing else runs.
    const solver = recordingSolver();
    const held = solver.hold();
    const blocker = challenge('blocker', 'Presenting', { presented: false });
    const queued = challenge('queued', 'Queued');
    await seed(inner, [order(), blocker, queued]);
    let orderReads = 0;
    const store: Store = {
      ...inner,
      get: (key) => {
        if (key === ORDER_KEY) orderReads += 1;
        return inner.get(key);
      },
      watch: (prefix, listener) => inner.watch!(prefix, listener),
    };
    const engine = createEngine({
      store,
      solvers: { http01: solver },
      maxConcurrentChallenges: 1,
    });
    await engine.start();
    try {
      await held.entered;
      await settle(100);
      orderReads = 0;

      // Five changes while it waits in Queued: the Order has nothing to act on.
      for (let i = 0; i < 5; i++) {
        const current = (await inner.get<Challenge>(QUEUED_KEY))!;
        const next = {
          ...current.value,
          metadata: { ...current.value.metadata, labels: { change: String(i) } },
        };
        await inner.put(QUEUED_KEY, next, { ifVersion: current.version });
      }
      await settle(100);
      expect(orderReads).toBe(0);

      // It ends (as when its authorization turned out valid): the Order must look.
      const current = (await inner.get<Challenge>(QUEUED_KEY))!;
      const ended: Challenge = {
        ...current.value,
        status: { ...current.value.status, phase: 'Valid', state: 'valid', cleanedUp: true },
      };
      await inner.put(QUEUED_KEY, ended, { ifVersion: current.version });
      await vi.waitFor(() => expect(orderReads).toBeGreaterThan(0));
    } finally {
      held.release();
      await engine.stop();
    }
  });
});
