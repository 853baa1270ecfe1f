import { describe, expect, it } from 'vitest';
import type { ChallengePhase } from '../../../src/domain/types.js';
import { transitionChallenge, type ChallengeEffectType } from '../../../src/machine/index.js';
import { NOW, at, challengeIn, deepFreeze } from './fixtures.js';

// What the ACME server says about a Scheduled challenge decides where it goes.
const cases: {
  acme: string;
  phase: ChallengePhase;
  state: string;
  reason: RegExp | undefined;
  effect: ChallengeEffectType;
}[] = [
  { acme: 'pending', phase: 'Presenting', state: 'pending', reason: undefined, effect: 'present' },
  {
    acme: 'processing',
    phase: 'Presenting',
    state: 'processing',
    reason: undefined,
    effect: 'present',
  },
  { acme: 'valid', phase: 'Valid', state: 'valid', reason: /authorized/, effect: 'cleanUp' },
  { acme: 'invalid', phase: 'Invalid', state: 'invalid', reason: /invalid/, effect: 'cleanUp' },
  { acme: 'expired', phase: 'Expired', state: 'expired', reason: /expired/, effect: 'cleanUp' },
  {
    acme: 'deactivated',
    phase: 'Expired',
    state: 'expired',
    reason: /deactivated/,
    effect: 'cleanUp',
  },
  { acme: 'revoked', phase: 'Expired', state: 'expired', reason: /revoked/, effect: 'cleanUp' },
  { acme: 'ready', phase: 'Errored', state: 'errored', reason: /"ready"/, effect: 'cleanUp' },
  { acme: 'bogus', phase: 'Errored', state: 'errored', reason: /"bogus"/, effect: 'cleanUp' },
  { acme: '', phase: 'Errored', state: 'errored', reason: /""/, effect: 'cleanUp' },
];

describe('synced: Scheduled → the phase the ACME state calls for', () => {
  it.each(cases)('ACME state "$acme" → $phase', ({ acme, phase, state, reason, effect }) => {
    const challenge = deepFreeze(challengeIn('Scheduled', { attempts: 2, reason: 'ECONNRESET' }));
    const { next, effects } = transitionChallenge(
      challenge,
      { type: 'synced', state: acme },
      { now: NOW },
    );
    expect(next.status?.phase).toBe(phase);
    expect(next.status?.state).toBe(state);
    expect(next.status?.attempts).toBe(0);
    expect(next.status?.nextAttemptAt).toBe(at(0));
    expect(effects).toEqual([{ type: effect }]);
    if (reason === undefined) {
      // A step that went through clears the error an earlier attempt left behind.
      expect(next.status).not.toHaveProperty('reason');
      expect(next.status).not.toHaveProperty('cleanedUp');
    } else {
      expect(next.status?.reason).toMatch(reason);
      expect(next.status?.cleanedUp).toBe(false);
      expect(next.status?.processing).toBe(false);
    }
  });
});
