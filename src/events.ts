/**
 * The engine's typed events.
 *
 * @remarks
 * Events are notifications: payloads are frozen snapshots, never carry private key material, and a
 * listener that throws never changes what the engine does.
 *
 * @packageDocumentation
 */
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

/** Deep-freezes a JSON snapshot for an event payload. */
export function freezeSnapshot<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
    Object.freeze(v);
    for (const child of Object.values(v)) freeze(child);
  };
  freeze(copy);
  return copy;
}
