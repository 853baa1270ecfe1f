/**
 * When a certificate should be renewed, as cert-manager's `RenewalTime` decides it.
 *
 * @packageDocumentation
 */
import { parseGoDurationNanos } from './duration.js';

/** The input of {@link renewalTime}. */
export interface RenewalTimeInput {
  /** The issued certificate's `notBefore`. */
  notBefore: Date;
  /** The issued certificate's `notAfter`. */
  notAfter: Date;
  /** `spec.renewBefore`: a Go duration string, or milliseconds. */
  renewBefore?: string | number;
  /** `spec.renewBeforePercentage`: renew when this percentage of the lifetime remains. */
  renewBeforePercentage?: number;
}

const NANOS_PER_MS = 1_000_000n;
const NANOS_PER_SECOND = 1_000_000_000n;

function toNanos(date: Date): bigint {
  return BigInt(date.getTime()) * NANOS_PER_MS;
}

function renewBeforeNanos(value: string | number): bigint {
  return typeof value === 'string'
    ? parseGoDurationNanos(value, 'renewBefore')
    : BigInt(Math.round(value * 1e6));
}

/**
 * How long before `notAfter` to renew, in nanoseconds (cert-manager's `desiredRenewalTime`).
 */
function renewBeforeFor(
  lifetime: bigint,
  renewBefore: string | number | undefined,
  percentage: number | undefined,
): bigint {
  // A renewBefore at least as long as the certificate's actual lifetime (the issuer may have
  // shortened it) is ignored rather than causing a renewal loop.
  if (renewBefore !== undefined) {
    const before = renewBeforeNanos(renewBefore);
    if (before > 0n && before < lifetime) return before;
  }
  if (percentage !== undefined && percentage > 0 && percentage < 100) {
    // As cert-manager computes it, in float64 to avoid int64 overflow on long lifetimes:
    // time.Duration(float64(actualDuration) * float64(pct) / 100), truncated toward zero.
    return BigInt(Math.trunc((Number(lifetime) * Math.trunc(percentage)) / 100));
  }
  // Renew when two thirds of the lifetime have passed.
  return lifetime / 3n;
}

/**
 * The time at which a certificate valid from `notBefore` to `notAfter` should be renewed.
 *
 * @remarks
 * Follows cert-manager's `RenewalTime` (pkg/util/pki/renewaltime.go): `renewBefore` is used when
 * it is positive and shorter than the actual lifetime (`notAfter - notBefore`); otherwise
 * `renewBeforePercentage` when it is within 1..99 (renew when that share of the lifetime
 * remains); otherwise renewal happens when 2/3 of the lifetime has passed. The result is
 * `notAfter - renewBefore`, truncated down to the whole second, because the renewal time is
 * stored in the status with second precision and the trigger must not fire before the stored
 * time. The arithmetic is done in nanoseconds with Go's integer and float64 steps, so the
 * result matches cert-manager's to the second.
 *
 * @example
 * ```ts
 * // a 90-day certificate renews after 60 days
 * renewalTime({ notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2025-04-01T00:00:00Z') });
 * ```
 */
export function renewalTime(input: RenewalTimeInput): Date {
  const notAfter = toNanos(input.notAfter);
  const lifetime = notAfter - toNanos(input.notBefore);
  const before = renewBeforeFor(lifetime, input.renewBefore, input.renewBeforePercentage);
  const at = notAfter - before;
  // Floor (not truncation toward zero) so that times before 1970 also round down, like Go.
  let seconds = at / NANOS_PER_SECOND;
  if (at % NANOS_PER_SECOND < 0n) seconds -= 1n;
  return new Date(Number(seconds) * 1000);
}
