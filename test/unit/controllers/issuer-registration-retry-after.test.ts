import { describe, expect, it, vi } from 'vitest';
import type { AcmeClient, AcmePort } from '../../../src/acme/index.js';
import { createEngine } from '../../../src/engine/engine.js';
import { AcmeError } from '../../../src/errors.js';
import type { EngineErrorEvent } from '../../../src/events.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { createFakeClock } from '../../../src/testing/fake-clock.js';

// The ACME port is swapped for a stand-in that refuses the first registration with a rate limit;
// what is under test is the issuers controller's reaction, not the protocol.
function rateLimitedOnce(): { port: AcmePort; calls: () => number } {
  let calls = 0;
  const client = {
    async registerAccount() {
      calls++;
      if (calls === 1) {
        throw new AcmeError('urn:ietf:params:acme:error:rateLimited: too many registrations', {
          transient: true,
          status: 429,
          problemType: 'urn:ietf:params:acme:error:rateLimited',
          retryAfterMs: 30_000,
        });
      }
      return { accountUrl: 'https://acme.test/acct/1' };
    },
  } as unknown as AcmeClient;
  return { port: { client: () => client }, calls: () => calls };
}

describe('ACME account registration refused with Retry-After', () => {
  it('reports the error, waits out Retry-After, then registers', async () => {
    const clock = createFakeClock();
    const { port, calls } = rateLimitedOnce();
    const engine = createEngine({
      store: createMemoryStore(),
      clock,
      acmePort: port,
      retry: { baseMs: 100, maxMs: 1_000 },
    });
    const errors: EngineErrorEvent[] = [];
    engine.on('error', (e) => errors.push(e));
    await engine.apply({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: { name: 'acme' },
      spec: {
        acme: {
          server: 'https://acme.test/directory',
          privateKeySecretRef: { name: 'acme-account' },
          solvers: [{ http01: {} }],
        },
      },
    });
    await engine.start();
    try {
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect(errors[0]?.controller).toBe('issuers');
      expect(errors[0]?.error.message).toMatch(/rateLimited/);
      const issuer = await engine.get('Issuer', 'acme');
      expect(issuer?.status?.conditions?.[0]).toMatchObject({
        type: 'Ready',
        status: 'False',
        reason: 'ErrRegisterACMEAccount',
      });
      // The backoff alone (100 ms) would retry long before the server's 30 s.
      await clock.advance(29_000);
      expect(calls()).toBe(1);
      await clock.advance(1_000);
      await engine.waitFor('Issuer', 'acme', 'Ready', { timeoutMs: 1_000 });
      expect(calls()).toBe(2);
    } finally {
      await engine.stop();
    }
  });
});
