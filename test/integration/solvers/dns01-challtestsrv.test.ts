import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDns01Solver } from '../../../src/solvers/dns01.js';
import type { Solver } from '../../../src/solvers/types.js';
import { createChallTestSrvDns01Solver } from '../../../src/testing/challtestsrv-solver.js';
import { findFreePort, startChallTestSrv, type ChallTestSrv } from '../../../src/testing/pebble.js';
import { createTestChallenge } from '../../../src/testing/solver-contract.js';

const live = () => ({ signal: new AbortController().signal });

describe('DNS-01 against a real pebble-challtestsrv', () => {
  let srv: ChallTestSrv;
  let solver: Solver;

  async function txt(name: string): Promise<string[]> {
    const resolver = new Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([srv.dnsAddress]);
    return (await resolver.resolveTxt(name).catch(() => [])).map((c) => c.join(''));
  }

  beforeAll(async () => {
    srv = await startChallTestSrv();
    solver = createChallTestSrvDns01Solver(srv);
  });
  afterAll(() => srv.stop());

  it('presents, passes the self-check and wait, and cleans up', async () => {
    const challenge = createTestChallenge({ type: 'DNS-01', dnsName: 'one.example.test' });
    const before = await solver.selfCheck?.(challenge, live());
    expect(before?.ok).toBe(false);
    expect(before?.reason).toMatch(
      /^TXT _acme-challenge\.one\.example\.test\. on 127\.0\.0\.1:\d+: E[A-Z]+$/,
    );

    await solver.present(challenge, live());
    expect(await txt('_acme-challenge.one.example.test')).toEqual([challenge.spec.key]);
    await solver.wait?.(challenge, live());
    expect(await solver.selfCheck?.(challenge, live())).toEqual({ ok: true });

    await solver.cleanUp(challenge, live());
    expect(await txt('_acme-challenge.one.example.test')).toEqual([]);
    expect((await solver.selfCheck?.(challenge, live()))?.ok).toBe(false);
  });

  it('publishes a wildcard at its base name, beside the apex, and cleans each up alone', async () => {
    const apex = createTestChallenge({ type: 'DNS-01', dnsName: 'both.example.test' });
    const wildcard = createTestChallenge({
      type: 'DNS-01',
      dnsName: 'both.example.test',
      wildcard: true,
    });
    await solver.present(apex, live());
    await solver.present(wildcard, live());
    expect((await txt('_acme-challenge.both.example.test')).sort()).toEqual(
      [apex.spec.key, wildcard.spec.key].sort(),
    );
    await solver.cleanUp(apex, live());
    expect(await txt('_acme-challenge.both.example.test')).toEqual([wildcard.spec.key]);
    await solver.cleanUp(wildcard, live());
    expect(await txt('_acme-challenge.both.example.test')).toEqual([]);
  });

  it('names the values it saw when the expected one is missing', async () => {
    await srv.setTxt('_acme-challenge.other.example.test', 'someone-else');
    const challenge = createTestChallenge({ type: 'DNS-01', dnsName: 'other.example.test' });
    const result = await solver.selfCheck?.(challenge, live());
    expect(result).toEqual({
      ok: false,
      reason: `TXT _acme-challenge.other.example.test. on ${srv.dnsAddress} has ["someone-else"], not the expected value`,
    });
    await srv.clearTxt('_acme-challenge.other.example.test');
  });

  it('cleanUp without present does not throw and touches nothing', async () => {
    await srv.setTxt('_acme-challenge.keep.example.test', 'keep-me');
    const challenge = createTestChallenge({ type: 'DNS-01', dnsName: 'keep.example.test' });
    await solver.cleanUp(challenge, live());
    await solver.cleanUp(challenge, live());
    expect(await txt('_acme-challenge.keep.example.test')).toEqual(['keep-me']);
    await srv.clearTxt('_acme-challenge.keep.example.test');
  });

  it('wait gives up quietly after propagationTimeoutMs, leaving the verdict to selfCheck', async () => {
    const slow = createDns01Solver({
      setRecord: async () => {},
      removeRecord: async () => {},
      nameservers: [srv.dnsAddress],
      propagationTimeoutMs: 300,
    });
    const challenge = createTestChallenge({ type: 'DNS-01', dnsName: 'never.example.test' });
    await slow.present(challenge, live());
    await expect(slow.wait?.(challenge, live())).resolves.toBeUndefined();
    expect((await slow.selfCheck?.(challenge, live()))?.ok).toBe(false);
  });

  it('reports the DNS error code when the nameserver does not answer', async () => {
    const dead = createDns01Solver({
      setRecord: async () => {},
      removeRecord: async () => {},
      nameservers: [`127.0.0.1:${await findFreePort()}`],
    });
    const challenge = createTestChallenge({ type: 'DNS-01', dnsName: 'dead.example.test' });
    const result = await dead.selfCheck?.(challenge, live());
    expect(result?.ok).toBe(false);
    expect(result?.reason).toMatch(/: E[A-Z]+$/);
  });
});
