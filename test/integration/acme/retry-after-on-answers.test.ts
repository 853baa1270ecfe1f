// RFC 8555 §7.4 and §7.5.1: an answer about an object still in the works may say when to look
// again (Retry-After, in seconds or as an HTTP date). The snapshots carry it as retryAfterMs, so
// the controllers never poll before it. Pebble sends no Retry-After, so a small ACME-shaped server on
// 127.0.0.1 does.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort, type AcmeClient } from '../../../src/acme/index.js';
import { systemClock, type Clock } from '../../../src/clock.js';
import { newAccountKeyPem } from './steps.js';

/** A fixed "now" (whole seconds, so an HTTP date round-trips exactly); timers stay real. */
const NOW = Date.UTC(2030, 0, 2, 3, 4, 5);
const clock: Clock = { now: () => NOW, setTimer: systemClock.setTimer };

let server: http.Server;
let base: string;
/** Path → the Retry-After header its answer carries (absent: none). */
const retryAfter = new Map<string, string>();

const order = (): Record<string, unknown> => ({
  status: 'processing',
  authorizations: [`${base}/authz/1`],
  finalize: `${base}/order/1/finalize`,
});
const challenge = (): Record<string, unknown> => ({
  type: 'http-01',
  url: `${base}/chall/1`,
  status: 'processing',
  token: 'tok-1',
});

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
        'replay-nonce': `n${Math.random()}`,
      };
      const path = req.url ?? '';
      const wait = retryAfter.get(path);
      if (wait !== undefined) headers['retry-after'] = wait;
      const bodies: Record<string, () => unknown> = {
        '/dir': () => ({ newNonce: `${base}/nonce`, newAccount: `${base}/acct` }),
        '/nonce': () => undefined,
        '/acct': () => ({ status: 'valid' }),
        '/order/1': order,
        '/order/2': order,
        '/order/1/finalize': order,
        '/authz/1': () => ({
          status: 'pending',
          identifier: { type: 'dns', value: 'web.example.test' },
          challenges: [challenge()],
        }),
        '/chall/1': challenge,
      };
      const body = bodies[path];
      if (body === undefined) {
        res.writeHead(404);
        res.end();
        return;
      }
      if (path === '/acct') headers['location'] = `${base}/acct/1`;
      res.writeHead(200, headers);
      const data = body();
      res.end(data === undefined ? undefined : JSON.stringify(data));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function newClient(): AcmeClient {
  return createAcmeClientPort({ clock }).client({
    directoryUrl: `${base}/dir`,
    accountKeyPem: newAccountKeyPem(),
    accountUrl: `${base}/acct/1`,
  });
}

describe('Retry-After on a successful answer', () => {
  it.each([
    { step: 'getOrder', path: '/order/1', header: '3', ms: 3_000 },
    { step: 'getOrder', path: '/order/1', header: new Date(NOW + 7_000).toUTCString(), ms: 7_000 },
    { step: 'getAuthorization', path: '/authz/1', header: '2', ms: 2_000 },
    { step: 'getChallenge', path: '/chall/1', header: '1', ms: 1_000 },
    { step: 'acceptChallenge', path: '/chall/1', header: '4', ms: 4_000 },
    { step: 'finalizeOrder', path: '/order/1/finalize', header: '5', ms: 5_000 },
  ] as const)(
    '$step with Retry-After "$header" → retryAfterMs $ms',
    async ({ step, path, header, ms }) => {
      retryAfter.clear();
      retryAfter.set(path, header);
      const client = newClient();
      const snapshot =
        step === 'getOrder'
          ? await client.getOrder(`${base}/order/1`)
          : step === 'getAuthorization'
            ? await client.getAuthorization(`${base}/authz/1`)
            : step === 'getChallenge'
              ? await client.getChallenge(`${base}/chall/1`)
              : step === 'acceptChallenge'
                ? await client.acceptChallenge(`${base}/chall/1`)
                : await client.finalizeOrder(
                    `${base}/order/1/finalize`,
                    `${base}/order/1`,
                    new Uint8Array([0x30, 0x00]),
                  );
      expect(snapshot.retryAfterMs).toBe(ms);
    },
  );

  it.each([
    { header: undefined },
    { header: '0' },
    { header: 'soon' },
    { header: new Date(NOW - 60_000).toUTCString() },
  ])('is left out for Retry-After $header', async ({ header }) => {
    retryAfter.clear();
    if (header !== undefined) retryAfter.set('/order/2', header);
    const snapshot = await newClient().getOrder(`${base}/order/2`);
    expect(snapshot.status).toBe('processing');
    expect(snapshot).not.toHaveProperty('retryAfterMs');
  });

  it('does not hold the URL back: the next look is the caller’s to time', async () => {
    retryAfter.clear();
    retryAfter.set('/order/1', '30');
    const client = newClient();
    expect((await client.getOrder(`${base}/order/1`)).retryAfterMs).toBe(30_000);
    retryAfter.clear();
    const again = await client.getOrder(`${base}/order/1`);
    expect(again.status).toBe('processing');
    expect(again).not.toHaveProperty('retryAfterMs');
  });
});
