import { Agent } from 'node:https';
import { X509Certificate } from 'node:crypto';
import * as acme from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp01Solver, type Http01Solver } from '../../../src/solvers/http01.js';
import type { Solver } from '../../../src/solvers/types.js';
import { createChallTestSrvDns01Solver } from '../../../src/testing/challtestsrv-solver.js';
import { startPebble, type PebbleServer } from '../../../src/testing/pebble.js';
import { createTestChallenge } from '../../../src/testing/solver-contract.js';

const live = () => ({ signal: new AbortController().signal });

describe('Pebble validates challenges published by the built-in solvers', () => {
  let pebble: PebbleServer;
  let http01: Http01Solver;
  let dns01: Solver;
  let client: acme.Client;

  beforeAll(async () => {
    // Every authorization validated afresh, and no injected badNonce: this test is about the
    // solvers, not the client's retries.
    pebble = await startPebble({ env: { PEBBLE_AUTHZREUSE: '0', PEBBLE_WFE_NONCEREJECT: '0' } });
    acme.axios.defaults.httpsAgent = new Agent({ ca: pebble.caBundlePem });
    http01 = createHttp01Solver({
      port: pebble.httpPort,
      selfCheck: { nameservers: [pebble.challtestsrv.dnsAddress], port: pebble.httpPort },
    });
    dns01 = createChallTestSrvDns01Solver(pebble.challtestsrv);
    client = new acme.Client({
      directoryUrl: pebble.directoryUrl,
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
    });
  });
  afterAll(async () => {
    await http01?.close();
    await pebble?.stop();
  });

  it.each([
    ['http-01', ['www.solvers.example.test']],
    ['dns-01', ['dns.solvers.example.test', '*.dns.solvers.example.test']],
  ])('%s for %j', async (type, names) => {
    const solver = type === 'http-01' ? http01 : dns01;
    const [, csr] = await acme.crypto.createCsr({ altNames: names });
    const presented: ReturnType<typeof createTestChallenge>[] = [];
    const pem = await client.auto({
      csr,
      termsOfServiceAgreed: true,
      challengePriority: [type],
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        const c = createTestChallenge({
          type: type === 'http-01' ? 'HTTP-01' : 'DNS-01',
          dnsName: authz.identifier.value,
          wildcard: authz.wildcard === true,
          token: challenge.token,
          key: keyAuthorization,
        });
        presented.push(c);
        await solver.present(c, live());
        await solver.wait?.(c, live());
        expect(await solver.selfCheck?.(c, live())).toEqual({ ok: true });
      },
      challengeRemoveFn: async (_authz, challenge) => {
        const c = presented.find((p) => p.spec.token === challenge.token);
        if (c !== undefined) await solver.cleanUp(c, live());
      },
    });
    expect(presented).toHaveLength(names.length);
    const leaf = new X509Certificate(pem);
    for (const name of names) expect(leaf.subjectAltName).toContain(`DNS:${name}`);
    if (solver === http01) expect(http01.tokens()).toBe(0);
  });
});
