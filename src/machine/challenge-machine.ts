/**
 * The challenge state machine: a pure `transitionChallenge()` and the step a stored challenge owes.
 *
 * @packageDocumentation
 */
import type { ACMEState, Challenge, ChallengePhase, ChallengeStatus } from '../domain/types.js';
import { InvalidTransitionError, ValidationError } from '../errors.js';
import type { ChallengeEffect, ChallengeEvent } from './challenge-events.js';
import { challengePhase } from './challenge-phases.js';
import {
  backoffDelay,
  pollDelay,
  resolveChallengePolicy,
  type ChallengePolicy,
} from './challenge-policy.js';
import { challengeTransitions } from './challenge-transitions.js';

/** What a transition needs besides the challenge and the event. */
export interface ChallengeMachineContext {
  /** The current time in milliseconds since the Unix epoch; the machine never reads a clock. */
  now: number;
  /**
   * Overrides of the timing policy.
   *
   * @defaultValue `defaultChallengePolicy`
   */
  policy?: Partial<ChallengePolicy>;
}

/** The result of {@link transitionChallenge}. */
export interface ChallengeTransition {
  /** The challenge after the event; write it to the Store before running `effects`. */
  next: Challenge;
  /** The steps `next` owes, due at `next.status.nextAttemptAt`; always `challengeEffects(next)`. */
  effects: ChallengeEffect[];
}

/** The reason a challenge the ACME server accepted ends with, in cert-manager's words. */
const AUTHORIZED = 'Successfully authorized domain';

/**
 * Applies `event` to `challenge` and returns the next challenge and the steps it owes.
 *
 * @remarks
 * Pure: the input is never mutated and no clock is read; `next` is a new object whose `status` is
 * new, while `metadata` and `spec` are shared with the input (treat both as immutable).
 *
 * A phase change resets `status.attempts` to 0 and sets `status.nextAttemptAt` to `now`. Retries
 * stay in their phase: `transientError` and `cleanUpFailed` wait the exponential backoff (or a
 * longer `Retry-After`), `selfCheckFailed` waits `selfCheckIntervalMs`. The first poll of the
 * authorization, after `acceptSent`, waits `firstPollDelayMs`; each poll after an
 * `authorizationPending` waits `pollIntervalMs` (both: or a longer `Retry-After`, see
 * {@link pollDelay}). Which poll is the first follows from the event alone, not from
 * `status.attempts`, which counts consecutive failures of the step for its backoff (both events
 * reset it to 0). A terminal phase sets `status.cleanedUp` to false, so clean-up runs exactly
 * once, and `status.processing` to false.
 * A step that succeeds clears the `status.reason` left by an earlier failure.
 *
 * @throws InvalidTransitionError when the phase does not accept the event (see
 * {@link challengeTransitions})
 * @throws ValidationError when `ctx`, the event's fields or `status.phase` are malformed
 *
 * @example
 * ```ts
 * const { next, effects } = transitionChallenge(challenge, { type: 'schedule' }, { now: clock.now() });
 * next.status?.phase; // 'Scheduled'
 * effects;            // [{ type: 'sync' }]
 * ```
 */
export function transitionChallenge(
  challenge: Challenge,
  event: ChallengeEvent,
  ctx: ChallengeMachineContext,
): ChallengeTransition {
  const phase = challengePhase(challenge);
  if (typeof event !== 'object' || event === null) {
    throw new ValidationError('event', 'must be an object with a type');
  }
  if (!challengeTransitions[phase].includes(event.type)) {
    throw new InvalidTransitionError(phase, String(event.type));
  }
  const current = challenge.status ?? {};
  if (!guardHolds(current, event)) throw new InvalidTransitionError(phase, event.type);
  checkEvent(event);
  const now = ctx.now;
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new ValidationError('ctx.now', 'must be a finite number of milliseconds since the epoch');
  }
  const policy = resolveChallengePolicy(ctx.policy, 'ctx.policy');

  const status: ChallengeStatus = { ...current };
  const enter = (to: ChallengePhase): void => {
    status.phase = to;
    status.attempts = 0;
    status.nextAttemptAt = rfc3339(now, 'status.nextAttemptAt');
    delete status.reason;
  };
  const end = (to: ChallengePhase, state: ACMEState, reason: string): void => {
    enter(to);
    status.state = state;
    status.processing = false;
    status.reason = reason;
    status.cleanedUp = false;
  };
  const retry = (delayMs: (attempts: number) => number, reason?: string): void => {
    const attempts = (current.attempts ?? 0) + 1;
    status.attempts = attempts;
    status.nextAttemptAt = rfc3339(now + delayMs(attempts), 'status.nextAttemptAt');
    if (reason !== undefined) status.reason = reason;
  };

  switch (event.type) {
    case 'schedule':
      enter('Scheduled');
      status.scheduledAt = rfc3339(now, 'status.scheduledAt');
      status.deadline = rfc3339(now + policy.timeoutMs, 'status.deadline');
      break;
    case 'synced': {
      const outcome = syncOutcome(event.state);
      if (outcome.reason === undefined) {
        enter(outcome.phase);
        status.state = event.state;
      } else {
        end(outcome.phase, outcome.state, outcome.reason);
      }
      break;
    }
    case 'presented':
      enter('SelfCheck');
      status.presented = true;
      status.presentedAt = rfc3339(now, 'status.presentedAt');
      break;
    case 'selfCheckPassed':
      enter('Accepted');
      // Whatever the last sync said, this process has not accepted yet: the accept is owed.
      status.processing = false;
      break;
    case 'selfCheckFailed':
      retry(() => policy.selfCheckIntervalMs, event.reason);
      break;
    case 'acceptSent':
      status.processing = true;
      status.state = 'processing';
      status.attempts = 0;
      status.nextAttemptAt = rfc3339(
        now + pollDelay(0, policy, event.retryAfterMs),
        'status.nextAttemptAt',
      );
      delete status.reason;
      break;
    case 'authorizationPending':
      status.attempts = 0;
      status.nextAttemptAt = rfc3339(
        now + pollDelay(1, policy, event.retryAfterMs),
        'status.nextAttemptAt',
      );
      delete status.reason;
      break;
    case 'authorizationValid':
      end('Valid', 'valid', AUTHORIZED);
      break;
    case 'authorizationInvalid':
      end('Invalid', 'invalid', event.reason);
      break;
    case 'transientError': {
      const retryAfterMs = event.retryAfterMs ?? 0;
      retry((attempts) => Math.max(retryAfterMs, backoffDelay(attempts, policy)), event.reason);
      break;
    }
    case 'failed':
      end('Errored', 'errored', event.reason);
      break;
    case 'timeout':
      end(
        'Errored',
        'errored',
        current.deadline === undefined
          ? `timed out in phase ${phase}`
          : `timed out in phase ${phase}: the deadline ${current.deadline} passed`,
      );
      break;
    case 'orderGone':
      end('Expired', 'expired', 'the Order this challenge belongs to no longer exists');
      break;
    case 'cleanedUp':
      status.presented = false;
      status.cleanedUp = true;
      break;
    case 'cleanUpFailed':
      // The terminal reason says why the challenge ended and outlives clean-up trouble, which is
      // the controller's to log; only the retry is recorded here.
      retry((attempts) => backoffDelay(attempts, policy));
      break;
  }

  const next: Challenge = { ...challenge, status };
  return { next, effects: challengeEffects(next) };
}

/**
 * The step a challenge owes in its current state, so that a process that stopped at any point
 * resumes from what the Store holds.
 *
 * @remarks
 * `Queued` owes nothing (the scheduler moves it); `Scheduled` owes `sync`, `Presenting`
 * `present`, `SelfCheck` `selfCheck`; `Accepted` owes `pollAuthorization` once the accept was
 * sent (`status.processing`) and `accept` before; a terminal phase owes `cleanUp` until
 * `status.cleanedUp` is true. The step is due at `status.nextAttemptAt`.
 *
 * @throws ValidationError when `status.phase` is not a known phase
 */
export function challengeEffects(challenge: Challenge): ChallengeEffect[] {
  const phase = challengePhase(challenge);
  const status = challenge.status;
  switch (phase) {
    case 'Queued':
      return [];
    case 'Scheduled':
      return [{ type: 'sync' }];
    case 'Presenting':
      return [{ type: 'present' }];
    case 'SelfCheck':
      return [{ type: 'selfCheck' }];
    case 'Accepted':
      return [{ type: status?.processing === true ? 'pollAuthorization' : 'accept' }];
    default:
      return status?.cleanedUp === true ? [] : [{ type: 'cleanUp' }];
  }
}

/** The field-level conditions some table entries carry. */
function guardHolds(status: ChallengeStatus, event: ChallengeEvent): boolean {
  switch (event.type) {
    case 'acceptSent':
      return status.processing !== true;
    case 'authorizationPending':
      return status.processing === true;
    case 'cleanedUp':
    case 'cleanUpFailed':
      return status.cleanedUp !== true;
    default:
      return true;
  }
}

/** The events that carry a `reason`. */
const reasonEvents: ReadonlySet<ChallengeEvent['type']> = new Set([
  'selfCheckFailed',
  'authorizationInvalid',
  'transientError',
  'failed',
  'cleanUpFailed',
]);

/** Rejects malformed event fields, which a JavaScript caller can send. */
function checkEvent(event: ChallengeEvent): void {
  if (reasonEvents.has(event.type) && typeof (event as { reason?: unknown }).reason !== 'string') {
    throw new ValidationError('event.reason', 'must be a string');
  }
  if ('retryAfterMs' in event && event.retryAfterMs !== undefined) {
    const value: unknown = event.retryAfterMs;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ValidationError(
        'event.retryAfterMs',
        'must be a finite, non-negative number of milliseconds',
      );
    }
  }
}

/** Where a `Scheduled` challenge goes for the ACME state read from the server. */
function syncOutcome(state: ACMEState): {
  phase: ChallengePhase;
  state: ACMEState;
  reason?: string;
} {
  switch (state) {
    case 'pending':
    case 'processing':
      // Still to be solved: present the key (an accept that was already sent is harmless to repeat).
      return { phase: 'Presenting', state };
    case 'valid':
      return { phase: 'Valid', state: 'valid', reason: AUTHORIZED };
    case 'invalid':
      return {
        phase: 'Invalid',
        state: 'invalid',
        reason: 'the ACME server reports the challenge invalid',
      };
    case 'expired':
    case 'deactivated':
    case 'revoked':
      return {
        phase: 'Expired',
        state: 'expired',
        reason: `the ACME server reports the challenge ${state}`,
      };
    default:
      return {
        phase: 'Errored',
        state: 'errored',
        reason: `unexpected ACME challenge state ${JSON.stringify(String(state))}`,
      };
  }
}

// The range of an ECMAScript Date: ±100,000,000 days around the epoch.
const MAX_TIME_MS = 8.64e15;

/** An RFC 3339 timestamp; a time no Date can hold is bad input, not a crash. */
function rfc3339(ms: number, field: string): string {
  if (!(Math.abs(ms) <= MAX_TIME_MS)) {
    throw new ValidationError(field, 'the time is out of range (check ctx.now and ctx.policy)');
  }
  return new Date(ms).toISOString();
}
