// The scheduler reads only the oldest few Queued challenges per round; when those all wait for a
// name already being solved, it must read further, as pickChallengesToSchedule over all of them
// would, and start the oldest one whose name is free.
import { describe, expect, it, vi } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { createEngine } from '../../../src/engine/engine.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { challenge, order, recordingSolver, seed } from './fixtures.js';

/** A Queued challenge for `dnsName`, created `second` seconds into the fixture's day. */
function queued(name: string, dnsName: string, second: number): Challenge {
  const c = challenge(name, 'Queued');
  c.spec.dnsName = dnsName;
  c.metadata.creationTimestamp = new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();
  return c;
}

describe('the scheduler with the oldest Queued challenges all waiting for a busy name', () => {
  it('starts a younger challenge whose name is free, and none for the busy name', async () => {
    const store = createMemoryStore();
    // In flight for busy.test (the issuer does not exist, so it stays in Scheduled).
    const running = challenge('running', 'Scheduled');
    running.spec.dnsName = 'busy.test';
    // Ten older challenges for the busy name, then one for a free name: with one free slot a
    // round first reads two, then eight, then thirty-two.
    const waiting = Array.from({ length: 10 }, (_, i) => queued(`busy-${i}`, 'busy.test', i));
    const free = queued('free', 'free.test', 30);
    await seed(store, [order(), running, ...waiting, free]);
    const engine = createEngine({
      store,
      solvers: { http01: recordingSolver() },
      maxConcurrentChallenges: 2,
    });
    await engine.start();
    try {
      await vi.waitFor(async () => {
        const c = (await engine.list('Challenge')).find((x) => x.metadata.name === 'free');
        expect(c?.status?.phase).not.toBe('Queued');
      });
      const phases = new Map(
        (await engine.list('Challenge')).map((c) => [c.metadata.name, c.status?.phase]),
      );
      for (let i = 0; i < 10; i++) expect(phases.get(`busy-${i}`)).toBe('Queued');
      expect(engine.stats().challengesInFlight).toBe(2);
    } finally {
      await engine.stop();
    }
  });
});
