import { describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { challenge, order, recordingSolver, seed } from './fixtures.js';

describe('an engine starting on a Store a killed process left behind', () => {
  it('cleans up every challenge that may be presented and is or becomes terminal, once', async () => {
    const store = createMemoryStore();
    const solver = recordingSolver();
    // What the dead process published, as far as the solver is concerned.
    for (const name of ['valid', 'errored', 'orphan']) {
      solver.published.set(`token-${name}`, `token-${name}.thumbprint`);
    }
    await seed(store, [
      order(),
      challenge('valid', 'Valid', { presented: true, cleanedUp: false, state: 'valid' }),
      challenge('errored', 'Errored', { presented: true, cleanedUp: false, state: 'errored' }),
      // Killed in Presenting: present() may have run; its Order is gone since.
      challenge('orphan', 'Presenting', { presented: false }, { name: 'gone', uid: 'gone-uid' }),
      challenge('done', 'Valid', { presented: false, cleanedUp: true, state: 'valid' }),
    ]);
    const engine = createEngine({ store, solvers: { http01: solver } });
    await engine.start();
    try {
      await vi.waitFor(async () => {
        const challenges = await engine.list('Challenge');
        expect(challenges.every((c) => c.status?.cleanedUp === true)).toBe(true);
      });
      const byName = new Map((await engine.list('Challenge')).map((c) => [c.metadata.name, c]));
      expect(byName.get('orphan')?.status?.phase).toBe('Expired');
      for (const c of byName.values()) expect(c.status?.presented).toBe(false);
      expect(solver.published.size).toBe(0);
      expect(solver.calls.sort()).toEqual(['cleanUp errored', 'cleanUp orphan', 'cleanUp valid']);
    } finally {
      await engine.stop();
    }
  });

  it('finishes a deletion the dead process began: cleans up, then removes the challenge', async () => {
    const store = createMemoryStore();
    const solver = recordingSolver();
    solver.published.set('token-marked', 'token-marked.thumbprint');
    const marked = challenge('marked', 'SelfCheck', { presented: true });
    marked.metadata.deletionTimestamp = '2025-01-01T00:00:00.000Z';
    await seed(store, [order(), marked]);
    const engine = createEngine({ store, solvers: { http01: solver } });
    await engine.start();
    try {
      await vi.waitFor(async () => expect(await engine.list('Challenge')).toEqual([]));
      expect(solver.calls).toEqual(['cleanUp marked']);
      expect(solver.published.size).toBe(0);
    } finally {
      await engine.stop();
    }
  });
});
