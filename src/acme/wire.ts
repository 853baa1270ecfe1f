/**
 * Reads RFC 8555 JSON objects into the port's snapshots, rejecting answers that lack what the
 * controllers rely on.
 *
 * @packageDocumentation
 */

import { AcmeError } from '../errors.js';
import type {
  AcmeAuthorizationSnapshot,
  AcmeChallengeSnapshot,
  AcmeIdentifier,
  AcmeOrderSnapshot,
  AcmeProblem,
} from './types.js';

type JsonObject = Record<string, unknown>;

/** Reads a problem document; a missing `type` is `about:blank` (RFC 7807 §4.2). */
export function toProblem(data: JsonObject): AcmeProblem {
  const problem: AcmeProblem = {
    type: typeof data['type'] === 'string' ? data['type'] : 'about:blank',
  };
  if (typeof data['detail'] === 'string') problem.detail = data['detail'];
  if (typeof data['status'] === 'number') problem.status = data['status'];
  const identifier = readIdentifier(data['identifier']);
  if (identifier !== undefined) problem.identifier = identifier;
  const subproblems = data['subproblems'];
  if (Array.isArray(subproblems)) {
    problem.subproblems = subproblems.filter(isObject).map((sub) => toProblem(sub));
  }
  return problem;
}

/** Reads an order object fetched from (or created at) `url`. */
export function toOrderSnapshot(data: unknown, url: string): AcmeOrderSnapshot {
  const order = object(data, 'order', url);
  const authorizations = order['authorizations'];
  if (!Array.isArray(authorizations) || !authorizations.every((a) => typeof a === 'string')) {
    throw malformed('order', url, 'authorizations is not a list of URLs');
  }
  const snapshot: AcmeOrderSnapshot = {
    url,
    status: string(order, 'status', 'order', url),
    authorizations: authorizations as string[],
    finalizeUrl: string(order, 'finalize', 'order', url),
  };
  if (typeof order['certificate'] === 'string') snapshot.certificateUrl = order['certificate'];
  if (isObject(order['error'])) snapshot.error = toProblem(order['error']);
  if (typeof order['expires'] === 'string') snapshot.expires = order['expires'];
  return snapshot;
}

/** Reads an authorization object fetched from `url`. */
export function toAuthorizationSnapshot(data: unknown, url: string): AcmeAuthorizationSnapshot {
  const authz = object(data, 'authorization', url);
  const identifier = readIdentifier(authz['identifier']);
  if (identifier === undefined) throw malformed('authorization', url, 'identifier is missing');
  const challenges = authz['challenges'];
  if (!Array.isArray(challenges)) throw malformed('authorization', url, 'challenges is not a list');
  const snapshot: AcmeAuthorizationSnapshot = {
    url,
    status: string(authz, 'status', 'authorization', url),
    identifier,
    wildcard: authz['wildcard'] === true,
    challenges: challenges.map((challenge) => toChallengeSnapshot(challenge, undefined, url)),
  };
  if (typeof authz['expires'] === 'string') snapshot.expires = authz['expires'];
  return snapshot;
}

/**
 * Reads a challenge object; `url` is where it was fetched from, else its own `url` field.
 *
 * @param where - The URL the object came in, for error messages.
 */
export function toChallengeSnapshot(
  data: unknown,
  url: string | undefined,
  where: string | undefined = url,
): AcmeChallengeSnapshot {
  const source = where ?? 'the server';
  const challenge = object(data, 'challenge', source);
  const snapshot: AcmeChallengeSnapshot = {
    url: url ?? string(challenge, 'url', 'challenge', source),
    type: string(challenge, 'type', 'challenge', source),
    status: string(challenge, 'status', 'challenge', source),
    // RFC 8555 types all carry a token; an unknown type without one is harmless to list.
    token: typeof challenge['token'] === 'string' ? challenge['token'] : '',
  };
  if (isObject(challenge['error'])) snapshot.error = toProblem(challenge['error']);
  if (typeof challenge['validated'] === 'string') snapshot.validated = challenge['validated'];
  return snapshot;
}

function readIdentifier(value: unknown): AcmeIdentifier | undefined {
  if (!isObject(value)) return undefined;
  const { type, value: text } = value;
  if ((type !== 'dns' && type !== 'ip') || typeof text !== 'string') return undefined;
  return { type, value: text };
}

function object(data: unknown, what: string, url: string): JsonObject {
  if (!isObject(data)) throw malformed(what, url, 'the answer is not a JSON object');
  return data;
}

function string(data: JsonObject, field: string, what: string, url: string): string {
  const value = data[field];
  if (typeof value !== 'string' || value === '') throw malformed(what, url, `${field} is missing`);
  return value;
}

function malformed(what: string, url: string, reason: string): AcmeError {
  return new AcmeError(`malformed ACME ${what} from ${url}: ${reason}`, { transient: false });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
