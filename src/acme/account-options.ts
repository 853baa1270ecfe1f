/**
 * Checks {@link AcmeAccountOptions} before any request is made and derives what every request
 * needs: the account key in one form and its JWK thumbprint.
 *
 * @packageDocumentation
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { ValidationError } from '../errors.js';
import { findPemCertificates } from './chain.js';
import type { AcmeAccountOptions } from './types.js';

/** Default deadline of one HTTP request. */
export const defaultRequestTimeoutMs = 30_000;
/** Default `User-Agent` (RFC 8555 §6.1 asks clients to send one). */
export const defaultUserAgent = 'certflow';

const MAX_REQUEST_TIMEOUT_MS = 600_000;
const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** Options after validation and defaults. */
export interface ResolvedAccountOptions {
  directoryUrl: string;
  /**
   * The account key, decoded once: signing with a KeyObject spares OpenSSL a PEM decode per
   * signed request.
   */
  accountKey: KeyObject;
  /** base64url of the RFC 7638 JWK thumbprint (SHA-256) of the account key. */
  thumbprint: string;
  accountUrl?: string;
  caBundlePem?: string;
  skipTLSVerify: boolean;
  email?: string;
  externalAccountBinding?: { keyId: string; hmacKeyBase64Url: string };
  requestTimeoutMs: number;
  userAgent: string;
}

/**
 * Validates `options` and applies defaults.
 *
 * @throws ValidationError naming the option; key material is never part of the reason.
 */
export function resolveAccountOptions(options: AcmeAccountOptions): ResolvedAccountOptions {
  const directoryUrl = httpUrl(options.directoryUrl, 'directoryUrl');
  const key = accountKey(options.accountKeyPem);
  const resolved: ResolvedAccountOptions = {
    directoryUrl,
    accountKey: key,
    thumbprint: jwkThumbprint(key),
    skipTLSVerify: options.skipTLSVerify === true,
    requestTimeoutMs: options.requestTimeoutMs ?? defaultRequestTimeoutMs,
    userAgent: options.userAgent ?? defaultUserAgent,
  };
  if (options.accountUrl !== undefined) {
    resolved.accountUrl = httpUrl(options.accountUrl, 'accountUrl');
  }
  if (options.caBundlePem !== undefined) {
    if (resolved.skipTLSVerify) {
      throw new ValidationError('skipTLSVerify', 'cannot be combined with caBundlePem');
    }
    checkCaBundle(options.caBundlePem);
    resolved.caBundlePem = options.caBundlePem;
  }
  if (options.email !== undefined) {
    if (!/^[^\s@,<>]+@[^\s@,<>]+$/.test(options.email)) {
      throw new ValidationError('email', 'is not an e-mail address');
    }
    resolved.email = options.email;
  }
  const eab = options.externalAccountBinding;
  if (eab !== undefined) {
    if (eab.keyId.trim() === '') {
      throw new ValidationError('externalAccountBinding.keyId', 'must not be empty');
    }
    if (!/^[A-Za-z0-9_-]+={0,2}$/.test(eab.hmacKeyBase64Url)) {
      throw new ValidationError('externalAccountBinding.hmacKeyBase64Url', 'is not base64url');
    }
    resolved.externalAccountBinding = { keyId: eab.keyId, hmacKeyBase64Url: eab.hmacKeyBase64Url };
  }
  const timeout = resolved.requestTimeoutMs;
  if (!Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_REQUEST_TIMEOUT_MS) {
    throw new ValidationError(
      'requestTimeoutMs',
      `must be an integer between 1 and ${MAX_REQUEST_TIMEOUT_MS}`,
    );
  }
  if (resolved.userAgent.trim() === '' || /[\r\n]/.test(resolved.userAgent)) {
    throw new ValidationError('userAgent', 'must be one non-empty line');
  }
  return resolved;
}

function httpUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(field, 'is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(field, `must be an https (or http) URL, not ${url.protocol}`);
  }
  return value;
}

function accountKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message is not passed on: it may quote parts of what it was given.
    throw new ValidationError(
      'accountKeyPem',
      'is not an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)',
    );
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new ValidationError('accountKeyPem', 'RSA account keys must have at least 2048 bits');
    }
    return key;
  }
  if (key.asymmetricKeyType === 'ec' && EC_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '')) {
    return key;
  }
  throw new ValidationError(
    'accountKeyPem',
    `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}${
      key.asymmetricKeyType === 'ec' ? ` (${key.asymmetricKeyDetails?.namedCurve ?? '?'})` : ''
    }: use ECDSA P-256, P-384, P-521 or RSA`,
  );
}

/** RFC 7638: SHA-256 over the required public members, in lexicographic order, no whitespace. */
function jwkThumbprint(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function checkCaBundle(pem: string): void {
  const blocks = findPemCertificates(pem);
  if (blocks.length === 0) {
    throw new ValidationError('caBundlePem', 'holds no PEM certificate');
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new ValidationError('caBundlePem', `certificate ${index + 1} cannot be parsed`);
    }
  });
}
