import { describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import {
  challengeEffects,
  transitionChallenge,
  type ChallengeEvent,
} from '../../../src/machine/index.js';
import { NOW, deepFreeze, makeChallenge } from './fixtures.js';

// Runs events from a fresh challenge and keeps every state it passes through.
function walk(events: ChallengeEvent[]): Challenge[] {
  const states: Challenge[] = [deepFreeze(makeChallenge())];
  let now = NOW;
  for (const event of events) {
    const last = states[states.length - 1] as Challenge;
    states.push(deepFreeze(transitionChallenge(last, event, { now }).next));
    now += 1_500;
  }
  return states;
}

const paths: Record<string, ChallengeEvent[]> = {
  'to Valid with retries': [
    { type: 'schedule' },
    { type: 'transientError', reason: 'badNonce', retryAfterMs: 2_000 },
    { type: 'synced', state: 'pending' },
    { type: 'presented' },
    { type: 'selfCheckFailed', reason: 'wrong status code 404' },
    { type: 'selfCheckPassed' },
    { type: 'acceptSent' },
    { type: 'authorizationPending', retryAfterMs: 3_000 },
    { type: 'authorizationValid' },
    { type: 'cleanUpFailed', reason: 'connection refused' },
    { type: 'cleanedUp' },
  ],
  'to Invalid': [
    { type: 'schedule' },
    { type: 'synced', state: 'processing' },
    { type: 'presented' },
    { type: 'selfCheckPassed' },
    { type: 'acceptSent' },
    { type: 'authorizationInvalid', reason: 'urn:ietf:params:acme:error:incorrectResponse' },
    { type: 'cleanedUp' },
  ],
  'to Errored by timeout': [
    { type: 'schedule' },
    { type: 'synced', state: 'pending' },
    { type: 'timeout' },
    { type: 'cleanedUp' },
  ],
  'to Errored by failure': [{ type: 'schedule' }, { type: 'failed', reason: 'no solver' }],
  'to Expired': [{ type: 'orderGone' }, { type: 'cleanedUp' }],
  'to Valid by sync': [{ type: 'schedule' }, { type: 'synced', state: 'valid' }],
};

const states = Object.entries(paths).flatMap(([path, events]) =>
  walk(events).map((challenge, step) => ({
    path,
    step,
    phase: challenge.status?.phase ?? 'Queued',
    challenge,
  })),
);

describe('every state round-trips through JSON', () => {
  it('covers all nine phases', () => {
    expect(new Set(states.map((s) => s.phase)).size).toBe(9);
  });

  it.each(states)('$path, step $step ($phase)', ({ challenge }) => {
    const copy = JSON.parse(JSON.stringify(challenge)) as Challenge;
    expect(copy).toStrictEqual(challenge);
    // The stored copy owes the same step, and moves on the same way.
    expect(challengeEffects(copy)).toEqual(challengeEffects(challenge));
    const event: ChallengeEvent = { type: 'transientError', reason: 'x' };
    const run = (c: Challenge) => {
      try {
        return transitionChallenge(c, event, { now: NOW });
      } catch (err) {
        return err;
      }
    };
    expect(run(copy)).toEqual(run(challenge));
  });

  it.each(states.filter((s) => s.step > 0))(
    '$path, step $step keeps times as RFC 3339 strings',
    ({ challenge }) => {
      for (const field of ['nextAttemptAt', 'presentedAt', 'scheduledAt', 'deadline'] as const) {
        const value = challenge.status?.[field];
        if (value === undefined) continue;
        expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(new Date(value).toISOString()).toBe(value);
      }
    },
  );
});
