import { Resolver } from 'node:dns/promises';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { createHttp01Solver } from '../../../src/solvers/http01.js';
import { createChallTestSrvDns01Solver } from '../../../src/testing/challtestsrv-solver.js';
import { startChallTestSrv, type ChallTestSrv } from '../../../src/testing/pebble.js';
import { solverContract } from '../../../src/testing/solver-contract.js';

function fetchToken(port: number, challenge: Challenge): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: `/.well-known/acme-challenge/${challenge.spec.token}` },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the solver contract', () => {
  it('has cases, each named', () => {
    const cases = solverContract(() => ({ solver: createHttp01Solver() }));
    expect(cases.length).toBeGreaterThanOrEqual(5);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('catches a solver that breaks it', async () => {
    const broken = solverContract(() => ({
      solver: {
        types: [],
        present: async () => {},
        cleanUp: async () => {
          throw new Error('nothing to clean up');
        },
      },
    }));
    const outcomes = await Promise.all(
      broken.map((c) =>
        c.run().then(
          () => 'passed',
          () => 'failed',
        ),
      ),
    );
    expect(outcomes.every((o) => o === 'failed')).toBe(true);
  });
});

describe('the built-in HTTP-01 solver meets the solver contract', () => {
  const cases = solverContract(async () => {
    const solver = createHttp01Solver();
    const { port } = await solver.listen();
    return {
      solver,
      isPresented: async (challenge) => (await fetchToken(port, challenge)) === challenge.spec.key,
      teardown: () => solver.close(),
    };
  });
  for (const c of cases) it(c.name, c.run);
});

describe('the challtestsrv DNS-01 solver (createDns01Solver) meets the solver contract', () => {
  let srv: ChallTestSrv;
  beforeAll(async () => {
    srv = await startChallTestSrv();
  });
  afterAll(() => srv.stop());

  const cases = solverContract(() => {
    const resolver = new Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([srv.dnsAddress]);
    return {
      solver: createChallTestSrvDns01Solver(srv),
      isPresented: async (challenge) => {
        const name = `_acme-challenge.${challenge.spec.dnsName}`;
        const values = (await resolver.resolveTxt(name).catch(() => [])).map((c) => c.join(''));
        return values.includes(challenge.spec.key);
      },
    };
  });
  for (const c of cases) it(c.name, c.run);
});
