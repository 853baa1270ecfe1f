/**
 * Turns whatever an ACME exchange failed with into an {@link AcmeError}: transient (retry with
 * backoff) or terminal (record the reason and stop).
 *
 * @packageDocumentation
 */

import { AcmeError, CertflowError } from '../errors.js';
import { toProblem } from './wire.js';
import type { AcmeProblem } from './types.js';

const ACME_ERROR = 'urn:ietf:params:acme:error:';

/** RFC 8555 problem types certflow acts on. */
export const acmeProblemTypes = {
  badNonce: `${ACME_ERROR}badNonce`,
  rateLimited: `${ACME_ERROR}rateLimited`,
  accountDoesNotExist: `${ACME_ERROR}accountDoesNotExist`,
  orderNotReady: `${ACME_ERROR}orderNotReady`,
} as const;

/** Socket and DNS failures a retry may get past (Node, undici and axios spellings). */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** OpenSSL verification codes and Node's hostname check: the server's certificate is not trusted. */
const TLS_TRUST_CODE =
  /^(?:ERR_TLS_CERT_ALTNAME_INVALID|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED)$/;

/** acme-client's own HttpClient error for a directory that answered an HTTP error. */
const ACME_CLIENT_DIRECTORY_STATUS = /^Attempting to read ACME directory returned error (\d{3})/;

/**
 * acme-client 5.4's stock axios stack, once its internal retries of a network failure are spent,
 * reads `response.config` of an error without a response and throws this TypeError instead of the
 * network error (a timeout fails the same way, without retries).
 */
const ACME_CLIENT_LOST_NETWORK_ERROR = "Cannot read properties of undefined (reading 'config')";

const MAX_DETAIL_CHARS = 500;

/** Where a failed exchange went, for messages. */
export interface ExchangeContext {
  /** The HTTP method. */
  method?: string;
  /** The request URL. */
  url?: string;
  /** Milliseconds since the epoch, to turn an HTTP-date `Retry-After` into a delay. */
  now?: number;
}

/** The parts of an HTTP response a classification needs (axios's and the transport's alike). */
export interface ResponseLike {
  status: number;
  headers?: unknown;
  data?: unknown;
}

/** Options of {@link classifyAcmeError}. */
export interface ClassifyOptions {
  /**
   * Milliseconds since the epoch, used to turn an HTTP-date `Retry-After` into a delay.
   *
   * @defaultValue the response's own `Date` header; without one, an HTTP-date is not used
   */
  now?: number;
}

/**
 * Classifies any error from an ACME exchange as a transient or terminal {@link AcmeError}.
 *
 * @remarks
 * Transient: network failures (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`, socket hang up, request
 * timeouts), HTTP 5xx and 408, `badNonce`, and `rateLimited` / 429 (with `retryAfterMs` from
 * `Retry-After`, in seconds or as an HTTP date). Everything else is terminal: other problem
 * documents, TLS certificates the client does not trust, malformed answers. The message carries
 * the problem type, the status and the server's `detail`, never a key or a JWS body; an error that
 * is already an `AcmeError` is returned as it is.
 *
 * Understands the shapes acme-client and its axios stack throw (errors with a `response`, Node
 * system errors with a `code`, possibly nested in `cause`) as well as certflow's own transport.
 *
 * @example
 * ```ts
 * try {
 *   await client.acceptChallenge(url);
 * } catch (err) {
 *   const acmeError = classifyAcmeError(err);
 *   if (acmeError.transient) requeueAfter(acmeError.retryAfterMs ?? backoff);
 * }
 * ```
 */
export function classifyAcmeError(err: unknown, options: ClassifyOptions = {}): AcmeError {
  if (CertflowError.is(err, 'ERR_ACME')) return err as AcmeError;

  const response = responseOf(err);
  if (response !== undefined) {
    return acmeErrorFromResponse(response, options.now === undefined ? {} : { now: options.now });
  }

  const network = networkCause(err);
  if (network !== undefined) return acmeErrorFromNetwork(network);

  const message = err instanceof Error ? err.message : String(err);
  if (/socket hang up|timeout of \d+ms exceeded|request timed out/i.test(message)) {
    return new AcmeError(`could not reach the ACME server: ${message}`, {
      transient: true,
      ...safeCause(err),
    });
  }
  const directory = ACME_CLIENT_DIRECTORY_STATUS.exec(message);
  if (directory?.[1] !== undefined) {
    const status = Number(directory[1]);
    return new AcmeError(message, { status, transient: isTransientStatus(status) });
  }
  if (err instanceof TypeError && message === ACME_CLIENT_LOST_NETWORK_ERROR) {
    return new AcmeError('could not reach the ACME server (acme-client lost the network error)', {
      transient: true,
    });
  }
  return new AcmeError(`ACME request failed: ${oneLine(message)}`, {
    transient: false,
    ...safeCause(err),
  });
}

/**
 * Builds the {@link AcmeError} for an HTTP answer that is not a success.
 *
 * @remarks Shared by {@link classifyAcmeError} and the transport, so both classify alike.
 */
export function acmeErrorFromResponse(
  response: ResponseLike,
  context: ExchangeContext = {},
): AcmeError {
  const { status } = response;
  const problem = isRecord(response.data) ? toProblem(response.data) : undefined;
  const problemType = problem?.type;
  const transient =
    isTransientStatus(status) ||
    problemType === acmeProblemTypes.badNonce ||
    problemType === acmeProblemTypes.rateLimited;
  const retryAfterMs = parseRetryAfter(
    header(response.headers, 'retry-after'),
    context.now ?? parseHttpDate(header(response.headers, 'date')),
  );

  let message = `ACME server answered HTTP ${status}`;
  if (problem !== undefined) message += ` ${problem.type}${describeProblem(problem)}`;
  if (context.method !== undefined && context.url !== undefined) {
    message += ` (${context.method.toUpperCase()} ${context.url})`;
  }
  return new AcmeError(message, {
    status,
    transient,
    ...(problemType === undefined ? {} : { problemType }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** Builds the {@link AcmeError} for a failure below HTTP: socket, DNS, TLS, timeout. */
export function acmeErrorFromNetwork(
  err: Error & { code?: unknown },
  context: ExchangeContext = {},
): AcmeError {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const where =
    context.method !== undefined && context.url !== undefined
      ? ` (${context.method.toUpperCase()} ${context.url})`
      : '';
  if (code !== undefined && TLS_TRUST_CODE.test(code)) {
    return new AcmeError(
      `the ACME server's TLS certificate is not trusted${where}: ${code}: ${err.message}; ` +
        "trust the server's CA with caBundle (never skip verification to get past this)",
      { transient: false, ...safeCause(err) },
    );
  }
  const transient = code === undefined || TRANSIENT_NETWORK_CODES.has(code);
  return new AcmeError(`could not reach the ACME server${where}: ${oneLine(err.message)}`, {
    transient,
    ...safeCause(err),
  });
}

/**
 * Milliseconds to wait from a `Retry-After` value: delay-seconds, or an HTTP date relative to
 * `now`. Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = parseHttpDate(trimmed);
  if (at === undefined || now === undefined) return undefined;
  return Math.max(0, at - now);
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

function describeProblem(problem: AcmeProblem): string {
  let text = problem.detail === undefined ? '' : `: ${truncate(oneLine(problem.detail))}`;
  const subproblems = problem.subproblems ?? [];
  if (subproblems.length > 0) {
    const parts = subproblems.slice(0, 5).map((sub) => {
      const who = sub.identifier === undefined ? '' : `${sub.identifier.value}: `;
      return `${who}${sub.type}${sub.detail === undefined ? '' : ` ${truncate(oneLine(sub.detail))}`}`;
    });
    if (subproblems.length > parts.length) parts.push(`${subproblems.length - parts.length} more`);
    text += ` [${parts.join('; ')}]`;
  }
  return text;
}

/** The `response` of an axios-shaped error, if it has a usable one. */
function responseOf(err: unknown): ResponseLike | undefined {
  if (!isRecord(err)) return undefined;
  const response = err['response'];
  if (!isRecord(response) || typeof response['status'] !== 'number') return undefined;
  return { status: response['status'], headers: response['headers'], data: response['data'] };
}

/** The first error in the `cause` chain with a string `code` (axios copies its cause's code). */
function networkCause(err: unknown): (Error & { code: string }) | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (TRANSIENT_NETWORK_CODES.has(code) || TLS_TRUST_CODE.test(code))
    ) {
      return current as Error & { code: string };
    }
    current = current.cause;
  }
  return undefined;
}

/**
 * `err` as a cause, unless it is axios-shaped: an axios error carries the request config, whose
 * body is the signed JWS, so only the error it wraps (the socket error) is kept.
 */
function safeCause(err: unknown): { cause?: unknown } {
  if (!isRecord(err)) return { cause: err };
  if (!('config' in err || 'request' in err)) return { cause: err };
  const inner = err['cause'];
  return inner instanceof Error && !('config' in inner || 'request' in inner)
    ? { cause: inner }
    : {};
}

function header(headers: unknown, name: string): string | undefined {
  if (!isRecord(headers)) return undefined;
  const getter = headers['get'];
  // AxiosHeaders answers case-insensitively through get(); plain objects use lower-case keys.
  const value =
    typeof getter === 'function'
      ? (getter as (n: string) => unknown).call(headers, name)
      : headers[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
