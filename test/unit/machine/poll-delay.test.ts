import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import {
  defaultChallengePolicy,
  pollDelay,
  resolveChallengePolicy,
} from '../../../src/machine/index.js';
import { thrown } from './fixtures.js';

describe('pollDelay', () => {
  it.each([
    { looks: 0, policy: {}, retryAfterMs: undefined, delay: 100 },
    { looks: 1, policy: {}, retryAfterMs: undefined, delay: 1_000 },
    { looks: 7, policy: {}, retryAfterMs: undefined, delay: 1_000 },
    { looks: 0, policy: { firstPollDelayMs: 0 }, retryAfterMs: undefined, delay: 0 },
    // A first delay longer than the interval would make the first look the slowest.
    { looks: 0, policy: { firstPollDelayMs: 4_000 }, retryAfterMs: undefined, delay: 1_000 },
    { looks: 0, policy: { pollIntervalMs: 30 }, retryAfterMs: undefined, delay: 30 },
    { looks: 1, policy: { pollIntervalMs: 30 }, retryAfterMs: undefined, delay: 30 },
    // Retry-After wins when it is longer, never when it is shorter.
    { looks: 0, policy: {}, retryAfterMs: 99, delay: 100 },
    { looks: 0, policy: {}, retryAfterMs: 2_500, delay: 2_500 },
    { looks: 3, policy: {}, retryAfterMs: 999, delay: 1_000 },
    { looks: 3, policy: {}, retryAfterMs: 60_000, delay: 60_000 },
  ])(
    'look $looks with policy $policy and Retry-After $retryAfterMs waits $delay ms',
    ({ looks, policy, retryAfterMs, delay }) => {
      expect(pollDelay(looks, resolveChallengePolicy(policy), retryAfterMs)).toBe(delay);
    },
  );

  it.each([-1, 0.5, Number.NaN])('rejects looks = %s', (looks) => {
    const err = thrown(() => pollDelay(looks, defaultChallengePolicy));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ field: 'looks' });
  });
});
