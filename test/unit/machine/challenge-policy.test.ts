import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import {
  defaultChallengePolicy,
  resolveChallengePolicy,
  transitionChallenge,
  type ChallengePolicy,
} from '../../../src/machine/index.js';
import { NOW, challengeIn, deepFreeze, thrown } from './fixtures.js';

describe('the challenge policy', () => {
  it('has the documented defaults', () => {
    expect(defaultChallengePolicy).toEqual({
      selfCheckIntervalMs: 10_000,
      pollIntervalMs: 1_000,
      firstPollDelayMs: 100,
      backoffBaseMs: 1_000,
      backoffMaxMs: 60_000,
      timeoutMs: 3_600_000,
    });
    expect(Object.isFrozen(defaultChallengePolicy)).toBe(true);
  });

  it('fills unset fields from the defaults', () => {
    expect(resolveChallengePolicy()).toEqual(defaultChallengePolicy);
    expect(resolveChallengePolicy({ pollIntervalMs: 50 })).toEqual({
      ...defaultChallengePolicy,
      pollIntervalMs: 50,
    });
    // An explicit undefined from JavaScript means "the default", not "no value".
    const loose = { timeoutMs: undefined } as unknown as Partial<ChallengePolicy>;
    expect(resolveChallengePolicy(loose)).toEqual(defaultChallengePolicy);
  });

  it.each([
    { field: 'selfCheckIntervalMs', value: -1 },
    { field: 'pollIntervalMs', value: Number.NaN },
    { field: 'firstPollDelayMs', value: -100 },
    { field: 'backoffBaseMs', value: Number.POSITIVE_INFINITY },
    { field: 'backoffMaxMs', value: '60000' },
    { field: 'timeoutMs', value: null },
  ])('rejects $field = $value, naming the field', ({ field, value }) => {
    const policy = { [field]: value } as unknown as Partial<ChallengePolicy>;
    const direct = thrown(() => resolveChallengePolicy(policy));
    expect(direct).toBeInstanceOf(ValidationError);
    expect(direct).toMatchObject({ field: `policy.${field}` });
    const viaMachine = thrown(() =>
      transitionChallenge(
        deepFreeze(challengeIn('Queued')),
        { type: 'schedule' },
        { now: NOW, policy },
      ),
    );
    expect(viaMachine).toMatchObject({ field: `ctx.policy.${field}` });
  });
});
