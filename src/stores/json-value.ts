/**
 * Store values are JSON. The built-in stores keep the serialised text, so every read parses a
 * fresh copy that a caller may mutate without touching what is stored.
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
