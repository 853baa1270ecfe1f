import { describe, expect, it } from 'vitest';
import type { ChallengePhase } from '../../../src/domain/types.js';
import {
  challengePhase,
  challengePhases,
  isTerminalPhase,
  terminalChallengePhases,
} from '../../../src/machine/index.js';
import { makeChallenge } from './fixtures.js';

describe('challenge phases', () => {
  it('lists all nine in workflow order, terminal ones last', () => {
    expect(challengePhases).toEqual([
      'Queued',
      'Scheduled',
      'Presenting',
      'SelfCheck',
      'Accepted',
      'Valid',
      'Invalid',
      'Errored',
      'Expired',
    ]);
    expect(terminalChallengePhases).toEqual(['Valid', 'Invalid', 'Errored', 'Expired']);
    expect(Object.isFrozen(challengePhases)).toBe(true);
    expect(Object.isFrozen(terminalChallengePhases)).toBe(true);
  });

  it.each([
    [undefined, false],
    ['Queued', false],
    ['Scheduled', false],
    ['Presenting', false],
    ['SelfCheck', false],
    ['Accepted', false],
    ['Valid', true],
    ['Invalid', true],
    ['Errored', true],
    ['Expired', true],
    ['valid', false],
  ] as [ChallengePhase | undefined, boolean][])('isTerminalPhase(%s) is %s', (phase, terminal) => {
    expect(isTerminalPhase(phase)).toBe(terminal);
  });

  it('reads a missing phase as Queued', () => {
    expect(challengePhase(makeChallenge())).toBe('Queued');
    expect(challengePhase(makeChallenge({ status: {} }))).toBe('Queued');
    expect(challengePhase(makeChallenge({ status: { phase: 'SelfCheck' } }))).toBe('SelfCheck');
  });
});
