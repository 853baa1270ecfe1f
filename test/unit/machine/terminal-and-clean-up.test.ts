import { describe, expect, it } from 'vitest';
import type { ChallengePhase } from '../../../src/domain/types.js';
import { InvalidTransitionError } from '../../../src/errors.js';
import {
  terminalChallengePhases,
  transitionChallenge,
  type ChallengeEvent,
} from '../../../src/machine/index.js';
import { NOW, at, challengeIn, deepFreeze, thrown } from './fixtures.js';

const working: ChallengePhase[] = ['Queued', 'Scheduled', 'Presenting', 'SelfCheck', 'Accepted'];

const endings: {
  event: ChallengeEvent;
  phase: ChallengePhase;
  state: string;
  reason: (from: ChallengePhase) => RegExp;
}[] = [
  {
    event: { type: 'failed', reason: 'no solver named "dns" is registered' },
    phase: 'Errored',
    state: 'errored',
    reason: () => /^no solver named "dns" is registered$/,
  },
  {
    event: { type: 'timeout' },
    phase: 'Errored',
    state: 'errored',
    reason: (from) => new RegExp(`timed out in phase ${from}`),
  },
  {
    event: { type: 'orderGone' },
    phase: 'Expired',
    state: 'expired',
    reason: () => /Order .* no longer exists/,
  },
];

const rows = working.flatMap((from) => endings.map((e) => ({ from, ...e })));

describe('entering a terminal phase', () => {
  it.each(rows)('$from + $event.type → $phase', ({ from, event, phase, state, reason }) => {
    const challenge = deepFreeze(
      challengeIn(
        from,
        from === 'Accepted'
          ? { processing: true, attempts: 2 }
          : from === 'Queued'
            ? {}
            : { attempts: 2 },
      ),
    );
    const { next, effects } = transitionChallenge(challenge, event, { now: NOW + 1_000 });
    expect(next.status).toMatchObject({
      phase,
      state,
      processing: false,
      cleanedUp: false,
      attempts: 0,
      nextAttemptAt: at(1_000),
    });
    expect(next.status?.reason).toMatch(reason(from));
    // Clean-up is owed whether or not the key was presented: it must not assume it was.
    expect(effects).toEqual([{ type: 'cleanUp' }]);
  });

  it('names the passed deadline when a scheduled challenge times out', () => {
    const challenge = deepFreeze(challengeIn('SelfCheck'));
    const { next } = transitionChallenge(challenge, { type: 'timeout' }, { now: NOW });
    expect(next.status?.reason).toContain(challenge.status?.deadline ?? 'no deadline');
  });

  it.each(terminalChallengePhases)('no working event moves %s on', (phase) => {
    for (const event of [
      { type: 'failed', reason: 'x' },
      { type: 'timeout' },
      { type: 'orderGone' },
      { type: 'schedule' },
    ] as ChallengeEvent[]) {
      const err = thrown(() =>
        transitionChallenge(deepFreeze(challengeIn(phase)), event, { now: NOW }),
      );
      expect(err).toBeInstanceOf(InvalidTransitionError);
    }
  });
});

describe('clean-up runs once per terminal phase', () => {
  it.each(terminalChallengePhases)('cleanedUp in %s: presented false, nothing owed', (phase) => {
    const challenge = deepFreeze(challengeIn(phase, { presented: true }));
    const { next, effects } = transitionChallenge(challenge, { type: 'cleanedUp' }, { now: NOW });
    expect(next.status).toEqual({ ...challenge.status, presented: false, cleanedUp: true });
    expect(effects).toEqual([]);
  });

  it.each(terminalChallengePhases)(
    'cleanUpFailed in %s: retry after backoff, keep the reason',
    (phase) => {
      let challenge = deepFreeze(challengeIn(phase));
      const reason = challenge.status?.reason;
      for (const [i, delay] of [1_000, 2_000, 4_000, 8_000].entries()) {
        const now = NOW + i * 100_000;
        const { next, effects } = transitionChallenge(
          challenge,
          { type: 'cleanUpFailed', reason: 'REFUSED from the name server' },
          { now },
        );
        expect(next.status).toMatchObject({
          phase,
          attempts: i + 1,
          nextAttemptAt: new Date(now + delay).toISOString(),
          cleanedUp: false,
          presented: true,
          reason,
        });
        expect(effects).toEqual([{ type: 'cleanUp' }]);
        challenge = deepFreeze(next);
      }
      const done = transitionChallenge(challenge, { type: 'cleanedUp' }, { now: NOW });
      expect(done.next.status).toMatchObject({ phase, cleanedUp: true, presented: false });
      expect(done.effects).toEqual([]);
    },
  );

  it.each(
    terminalChallengePhases.flatMap((phase) =>
      (['cleanedUp', 'cleanUpFailed'] as const).map((type) => ({ phase, type })),
    ),
  )('$type after clean-up finished in $phase is rejected', ({ phase, type }) => {
    const challenge = deepFreeze(challengeIn(phase, { cleanedUp: true, presented: false }));
    const event: ChallengeEvent =
      type === 'cleanedUp' ? { type } : { type, reason: 'late duplicate' };
    const err = thrown(() => transitionChallenge(challenge, event, { now: NOW }));
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect(err).toMatchObject({ state: phase, event: type });
  });

  it('a terminal challenge stored without cleanedUp still gets its clean-up', () => {
    const { cleanedUp: _omitted, ...status } = challengeIn('Invalid').status ?? {};
    const challenge = deepFreeze({ ...challengeIn('Invalid'), status });
    const { next, effects } = transitionChallenge(challenge, { type: 'cleanedUp' }, { now: NOW });
    expect(next.status?.cleanedUp).toBe(true);
    expect(effects).toEqual([]);
  });
});
