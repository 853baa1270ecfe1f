import { describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { NotFoundError, SolverError, ValidationError } from '../../../src/errors.js';
import { createDns01Solver } from '../../../src/solvers/dns01.js';
import type { SolverContext } from '../../../src/solvers/types.js';
import { createTestChallenge } from '../../../src/testing/solver-contract.js';

const signal = new AbortController().signal;

/** An in-memory DNS provider recording its calls. */
function provider(fail?: unknown) {
  const calls: string[] = [];
  return {
    calls,
    setRecord: async (fqdn: string, value: string, ctx: SolverContext) => {
      calls.push(`set ${fqdn} ${value} ${String(ctx.config)}`);
      if (fail !== undefined) throw fail;
    },
    removeRecord: async (fqdn: string, value: string) => {
      calls.push(`remove ${fqdn} ${value}`);
      if (fail !== undefined) throw fail;
    },
  };
}

describe('DNS-01 provider calls', () => {
  it('sets and removes _acme-challenge.<dnsName>. with spec.key, passing the context', async () => {
    const p = provider();
    const solver = createDns01Solver({ ...p, selfCheck: false });
    const challenge = createTestChallenge({
      type: 'DNS-01',
      dnsName: 'a.example.test',
      wildcard: true,
    });
    await solver.present(challenge, { signal, config: 'cfg' });
    await solver.cleanUp(challenge, { signal });
    expect(p.calls).toEqual([
      `set _acme-challenge.a.example.test. ${challenge.spec.key} cfg`,
      `remove _acme-challenge.a.example.test. ${challenge.spec.key}`,
    ]);
    expect(solver.types).toEqual(['DNS-01']);
    expect(solver.selfCheck).toBeUndefined();
    expect(solver.wait).toBeUndefined();
  });

  it.each([
    [
      'an Error',
      new Error('provider down'),
      SolverError,
      /setRecord of _acme-challenge\.b\.example\.test\. failed: provider down/,
    ],
    ['a string', 'nope', SolverError, /failed: nope/],
    ['a certflow error', new NotFoundError('zone missing'), NotFoundError, /zone missing/],
  ])('wraps %s thrown by setRecord', async (_what, thrown, type, message) => {
    const solver = createDns01Solver(provider(thrown));
    const err = await solver
      .present(createTestChallenge({ type: 'DNS-01', dnsName: 'b.example.test' }), { signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    if (err instanceof SolverError) {
      expect(err.transient).toBe(true);
      expect(err.cause).toBe(thrown);
    }
  });

  it('rejects a challenge of another type, and cleanUp ignores it', async () => {
    const p = provider();
    const solver = createDns01Solver(p);
    const http = createTestChallenge({ type: 'HTTP-01' });
    await expect(solver.present(http, { signal })).rejects.toThrow(ValidationError);
    const broken: Challenge = { ...http, spec: { ...http.spec, type: 'DNS-01', dnsName: '' } };
    await solver.cleanUp(broken, { signal });
    await solver.cleanUp(http, { signal });
    expect(p.calls).toEqual([]);
  });

  it('sleeps propagationTimeoutMs in wait when the self-check is off, and honours abort', async () => {
    const solver = createDns01Solver({
      ...provider(),
      selfCheck: false,
      propagationTimeoutMs: 60_000,
    });
    const challenge = createTestChallenge({ type: 'DNS-01' });
    const controller = new AbortController();
    const waiting = solver.wait?.(challenge, { signal: controller.signal });
    expect(waiting).toBeInstanceOf(Promise);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
