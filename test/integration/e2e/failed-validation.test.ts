import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Challenge } from '../../../src/domain/types.js';
import type { Solver } from '../../../src/solvers/index.js';
import { certificate, useE2E } from '../../helpers/e2e.js';

describe('a validation that fails', () => {
  const setup = useE2E();

  // Serves the wrong content: the HTTP-01 solver publishes a corrupted key authorization, and has
  // no self-check (the wrapper drops it), so the CA is the one that sees the wrong content.
  function corrupting(inner: Solver): Solver {
    const corrupt = (c: Challenge): Challenge => ({
      ...c,
      spec: { ...c.spec, key: `${c.spec.key}-wrong` },
    });
    return {
      types: inner.types,
      present: (c, ctx) => inner.present(corrupt(c), ctx),
      cleanUp: (c, ctx) => inner.cleanUp(corrupt(c), ctx),
    };
  }

  it('ends the challenge Invalid and the Certificate Ready=False with a reason', async () => {
    const e2e = setup();
    const { http01 } = e2e;
    const engine = createEngine({
      store: createMemoryStore(),
      solvers: { http01: corrupting(http01) },
      challengePolicy: {
        selfCheckIntervalMs: 200,
        pollIntervalMs: 200,
        backoffBaseMs: 200,
        backoffMaxMs: 2_000,
      },
      retry: { baseMs: 100, maxMs: 2_000 },
    });
    const failed: string[] = [];
    engine.on('certificate:failed', (e) => failed.push(e.reason));
    try {
      await engine.apply([
        e2e.issuer('pebble', [{ http01: {} }]),
        certificate('bad', 'pebble', ['bad.example.test']),
      ]);
      await engine.start();
      const cert = await engine.waitFor('Certificate', 'bad', 'Ready', {
        status: 'False',
        timeoutMs: 60_000,
      });
      // Wait for the failure itself (Ready=False is set as soon as issuance starts).
      await new Promise<void>((resolve) => {
        if (failed.length > 0) resolve();
        else engine.once('certificate:failed', () => resolve());
      });
      const after = (await engine.get('Certificate', 'bad'))!;
      const ready = after.status?.conditions?.find((c) => c.type === 'Ready');
      expect(cert.metadata.name).toBe('bad');
      expect(ready?.status).toBe('False');
      expect(ready?.reason).toBe('Failed');
      expect(ready?.message).toMatch(/bad\.example\.test/);
      expect(ready?.message).toMatch(/urn:ietf:params:acme:error:unauthorized/);
      expect(after.status?.failedIssuanceAttempts).toBe(1);
      expect(after.status?.lastFailureTime).toBeDefined();
      const [challenge] = await engine.list('Challenge');
      expect(challenge?.status?.phase).toBe('Invalid');
      expect(challenge?.status?.state).toBe('invalid');
      expect(challenge?.status?.presented).toBe(false);
      const [order] = await engine.list('Order');
      expect(order?.status?.state).toBe('invalid');
      expect(http01.tokens()).toBe(0);
      expect(await engine.get('Secret', 'bad-tls')).toBeUndefined();
    } finally {
      await engine.stop();
    }
  });
});
