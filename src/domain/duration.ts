/**
 * Go duration strings (`2160h`, `1h30m`, `1.5h`, `3600s`), as cert-manager's `duration` and
 * `renewBefore` fields hold them.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';

const NANOS_PER_MS = 1_000_000n;

// Go's time.Duration is an int64 of nanoseconds; anything larger does not parse in Go either.
const MAX_NANOS = (1n << 63n) - 1n;

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * Parses a Go duration into whole nanoseconds, exactly as Go's `time.ParseDuration` does.
 *
 * @remarks
 * Kept exact (a bigint) so that renewal times computed from it round to the second the way
 * cert-manager's do.
 *
 * @param text - The duration, such as `2160h` or `-1.5h`.
 * @param field - The field path named in the error.
 * @throws ValidationError when `text` is not a Go duration or does not fit in 64 bits.
 */
export function parseGoDurationNanos(text: string, field = 'duration'): bigint {
  function fail(reason: string): never {
    throw new ValidationError(field, `${JSON.stringify(text)} is not a Go duration: ${reason}`);
  }
  if (typeof text !== 'string') fail('must be a string');
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  // Go accepts a bare "0" (and only that) without a unit.
  if (rest === '0') return 0n;
  if (rest === '') fail('it is empty');
  let total = 0n;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    if (match === null) fail('expected a number followed by a unit (ns, us, ms, s, m, h)');
    const [whole, intDigits = '', fracDigits, unitText = ''] = match;
    if (intDigits === '' && (fracDigits === undefined || fracDigits === '')) {
      fail('a number must have at least one digit');
    }
    const unit = UNIT_NANOS[unitText];
    if (unit === undefined || !Object.hasOwn(UNIT_NANOS, unitText)) {
      fail(`unknown unit ${JSON.stringify(unitText)} (ns, us, ms, s, m, h)`);
    }
    let value = BigInt(intDigits === '' ? '0' : intDigits) * unit;
    if (fracDigits !== undefined && fracDigits !== '') {
      // Truncate like Go: the fraction is scaled by the unit, then cut to whole nanoseconds.
      value += (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    }
    total += value;
    if (total > MAX_NANOS + (negative ? 1n : 0n)) fail('it is out of range');
    rest = rest.slice(whole.length);
  }
  return negative ? -total : total;
}

/**
 * Parses a Go duration string into milliseconds.
 *
 * @remarks
 * Accepts exactly what Go's `time.ParseDuration` accepts: an optional sign, then one or more
 * decimal numbers each followed by a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), or a bare `0`.
 * Days are not a unit (`90d` is rejected), as in Go and cert-manager. Sub-millisecond parts
 * come back as a fraction.
 *
 * @param text - The duration, such as `2160h`, `1h30m`, `90m`, `1.5h` or `3600s`.
 * @param field - The field path named in the error.
 * @returns The duration in milliseconds (negative for a negative duration).
 * @throws ValidationError naming `field` when `text` is not a Go duration.
 *
 * @example
 * ```ts
 * parseGoDuration('1h30m'); // 5_400_000
 * ```
 */
export function parseGoDuration(text: string, field = 'duration'): number {
  const nanos = parseGoDurationNanos(text, field);
  const ms = nanos / NANOS_PER_MS;
  const rest = nanos % NANOS_PER_MS;
  return Number(ms) + Number(rest) / 1e6;
}

function fractionDigits(value: bigint, digits: number): string {
  // The fraction of `value` below 10^digits, without trailing zeros ("" when it is zero).
  const text = (value % 10n ** BigInt(digits)).toString().padStart(digits, '0').replace(/0+$/, '');
  return text === '' ? '' : `.${text}`;
}

/**
 * Formats milliseconds as Go's `time.Duration.String()` does.
 *
 * @remarks
 * The output parses back with {@link parseGoDuration}: `2160h0m0s`, `1h30m0s`, `1.5s`, `100ms`,
 * `0s`. The value is rounded to whole nanoseconds first.
 *
 * @param ms - A duration in milliseconds.
 *
 * @example
 * ```ts
 * formatGoDuration(90 * 24 * 3_600_000); // '2160h0m0s'
 * ```
 */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) {
    throw new ValidationError('duration', 'must be a finite number of milliseconds');
  }
  const whole = Math.trunc(ms);
  let nanos = BigInt(whole) * NANOS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
  const sign = nanos < 0n ? '-' : '';
  if (nanos < 0n) nanos = -nanos;
  if (nanos === 0n) return '0s';
  if (nanos < 1_000n) return `${sign}${nanos}ns`;
  if (nanos < 1_000_000n) return `${sign}${nanos / 1_000n}${fractionDigits(nanos, 3)}µs`;
  if (nanos < 1_000_000_000n) return `${sign}${nanos / 1_000_000n}${fractionDigits(nanos, 6)}ms`;
  const seconds = nanos / 1_000_000_000n;
  const secondsText = `${seconds % 60n}${fractionDigits(nanos, 9)}s`;
  const minutes = seconds / 60n;
  if (minutes === 0n) return `${sign}${secondsText}`;
  const hours = minutes / 60n;
  if (hours === 0n) return `${sign}${minutes % 60n}m${secondsText}`;
  return `${sign}${hours}h${minutes % 60n}m${secondsText}`;
}
