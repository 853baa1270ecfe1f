/**
 * The engine's typed events.
 *
 * @remarks
 * Events are notifications: payloads are frozen snapshots, never carry private key material, and a
 * listener that throws never changes what the engine does.
 *
 * @packageDocumentation
 */
import { copyPlainObject } from './stores/json-value.js';
import type {
  ACMEState,
  Certificate,
  CertificateRequest,
  Challenge,
  ChallengePhase,
  Order,
} from './domain/types.js';

/** A challenge moved between machine states. */
export interface ChallengeTransitionEvent {
  readonly challenge: Challenge;
  readonly from: ChallengePhase;
  readonly to: ChallengePhase;
  /** The machine event that caused it. */
  readonly event: string;
}

/** An order's ACME state changed. */
export interface OrderTransitionEvent {
  readonly order: Order;
  readonly from: ACMEState | undefined;
  readonly to: ACMEState;
}

/** A CertificateRequest's Ready reason changed (Pending, Issued, Failed, Denied). */
export interface CertificateRequestTransitionEvent {
  readonly certificateRequest: CertificateRequest;
  readonly from: string | undefined;
  readonly to: string;
}

/** A Certificate started an issuance. */
export interface CertificateIssuingEvent {
  readonly certificate: Certificate;
  /** Why: `DoesNotExist`, `Renewing`, `SecretMismatch`, ... */
  readonly reason: string;
  readonly message: string;
}

/** A Certificate's Secret was written with a new certificate. */
export interface CertificateIssuedEvent {
  readonly certificate: Certificate;
  readonly revision: number;
  readonly notAfter: string;
}

/** An issuance attempt failed. */
export interface CertificateFailedEvent {
  readonly certificate: Certificate;
  readonly reason: string;
  readonly message: string;
  readonly failedIssuanceAttempts: number;
}

/** Something went wrong that the engine will retry. */
export interface EngineErrorEvent {
  readonly error: Error;
  readonly controller: string;
  readonly key: string;
}

/** Every event the engine emits, by name. */
export interface EngineEvents {
  'challenge:transition': (event: ChallengeTransitionEvent) => void;
  'order:transition': (event: OrderTransitionEvent) => void;
  'certificaterequest:transition': (event: CertificateRequestTransitionEvent) => void;
  'certificate:issuing': (event: CertificateIssuingEvent) => void;
  'certificate:issued': (event: CertificateIssuedEvent) => void;
  'certificate:failed': (event: CertificateFailedEvent) => void;
  error: (event: EngineErrorEvent) => void;
}

/** The names of the engine's events. */
export type EngineEventName = keyof EngineEvents;

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** A frozen copy of `value`, made in one walk for the plain objects and arrays of JSON data. */
function frozenCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    // Not JSON data (a Date, an Error, a Map...): the structured clone algorithm knows those.
    const clone: unknown = structuredClone(value);
    deepFreeze(clone);
    return clone;
  }
  return Object.freeze(copyPlainObject(value, frozenCopy));
}

/**
 * A deep-frozen copy of a resource (or other JSON data) for an event payload: listeners can keep
 * it, and neither they nor the engine can change what the other sees.
 *
 * @remarks
 * Copies and freezes in one walk, three times cheaper than `structuredClone` followed by a freeze
 * for a resource. The value MUST NOT contain cycles (JSON data cannot).
 */
export function freezeSnapshot<T>(value: T): T {
  return frozenCopy(value) as T;
}
