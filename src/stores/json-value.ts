/**
 * Store values are JSON. The built-in stores keep the serialised text (or a parsed value no caller
 * ever sees), so every read returns a fresh copy that a caller may mutate without touching what is
 * stored.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';

/**
 * Serialises a Store value.
 *
 * @throws ValidationError (field `value`) when the value has no JSON form: `undefined`, a
 * function, a symbol, a BigInt or a cycle.
 */
export function serialiseValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new ValidationError('value', 'must be JSON-serialisable', { cause: err });
  }
  if (json === undefined) throw new ValidationError('value', 'must be JSON-serialisable');
  return json;
}

/** Parses a value serialised by {@link serialiseValue}. */
export function parseValue<T>(json: string): T {
  return JSON.parse(json) as T;
}

/**
 * A deep copy of `value`, which MUST be JSON data as `JSON.parse` makes it: plain objects, arrays,
 * strings, numbers, booleans and null.
 *
 * @remarks
 * Two to three times cheaper than parsing the JSON text again, and strings are shared rather than
 * copied, which matters for Secrets: a PEM bundle is most of a Secret's bytes.
 */
export function copyJson<T>(value: T): T {
  return copyNode(value) as T;
}

function copyNode(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyNode);
  return copyPlainObject(value, copyNode);
}

/**
 * A copy of the plain object `value` whose every own property is `copyChild` of the original.
 * An own `__proto__` property (`JSON.parse` makes one) stays data and never becomes the
 * prototype.
 */
export function copyPlainObject(
  value: object,
  copyChild: (child: unknown) => unknown,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = copyChild((value as Record<string, unknown>)[key]);
    if (key === '__proto__') {
      Object.defineProperty(copy, key, {
        value: child,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      copy[key] = child;
    }
  }
  return copy;
}
