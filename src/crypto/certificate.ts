/**
 * X.509 certificates: parse, and check a private key against one.
 *
 * @packageDocumentation
 */

import { ECDH } from 'node:crypto';
import { CryptoError } from '../errors.js';
import { toHex } from './der.js';
import {
  bitStringOf,
  children,
  encodingOf,
  expect,
  readDer,
  tags,
  timeOf,
  unsignedOf,
  type Element,
} from './der-reader.js';
import { readExtensions } from './extensions.js';
import { publicJwk, type PublicJwk } from './keys.js';
import { decodeName } from './names.js';
import { derFromInput } from './pem.js';
import { readSpki, spkiAlgorithm, spkiPublicJwk, type SpkiParts } from './signature.js';
import type { CertificateInfo, PrivateKey } from './types.js';

/** A parsed certificate, with the encoded names that chain building and signing compare. */
export interface ReadCertificate {
  info: CertificateInfo;
  /** The subject Name, DER (a view into `info.der`). */
  subjectDer: Uint8Array;
  /** The issuer Name, DER (a view into `info.der`). */
  issuerDer: Uint8Array;
}

/**
 * Parses a certificate (PEM, the first `CERTIFICATE` block, or DER). Synchronous.
 *
 * @remarks
 * The signature is not checked here: that needs the issuer, and the chain is the caller's to
 * validate. Malformed input, and a public key algorithm other than RSA, ECDSA (P-256/384/521) or
 * Ed25519, is a {@link CryptoError}.
 *
 * @example
 * ```ts
 * const { notAfter, dnsNames } = parseCertificate(secret.data['tls.crt']);
 * ```
 */
export function parseCertificate(pemOrDer: string | Uint8Array): CertificateInfo {
  return readCertificate(pemOrDer).info;
}

/**
 * {@link parseCertificate}, also returning the encoded subject and issuer names.
 *
 * @remarks
 * Reads the DER directly (see `der-reader.ts`): tens of microseconds, where pkijs took
 * milliseconds and node's `X509Certificate` a fifth of one, and node's text forms of names and
 * SANs would still need parsing back.
 */
export function readCertificate(pemOrDer: string | Uint8Array): ReadCertificate {
  const der = derFromInput(pemOrDer, ['CERTIFICATE']);
  const what = 'certificate';
  const [tbs, signatureAlgorithm, signatureValue, extra] = children(
    expect(readDer(der, what), tags.sequence, what),
    what,
  );
  expect(signatureAlgorithm, tags.sequence, what);
  bitStringOf(signatureValue, what);
  if (extra !== undefined) throw new CryptoError(`${what} is malformed`);
  const fields = children(expect(tbs, tags.sequence, what), what);
  // version [0] EXPLICIT is absent in v1 certificates.
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const next = (): Element | undefined => fields[i++];
  const serialNumber = next();
  expect(next(), tags.sequence, what);
  const issuer = expect(next(), tags.sequence, 'certificate issuer');
  const [notBefore, notAfter, more] = children(expect(next(), tags.sequence, what), what);
  if (more !== undefined) throw new CryptoError('certificate validity is malformed');
  const subject = expect(next(), tags.sequence, 'certificate subject');
  const spki = expect(next(), tags.sequence, 'certificate public key');
  let extensions: Element | undefined;
  // issuerUniqueID [1] and subjectUniqueID [2] are skipped; extensions [3] EXPLICIT come last.
  for (let field = next(); field !== undefined; field = next()) {
    if (field.tag === 0xa3 && extensions === undefined) {
      const [list, rest] = children(field, 'certificate extensions');
      extensions = expect(list, tags.sequence, 'certificate extensions');
      if (rest !== undefined) throw new CryptoError('certificate extensions are malformed');
    } else if (!((field.tag === 0x81 || field.tag === 0x82) && extensions === undefined)) {
      throw new CryptoError(`${what} is malformed`);
    }
  }
  const subjectName = decodeName(subject, 'certificate subject');
  const issuerName = decodeName(issuer, 'certificate issuer');
  const { subjectKeyIdentifier, authorityKeyIdentifier, ...extensionInfo } =
    readExtensions(extensions);
  const publicKeySpki = encodingOf(spki).slice();
  const info: CertificateInfo = {
    serialNumber: toHex(unsignedOf(serialNumber, 'certificate serial number')),
    subject: subjectName.fields,
    subjectText: subjectName.text,
    issuer: issuerName.fields,
    issuerText: issuerName.text,
    notBefore: timeOf(notBefore, 'certificate notBefore'),
    notAfter: timeOf(notAfter, 'certificate notAfter'),
    ...extensionInfo,
    ...(subjectKeyIdentifier === undefined ? {} : { subjectKeyIdentifier }),
    ...(authorityKeyIdentifier === undefined ? {} : { authorityKeyIdentifier }),
    publicKeySpki,
    keyAlgorithm: readSpki(spki).keyAlgorithm,
    der,
  };
  return { info, subjectDer: encodingOf(subject), issuerDer: encodingOf(issuer) };
}

/**
 * Whether `key` is the private half of the certificate's public key.
 *
 * @remarks
 * Compares the public key itself, not its encoding, so encodings that differ only in form
 * (a compressed EC point, RSA parameters left out) still match. A malformed certificate is a
 * {@link CryptoError}; a certificate key certflow cannot read simply does not match.
 *
 * @example
 * ```ts
 * if (!(await keyMatchesCertificate(key, secret.data['tls.crt']))) reissue();
 * ```
 */
export async function keyMatchesCertificate(
  key: PrivateKey,
  certPemOrDer: string | Uint8Array,
): Promise<boolean> {
  return keyMatchesSpki(key, readCertificate(certPemOrDer).info.publicKeySpki);
}

/**
 * Whether `key`'s public half is the public key `spki` (DER SubjectPublicKeyInfo); `false` when
 * `spki` cannot be read.
 *
 * @remarks
 * Compared member by member with the JWK of the key's public half (see
 * {@link publicJwkMatchesSpki}), which node exports without an OpenSSL encoder: microseconds,
 * where exporting or decoding a SubjectPublicKeyInfo takes a fifth of a millisecond.
 */
export function keyMatchesSpki(key: PrivateKey, spki: Uint8Array): boolean {
  return publicJwkMatchesSpki(publicJwk(key), spki);
}

/**
 * Whether the public key whose JWK members are `jwk` is the public key `spki` (DER
 * SubjectPublicKeyInfo); `false` when `spki` cannot be read.
 *
 * @remarks
 * The public key itself is compared, not its encoding: an EC point written compressed is
 * decompressed first (node's `ECDH.convertKey`), and RSA parameters left out still match.
 */
export function publicJwkMatchesSpki(jwk: PublicJwk, spki: Uint8Array): boolean {
  let other: ReturnType<typeof spkiPublicJwk>;
  try {
    other = spkiPublicJwk(withUncompressedPoint(spkiAlgorithm(spki)));
  } catch (err) {
    if (err instanceof CryptoError) return false;
    throw err;
  }
  return (
    other !== undefined &&
    other.kty === jwk.kty &&
    other.crv === jwk.crv &&
    other.x === jwk.x &&
    other.y === jwk.y &&
    other.n === jwk.n &&
    other.e === jwk.e
  );
}

/**
 * `parts` with an EC point written in another form (compressed) decompressed by node.
 *
 * @throws CryptoError when the point is not one of its curve
 */
function withUncompressedPoint(parts: SpkiParts): SpkiParts {
  const { curve, publicKey } = parts;
  if (curve === undefined) return parts;
  if (publicKey[0] === 0x04 && publicKey.byteLength === 1 + 2 * curve.bytes) return parts;
  try {
    const point = ECDH.convertKey(publicKey, curve.openssl, undefined, undefined, 'uncompressed');
    return { ...parts, publicKey: point as Buffer };
  } catch (err) {
    throw new CryptoError('EC public key is not a point of its curve', { cause: err });
  }
}
