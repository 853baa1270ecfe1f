import { describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { CertflowError, ValidationError } from '../../../src/errors.js';
import { createHttp01Solver } from '../../../src/solvers/http01.js';
import { createTestChallenge } from '../../../src/testing/solver-contract.js';

const signal = new AbortController().signal;

function withSpec(overrides: Partial<Challenge['spec']>): Challenge {
  const base = createTestChallenge({ type: 'HTTP-01' });
  return { ...base, spec: { ...base.spec, ...overrides } };
}

describe('HTTP-01 present input checks', () => {
  it.each([
    ['spec.token', { token: '../etc/passwd' }],
    ['spec.token', { token: 'a.b' }],
    ['spec.token', { token: '' }],
    ['spec.token', { token: 'a b' }],
    ['spec.key', { key: '' }],
    ['spec.dnsName', { dnsName: '' }],
    ['spec.type', { type: 'DNS-01' as const }],
  ])('rejects a bad %s (%j) and presents nothing', async (field, overrides) => {
    const solver = createHttp01Solver();
    const err = await solver.present(withSpec(overrides), { signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(CertflowError.is(err, 'ERR_VALIDATION')).toBe(true);
    expect((err as ValidationError).field).toBe(field);
    expect(solver.tokens()).toBe(0);
  });

  it('counts presented tokens, once per token', async () => {
    const solver = createHttp01Solver();
    const a = createTestChallenge({ type: 'HTTP-01' });
    const b = createTestChallenge({ type: 'HTTP-01' });
    await solver.present(a, { signal });
    await solver.present(a, { signal });
    await solver.present(b, { signal });
    expect(solver.tokens()).toBe(2);
    await solver.cleanUp(a, { signal });
    expect(solver.tokens()).toBe(1);
  });

  it('leaves a token alone when cleaned up with another key', async () => {
    const solver = createHttp01Solver();
    const a = createTestChallenge({ type: 'HTTP-01' });
    await solver.present(a, { signal });
    await solver.cleanUp(withSpec({ token: a.spec.token, key: 'other' }), { signal });
    expect(solver.tokens()).toBe(1);
  });

  it('has no selfCheck when it is turned off', () => {
    expect(createHttp01Solver({ selfCheck: false }).selfCheck).toBeUndefined();
    expect(typeof createHttp01Solver().selfCheck).toBe('function');
  });
});
