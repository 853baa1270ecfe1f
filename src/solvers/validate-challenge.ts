/**
 * Checks of the Challenge fields a solver relies on.
 *
 * @internal
 * @packageDocumentation
 */

import type { ACMEChallengeType, Challenge } from '../domain/types.js';
import { ValidationError } from '../errors.js';

/** RFC 8555 §8.1: a token is base64url; this also keeps it from ever forming a path. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Throws a ValidationError naming the field when `challenge` is not of `type`, has an empty
 * `spec.dnsName` or `spec.key`, or (`checkToken`) a token outside the base64url alphabet.
 */
export function validateChallenge(
  challenge: Challenge,
  type: ACMEChallengeType,
  checkToken: boolean,
): void {
  const spec = challenge.spec;
  if (spec.type !== type) {
    throw new ValidationError('spec.type', `is ${String(spec.type)}, this solver solves ${type}`);
  }
  if (typeof spec.dnsName !== 'string' || spec.dnsName === '') {
    throw new ValidationError('spec.dnsName', 'must be a non-empty DNS name');
  }
  if (typeof spec.key !== 'string' || spec.key === '') {
    throw new ValidationError('spec.key', 'must be a non-empty string');
  }
  if (checkToken && !isToken(spec.token)) {
    throw new ValidationError('spec.token', 'must be a non-empty base64url string');
  }
}

/** Whether `value` is a well-formed ACME token. */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}
