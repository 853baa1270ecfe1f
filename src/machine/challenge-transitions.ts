/**
 * The challenge machine's transition table as data.
 *
 * @packageDocumentation
 */
import type { ChallengePhase } from '../domain/types.js';
import type { ChallengeEventType } from './challenge-events.js';

// Every working phase but Queued has a step that can fail and be retried; Queued has none, its
// only way forward is the scheduler.
const endings = ['failed', 'timeout', 'orderGone'] as const;
const working = ['transientError', ...endings] as const;
const cleanUp = ['cleanedUp', 'cleanUpFailed'] as const;

const accepts = (...types: ChallengeEventType[]): readonly ChallengeEventType[] =>
  Object.freeze(types);

/**
 * Which events each phase accepts; `transitionChallenge` throws `InvalidTransitionError` for
 * every other pair.
 *
 * @remarks
 * Two guards narrow the table further, on fields rather than phases: in `Accepted`, `acceptSent`
 * needs `status.processing` false and `authorizationPending` needs it true; in a terminal phase,
 * `cleanedUp` and `cleanUpFailed` need `status.cleanedUp` not true (clean-up runs once).
 */
export const challengeTransitions: Readonly<Record<ChallengePhase, readonly ChallengeEventType[]>> =
  Object.freeze({
    Queued: accepts('schedule', ...endings),
    Scheduled: accepts('synced', ...working),
    Presenting: accepts('presented', ...working),
    SelfCheck: accepts('selfCheckPassed', 'selfCheckFailed', ...working),
    Accepted: accepts(
      'acceptSent',
      'authorizationPending',
      'authorizationValid',
      'authorizationInvalid',
      ...working,
    ),
    Valid: accepts(...cleanUp),
    Invalid: accepts(...cleanUp),
    Errored: accepts(...cleanUp),
    Expired: accepts(...cleanUp),
  });
