import { describe, expect, it } from 'vitest';
import type { ChallengePhase } from '../../../src/domain/types.js';
import { CertflowError, InvalidTransitionError } from '../../../src/errors.js';
import {
  challengeEffects,
  challengeEventTypes,
  challengePhases,
  challengeTransitions,
  transitionChallenge,
  type ChallengeEffectType,
  type ChallengeEventType,
} from '../../../src/machine/index.js';
import { NOW, challengeIn, deepFreeze, sampleEvents, thrown } from './fixtures.js';

// Every (phase, event) pair, written out by hand rather than derived from challengeTransitions,
// so the table and the code check each other. `X` marks a pair that must throw.
const X = 'InvalidTransitionError';
type Outcome = typeof X | [ChallengePhase, ChallengeEffectType[]];
const ending = {
  failed: ['Errored', ['cleanUp']],
  timeout: ['Errored', ['cleanUp']],
  orderGone: ['Expired', ['cleanUp']],
} satisfies Partial<Record<ChallengeEventType, Outcome>>;

const expected: Record<ChallengePhase, Record<ChallengeEventType, Outcome>> = {
  Queued: {
    schedule: ['Scheduled', ['sync']],
    synced: X,
    presented: X,
    selfCheckPassed: X,
    selfCheckFailed: X,
    acceptSent: X,
    authorizationPending: X,
    authorizationValid: X,
    authorizationInvalid: X,
    transientError: X,
    ...ending,
    cleanedUp: X,
    cleanUpFailed: X,
  },
  Scheduled: {
    schedule: X,
    synced: ['Presenting', ['present']],
    presented: X,
    selfCheckPassed: X,
    selfCheckFailed: X,
    acceptSent: X,
    authorizationPending: X,
    authorizationValid: X,
    authorizationInvalid: X,
    transientError: ['Scheduled', ['sync']],
    ...ending,
    cleanedUp: X,
    cleanUpFailed: X,
  },
  Presenting: {
    schedule: X,
    synced: X,
    presented: ['SelfCheck', ['selfCheck']],
    selfCheckPassed: X,
    selfCheckFailed: X,
    acceptSent: X,
    authorizationPending: X,
    authorizationValid: X,
    authorizationInvalid: X,
    transientError: ['Presenting', ['present']],
    ...ending,
    cleanedUp: X,
    cleanUpFailed: X,
  },
  SelfCheck: {
    schedule: X,
    synced: X,
    presented: X,
    selfCheckPassed: ['Accepted', ['accept']],
    selfCheckFailed: ['SelfCheck', ['selfCheck']],
    acceptSent: X,
    authorizationPending: X,
    authorizationValid: X,
    authorizationInvalid: X,
    transientError: ['SelfCheck', ['selfCheck']],
    ...ending,
    cleanedUp: X,
    cleanUpFailed: X,
  },
  Accepted: {
    schedule: X,
    synced: X,
    presented: X,
    selfCheckPassed: X,
    selfCheckFailed: X,
    acceptSent: ['Accepted', ['pollAuthorization']],
    authorizationPending: ['Accepted', ['pollAuthorization']],
    authorizationValid: ['Valid', ['cleanUp']],
    authorizationInvalid: ['Invalid', ['cleanUp']],
    transientError: ['Accepted', ['accept']],
    ...ending,
    cleanedUp: X,
    cleanUpFailed: X,
  },
  Valid: terminal('Valid'),
  Invalid: terminal('Invalid'),
  Errored: terminal('Errored'),
  Expired: terminal('Expired'),
};

function terminal(phase: ChallengePhase): Record<ChallengeEventType, Outcome> {
  return {
    schedule: X,
    synced: X,
    presented: X,
    selfCheckPassed: X,
    selfCheckFailed: X,
    acceptSent: X,
    authorizationPending: X,
    authorizationValid: X,
    authorizationInvalid: X,
    transientError: X,
    failed: X,
    timeout: X,
    orderGone: X,
    cleanedUp: [phase, []],
    cleanUpFailed: [phase, ['cleanUp']],
  };
}

const rows = challengePhases.flatMap((phase) =>
  challengeEventTypes.map((event) => ({ phase, event, outcome: expected[phase][event] })),
);

// The Accepted fixture is the one the event needs: after the accept for the pending poll, before
// it otherwise (the guards on `processing` have their own tests).
function fixture(phase: ChallengePhase, event: ChallengeEventType) {
  if (phase === 'Accepted')
    return challengeIn(phase, { processing: event === 'authorizationPending' });
  return challengeIn(phase);
}

describe('the challenge transition table', () => {
  it('has one row for each of the 9 phases × 15 event types', () => {
    expect(rows).toHaveLength(135);
    expect(new Set(rows.map((r) => `${r.phase}/${r.event}`)).size).toBe(135);
  });

  it.each(rows)('$phase × $event', ({ phase, event, outcome }) => {
    const challenge = deepFreeze(fixture(phase, event));
    const run = () => transitionChallenge(challenge, sampleEvents[event], { now: NOW });
    if (outcome === X) {
      const err = thrown(run);
      expect(err).toBeInstanceOf(InvalidTransitionError);
      expect(CertflowError.is(err, 'ERR_INVALID_TRANSITION')).toBe(true);
      expect(err).toMatchObject({ state: phase, event });
      return;
    }
    const [phaseAfter, effects] = outcome;
    const { next, effects: actual } = run();
    expect(next.status?.phase).toBe(phaseAfter);
    expect(actual).toEqual(effects.map((type) => ({ type })));
    expect(actual).toEqual(challengeEffects(next));
  });

  it.each(challengePhases)('challengeTransitions lists what %s accepts', (phase) => {
    const allowed = challengeEventTypes.filter((event) => expected[phase][event] !== X);
    expect([...challengeTransitions[phase]].sort()).toEqual([...allowed].sort());
  });
});
