/**
 * What the challenge machine is told (events) and what it asks for (effects).
 *
 * @packageDocumentation
 */
import type { ACMEState } from '../domain/types.js';

/**
 * Something that happened to a challenge: the result of an effect, a scheduler decision, or an
 * outside fact (timeout, the order is gone). The challenges controller feeds these to
 * `transitionChallenge`.
 *
 * @remarks
 * - `schedule`: the scheduler picked a `Queued` challenge.
 * - `synced`: the ACME state read from the server while `Scheduled`.
 * - `presented`: the solver published the key.
 * - `selfCheckPassed` / `selfCheckFailed`: the propagation check ran.
 * - `acceptSent`: the challenge was POSTed to the ACME server. `retryAfterMs` is the
 *   `Retry-After` of its answer.
 * - `authorizationPending` / `authorizationValid` / `authorizationInvalid`: a poll of the
 *   authorization after the accept. `retryAfterMs` is the server's `Retry-After`.
 * - `transientError`: a step failed in a way a retry may fix (network, 5xx, `badNonce`, 429);
 *   it never ends the challenge. `retryAfterMs` is the server's `Retry-After`.
 * - `failed`: a step failed for good; the challenge ends `Errored`.
 * - `timeout`: the challenge passed its `deadline`.
 * - `orderGone`: the owning Order no longer exists.
 * - `cleanedUp` / `cleanUpFailed`: the terminal clean-up of the solver ran.
 *
 * Reasons end up in `status.reason` and MUST NOT contain private key material.
 */
export type ChallengeEvent =
  | { type: 'schedule' }
  | { type: 'synced'; state: ACMEState }
  | { type: 'presented' }
  | { type: 'selfCheckPassed' }
  | { type: 'selfCheckFailed'; reason: string }
  | { type: 'acceptSent'; retryAfterMs?: number }
  | { type: 'authorizationPending'; retryAfterMs?: number }
  | { type: 'authorizationValid' }
  | { type: 'authorizationInvalid'; reason: string }
  | { type: 'transientError'; reason: string; retryAfterMs?: number }
  | { type: 'failed'; reason: string }
  | { type: 'timeout' }
  | { type: 'orderGone' }
  | { type: 'cleanedUp' }
  | { type: 'cleanUpFailed'; reason: string };

/** The name of a {@link ChallengeEvent}. */
export type ChallengeEventType = ChallengeEvent['type'];

/** Every {@link ChallengeEventType}, in the order the workflow meets them. */
export const challengeEventTypes: readonly ChallengeEventType[] = Object.freeze([
  'schedule',
  'synced',
  'presented',
  'selfCheckPassed',
  'selfCheckFailed',
  'acceptSent',
  'authorizationPending',
  'authorizationValid',
  'authorizationInvalid',
  'transientError',
  'failed',
  'timeout',
  'orderGone',
  'cleanedUp',
  'cleanUpFailed',
] as const);

/** The name of a {@link ChallengeEffect}. */
export type ChallengeEffectType =
  'sync' | 'present' | 'selfCheck' | 'accept' | 'pollAuthorization' | 'cleanUp';

/**
 * A step the machine asks the controller to run, not before the challenge's
 * `status.nextAttemptAt`. Its outcome comes back as a {@link ChallengeEvent}.
 *
 * @remarks
 * - `sync`: read the challenge's state from the ACME server → `synced`.
 * - `present`: have the solver publish `spec.key` → `presented`.
 * - `selfCheck`: check the key is visible (solver `wait` / self-check) → `selfCheckPassed` or
 *   `selfCheckFailed`.
 * - `accept`: POST the challenge URL → `acceptSent`.
 * - `pollAuthorization`: read the authorization → `authorizationPending`, `authorizationValid`
 *   or `authorizationInvalid`.
 * - `cleanUp`: have the solver remove what it may have published → `cleanedUp` or
 *   `cleanUpFailed`.
 *
 * Any step may also end in `transientError` or `failed`.
 */
export type ChallengeEffect = { type: ChallengeEffectType };
