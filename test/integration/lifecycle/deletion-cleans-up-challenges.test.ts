import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHttp01Solver } from '../../../src/solvers/index.js';
import { certificate, startE2E, type E2E } from '../../helpers/e2e.js';

describe('deleting a Certificate while its challenge is presented, against Pebble', () => {
  let e2e: E2E;
  // Its self-check looks where nothing answers, so the challenge stays presented in SelfCheck.
  const stuck = createHttp01Solver({
    selfCheck: { nameservers: ['127.0.0.1:9'], port: 9, timeoutMs: 300 },
  });
  beforeAll(async () => {
    e2e = await startE2E({ solvers: { http01: stuck } });
  });
  afterAll(async () => {
    await e2e?.stop();
    await stuck.close();
  });

  it('deletes the requests, orders and challenges it owns, and cleans up the presented token', async () => {
    const { engine } = e2e;
    await engine.apply([
      e2e.issuer('pebble', [{ http01: {} }]),
      certificate('web', 'pebble', ['stuck.example.test']),
    ]);
    await engine.start();
    const presented = await vi.waitFor(
      async () => {
        const [challenge] = await engine.list('Challenge');
        if (challenge?.status?.presented !== true || challenge.status.phase !== 'SelfCheck') {
          throw new Error(`challenge is ${challenge?.status?.phase ?? 'not there'}`);
        }
        return challenge;
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(stuck.tokens()).toBe(1);
    expect(presented.metadata.ownerReferences?.[0]?.kind).toBe('Order');
    expect(await engine.list('Order')).toHaveLength(1);

    expect(await engine.delete('Certificate', 'web')).toBe(true);
    expect(stuck.tokens()).toBe(0);
    expect(await engine.list('Challenge')).toEqual([]);
    expect(await engine.list('Order')).toEqual([]);
    expect(await engine.list('CertificateRequest')).toEqual([]);
    expect(await engine.get('Certificate', 'web')).toBeUndefined();
    // Nothing comes back: no controller makes new objects for the deleted Certificate.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(stuck.tokens()).toBe(0);
    expect(await engine.list('Challenge')).toEqual([]);
    expect(await engine.list('CertificateRequest')).toEqual([]);
    // The next private key went with it; only the ACME account key is left.
    expect((await engine.list('Secret')).map((s) => s.metadata.name)).toEqual([
      'pebble-account-key',
    ]);
  });
});
