/**
 * The {@link AcmePort} on top of acme-client 5.4.
 *
 * @remarks
 * What acme-client contributes: JWS signing with the account key (ES256/384/512, RS256), the
 * external account binding (HS256 over the account JWK), and the directory lookup with its cache.
 * What the adapter does itself, because acme-client cannot do it per client or would hide it:
 *
 * - HTTP: the client's `HttpClient.request()` is replaced by a per-client transport (own TLS
 *   trust and keep-alive agent, a deadline, no retries); see `transport.ts`.
 * - Nonces: acme-client 5.4 asks `newNonce` (with HEAD) before every signed request and uses a
 *   response's `Replay-Nonce` only to retry a `badNonce`. The adapter serves `getNonce()` from
 *   the nonces of earlier answers first, which saves a round trip per step, and asks `newNonce`
 *   with GET when none is left, which keeps the connection alive.
 * - Signing: acme-client keeps the account key as PEM and passes it to `crypto.sign` (and to
 *   `createPublicKey` for the JWK) on every signed request, so OpenSSL decodes the PEM each time.
 *   The adapter gives the `HttpClient` the key as a `KeyObject`, decoded once per client, which
 *   both calls take as they take PEM; the JWK, hence the thumbprint, is the same.
 * - `badNonce`: retried at once with the nonce of the rejection, at most twice
 *   (RFC 8555 §6.5), and reported as a transient error after that.
 * - Waiting: acme-client's `backoffAttempts` only drives its polling helpers (`verifyChallenge`,
 *   `waitForValidStatus`, `getCertificate` on an order not yet valid, `auto`). The adapter calls
 *   none of them, so no call here waits or polls.
 *
 * Not per client in acme-client: its debug logger (`setLogger`, the `debug` module) is global;
 * the adapter logs through the injected {@link Logger} instead and never sets it.
 *
 * @packageDocumentation
 */

import { createHash } from 'node:crypto';
import { Client } from 'acme-client';
import { systemClock, type Clock } from '../clock.js';
import { AcmeError, ValidationError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { resolveAccountOptions, type ResolvedAccountOptions } from './account-options.js';
import { chainTopIssuedBy, pemCertificates } from './chain.js';
import { acmeProblemTypes, classifyAcmeError, parseRetryAfter } from './classify.js';
import {
  createTransport,
  RetryAfterHolds,
  type TransportRequestOptions,
  type TransportResponse,
} from './transport.js';
import type {
  AcmeAuthorizationSnapshot,
  AcmeChallengeSnapshot,
  AcmeClient,
  AcmeIdentifier,
  AcmeOrderSnapshot,
  AcmePort,
} from './types.js';
import { toAuthorizationSnapshot, toChallengeSnapshot, toOrderSnapshot } from './wire.js';

/** Options of {@link createAcmeClientPort}. */
export interface AcmeClientPortOptions {
  /**
   * Times request deadlines and turns HTTP-date `Retry-After` values into delays.
   *
   * @defaultValue `systemClock`
   */
  clock?: Clock;
  /**
   * Receives one debug line per request (method, URL, status, duration) and account lookups.
   *
   * @defaultValue `silentLogger`
   */
  logger?: Logger;
}

/** Immediate retries of a `badNonce` rejection before it is reported. */
const BAD_NONCE_RETRIES = 2;

/**
 * Creates the ACME port backed by acme-client.
 *
 * @remarks
 * Each `client()` call validates its options (throwing `ValidationError`) and makes an
 * independent client: its own TLS trust, agent, nonce pool and account state. Clients are cheap
 * and hold no timers; idle keep-alive sockets do not keep the process alive. What the clients of
 * one port share is the server's `Retry-After`: a URL it asked to be left alone until some time
 * is not requested before then by any of them.
 *
 * @example
 * ```ts
 * const port = createAcmeClientPort();
 * const client = port.client({ directoryUrl, accountKeyPem, caBundlePem });
 * const { accountUrl } = await client.registerAccount();
 * const order = await client.createOrder([{ type: 'dns', value: 'example.com' }]);
 * ```
 */
export function createAcmeClientPort(options: AcmeClientPortOptions = {}): AcmePort {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const holds = new RetryAfterHolds();
  return {
    client: (accountOptions) =>
      new AcmeClientAdapter(resolveAccountOptions(accountOptions), clock, logger, holds),
  };
}

/** The part of acme-client's `HttpClient` the adapter drives. */
interface AcmeClientHttp {
  /** The key signed requests are signed with: PEM as acme-client stores it, a KeyObject here. */
  accountKey: unknown;
  request(
    url: string,
    method: string,
    options?: TransportRequestOptions,
  ): Promise<TransportResponse>;
  getNonce(): Promise<string>;
  getResourceUrl(resource: string): Promise<string>;
  signedRequest(
    url: string,
    payload: Record<string, unknown> | null,
    options: { kid: string | null; includeExternalAccountBinding?: boolean },
  ): Promise<TransportResponse>;
}

const HTTP_METHODS = ['request', 'getNonce', 'getResourceUrl', 'signedRequest'] as const;

function httpLayerOf(client: Client): AcmeClientHttp {
  const http: unknown = (client as unknown as { http?: unknown }).http;
  const usable =
    typeof http === 'object' &&
    http !== null &&
    HTTP_METHODS.every((name) => typeof (http as Record<string, unknown>)[name] === 'function') &&
    Object.hasOwn(http, 'accountKey');
  if (!usable) {
    throw new AcmeError(
      `acme-client's Client has no HttpClient with accountKey and ${HTTP_METHODS.join('/')}: this adapter needs acme-client 5`,
      { transient: false },
    );
  }
  return http as AcmeClientHttp;
}

class AcmeClientAdapter implements AcmeClient {
  readonly #options: ResolvedAccountOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #http: AcmeClientHttp;
  #accountUrl: string | undefined;
  /** The lookup in flight, shared so concurrent first steps ask the server once. */
  #accountLookup: Promise<string> | undefined;

  constructor(
    options: ResolvedAccountOptions,
    clock: Clock,
    logger: Logger,
    holds: RetryAfterHolds,
  ) {
    this.#options = options;
    this.#clock = clock;
    this.#logger = logger;
    this.#accountUrl = options.accountUrl;
    const eab = options.externalAccountBinding;
    const client = new Client({
      directoryUrl: options.directoryUrl,
      // acme-client's constructor takes PEM only; the HttpClient gets the KeyObject below.
      accountKey: options.accountKey.export({ type: 'pkcs8', format: 'pem' }),
      ...(eab === undefined
        ? {}
        : { externalAccountBinding: { kid: eab.keyId, hmacKey: eab.hmacKeyBase64Url } }),
    });
    const transport = createTransport({
      ...(options.caBundlePem === undefined ? {} : { caBundlePem: options.caBundlePem }),
      skipTLSVerify: options.skipTLSVerify,
      requestTimeoutMs: options.requestTimeoutMs,
      userAgent: options.userAgent,
      clock,
      logger,
      holds,
    });
    const http = httpLayerOf(client);
    const fetchNonce = async (): Promise<string> => {
      // GET, where acme-client sends HEAD (RFC 8555 §7.2 allows both): a HEAD answer carries no
      // Content-Length (Pebble's does not), and node's HTTP client then closes the kept-alive
      // connection, so every nonce fetched cost a new connection and TLS handshake.
      const answer = await transport.request(await http.getResourceUrl('newNonce'), 'get');
      const nonce = answer.headers['replay-nonce'];
      if (nonce === undefined || nonce === '') {
        throw new AcmeError('the ACME server answered newNonce without a Replay-Nonce', {
          transient: true,
        });
      }
      return nonce;
    };
    // Instance properties shadow the prototype: only this client's HttpClient changes.
    http.accountKey = options.accountKey;
    http.request = transport.request;
    http.getNonce = async () => transport.takeNonce() ?? fetchNonce();
    this.#http = http;
    if (options.skipTLSVerify) {
      logger.warn('TLS verification of the ACME server is off (skipTLSVerify)', {
        directoryUrl: options.directoryUrl,
      });
    }
  }

  async registerAccount(): Promise<{ accountUrl: string }> {
    return this.#run(async () => {
      const existing = await this.#lookupAccount();
      let account = existing;
      if (account === undefined) {
        const email = this.#options.email;
        account = await this.#post(
          await this.#http.getResourceUrl('newAccount'),
          {
            termsOfServiceAgreed: true,
            ...(email === undefined ? {} : { contact: [`mailto:${email}`] }),
          },
          { kid: null, externalAccountBinding: true },
        );
      }
      const accountUrl = accountUrlOf(account);
      this.#accountUrl = accountUrl;
      await this.#syncContact(account.data, accountUrl);
      this.#logger.debug(existing === undefined ? 'ACME account created' : 'ACME account found', {
        accountUrl,
      });
      return { accountUrl };
    });
  }

  async createOrder(
    identifiers: AcmeIdentifier[],
    options: { notAfter?: string } = {},
  ): Promise<AcmeOrderSnapshot> {
    checkIdentifiers(identifiers);
    if (options.notAfter !== undefined && Number.isNaN(Date.parse(options.notAfter))) {
      throw new ValidationError('notAfter', 'is not an RFC 3339 time');
    }
    return this.#run(async () => {
      const payload = {
        identifiers: identifiers.map(({ type, value }) => ({ type, value })),
        ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
      };
      const response = await this.#post(await this.#http.getResourceUrl('newOrder'), payload, {
        kid: await this.#kid(),
      });
      const url = response.headers['location'];
      if (url === undefined || url === '') {
        throw new AcmeError('the ACME server created an order without a Location header', {
          transient: false,
        });
      }
      return this.#withRetryAfter(toOrderSnapshot(response.data, url), response);
    });
  }

  async getOrder(url: string): Promise<AcmeOrderSnapshot> {
    checkUrl(url, 'url');
    return this.#run(async () => {
      const response = await this.#postAsGet(url);
      return this.#withRetryAfter(toOrderSnapshot(response.data, url), response);
    });
  }

  async getAuthorization(url: string): Promise<AcmeAuthorizationSnapshot> {
    checkUrl(url, 'url');
    return this.#run(async () => {
      const response = await this.#postAsGet(url);
      return this.#withRetryAfter(toAuthorizationSnapshot(response.data, url), response);
    });
  }

  async getChallenge(url: string): Promise<AcmeChallengeSnapshot> {
    checkUrl(url, 'url');
    return this.#run(async () => {
      const response = await this.#postAsGet(url);
      return this.#withRetryAfter(toChallengeSnapshot(response.data, url), response);
    });
  }

  async keyAuthorization(token: string): Promise<string> {
    checkToken(token);
    return `${token}.${this.#options.thumbprint}`;
  }

  async dns01Value(token: string): Promise<string> {
    checkToken(token);
    const keyAuthorization = `${token}.${this.#options.thumbprint}`;
    return createHash('sha256').update(keyAuthorization).digest('base64url');
  }

  async acceptChallenge(url: string): Promise<AcmeChallengeSnapshot> {
    checkUrl(url, 'url');
    return this.#run(async () => {
      try {
        const response = await this.#post(url, {}, { kid: await this.#kid() });
        return this.#withRetryAfter(toChallengeSnapshot(response.data, url), response);
      } catch (err) {
        // A repeat after a crash meets a challenge the server already moved on: report where it is.
        const current = await this.#currentStateAfter(err, () => this.getChallenge(url));
        if (current.status !== 'pending') return current;
        throw err;
      }
    });
  }

  async finalizeOrder(
    finalizeUrl: string,
    orderUrl: string,
    csrDer: Uint8Array,
  ): Promise<AcmeOrderSnapshot> {
    checkUrl(finalizeUrl, 'finalizeUrl');
    checkUrl(orderUrl, 'orderUrl');
    if (!(csrDer instanceof Uint8Array) || csrDer.length === 0) {
      throw new ValidationError('csrDer', 'must be a non-empty DER-encoded CSR');
    }
    return this.#run(async () => {
      const csr = Buffer.from(csrDer.buffer, csrDer.byteOffset, csrDer.byteLength);
      try {
        const response = await this.#post(
          finalizeUrl,
          { csr: csr.toString('base64url') },
          { kid: await this.#kid() },
        );
        return this.#withRetryAfter(toOrderSnapshot(response.data, orderUrl), response);
      } catch (err) {
        // Finalizing twice is refused (orderNotReady, 403); the first finalize is what counts.
        const current = await this.#currentStateAfter(err, () => this.getOrder(orderUrl));
        if (current.status === 'processing' || current.status === 'valid') return current;
        throw err;
      }
    });
  }

  async downloadCertificate(certificateUrl: string, preferredChain?: string): Promise<string> {
    checkUrl(certificateUrl, 'certificateUrl');
    return this.#run(async () => {
      const response = await this.#postAsGet(certificateUrl);
      const chain = pemCertificates(textOf(response.data), certificateUrl);
      if (preferredChain === undefined || preferredChain === '') return chain.join('');
      if (chainTopIssuedBy(chain, preferredChain)) return chain.join('');
      // Alternates are fetched only when the default chain is not the preferred one.
      for (const alternateUrl of response.alternates) {
        const alternate = await this.#postAsGet(alternateUrl);
        const alternateChain = pemCertificates(textOf(alternate.data), alternateUrl);
        if (chainTopIssuedBy(alternateChain, preferredChain)) return alternateChain.join('');
      }
      // It is a preferred chain, not a required one (cert-manager falls back the same way).
      return chain.join('');
    });
  }

  /** Adds the answer's `Retry-After` (RFC 8555 §7.4, §7.5.1: when to poll again) to a snapshot. */
  #withRetryAfter<T extends { retryAfterMs?: number }>(
    snapshot: T,
    response: TransportResponse,
  ): T {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.#clock.now());
    if (retryAfterMs !== undefined && retryAfterMs > 0) snapshot.retryAfterMs = retryAfterMs;
    return snapshot;
  }

  /** Runs one step and reports any failure as an AcmeError. */
  async #run<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      throw classifyAcmeError(err);
    }
  }

  /** One signed POST, retrying only `badNonce`, at once: the rejection carried a fresh nonce. */
  async #post(
    url: string,
    payload: Record<string, unknown> | null,
    options: { kid: string | null; externalAccountBinding?: boolean },
  ): Promise<TransportResponse> {
    for (let retries = 0; ; retries++) {
      try {
        return await this.#http.signedRequest(url, payload, {
          kid: options.kid,
          includeExternalAccountBinding: options.externalAccountBinding === true,
        });
      } catch (err) {
        const error = classifyAcmeError(err);
        if (error.problemType !== acmeProblemTypes.badNonce || retries >= BAD_NONCE_RETRIES) {
          throw error;
        }
      }
    }
  }

  async #postAsGet(url: string): Promise<TransportResponse> {
    return this.#post(url, null, { kid: await this.#kid() });
  }

  /** The account URL, looked up from the key (never created) when the options did not give it. */
  async #kid(): Promise<string> {
    if (this.#accountUrl !== undefined) return this.#accountUrl;
    this.#accountLookup ??= (async () => {
      const account = await this.#lookupAccount();
      if (account === undefined) {
        throw new AcmeError('no ACME account exists for this key: register the account first', {
          problemType: acmeProblemTypes.accountDoesNotExist,
          transient: false,
        });
      }
      this.#accountUrl = accountUrlOf(account);
      return this.#accountUrl;
    })().finally(() => {
      this.#accountLookup = undefined;
    });
    return this.#accountLookup;
  }

  /**
   * newAccount with `onlyReturnExisting`: finds the account of the key without agreeing to
   * anything or spending the EAB key (some CAs accept an EAB key once).
   */
  async #lookupAccount(): Promise<TransportResponse | undefined> {
    try {
      return await this.#post(
        await this.#http.getResourceUrl('newAccount'),
        { onlyReturnExisting: true },
        { kid: null },
      );
    } catch (err) {
      if (classifyAcmeError(err).problemType === acmeProblemTypes.accountDoesNotExist) {
        return undefined;
      }
      throw err;
    }
  }

  /** Updates the account's contact when the configured e-mail is not among it (as cert-manager). */
  async #syncContact(account: unknown, accountUrl: string): Promise<void> {
    const email = this.#options.email;
    if (email === undefined) return;
    const contact =
      typeof account === 'object' && account !== null
        ? (account as { contact?: unknown }).contact
        : undefined;
    const mailto = `mailto:${email}`;
    if (
      Array.isArray(contact) &&
      contact.some((c) => typeof c === 'string' && c.toLowerCase() === mailto.toLowerCase())
    ) {
      return;
    }
    await this.#post(accountUrl, { contact: [mailto] }, { kid: accountUrl });
  }

  /**
   * After a terminal 4xx on a state-changing POST, fetches the object's current state so the
   * caller can tell "already done" from a real refusal. Any other failure is rethrown.
   */
  async #currentStateAfter<T>(err: unknown, refetch: () => Promise<T>): Promise<T> {
    const error = classifyAcmeError(err);
    const status = error.status ?? 0;
    if (error.transient || status < 400 || status > 499) throw error;
    try {
      return await refetch();
    } catch (refetchError) {
      // A look-up that failed transiently tells nothing about the object: the whole step is to be
      // retried, not failed for good on the refusal, which may only mean the work was done.
      const lookup = classifyAcmeError(refetchError);
      throw lookup.transient ? lookup : error;
    }
  }
}

function accountUrlOf(response: TransportResponse): string {
  const url = response.headers['location'];
  if (url === undefined || url === '') {
    throw new AcmeError('the ACME server did not return the account URL (no Location header)', {
      transient: false,
    });
  }
  return url;
}

function textOf(data: unknown): string {
  if (typeof data === 'string') return data;
  throw new AcmeError('the ACME server sent a certificate that is not PEM text', {
    transient: false,
  });
}

function checkUrl(url: string, field: string): void {
  if (typeof url !== 'string' || !URL.canParse(url)) {
    throw new ValidationError(field, 'is not a URL');
  }
}

function checkToken(token: string): void {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new ValidationError('token', 'is not a base64url ACME challenge token');
  }
}

function checkIdentifiers(identifiers: AcmeIdentifier[]): void {
  if (!Array.isArray(identifiers) || identifiers.length === 0) {
    throw new ValidationError('identifiers', 'must list at least one identifier');
  }
  identifiers.forEach((identifier, index) => {
    if (identifier.type !== 'dns' && identifier.type !== 'ip') {
      throw new ValidationError(`identifiers[${index}].type`, 'must be dns or ip');
    }
    if (typeof identifier.value !== 'string' || !/^[^\s]+$/.test(identifier.value)) {
      throw new ValidationError(
        `identifiers[${index}].value`,
        'must be a non-empty name or address',
      );
    }
  });
}
