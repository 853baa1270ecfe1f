// Shared builders for the challenge machine tests: challenges in each phase and one sample event
// of each type.
import type {
  ACMEChallengeType,
  Challenge,
  ChallengePhase,
  ChallengeStatus,
} from '../../../src/domain/types.js';
import type { ChallengeEvent, ChallengeEventType } from '../../../src/machine/index.js';

/** A fixed "now" for every test: 2025-01-01T00:00:00Z. */
export const NOW = Date.parse('2025-01-01T00:00:00.000Z');

/** RFC 3339 of `NOW + offsetMs`. */
export const at = (offsetMs = 0): string => new Date(NOW + offsetMs).toISOString();

/** Earlier times a fixture's history happened at. */
const SCHEDULED = -60_000;
const PRESENTED = -30_000;

export interface ChallengeOptions {
  name?: string;
  namespace?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  dnsName?: string;
  type?: ACMEChallengeType;
  wildcard?: boolean;
  status?: ChallengeStatus;
}

/** A Challenge resource as the order controller creates it. */
export function makeChallenge(options: ChallengeOptions = {}): Challenge {
  const dnsName = options.dnsName ?? 'example.com';
  const challenge: Challenge = {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Challenge',
    metadata: {
      name: options.name ?? 'web-1-123-0',
      namespace: options.namespace ?? 'default',
      uid: 'c0ffee00-0000-4000-8000-000000000001',
      creationTimestamp: options.creationTimestamp ?? '2024-12-31T23:00:00Z',
      ownerReferences: [
        {
          apiVersion: 'acme.cert-manager.io/v1',
          kind: 'Order',
          name: 'web-1-123',
          uid: 'c0ffee00-0000-4000-8000-000000000002',
          controller: true,
        },
      ],
    },
    spec: {
      url: 'https://acme.test/chall/1',
      authorizationURL: 'https://acme.test/authz/1',
      dnsName,
      type: options.type ?? 'HTTP-01',
      token: 'tok-1',
      key: 'tok-1.thumbprint',
      solver: { http01: {} },
      issuerRef: { name: 'acme', kind: 'Issuer' },
    },
  };
  if (options.wildcard !== undefined) challenge.spec.wildcard = options.wildcard;
  if (options.deletionTimestamp !== undefined) {
    challenge.metadata.deletionTimestamp = options.deletionTimestamp;
  }
  if (options.status !== undefined) challenge.status = options.status;
  return challenge;
}

/** The status a challenge has on reaching each phase along the normal path. */
export function statusIn(phase: ChallengePhase): ChallengeStatus | undefined {
  const scheduled: ChallengeStatus = {
    phase: 'Scheduled',
    attempts: 0,
    nextAttemptAt: at(SCHEDULED),
    scheduledAt: at(SCHEDULED),
    deadline: at(SCHEDULED + 3_600_000),
  };
  const presenting: ChallengeStatus = { ...scheduled, phase: 'Presenting', state: 'pending' };
  const selfCheck: ChallengeStatus = {
    ...presenting,
    phase: 'SelfCheck',
    presented: true,
    presentedAt: at(PRESENTED),
    nextAttemptAt: at(PRESENTED),
  };
  const accepted: ChallengeStatus = { ...selfCheck, phase: 'Accepted', processing: false };
  const ended = (state: string, reason: string): ChallengeStatus => ({
    ...accepted,
    phase,
    state,
    processing: false,
    reason,
    cleanedUp: false,
  });
  switch (phase) {
    case 'Queued':
      return undefined;
    case 'Scheduled':
      return scheduled;
    case 'Presenting':
      return presenting;
    case 'SelfCheck':
      return selfCheck;
    case 'Accepted':
      return accepted;
    case 'Valid':
      return ended('valid', 'Successfully authorized domain');
    case 'Invalid':
      return ended('invalid', 'urn:ietf:params:acme:error:unauthorized: 404 for the token');
    case 'Errored':
      return ended('errored', 'no solver named "dns" is registered with the engine');
    case 'Expired':
      return ended('expired', 'the Order this challenge belongs to no longer exists');
  }
}

/** A challenge in `phase` (with its status fields merged over the phase's defaults). */
export function challengeIn(phase: ChallengePhase, status: ChallengeStatus = {}): Challenge {
  const base = statusIn(phase);
  if (base === undefined && Object.keys(status).length === 0) return makeChallenge();
  return makeChallenge({ status: { ...base, ...status } });
}

/** One representative event of each type. */
export const sampleEvents: Record<ChallengeEventType, ChallengeEvent> = {
  schedule: { type: 'schedule' },
  synced: { type: 'synced', state: 'pending' },
  presented: { type: 'presented' },
  selfCheckPassed: { type: 'selfCheckPassed' },
  selfCheckFailed: { type: 'selfCheckFailed', reason: 'wrong status code 404' },
  acceptSent: { type: 'acceptSent' },
  authorizationPending: { type: 'authorizationPending' },
  authorizationValid: { type: 'authorizationValid' },
  authorizationInvalid: { type: 'authorizationInvalid', reason: 'connection refused' },
  transientError: { type: 'transientError', reason: 'ECONNRESET' },
  failed: { type: 'failed', reason: 'solver rejected the challenge' },
  timeout: { type: 'timeout' },
  orderGone: { type: 'orderGone' },
  cleanedUp: { type: 'cleanedUp' },
  cleanUpFailed: { type: 'cleanUpFailed', reason: 'TXT record delete refused' },
};

/** Freezes `value` and everything reachable from it, so any mutation throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The error `fn` throws (fails the test when it does not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}
