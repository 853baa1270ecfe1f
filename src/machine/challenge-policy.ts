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
   * Delay between polls of the authorization once the challenge was accepted; a larger
   * `Retry-After` from the server wins.
   *
   * @defaultValue 1_000
   */
  pollIntervalMs: number;
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
