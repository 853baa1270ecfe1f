/**
 * The timing policy of the challenge state machine: intervals, backoff and the overall timeout.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';

/** How long the challenge machine waits between steps, and how long a challenge may take. */
export interface ChallengePolicy {
  /**
   * Delay before the self-check runs again after it failed (DNS and HTTP propagation).
   *
   * @defaultValue 10_000 (cert-manager checks propagation about every 10 seconds)
   */
  selfCheckIntervalMs: number;
  /**
   * Delay between polls of the authorization once the challenge was accepted (and of an order the
   * server is still working on), after the first poll; a larger `Retry-After` from the server wins.
   *
   * @defaultValue 1_000
   */
  pollIntervalMs: number;
  /**
   * Delay of the FIRST look at the authorization after the challenge was accepted, and at an
   * order after it was finalized (or once its authorizations were valid).
   *
   * @remarks
   * Many CAs validate within a fraction of a second (Let's Encrypt often does; Pebble with
   * `PEBBLE_VA_NOSLEEP` at once), so a first look after a full `pollIntervalMs` is mostly spent
   * waiting. Only the first look is early: a server that has not finished by then is one that
   * takes its time, and every later look waits `pollIntervalMs` (a fixed second step rather than
   * a growing series, so the number of polls a slow validation costs stays at most one more than
   * before). A delay larger than `pollIntervalMs` is treated as `pollIntervalMs`, and a larger
   * `Retry-After` from the server always wins: no look is made before it.
   *
   * @defaultValue 100 (a tenth of the default `pollIntervalMs`)
   */
  firstPollDelayMs: number;
  /**
   * First delay after a transient error; each further consecutive error doubles it.
   *
   * @defaultValue 1_000
   */
  backoffBaseMs: number;
  /**
   * Cap of the exponential backoff.
   *
   * @defaultValue 60_000
   */
  backoffMaxMs: number;
  /**
   * Time from scheduling until the challenge is given up as `Errored` (the `deadline`).
   *
   * @defaultValue 3_600_000 (1 hour)
   */
  timeoutMs: number;
}

/** The policy used for every field a caller does not set. */
export const defaultChallengePolicy: Readonly<ChallengePolicy> = Object.freeze({
  selfCheckIntervalMs: 10_000,
  pollIntervalMs: 1_000,
  firstPollDelayMs: 100,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  timeoutMs: 3_600_000,
});

const policyFields = Object.keys(defaultChallengePolicy) as (keyof ChallengePolicy)[];

/**
 * Fills the unset fields of `policy` from {@link defaultChallengePolicy} and checks every value.
 *
 * @param fieldPrefix - the path of `policy` named in errors
 * @throws ValidationError naming the field when a value is not a finite, non-negative number
 *
 * @example
 * ```ts
 * const policy = resolveChallengePolicy({ selfCheckIntervalMs: 5_000 });
 * policy.pollIntervalMs; // 1_000
 * ```
 */
export function resolveChallengePolicy(
  policy: Partial<ChallengePolicy> = {},
  fieldPrefix = 'policy',
): ChallengePolicy {
  const resolved = { ...defaultChallengePolicy };
  for (const field of policyFields) {
    // A JavaScript caller may pass `undefined` explicitly; that means "use the default".
    const value: unknown = policy[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ValidationError(
        `${fieldPrefix}.${field}`,
        'must be a finite, non-negative number of milliseconds',
      );
    }
    resolved[field] = value;
  }
  return resolved;
}

// 2^62 times any sane base is far past any cap; clamping the exponent keeps the product finite
// (a zero base times 2^1024 would be NaN).
const MAX_EXPONENT = 62;

/**
 * The backoff after `attempts` consecutive failures: `backoffBaseMs × 2^(attempts − 1)`, capped at
 * `backoffMaxMs`.
 *
 * @remarks The first failure (`attempts` 1) waits the base; `attempts` 0 is treated as 1.
 *
 * @throws ValidationError when `attempts` is not a non-negative integer
 *
 * @example
 * ```ts
 * backoffDelay(3, defaultChallengePolicy); // 4_000
 * ```
 */
export function backoffDelay(attempts: number, policy: ChallengePolicy): number {
  if (!Number.isInteger(attempts) || attempts < 0) {
    throw new ValidationError('attempts', 'must be a non-negative integer');
  }
  const exponent = Math.min(Math.max(attempts - 1, 0), MAX_EXPONENT);
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** exponent);
}

/**
 * The wait before the next look at something the ACME server is still working on: an
 * authorization after its challenge was accepted, an order after it was finalized.
 *
 * @remarks
 * The first look (`looks` 0) waits `firstPollDelayMs` (at most `pollIntervalMs`), every later one
 * `pollIntervalMs`; a larger `retryAfterMs` (the server's `Retry-After` on its last answer) wins.
 *
 * @param looks - how many looks were already made since the accept or finalize
 * @param retryAfterMs - the server's `Retry-After` in milliseconds, 0 when it sent none
 * @throws ValidationError when `looks` is not a non-negative integer
 *
 * @example
 * ```ts
 * pollDelay(0, defaultChallengePolicy);        // 100
 * pollDelay(1, defaultChallengePolicy);        // 1_000
 * pollDelay(0, defaultChallengePolicy, 3_000); // 3_000
 * ```
 */
export function pollDelay(looks: number, policy: ChallengePolicy, retryAfterMs = 0): number {
  if (!Number.isInteger(looks) || looks < 0) {
    throw new ValidationError('looks', 'must be a non-negative integer');
  }
  const delay =
    looks === 0 ? Math.min(policy.firstPollDelayMs, policy.pollIntervalMs) : policy.pollIntervalMs;
  return Math.max(delay, retryAfterMs);
}
