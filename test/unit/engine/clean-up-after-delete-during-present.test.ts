import { describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { challenge, order, recordingSolver, seed } from './fixtures.js';

describe('a challenge deleted while its solver is still publishing', () => {
  it('is cleaned up once the publication lands, so no token outlives it', async () => {
    const store = createMemoryStore();
    const solver = recordingSolver();
    await seed(store, [order(), challenge('slow', 'Presenting', { presented: false })]);
    const held = solver.hold();
    const engine = createEngine({ store, solvers: { http01: solver } });
    await engine.start();
    try {
      await held.entered;
      // The Order goes, and its Challenge with it, while present() is still running.
      expect(await engine.delete('Order', 'site-1-abc')).toBe(true);
      expect(await engine.list('Challenge')).toEqual([]);
      held.release();
      // Published after the deletion, and cleaned up after that.
      await vi.waitFor(() => {
        const published = solver.calls.indexOf('published slow');
        expect(published).toBeGreaterThan(-1);
        expect(solver.calls.lastIndexOf('cleanUp slow')).toBeGreaterThan(published);
      });
      expect(solver.published.size).toBe(0);
    } finally {
      await engine.stop();
    }
  });
});
