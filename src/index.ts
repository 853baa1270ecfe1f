/**
 * certflow: cert-manager's certificate issuance workflow as an embeddable library.
 *
 * @remarks
 * The engine ({@link createEngine}) runs cert-manager's controllers over a {@link Store}, with
 * {@link Solver}s the host supplies. The domain objects, the challenge state machine and the
 * crypto helpers are pure and exported for hosts and tests.
 *
 * @packageDocumentation
 */

// Engine, events, errors
export {
  createEngine,
  type Engine,
  type EngineListener,
  type EngineOptions,
  type WaitForOptions,
  type EngineStats,
  type ControllerStats,
} from './engine/engine.js';
export type { ApprovalDecision, Approver, IssuanceBackoff } from './controllers/context.js';
export type {
  CertificateFailedEvent,
  CertificateIssuedEvent,
  CertificateIssuingEvent,
  CertificateRequestTransitionEvent,
  ChallengeTransitionEvent,
  EngineErrorEvent,
  EngineEventName,
  EngineEvents,
  OrderTransitionEvent,
} from './events.js';
export * from './errors.js';
export { systemClock, type Clock, type Timer } from './clock.js';
export { silentLogger, type LogFields, type Logger } from './logger.js';

// Resources and the pure logic on them
export * from './domain/index.js';

// The challenge state machine and scheduler
export * from './machine/index.js';

// Stores
export type {
  DeleteOptions,
  PutOptions,
  Store,
  StoreChange,
  StoreRecord,
  Unwatch,
} from './stores/types.js';
export { createMemoryStore, type MemoryStoreOptions } from './stores/memory.js';
export { createFileStore, type FileStoreLayout, type FileStoreOptions } from './stores/file.js';
export { createLease, type Lease, type LeaseOptions, type LeaseRecord } from './stores/lease.js';
export { assertStoreKey, MAX_STORE_KEY_BYTES } from './stores/keys.js';

// Solvers
export * from './solvers/index.js';

// Keys, CSRs and certificates
export * from './crypto/index.js';
