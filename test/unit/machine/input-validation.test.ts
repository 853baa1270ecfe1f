import { describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { InvalidTransitionError, ValidationError } from '../../../src/errors.js';
import {
  challengeEffects,
  transitionChallenge,
  type ChallengeEvent,
  type ChallengeMachineContext,
} from '../../../src/machine/index.js';
import { NOW, challengeIn, deepFreeze, makeChallenge, thrown } from './fixtures.js';

// Events and contexts as a JavaScript caller or a damaged record could produce them.
const loose = <T>(value: unknown): T => value as T;

describe('malformed input is rejected with a typed error', () => {
  it.each([
    {
      name: 'a reason that is not a string',
      challenge: challengeIn('SelfCheck'),
      event: loose<ChallengeEvent>({ type: 'selfCheckFailed', reason: 42 }),
      ctx: { now: NOW },
      field: 'event.reason',
    },
    {
      name: 'a missing reason',
      challenge: challengeIn('Scheduled'),
      event: loose<ChallengeEvent>({ type: 'failed' }),
      ctx: { now: NOW },
      field: 'event.reason',
    },
    {
      name: 'a negative Retry-After',
      challenge: challengeIn('Presenting'),
      event: { type: 'transientError', reason: '429', retryAfterMs: -5 },
      ctx: { now: NOW },
      field: 'event.retryAfterMs',
    },
    {
      name: 'a Retry-After that is not a number',
      challenge: challengeIn('Accepted', { processing: true }),
      event: loose<ChallengeEvent>({ type: 'authorizationPending', retryAfterMs: '5' }),
      ctx: { now: NOW },
      field: 'event.retryAfterMs',
    },
    {
      name: 'a now that is not a number',
      challenge: challengeIn('Queued'),
      event: { type: 'schedule' },
      ctx: loose<ChallengeMachineContext>({ now: new Date(NOW) }),
      field: 'ctx.now',
    },
    {
      name: 'a NaN now',
      challenge: challengeIn('Queued'),
      event: { type: 'schedule' },
      ctx: { now: Number.NaN },
      field: 'ctx.now',
    },
    {
      name: 'a deadline past the end of time',
      challenge: challengeIn('Queued'),
      event: { type: 'schedule' },
      ctx: { now: NOW, policy: { timeoutMs: 9e15 } },
      field: 'status.deadline',
    },
    {
      name: 'an event that is not an object',
      challenge: challengeIn('Queued'),
      event: loose<ChallengeEvent>(null),
      ctx: { now: NOW },
      field: 'event',
    },
    {
      name: 'a stored phase this version does not know',
      challenge: makeChallenge({ status: loose({ phase: 'Solving' }) }),
      event: { type: 'schedule' },
      ctx: { now: NOW },
      field: 'status.phase',
    },
  ] satisfies {
    name: string;
    challenge: Challenge;
    event: ChallengeEvent;
    ctx: ChallengeMachineContext;
    field: string;
  }[])('$name → ValidationError on $field', ({ challenge, event, ctx, field }) => {
    const err = thrown(() => transitionChallenge(deepFreeze(challenge), event, ctx));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: 'ERR_VALIDATION', field });
  });

  it('an unknown event type is an invalid transition, not a silent no-op', () => {
    const err = thrown(() =>
      transitionChallenge(
        deepFreeze(challengeIn('Scheduled')),
        loose<ChallengeEvent>({ type: 'restart' }),
        { now: NOW },
      ),
    );
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect(err).toMatchObject({ state: 'Scheduled', event: 'restart' });
  });

  it('challengeEffects rejects an unknown stored phase too', () => {
    const err = thrown(() => challengeEffects(makeChallenge({ status: loose({ phase: 'Done' }) })));
    expect(err).toMatchObject({ code: 'ERR_VALIDATION', field: 'status.phase' });
  });
});
