import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { EngineErrorEvent } from '../../../src/events.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store } from '../../../src/stores/types.js';
import { createFlakyStore } from '../../helpers/flaky-store.js';

const issuer = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Issuer',
  metadata: { name: 'self', namespace: 'default' },
  spec: { selfSigned: {} },
};
const KEY = 'resources/Issuer/default/self';

/** Once armed, fails the calls to `get(KEY)` whose 1-based numbers are listed. */
function failingGets(
  inner: Store,
  calls: number[],
  withWatch: boolean,
): { store: Store; arm(): void } {
  let armed = false;
  let n = 0;
  const flaky = createFlakyStore(inner, [
    {
      op: 'get',
      match: (key) => armed && key === KEY && calls.includes(++n),
      times: calls.length,
    },
  ]);
  const arm = (): void => {
    armed = true;
  };
  if (withWatch) return { store: flaky, arm };
  const { watch: _watch, ...noWatch } = flaky;
  return { store: noWatch, arm };
}

describe('Store reads that fail', () => {
  it('do not end waitFor, which resolves once the condition is met', async () => {
    const { store, arm } = failingGets(createMemoryStore(), [1, 2, 3], true);
    const engine = createEngine({ store, retry: { baseMs: 10, maxMs: 50 } });
    await engine.apply(issuer);
    arm();
    const ready = engine.waitFor('Issuer', 'self', 'Ready', { timeoutMs: 5_000 });
    await engine.start();
    try {
      expect((await ready).status?.conditions?.[0]?.status).toBe('True');
    } finally {
      await engine.stop();
    }
  });

  it('of a changed object on a Store without watch are evented, and the object still reconciled', async () => {
    // Read 1 is the issuers controller's; read 2 the engine's, after the controller's write.
    const { store, arm } = failingGets(createMemoryStore(), [2], false);
    expect(store.watch).toBeUndefined();
    const engine = createEngine({ store, retry: { baseMs: 10, maxMs: 50 } });
    const errors: EngineErrorEvent[] = [];
    engine.on('error', (e) => errors.push(e));
    await engine.apply(issuer);
    arm();
    await engine.start();
    try {
      await engine.waitFor('Issuer', 'self', 'Ready', { timeoutMs: 5_000 });
      expect(errors.map((e) => [e.controller, e.key, e.error.message])).toEqual([
        ['engine', KEY, `injected get failure on ${KEY}`],
      ]);
    } finally {
      await engine.stop();
    }
  });
});
