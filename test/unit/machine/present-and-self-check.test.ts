import { describe, expect, it } from 'vitest';
import { transitionChallenge } from '../../../src/machine/index.js';
import { NOW, at, challengeIn, deepFreeze } from './fixtures.js';

describe('presented: Presenting → SelfCheck', () => {
  it('records the presentation and starts the self-check now', () => {
    const challenge = deepFreeze(challengeIn('Presenting', { attempts: 3, reason: 'EAI_AGAIN' }));
    const { next, effects } = transitionChallenge(challenge, { type: 'presented' }, { now: NOW });
    expect(next.status).toMatchObject({
      phase: 'SelfCheck',
      presented: true,
      presentedAt: at(0),
      attempts: 0,
      nextAttemptAt: at(0),
    });
    expect(next.status).not.toHaveProperty('reason');
    expect(effects).toEqual([{ type: 'selfCheck' }]);
  });
});

describe('selfCheckFailed: SelfCheck → SelfCheck after the interval', () => {
  it.each([
    { policy: {}, interval: 10_000 },
    { policy: { selfCheckIntervalMs: 2_500 }, interval: 2_500 },
    // The self-check interval is fixed: backoff settings do not stretch it.
    { policy: { selfCheckIntervalMs: 2_500, backoffBaseMs: 99_000 }, interval: 2_500 },
  ])('waits $interval ms between checks with policy $policy', ({ policy, interval }) => {
    let challenge = deepFreeze(challengeIn('SelfCheck'));
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const now = NOW + attempt * 1_000;
      const reason = `wrong status code 404 (attempt ${attempt})`;
      const { next, effects } = transitionChallenge(
        challenge,
        { type: 'selfCheckFailed', reason },
        { now, policy },
      );
      expect(next.status).toMatchObject({
        phase: 'SelfCheck',
        attempts: attempt,
        nextAttemptAt: new Date(now + interval).toISOString(),
        reason,
        presented: true,
        presentedAt: challenge.status?.presentedAt,
      });
      expect(effects).toEqual([{ type: 'selfCheck' }]);
      challenge = deepFreeze(next);
    }
  });
});

describe('selfCheckPassed: SelfCheck → Accepted', () => {
  it('resets the retries, clears the last failure and owes the accept', () => {
    const challenge = deepFreeze(
      challengeIn('SelfCheck', { attempts: 4, reason: 'wrong status code 404' }),
    );
    const { next, effects } = transitionChallenge(
      challenge,
      { type: 'selfCheckPassed' },
      { now: NOW },
    );
    expect(next.status).toMatchObject({
      phase: 'Accepted',
      attempts: 0,
      nextAttemptAt: at(0),
      processing: false,
      presented: true,
    });
    expect(next.status).not.toHaveProperty('reason');
    expect(effects).toEqual([{ type: 'accept' }]);
  });

  it('owes the accept even when the last sync saw the challenge processing', () => {
    const challenge = deepFreeze(challengeIn('SelfCheck', { state: 'processing' }));
    const { next, effects } = transitionChallenge(
      challenge,
      { type: 'selfCheckPassed' },
      { now: NOW },
    );
    expect(next.status?.processing).toBe(false);
    expect(effects).toEqual([{ type: 'accept' }]);
  });
});
