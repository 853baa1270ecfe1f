import { describe, expect, it } from 'vitest';
import {
  challengeEffects,
  challengeEventTypes,
  challengePhases,
  challengeTransitions,
  transitionChallenge,
} from '../../../src/machine/index.js';
import { NOW, challengeIn, deepFreeze, sampleEvents } from './fixtures.js';

// Every pair the table allows, with a fixture that satisfies its guard.
const allowed = challengePhases.flatMap((phase) =>
  challengeEventTypes
    .filter((event) => challengeTransitions[phase].includes(event))
    .map((event) => ({ phase, event })),
);

describe('transitionChallenge is pure', () => {
  it.each(allowed)('$phase × $event leaves its inputs alone', ({ phase, event }) => {
    const challenge = challengeIn(phase, {
      ...(phase === 'Accepted' ? { processing: event === 'authorizationPending' } : {}),
    });
    const ctx = { now: NOW, policy: { pollIntervalMs: 2_000 } };
    const before = structuredClone({ challenge, event: sampleEvents[event], ctx });
    // Frozen inputs make any write throw, in strict-mode modules as this one.
    const result = transitionChallenge(
      deepFreeze(challenge),
      deepFreeze(sampleEvents[event]),
      deepFreeze(ctx),
    );
    expect({ challenge, event: sampleEvents[event], ctx }).toEqual(before);
    expect(result.next).not.toBe(challenge);
    expect(result.next.status).not.toBe(challenge.status);
    expect(result.effects).toEqual(challengeEffects(result.next));
    // Same input, same output: nothing is read from outside.
    expect(transitionChallenge(challenge, sampleEvents[event], ctx)).toEqual(result);
  });

  it('leaves a challenge without status without one', () => {
    const challenge = deepFreeze(challengeIn('Queued'));
    transitionChallenge(challenge, { type: 'schedule' }, { now: NOW });
    expect(challenge).not.toHaveProperty('status');
  });

  it('depends on ctx.now only, not on the time it runs', () => {
    const challenge = deepFreeze(challengeIn('Queued'));
    const early = transitionChallenge(challenge, { type: 'schedule' }, { now: 0 });
    const late = transitionChallenge(challenge, { type: 'schedule' }, { now: NOW });
    expect(early.next.status?.scheduledAt).toBe('1970-01-01T00:00:00.000Z');
    expect(late.next.status?.scheduledAt).toBe('2025-01-01T00:00:00.000Z');
  });
});
