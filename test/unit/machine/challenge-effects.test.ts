import { describe, expect, it } from 'vitest';
import type { ChallengePhase, ChallengeStatus } from '../../../src/domain/types.js';
import { challengeEffects, type ChallengeEffectType } from '../../../src/machine/index.js';
import { challengeIn, deepFreeze, makeChallenge } from './fixtures.js';

// What a challenge read back from the Store owes, so a restarted process picks up where the
// previous one stopped.
const cases: { phase: ChallengePhase; status?: ChallengeStatus; owed: ChallengeEffectType[] }[] = [
  { phase: 'Queued', owed: [] },
  { phase: 'Scheduled', owed: ['sync'] },
  { phase: 'Scheduled', status: { attempts: 4 }, owed: ['sync'] },
  { phase: 'Presenting', owed: ['present'] },
  { phase: 'SelfCheck', owed: ['selfCheck'] },
  { phase: 'Accepted', status: { processing: false }, owed: ['accept'] },
  { phase: 'Accepted', status: { processing: true }, owed: ['pollAuthorization'] },
  ...(['Valid', 'Invalid', 'Errored', 'Expired'] as const).flatMap((phase) => [
    { phase, status: { cleanedUp: false }, owed: ['cleanUp'] as ChallengeEffectType[] },
    { phase, status: { cleanedUp: true }, owed: [] },
  ]),
];

describe('challengeEffects: the step a stored challenge owes', () => {
  it.each(cases)('$phase $status → $owed', ({ phase, status, owed }) => {
    const challenge = deepFreeze(challengeIn(phase, status));
    expect(challengeEffects(challenge)).toEqual(owed.map((type) => ({ type })));
  });

  it.each([
    { name: 'no status', status: undefined },
    { name: 'an empty status', status: {} },
    { name: 'a status with fields but no phase', status: { attempts: 3, presented: false } },
  ])('a challenge with $name is Queued and owes nothing', ({ status }) => {
    const challenge = status === undefined ? makeChallenge() : makeChallenge({ status });
    expect(challengeEffects(deepFreeze(challenge))).toEqual([]);
  });

  it('an Accepted challenge without processing owes the accept', () => {
    const challenge = makeChallenge({ status: { phase: 'Accepted' } });
    expect(challengeEffects(deepFreeze(challenge))).toEqual([{ type: 'accept' }]);
  });

  it('a terminal challenge without cleanedUp owes the clean-up', () => {
    const challenge = makeChallenge({ status: { phase: 'Expired' } });
    expect(challengeEffects(deepFreeze(challenge))).toEqual([{ type: 'cleanUp' }]);
  });

  it('returns a new array each time, so a caller cannot change what the next call returns', () => {
    const challenge = deepFreeze(challengeIn('Scheduled'));
    const first = challengeEffects(challenge);
    first.push({ type: 'cleanUp' });
    expect(challengeEffects(challenge)).toEqual([{ type: 'sync' }]);
  });
});
