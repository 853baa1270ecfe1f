import { describe, expect, it } from 'vitest';
import { renewalTime } from '../../../src/domain/renewal.js';
import type { RenewalTimeInput } from '../../../src/domain/renewal.js';

const H = 3_600_000;
const M = 60_000;
const S = 1_000;
const now = Date.parse('2025-03-01T12:00:00Z');
const at = (offsetMs: number): Date => new Date(now + offsetMs);

type Case = [
  name: string,
  lifetimeMs: number,
  options: Pick<RenewalTimeInput, 'renewBefore' | 'renewBeforePercentage'>,
  expectedOffsetMs: number,
];

// The scenarios of cert-manager's TestRenewalTime and TestRenewBefore (pkg/util/pki).
const cases: Case[] = [
  ['short-lived, nothing set: 2/3 of the lifetime', 3 * H, {}, 2 * H],
  ['6 months, nothing set: after 4 months', 4380 * H, {}, 2920 * H],
  ['renewBefore set', 24 * H, { renewBefore: '20h' }, 4 * H],
  ['renewBefore to renew every day', 730 * H, { renewBefore: '706h' }, 24 * H],
  ['renewBefore beyond the lifetime falls back to 2/3', 24 * H, { renewBefore: '25h' }, 16 * H],
  ['renewBefore equal to the lifetime falls back to 2/3', 24 * H, { renewBefore: '24h' }, 16 * H],
  ['renewBefore slightly under the lifetime', 24 * H + 3 * M, { renewBefore: '24h' }, 3 * M],
  ['renewBefore as milliseconds', 24 * H, { renewBefore: 20 * H }, 4 * H],
  ['renewBefore of zero is ignored', 3 * H, { renewBefore: '0s' }, 2 * H],
  [
    'renewBefore wins over a percentage',
    24 * H,
    { renewBefore: '20h', renewBeforePercentage: 50 },
    4 * H,
  ],
  ['renewBeforePercentage 30 renews at 70%', 730 * H, { renewBeforePercentage: 30 }, 511 * H],
  ['renewBeforePercentage 25', 3 * H, { renewBeforePercentage: 25 }, 2 * H + 15 * M],
  ['renewBeforePercentage 100 falls back to 2/3', 3 * H, { renewBeforePercentage: 100 }, 2 * H],
  ['renewBeforePercentage 0 falls back to 2/3', 3 * H, { renewBeforePercentage: 0 }, 2 * H],
  [
    'renewBeforePercentage 99 on 10 years',
    10 * 365 * 24 * H,
    { renewBeforePercentage: 99 },
    36.5 * 24 * H,
  ],
  // cert-manager#4399: the renewal time is truncated to the second, never rounded up.
  ['lifetime skewed by a second', 24 * H - S, {}, 16 * H - S],
  ['a lifetime not divisible by 3 truncates down', 10 * S, {}, 6 * S],
];

describe('renewalTime follows cert-manager RenewalTime', () => {
  it.each(cases)('%s', (_name, lifetimeMs, options, expectedOffsetMs) => {
    expect(renewalTime({ notBefore: at(0), notAfter: at(lifetimeMs), ...options })).toEqual(
      at(expectedOffsetMs),
    );
  });

  it('truncates to the whole second when notBefore has milliseconds', () => {
    // Lifetime 3h - 0.5s, so renewBefore is 1h - 166.67ms and the exact renewal time is
    // 2h0m0.16667s after the whole second `now`: it is truncated down to now + 2h.
    const result = renewalTime({ notBefore: at(500), notAfter: at(3 * H) });
    expect(result.getTime() % 1000).toBe(0);
    expect(result).toEqual(at(2 * H));
  });

  it('truncates down for times before 1970 as well', () => {
    const notBefore = new Date(Date.parse('1969-12-31T00:00:00Z'));
    const notAfter = new Date(notBefore.getTime() + 3 * H + 1);
    const result = renewalTime({ notBefore, notAfter });
    expect(result).toEqual(new Date(notBefore.getTime() + 2 * H));
  });
});
