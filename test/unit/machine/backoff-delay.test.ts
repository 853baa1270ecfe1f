import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { backoffDelay, defaultChallengePolicy } from '../../../src/machine/index.js';
import { thrown } from './fixtures.js';

describe('backoffDelay: base × 2^(attempts − 1), capped', () => {
  it.each([
    { attempts: 0, policy: defaultChallengePolicy, delay: 1_000 },
    { attempts: 1, policy: defaultChallengePolicy, delay: 1_000 },
    { attempts: 2, policy: defaultChallengePolicy, delay: 2_000 },
    { attempts: 3, policy: defaultChallengePolicy, delay: 4_000 },
    { attempts: 6, policy: defaultChallengePolicy, delay: 32_000 },
    { attempts: 7, policy: defaultChallengePolicy, delay: 60_000 },
    { attempts: 1_000, policy: defaultChallengePolicy, delay: 60_000 },
    { attempts: Number.MAX_SAFE_INTEGER, policy: defaultChallengePolicy, delay: 60_000 },
    { attempts: 4, policy: { ...defaultChallengePolicy, backoffBaseMs: 250 }, delay: 2_000 },
    { attempts: 3, policy: { ...defaultChallengePolicy, backoffMaxMs: 3_000 }, delay: 3_000 },
    { attempts: 1, policy: { ...defaultChallengePolicy, backoffMaxMs: 0 }, delay: 0 },
    { attempts: 5_000, policy: { ...defaultChallengePolicy, backoffBaseMs: 0 }, delay: 0 },
  ])('attempts $attempts → $delay ms', ({ attempts, policy, delay }) => {
    expect(backoffDelay(attempts, policy)).toBe(delay);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects attempts %s', (attempts) => {
    const err = thrown(() => backoffDelay(attempts, defaultChallengePolicy));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ field: 'attempts' });
  });
});
