/**
 * Key facts: what a private key is (algorithm, size) and which public key it implies, read
 * without importing it into WebCrypto.
 *
 * @remarks
 * Checking a Secret only asks whether its key fits `spec.privateKey` and matches the
 * certificate. A WebCrypto import answers that at 0.4 to 0.7 ms per P-256 key, most of it
 * OpenSSL's key construction and checks; deriving the public point from the scalar with node's
 * ECDH takes about a tenth of that, and an RSA key's modulus and exponent are simply read from its
 * DER. At start-up the engine checks every Ready Certificate's Secret, so the difference is
 * counted in minutes of CPU for a hundred thousand Certificates.
 *
 * @packageDocumentation
 */

import { createECDH } from 'node:crypto';
import { CryptoError } from '../errors.js';
import { publicJwkMatchesSpki } from './certificate.js';
import { base64url, bytesEqual } from './der.js';
import { ecPrivateKeyDer } from './ec-private-key-der.js';
import { publicJwk, readPrivateKeyFields, type PrivateKeyFields, type PublicJwk } from './keys.js';
import { pemEncode } from './pem.js';
import type { KeySpec, PrivateKey } from './types.js';

/** What a private key is and which public key it implies; no private material. */
export interface KeyFacts {
  /** The algorithm and size, as `importPrivateKeyPem` reports them. */
  readonly spec: Required<KeySpec>;
  /**
   * The public key as JWK members: `kty`, then `n` and `e` (RSA), `crv`, `x` and `y` (ECDSA) or
   * `crv` and `x` (Ed25519).
   */
  readonly publicJwk: PublicJwk;
}

/**
 * The {@link KeyFacts} of a PEM private key (the forms `importPrivateKeyPem` takes), or
 * `undefined` when only an import can tell them: an Ed25519 or multi-prime RSA key, an EC key in
 * a rare form (a hybrid point, a scalar longer than the curve's order). Synchronous.
 *
 * @remarks
 * The public key is one that can be trusted: an EC key's point is derived from its scalar, and a
 * point the key also carries must be that one, so that a file whose point was swapped for another
 * key's never matches that key's certificate (WebCrypto rejects such a key on import too). An
 * RSA key's modulus and exponent are its public key as they stand, as they are for an import.
 * What cannot be read, and a scalar or point that does not make a key, is a {@link CryptoError}
 * with the message an import would give; no message quotes the key.
 *
 * @example
 * ```ts
 * const facts = readKeyFacts(pem) ?? keyFactsOf(await importPrivateKeyPem(pem));
 * ```
 */
export function readKeyFacts(pem: string): KeyFacts | undefined {
  const { spec, rsa, ec } = readPrivateKeyFields(pem);
  if (rsa !== undefined) {
    return { spec, publicJwk: { kty: 'RSA', n: base64url(rsa.n), e: base64url(rsa.e) } };
  }
  return ec === undefined ? undefined : ecFacts(spec, ec);
}

function ecFacts(
  spec: Required<KeySpec>,
  { curve, secret, point }: NonNullable<PrivateKeyFields['ec']>,
): KeyFacts | undefined {
  const form = pointForm(point, curve.bytes);
  if (form === undefined || secret.byteLength > curve.bytes) {
    return undefined;
  }
  const ecdh = createECDH(curve.openssl);
  let derived: Buffer;
  try {
    // Rejects a scalar of 0 or not below the order, as WebCrypto's import does.
    ecdh.setPrivateKey(secret);
    derived = ecdh.getPublicKey();
  } catch (err) {
    throw notAKey(err);
  }
  const carried = form === 'compressed' ? ecdh.getPublicKey(null, 'compressed') : derived;
  if (point !== undefined && !bytesEqual(point, carried)) throw notAKey();
  return {
    spec,
    publicJwk: {
      kty: 'EC',
      crv: curve.name,
      x: base64url(derived.subarray(1, 1 + curve.bytes)),
      y: base64url(derived.subarray(1 + curve.bytes)),
    },
  };
}

/** How an EC key's point is written; `undefined` for a form left to an import (hybrid, odd). */
function pointForm(
  point: Uint8Array | undefined,
  bytes: number,
): 'absent' | 'uncompressed' | 'compressed' | undefined {
  if (point === undefined) return 'absent';
  if (point[0] === 0x04 && point.byteLength === 1 + 2 * bytes) return 'uncompressed';
  if ((point[0] === 0x02 || point[0] === 0x03) && point.byteLength === 1 + bytes) {
    return 'compressed';
  }
  return undefined;
}

/** The error of a failed import, word for word: neither says more than that it is no key. */
function notAKey(cause?: unknown): CryptoError {
  return new CryptoError(
    'ECDSA private key could not be imported',
    cause === undefined ? {} : { cause },
  );
}

/**
 * The {@link KeyFacts} of an imported key: its spec and the JWK of its public half.
 *
 * @example
 * ```ts
 * const facts = keyFactsOf(await generatePrivateKey({ algorithm: 'ECDSA' }));
 * ```
 */
export function keyFactsOf(key: PrivateKey): KeyFacts {
  return { spec: key.spec, publicJwk: publicJwk(key) };
}

/**
 * Whether the key that `facts` describe is the private half of `spki` (DER
 * SubjectPublicKeyInfo); `false` when `spki` cannot be read.
 *
 * @remarks
 * Answers as `keyMatchesSpki` does for the imported key: the public key itself is compared, not
 * its encoding, so a compressed EC point or RSA parameters left out still match.
 *
 * @example
 * ```ts
 * if (!keyFactsMatchSpki(facts, parseCertificate(crtPem).publicKeySpki)) reissue();
 * ```
 */
export function keyFactsMatchSpki(facts: KeyFacts, spki: Uint8Array): boolean {
  return publicJwkMatchesSpki(facts.publicJwk, spki);
}

/**
 * The PEM that `exportPrivateKeyPem` writes for the EC key in `pem` (whose facts are `facts`), made
 * from its scalar and the point derived from it, without an import or an OpenSSL encoder (see
 * `ecPrivateKeyDer`). `undefined` for a key that is not EC, or that {@link readKeyFacts} leaves to
 * an import: the caller imports it then.
 *
 * @remarks
 * Checking that a Secret's `tls.key` is written in `spec.privateKey.encoding` compares its text
 * with this. The result is private key material, as `pem` is: it must never be logged.
 */
export function ecPrivateKeyPem(
  pem: string,
  facts: KeyFacts,
  encoding: 'PKCS1' | 'PKCS8',
): string | undefined {
  // Anything else is exportPrivateKeyPem's ValidationError to give.
  if (encoding !== 'PKCS1' && encoding !== 'PKCS8') return undefined;
  const { ec } = readPrivateKeyFields(pem);
  const { kty, crv, x, y } = facts.publicJwk;
  if (ec === undefined || kty !== 'EC' || crv !== ec.curve.name) return undefined;
  if (x === undefined || y === undefined || ec.secret.byteLength > ec.curve.bytes) return undefined;
  const { curve, secret } = ec;
  return encoding === 'PKCS8'
    ? pemEncode('PRIVATE KEY', ecPrivateKeyDer(curve, secret, { x, y }, 'pkcs8'))
    : pemEncode('EC PRIVATE KEY', ecPrivateKeyDer(curve, secret, { x, y }, 'sec1'));
}
