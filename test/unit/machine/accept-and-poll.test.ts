import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../../src/errors.js';
import { transitionChallenge, type ChallengeEvent } from '../../../src/machine/index.js';
import { NOW, at, challengeIn, deepFreeze, makeChallenge, statusIn, thrown } from './fixtures.js';

describe('acceptSent: Accepted (not processing) → Accepted (processing)', () => {
  it.each([
    { policy: {}, poll: 1_000 },
    { policy: { pollIntervalMs: 250 }, poll: 250 },
  ])('marks the challenge processing and polls after $poll ms', ({ policy, poll }) => {
    const challenge = deepFreeze(challengeIn('Accepted', { attempts: 2, reason: 'badNonce' }));
    const { next, effects } = transitionChallenge(
      challenge,
      { type: 'acceptSent' },
      { now: NOW, policy },
    );
    expect(next.status).toMatchObject({
      phase: 'Accepted',
      processing: true,
      state: 'processing',
      attempts: 0,
      nextAttemptAt: at(poll),
    });
    expect(next.status).not.toHaveProperty('reason');
    expect(effects).toEqual([{ type: 'pollAuthorization' }]);
  });
});

describe('authorizationPending: Accepted (processing) → Accepted, poll again', () => {
  it.each([
    { retryAfterMs: undefined, policy: {}, delay: 1_000 },
    { retryAfterMs: 0, policy: {}, delay: 1_000 },
    { retryAfterMs: 400, policy: {}, delay: 1_000 },
    { retryAfterMs: 1_000, policy: {}, delay: 1_000 },
    { retryAfterMs: 7_000, policy: {}, delay: 7_000 },
    { retryAfterMs: 7_000, policy: { pollIntervalMs: 9_000 }, delay: 9_000 },
    { retryAfterMs: undefined, policy: { pollIntervalMs: 9_000 }, delay: 9_000 },
  ])(
    'Retry-After $retryAfterMs with policy $policy → next poll in $delay ms',
    ({ retryAfterMs, policy, delay }) => {
      const challenge = deepFreeze(
        challengeIn('Accepted', { processing: true, state: 'processing', attempts: 1 }),
      );
      const event: ChallengeEvent =
        retryAfterMs === undefined
          ? { type: 'authorizationPending' }
          : { type: 'authorizationPending', retryAfterMs };
      const { next, effects } = transitionChallenge(challenge, event, { now: NOW, policy });
      expect(next.status).toMatchObject({
        phase: 'Accepted',
        processing: true,
        state: 'processing',
        attempts: 0,
        nextAttemptAt: at(delay),
      });
      expect(effects).toEqual([{ type: 'pollAuthorization' }]);
    },
  );
});

describe('the authorization result ends the challenge', () => {
  it.each([
    {
      event: { type: 'authorizationValid' } as ChallengeEvent,
      phase: 'Valid',
      state: 'valid',
      reason: 'Successfully authorized domain',
    },
    {
      event: { type: 'authorizationInvalid', reason: 'urn:ietf:params:acme:error:dns: NXDOMAIN' },
      phase: 'Invalid',
      state: 'invalid',
      reason: 'urn:ietf:params:acme:error:dns: NXDOMAIN',
    },
  ] as const)('$event.type → $phase', ({ event, phase, state, reason }) => {
    const challenge = deepFreeze(
      challengeIn('Accepted', { processing: true, state: 'processing', attempts: 3 }),
    );
    const { next, effects } = transitionChallenge(challenge, event, { now: NOW + 5_000 });
    expect(next.status).toMatchObject({
      phase,
      state,
      reason,
      processing: false,
      presented: true,
      cleanedUp: false,
      attempts: 0,
      nextAttemptAt: at(5_000),
    });
    expect(effects).toEqual([{ type: 'cleanUp' }]);
  });
});

describe('the guards on status.processing', () => {
  it.each([
    { type: 'acceptSent', processing: true },
    { type: 'authorizationPending', processing: false },
    { type: 'authorizationPending', processing: undefined },
  ] as const)('$type with processing $processing is rejected', ({ type, processing }) => {
    const { processing: _omitted, ...accepted } = statusIn('Accepted') ?? {};
    const status = processing === undefined ? accepted : { ...accepted, processing };
    const challenge = deepFreeze(makeChallenge({ status }));
    const err = thrown(() => transitionChallenge(challenge, { type }, { now: NOW }));
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect(err).toMatchObject({ state: 'Accepted', event: type });
  });
});
