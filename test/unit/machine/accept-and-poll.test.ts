import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../../src/errors.js';
import { transitionChallenge, type ChallengeEvent } from '../../../src/machine/index.js';
import { NOW, at, challengeIn, deepFreeze, makeChallenge, statusIn, thrown } from './fixtures.js';

describe('acceptSent: Accepted (not processing) → Accepted (processing)', () => {
  // The first poll comes after firstPollDelayMs (at most pollIntervalMs); a longer Retry-After
  // on the accept's answer wins.
  it.each([
    { retryAfterMs: undefined, policy: {}, poll: 100 },
    { retryAfterMs: undefined, policy: { pollIntervalMs: 250 }, poll: 100 },
    { retryAfterMs: undefined, policy: { firstPollDelayMs: 300 }, poll: 300 },
    { retryAfterMs: undefined, policy: { firstPollDelayMs: 0 }, poll: 0 },
    { retryAfterMs: undefined, policy: { pollIntervalMs: 50 }, poll: 50 },
    { retryAfterMs: undefined, policy: { firstPollDelayMs: 5_000 }, poll: 1_000 },
    { retryAfterMs: 0, policy: {}, poll: 100 },
    { retryAfterMs: 40, policy: {}, poll: 100 },
    { retryAfterMs: 3_000, policy: {}, poll: 3_000 },
    { retryAfterMs: 3_000, policy: { pollIntervalMs: 2_000 }, poll: 3_000 },
  ])(
    'Retry-After $retryAfterMs with policy $policy → first poll in $poll ms',
    ({ retryAfterMs, policy, poll }) => {
      const challenge = deepFreeze(challengeIn('Accepted', { attempts: 2, reason: 'badNonce' }));
      const event: ChallengeEvent =
        retryAfterMs === undefined ? { type: 'acceptSent' } : { type: 'acceptSent', retryAfterMs };
      const { next, effects } = transitionChallenge(challenge, event, { now: NOW, policy });
      expect(next.status).toMatchObject({
        phase: 'Accepted',
        processing: true,
        state: 'processing',
        attempts: 0,
        nextAttemptAt: at(poll),
      });
      expect(next.status).not.toHaveProperty('reason');
      expect(effects).toEqual([{ type: 'pollAuthorization' }]);
    },
  );
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
    // Only the first poll is early: a pending authorization is polled again after the interval.
    { retryAfterMs: undefined, policy: { firstPollDelayMs: 10 }, delay: 1_000 },
    { retryAfterMs: 40, policy: { firstPollDelayMs: 10, pollIntervalMs: 500 }, delay: 500 },
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

describe('a run of polls after the accept', () => {
  it('waits the short delay once, then the interval', () => {
    const policy = { firstPollDelayMs: 150, pollIntervalMs: 2_000 };
    let challenge = deepFreeze(challengeIn('Accepted'));
    const waits: number[] = [];
    let now = NOW;
    for (const event of [
      { type: 'acceptSent' },
      { type: 'authorizationPending' },
      { type: 'authorizationPending' },
    ] as const) {
      challenge = deepFreeze(transitionChallenge(challenge, event, { now, policy }).next);
      const due = Date.parse(challenge.status?.nextAttemptAt ?? '');
      waits.push(due - now);
      now = due;
    }
    expect(waits).toEqual([150, 2_000, 2_000]);
  });

  it('keeps the interval after a failed poll was retried', () => {
    const policy = { firstPollDelayMs: 150, pollIntervalMs: 2_000, backoffBaseMs: 700 };
    const accepted = transitionChallenge(
      deepFreeze(challengeIn('Accepted')),
      { type: 'acceptSent' },
      { now: NOW, policy },
    ).next;
    const retried = transitionChallenge(
      deepFreeze(accepted),
      { type: 'transientError', reason: 'ECONNRESET' },
      { now: NOW + 150, policy },
    ).next;
    expect(retried.status?.nextAttemptAt).toBe(at(150 + 700));
    const pending = transitionChallenge(
      deepFreeze(retried),
      { type: 'authorizationPending' },
      { now: NOW + 850, policy },
    ).next;
    expect(pending.status?.nextAttemptAt).toBe(at(850 + 2_000));
  });
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
