/**
 * certflow's errors: one branded base class with a stable string `code` per subclass.
 *
 * @remarks
 * The brand is a `Symbol.for()` key, so {@link CertflowError.is} recognises an error thrown by
 * another copy of certflow (the ESM and the CommonJS build loaded side by side) where
 * `instanceof` would not.
 *
 * @packageDocumentation
 */

const BRAND = Symbol.for('certflow.error');

/** Every stable error code certflow throws. */
export type CertflowErrorCode =
  | 'ERR_VALIDATION'
  | 'ERR_UNSUPPORTED_FIELD'
  | 'ERR_PARSE'
  | 'ERR_CONFLICT'
  | 'ERR_NOT_FOUND'
  | 'ERR_STORE'
  | 'ERR_STORE_KEY'
  | 'ERR_INVALID_TRANSITION'
  | 'ERR_CRYPTO'
  | 'ERR_ACME'
  | 'ERR_SOLVER'
  | 'ERR_TIMEOUT'
  | 'ERR_ENGINE';

/** Options common to every certflow error. */
export interface CertflowErrorOptions {
  /** The underlying error, if any. It MUST NOT carry private key material. */
  cause?: unknown;
}

/**
 * The base class of every error certflow throws.
 *
 * @example
 * ```ts
 * try {
 *   await engine.apply(manifest);
 * } catch (err) {
 *   if (CertflowError.is(err, 'ERR_VALIDATION')) console.error(err.field, err.reason);
 * }
 * ```
 */
export class CertflowError extends Error {
  /** The stable string code of this error. */
  readonly code: CertflowErrorCode;

  constructor(code: CertflowErrorCode, message: string, options: CertflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /**
   * Whether `err` is a certflow error, optionally with the given code.
   *
   * @remarks Works across copies of certflow (ESM and CJS), unlike `instanceof`.
   */
  static is(err: unknown, code?: CertflowErrorCode): err is CertflowError {
    if (typeof err !== 'object' || err === null) return false;
    if ((err as Record<symbol, unknown>)[BRAND] !== true) return false;
    return code === undefined || (err as CertflowError).code === code;
  }
}

/** Bad input: `field` is the path of the offending field, `reason` says what is wrong with it. */
export class ValidationError extends CertflowError {
  /** The path of the offending field, such as `spec.dnsNames[2]`. */
  readonly field: string;
  /** Why the value is rejected. */
  readonly reason: string;

  constructor(field: string, reason: string, options: CertflowErrorOptions = {}) {
    super('ERR_VALIDATION', `${field}: ${reason}`, options);
    this.field = field;
    this.reason = reason;
  }
}

/** A field certflow does not support; it is rejected rather than silently ignored. */
export class UnsupportedFieldError extends CertflowError {
  /** The path of the unsupported field. */
  readonly field: string;
  /** Why it is not supported. */
  readonly reason: string;

  constructor(field: string, reason = 'field is not supported by certflow') {
    super('ERR_UNSUPPORTED_FIELD', `${field}: ${reason}`);
    this.field = field;
    this.reason = reason;
  }
}

/** Text that is not valid YAML or JSON, or not a resource at all. */
export class ParseError extends CertflowError {
  constructor(message: string, options: CertflowErrorOptions = {}) {
    super('ERR_PARSE', message, options);
  }
}

/** A compare-and-set on the Store found another version than the one expected. */
export class ConflictError extends CertflowError {
  /** The Store key. */
  readonly key: string;
  /** The version the writer expected (`null`: the key must not exist). */
  readonly expected: string | null;
  /** The version found (`null`: the key does not exist). */
  readonly actual: string | null;

  constructor(key: string, expected: string | null, actual: string | null) {
    super(
      'ERR_CONFLICT',
      `version conflict on ${key}: expected ${expected ?? 'absent'}, found ${actual ?? 'absent'}`,
    );
    this.key = key;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A resource or Store key that does not exist. */
export class NotFoundError extends CertflowError {
  constructor(message: string) {
    super('ERR_NOT_FOUND', message);
  }
}

/** A Store failure that is not a conflict: I/O, a closed store, a bad record. */
export class StoreError extends CertflowError {
  constructor(message: string, options: CertflowErrorOptions = {}) {
    super('ERR_STORE', message, options);
  }
}

/** A Store key that is malformed or would escape the store (path traversal). */
export class StoreKeyError extends CertflowError {
  /** The rejected key. */
  readonly key: string;

  constructor(key: string, reason: string) {
    super('ERR_STORE_KEY', `invalid store key ${JSON.stringify(key)}: ${reason}`);
    this.key = key;
  }
}

/** A (state, event) pair the challenge state machine does not allow. */
export class InvalidTransitionError extends CertflowError {
  /** The state the machine was in. */
  readonly state: string;
  /** The event it received. */
  readonly event: string;

  constructor(state: string, event: string) {
    super('ERR_INVALID_TRANSITION', `event ${event} is not allowed in state ${state}`);
    this.state = state;
    this.event = event;
  }
}

/** A key, CSR or certificate operation failed. Never carries key material. */
export class CryptoError extends CertflowError {
  constructor(message: string, options: CertflowErrorOptions = {}) {
    super('ERR_CRYPTO', message, options);
  }
}

/** Options of an {@link AcmeError}. */
export interface AcmeErrorOptions extends CertflowErrorOptions {
  /** The RFC 8555 problem type, such as `urn:ietf:params:acme:error:badNonce`. */
  problemType?: string;
  /** The HTTP status, when the server answered. */
  status?: number;
  /** Whether a retry may succeed (network errors, 5xx, badNonce, rateLimited). */
  transient: boolean;
  /** How long the server asked to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
}

/** An ACME server or transport failure, classified as transient or terminal. */
export class AcmeError extends CertflowError {
  /** The RFC 8555 problem type, when the server sent one. */
  readonly problemType: string | undefined;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Whether a retry may succeed. */
  readonly transient: boolean;
  /** How long the server asked to wait, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: AcmeErrorOptions) {
    super('ERR_ACME', message, options);
    this.problemType = options.problemType;
    this.status = options.status;
    this.transient = options.transient;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A solver failed to present, wait for or clean up a challenge. */
export class SolverError extends CertflowError {
  /** Whether a retry may succeed. */
  readonly transient: boolean;

  constructor(message: string, options: CertflowErrorOptions & { transient?: boolean } = {}) {
    super('ERR_SOLVER', message, options);
    this.transient = options.transient ?? true;
  }
}

/** Something did not happen in time. */
export class TimeoutError extends CertflowError {
  constructor(message: string, options: CertflowErrorOptions = {}) {
    super('ERR_TIMEOUT', message, options);
  }
}

/** The engine was used wrongly (not started, stopped, unknown solver). */
export class EngineError extends CertflowError {
  constructor(message: string, options: CertflowErrorOptions = {}) {
    super('ERR_ENGINE', message, options);
  }
}
