import { describe, expect, it } from 'vitest';
import type { ChallengePhase } from '../../../src/domain/types.js';
import { InvalidTransitionError } from '../../../src/errors.js';
import {
  challengeEffects,
  isTerminalPhase,
  transitionChallenge,
  type ChallengeEvent,
} from '../../../src/machine/index.js';
import { NOW, at, challengeIn, deepFreeze, thrown } from './fixtures.js';

const retrying: ChallengePhase[] = ['Scheduled', 'Presenting', 'SelfCheck', 'Accepted'];

// attempts before → after, and the delay: the default policy's backoff is 1s, 2s, 4s, … capped at
// 60s, and a longer Retry-After wins.
const delays: {
  before: number | undefined;
  retryAfterMs?: number;
  after: number;
  delay: number;
}[] = [
  { before: undefined, after: 1, delay: 1_000 },
  { before: 0, after: 1, delay: 1_000 },
  { before: 1, after: 2, delay: 2_000 },
  { before: 2, after: 3, delay: 4_000 },
  { before: 5, after: 6, delay: 32_000 },
  { before: 6, after: 7, delay: 60_000 },
  { before: 40, after: 41, delay: 60_000 },
  { before: 0, retryAfterMs: 30_000, after: 1, delay: 30_000 },
  { before: 2, retryAfterMs: 500, after: 3, delay: 4_000 },
  { before: 9, retryAfterMs: 120_000, after: 10, delay: 120_000 },
  { before: 1, retryAfterMs: 0, after: 2, delay: 2_000 },
];

const rows = retrying.flatMap((phase) => delays.map((d) => ({ phase, ...d })));

describe('transientError: retry the same step after a backoff', () => {
  it.each(rows)(
    '$phase, attempts $before, Retry-After $retryAfterMs → attempts $after in $delay ms',
    ({ phase, before, retryAfterMs, after, delay }) => {
      const challenge = deepFreeze(
        challengeIn(phase, before === undefined ? {} : { attempts: before }),
      );
      const event: ChallengeEvent =
        retryAfterMs === undefined
          ? { type: 'transientError', reason: 'HTTP 503' }
          : { type: 'transientError', reason: 'HTTP 429', retryAfterMs };
      const { next, effects } = transitionChallenge(challenge, event, { now: NOW });
      const { attempts: _a, nextAttemptAt: _n, reason: _r, ...unchanged } = next.status ?? {};
      const { attempts: _b, nextAttemptAt: _m, reason: _s, ...earlier } = challenge.status ?? {};
      expect(next.status?.phase).toBe(phase);
      expect(next.status?.attempts).toBe(after);
      expect(next.status?.nextAttemptAt).toBe(at(delay));
      expect(next.status?.reason).toBe(event.reason);
      // Nothing else moves: the step is simply owed again.
      expect(unchanged).toEqual(earlier);
      expect(effects).toEqual(challengeEffects(challenge));
    },
  );

  it.each([
    { policy: { backoffBaseMs: 500, backoffMaxMs: 3_000 }, attempts: [500, 1_000, 2_000, 3_000] },
    { policy: { backoffBaseMs: 0 }, attempts: [0, 0, 0, 0] },
    { policy: { backoffBaseMs: 10_000, backoffMaxMs: 5_000 }, attempts: [5_000, 5_000] },
  ])('follows the policy $policy', ({ policy, attempts }) => {
    let challenge = deepFreeze(challengeIn('Presenting'));
    for (const [i, delay] of attempts.entries()) {
      const { next } = transitionChallenge(
        challenge,
        { type: 'transientError', reason: 'timeout' },
        { now: NOW, policy },
      );
      expect(next.status?.attempts).toBe(i + 1);
      expect(next.status?.nextAttemptAt).toBe(at(delay));
      challenge = deepFreeze(next);
    }
  });

  it.each(retrying)('never ends a challenge in %s, however many times it fails', (phase) => {
    let challenge = deepFreeze(challengeIn(phase));
    for (let i = 0; i < 200; i += 1) {
      challenge = deepFreeze(
        transitionChallenge(
          challenge,
          { type: 'transientError', reason: 'ECONNREFUSED', retryAfterMs: 3_600_000 },
          { now: NOW },
        ).next,
      );
      expect(isTerminalPhase(challenge.status?.phase)).toBe(false);
    }
    expect(challenge.status?.phase).toBe(phase);
    expect(challenge.status?.attempts).toBe(200);
  });

  it.each(['Queued', 'Valid', 'Invalid', 'Errored', 'Expired'] as const)(
    'is not accepted in %s',
    (phase) => {
      const err = thrown(() =>
        transitionChallenge(
          deepFreeze(challengeIn(phase)),
          { type: 'transientError', reason: 'x' },
          { now: NOW },
        ),
      );
      expect(err).toBeInstanceOf(InvalidTransitionError);
    },
  );
});
