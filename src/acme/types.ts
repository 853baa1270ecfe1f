/**
 * The ACME port: the only way certflow speaks RFC 8555.
 *
 * @remarks
 * Controllers persist their state between every call, so each method is ONE protocol step (no
 * internal polling or waiting), safe to repeat, and everything it returns is identified by URLs
 * the caller can store. These are wire types: they mirror what the ACME server sends and are kept
 * apart from the cert-manager resource types in `domain/`.
 *
 * @packageDocumentation
 */

import type { ACMEState } from '../domain/types.js';

/** An identifier an order is for: a DNS name (possibly `*.`-prefixed) or an IP address. */
export interface AcmeIdentifier {
  /** `dns` or `ip`. */
  type: 'dns' | 'ip';
  /** The DNS name or the IP address in text form. */
  value: string;
}

/** Connection and account settings of one ACME client. */
export interface AcmeAccountOptions {
  /** The ACME directory URL, such as `https://acme-v02.api.letsencrypt.org/directory`. */
  directoryUrl: string;
  /**
   * The account private key as PEM: PKCS#8, SEC1 (`EC PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE
   * KEY`). ECDSA P-256, P-384, P-521 or RSA. It never appears in errors or logs.
   */
  accountKeyPem: string;
  /**
   * The account URL, once known (cert-manager keeps it in the Issuer's `status.acme.uri`).
   *
   * @defaultValue looked up from the key (`onlyReturnExisting`) on the first call that needs it
   */
  accountUrl?: string;
  /**
   * PEM certificates trusted, in addition to the system roots, for the ACME server's TLS (a private
   * CA such as Pebble). It never disables verification.
   *
   * @defaultValue the system roots only
   */
  caBundlePem?: string;
  /**
   * Skips TLS verification of the ACME server: only when the Issuer asks (cert-manager's
   * `skipTLSVerify`). Cannot be combined with `caBundlePem`.
   *
   * @defaultValue false
   */
  skipTLSVerify?: boolean;
  /** Contact e-mail for the account (`mailto:`), kept up to date by `registerAccount()`. */
  email?: string;
  /** External account binding (RFC 8555 §7.3.4), sent when the account is created. */
  externalAccountBinding?: {
    /** The key identifier the CA gave out. */
    keyId: string;
    /** The HMAC key, base64url as the CA gives it out. It never appears in errors or logs. */
    hmacKeyBase64Url: string;
  };
  /**
   * Deadline of one HTTP request, connection included, in milliseconds.
   *
   * @defaultValue 30_000
   */
  requestTimeoutMs?: number;
  /**
   * The `User-Agent` sent with every request.
   *
   * @defaultValue `certflow`
   */
  userAgent?: string;
}

/** An RFC 7807 problem document as an ACME server sends it (RFC 8555 §6.7). */
export interface AcmeProblem {
  /** The problem type, such as `urn:ietf:params:acme:error:rejectedIdentifier`. */
  type: string;
  /** The server's human-readable explanation. */
  detail?: string;
  /** The HTTP status the server gave the problem. */
  status?: number;
  /** The identifier a subproblem is about (RFC 8555 §6.7.1). */
  identifier?: AcmeIdentifier;
  /** Per-identifier problems of a compound error. */
  subproblems?: AcmeProblem[];
}

/** An ACME order as the server last reported it. */
export interface AcmeOrderSnapshot {
  /** The order URL: what to store and poll. */
  url: string;
  /** `pending`, `ready`, `processing`, `valid` or `invalid`. */
  status: ACMEState;
  /** The authorization URLs, one per identifier. */
  authorizations: string[];
  /** Where to send the CSR once the order is `ready`. */
  finalizeUrl: string;
  /** Where to download the chain once the order is `valid`. */
  certificateUrl?: string;
  /** Why the order failed, when it did. */
  error?: AcmeProblem;
  /** RFC 3339 time after which the server drops the order. */
  expires?: string;
  /**
   * The server's `Retry-After` on the answer this snapshot came in, in milliseconds: when to look
   * again at the earliest (RFC 8555 §7.4, §7.5.1). Absent when the server sent none.
   */
  retryAfterMs?: number;
}

/** One challenge of an authorization as the server last reported it. */
export interface AcmeChallengeSnapshot {
  /** The challenge URL: what to accept and poll. */
  url: string;
  /** The ACME challenge type: `http-01`, `dns-01`, `tls-alpn-01` or another the server offers. */
  type: string;
  /** `pending`, `processing`, `valid` or `invalid`. */
  status: ACMEState;
  /** The token the key authorization is built from. */
  token: string;
  /** Why validation failed, when it did. */
  error?: AcmeProblem;
  /** RFC 3339 time the server validated the challenge. */
  validated?: string;
  /**
   * The server's `Retry-After` on the answer this snapshot came in, in milliseconds: when to look
   * again at the earliest (RFC 8555 §7.4, §7.5.1). Absent when the server sent none.
   */
  retryAfterMs?: number;
}

/** An ACME authorization as the server last reported it. */
export interface AcmeAuthorizationSnapshot {
  /** The authorization URL: what to store and poll. */
  url: string;
  /** `pending`, `valid`, `invalid`, `deactivated`, `expired` or `revoked`. */
  status: ACMEState;
  /** The identifier being authorized, without the `*.` of a wildcard. */
  identifier: AcmeIdentifier;
  /** Whether the authorization is for a wildcard name. */
  wildcard: boolean;
  /** The challenges the server offers; any one of them proves control. */
  challenges: AcmeChallengeSnapshot[];
  /** RFC 3339 time after which the authorization lapses. */
  expires?: string;
  /**
   * The server's `Retry-After` on the answer this snapshot came in, in milliseconds: when to look
   * again at the earliest (RFC 8555 §7.4, §7.5.1). Absent when the server sent none.
   */
  retryAfterMs?: number;
}

/**
 * One ACME account on one server: each method is a single RFC 8555 step.
 *
 * @remarks
 * Every method MUST reject with an `AcmeError` (transient or terminal) and MUST NOT wait or poll
 * internally; repeating a call after a crash MUST be safe. Implementations MUST NOT put the account
 * key, the EAB key or JWS bodies in errors or logs.
 */
export interface AcmeClient {
  /**
   * Registers the account with `termsOfServiceAgreed` (and EAB, when configured), or finds the
   * existing one for the key. Idempotent: the same key always yields the same account URL.
   */
  registerAccount(): Promise<{ accountUrl: string }>;
  /** Creates an order (newOrder). Each call creates a new order: store its URL. */
  createOrder(
    identifiers: AcmeIdentifier[],
    options?: { notAfter?: string },
  ): Promise<AcmeOrderSnapshot>;
  /** Fetches an order. */
  getOrder(url: string): Promise<AcmeOrderSnapshot>;
  /** Fetches an authorization with its challenges. */
  getAuthorization(url: string): Promise<AcmeAuthorizationSnapshot>;
  /** Fetches one challenge. */
  getChallenge(url: string): Promise<AcmeChallengeSnapshot>;
  /** The key authorization: `token + '.' + base64url(JWK thumbprint of the account key)`. */
  keyAuthorization(token: string): Promise<string>;
  /** The DNS-01 TXT value: `base64url(SHA-256(keyAuthorization))`. */
  dns01Value(token: string): Promise<string>;
  /**
   * Tells the server to validate a challenge (POST `{}`). Accepting a challenge that is already
   * past `pending` returns its current state.
   */
  acceptChallenge(url: string): Promise<AcmeChallengeSnapshot>;
  /**
   * Sends the CSR (DER) to the order's finalize URL. Finalizing an order that is already
   * `processing` or `valid` returns its current state.
   */
  finalizeOrder(
    finalizeUrl: string,
    orderUrl: string,
    csrDer: Uint8Array,
  ): Promise<AcmeOrderSnapshot>;
  /**
   * Downloads the PEM chain, leaf first.
   *
   * @param preferredChain - An issuer common name: the first of the default and the alternate
   * chains whose topmost certificate was issued by that name wins, as in cert-manager; otherwise
   * the default chain.
   */
  downloadCertificate(certificateUrl: string, preferredChain?: string): Promise<string>;
}

/** Makes {@link AcmeClient}s: what `createEngine({ acmePort })` takes, so tests can swap it. */
export interface AcmePort {
  /**
   * A client for one account on one server.
   *
   * @throws ValidationError when an option is malformed (naming the option, never echoing a key).
   */
  client(options: AcmeAccountOptions): AcmeClient;
}
