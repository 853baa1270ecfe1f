// A solver with no self-check and no wait: the presentation and the (empty) self-check are stored
// in one write, while the events still walk Presenting -> SelfCheck -> Accepted. A solver that
// checks gets SelfCheck stored before its check runs.
import { describe, expect, it, vi } from 'vitest';
import type { ChallengePhase } from '../../../src/domain/types.js';
import { createEngine } from '../../../src/engine/engine.js';
import type { Solver } from '../../../src/solvers/index.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store } from '../../../src/stores/types.js';
import { challenge, order, recordingSolver, seed } from './fixtures.js';

async function run(solver: Solver, until: ChallengePhase, also: () => boolean = () => true) {
  const inner = createMemoryStore();
  await seed(inner, [order(), challenge('c', 'Presenting', { presented: false })]);
  const stored: (ChallengePhase | undefined)[] = [];
  const store: Store = {
    ...inner,
    put: (key, value, options) => {
      if (key === 'resources/Challenge/default/c') {
        stored.push((value as { status?: { phase?: ChallengePhase } }).status?.phase);
      }
      return inner.put(key, value, options);
    },
    watch: (prefix, listener) => inner.watch!(prefix, listener),
  };
  const engine = createEngine({ store, solvers: { http01: solver } });
  const events: string[] = [];
  engine.on('challenge:transition', ({ from, to, event }) => events.push(`${from}>${to}:${event}`));
  await engine.start();
  try {
    await vi.waitFor(() => {
      expect(stored).toContain(until);
      expect(also()).toBe(true);
    });
  } finally {
    await engine.stop();
  }
  return { stored, events };
}

describe('the self-check of a challenge', () => {
  it('is stored with the presentation when the solver has nothing to check', async () => {
    const { stored, events } = await run(recordingSolver(), 'Accepted');
    expect(stored[0]).toBe('Accepted');
    expect(stored).not.toContain('SelfCheck');
    expect(events.slice(0, 2)).toEqual([
      'Presenting>SelfCheck:presented',
      'SelfCheck>Accepted:selfCheckPassed',
    ]);
  });

  it('is stored on its own, before the check runs, when the solver checks', async () => {
    let checks = 0;
    const solver: Solver = {
      ...recordingSolver(),
      selfCheck: async () => {
        checks += 1;
        return { ok: false, reason: 'not yet' };
      },
    };
    const { stored } = await run(solver, 'SelfCheck', () => checks > 0);
    expect(stored[0]).toBe('SelfCheck');
    expect(stored).not.toContain('Accepted');
  });
});
