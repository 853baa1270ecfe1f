/**
 * The compare-and-set options shared by the built-in stores.
 *
 * @packageDocumentation
 */
import { ValidationError } from '../errors.js';
import type { DeleteOptions, PutOptions } from './types.js';

/**
 * Reads the `ifVersion` option of `put` (`allowNull`) or `delete`.
 *
 * @remarks
 * A wrong type (a number, say) is a clear error rather than a conflict that can never resolve.
 *
 * @throws ValidationError (field `options.ifVersion`) when it is neither omitted nor a string
 * (nor `null`, for `put`).
 */
export function readIfVersion(
  options: PutOptions | DeleteOptions | undefined,
  allowNull: boolean,
): string | null | undefined {
  const ifVersion: unknown = options?.ifVersion;
  if (ifVersion === undefined || typeof ifVersion === 'string') return ifVersion;
  if (ifVersion === null && allowNull) return null;
  throw new ValidationError(
    'options.ifVersion',
    allowNull ? 'must be a version string or null' : 'must be a version string',
  );
}
