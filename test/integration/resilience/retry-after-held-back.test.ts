import * as https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort } from '../../../src/acme/index.js';
import { AcmeError } from '../../../src/errors.js';
import { startPebble, type PebbleServer } from '../../../src/testing/pebble.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { newAccountKeyPem } from '../acme/steps.js';

describe('Retry-After on a 429', () => {
  let pebble: PebbleServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    pebble = await startPebble();
    // Every request is refused with Retry-After: 1.
    proxy = await startFaultProxy({
      upstreamOrigin: new URL(pebble.directoryUrl).origin,
      upstreamCaPem: pebble.caBundlePem,
      fault: 'http429',
      rate: 1,
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await pebble?.stop();
  });

  it('holds back every client of the port from that URL until the time given', async () => {
    const port = createAcmeClientPort();
    const options = { directoryUrl: proxy.directoryUrl, caBundlePem: proxy.caBundlePem };
    const first = port.client({ ...options, accountKeyPem: newAccountKeyPem() });
    const other = port.client({ ...options, accountKeyPem: newAccountKeyPem() });

    const refused = (await first.registerAccount().catch((e: unknown) => e)) as AcmeError;
    expect(refused).toBeInstanceOf(AcmeError);
    expect(refused.status).toBe(429);
    expect(refused.transient).toBe(true);
    expect(refused.retryAfterMs).toBe(1_000);
    expect(proxy.stats.requests).toBe(1);

    // Refused here, without a request, by the client that was told and by the one that was not.
    for (const client of [first, other]) {
      const held = (await client.registerAccount().catch((e: unknown) => e)) as AcmeError;
      expect(held.transient).toBe(true);
      expect(held.status).toBeUndefined();
      expect(held.retryAfterMs).toBeGreaterThan(0);
      expect(held.retryAfterMs).toBeLessThanOrEqual(1_000);
      expect(held.message).toMatch(/Retry-After/);
    }
    expect(proxy.stats.requests).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await other.registerAccount().catch(() => undefined);
    expect(proxy.stats.requests).toBe(2);
    expect(proxy.stats.retriesAfterHold).toBe(1);
    expect(proxy.stats.retryAfterViolations).toEqual([]);
  });

  it('is a violation the proxy records when a client comes back early', async () => {
    const get = (): Promise<number> =>
      new Promise((resolve, reject) => {
        https
          .get(`${proxy.origin}/early`, { ca: proxy.caBundlePem, agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    expect(await get()).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await get()).toBe(429);
    expect(proxy.stats.retryAfterViolations).toEqual([
      { url: '/early', afterMs: expect.any(Number), retryAfterMs: 1_000 },
    ]);
    expect(proxy.stats.retryAfterViolations[0]!.afterMs).toBeGreaterThanOrEqual(300);
  });
});
