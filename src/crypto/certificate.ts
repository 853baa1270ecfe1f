/**
 * X.509 certificates: parse, and check a private key against one.
 *
 * @packageDocumentation
 */

import * as pkijs from 'pkijs';
import { CryptoError } from '../errors.js';
import { bytesEqual, decodeDer, encodeDer, guard, toHex } from './der.js';
import { readExtensions } from './extensions.js';
import { publicKeySpkiDer } from './keys.js';
import { decodeName } from './names.js';
import { derFromInput } from './pem.js';
import { normaliseSpki, spkiAlgorithm } from './signature.js';
import type { CertificateInfo, PrivateKey } from './types.js';

/** A certificate as pkijs holds it, with its raw DER. */
export interface DecodedCertificate {
  certificate: pkijs.Certificate;
  der: Uint8Array;
}

/** Decodes a certificate (PEM or DER) into pkijs, with {@link CryptoError} on malformed input. */
export function decodeCertificate(pemOrDer: string | Uint8Array): DecodedCertificate {
  const der = derFromInput(pemOrDer, ['CERTIFICATE']);
  const certificate = guard(
    'certificate',
    () => new pkijs.Certificate({ schema: decodeDer(der, 'certificate') }),
  );
  return { certificate, der };
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
  return describeCertificate(decodeCertificate(pemOrDer));
}

/** The {@link CertificateInfo} of a decoded certificate. */
export function describeCertificate({ certificate, der }: DecodedCertificate): CertificateInfo {
  return guard('certificate', () => {
    const subject = decodeName(certificate.subject.toSchema());
    const issuer = decodeName(certificate.issuer.toSchema());
    const publicKeySpki = encodeDer(certificate.subjectPublicKeyInfo.toSchema());
    const { subjectKeyIdentifier, authorityKeyIdentifier, ...extensions } = readExtensions(
      certificate.extensions,
    );
    return {
      serialNumber: serialHex(certificate.serialNumber.valueBlock.valueHexView),
      subject: subject.fields,
      subjectText: subject.text,
      issuer: issuer.fields,
      issuerText: issuer.text,
      notBefore: certificate.notBefore.value,
      notAfter: certificate.notAfter.value,
      ...extensions,
      ...(subjectKeyIdentifier === undefined ? {} : { subjectKeyIdentifier }),
      ...(authorityKeyIdentifier === undefined ? {} : { authorityKeyIdentifier }),
      publicKeySpki,
      keyAlgorithm: spkiAlgorithm(publicKeySpki).keyAlgorithm,
      der,
    };
  });
}

/**
 * Whether `key` is the private half of the certificate's public key.
 *
 * @remarks
 * Compares the public keys after a WebCrypto round trip, so encodings that differ only in form
 * (a compressed EC point, RSA parameters left out) still match. A malformed certificate is a
 * {@link CryptoError}; a certificate key certflow cannot import simply does not match.
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
  const { certificate } = decodeCertificate(certPemOrDer);
  return keyMatchesSpki(key, encodeDer(certificate.subjectPublicKeyInfo.toSchema()));
}

/** Whether `key`'s public half is the public key `spki`; `false` when `spki` cannot be read. */
export async function keyMatchesSpki(key: PrivateKey, spki: Uint8Array): Promise<boolean> {
  const keySpki = await publicKeySpkiDer(key);
  if (bytesEqual(keySpki, spki)) return true;
  try {
    return bytesEqual(keySpki, await normaliseSpki(spki));
  } catch (err) {
    if (err instanceof CryptoError) return false;
    throw err;
  }
}

/** Lowercase hex of a DER INTEGER's magnitude: whole bytes, leading zero bytes dropped. */
function serialHex(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.byteLength - 1 && bytes[start] === 0) start++;
  return toHex(bytes.subarray(start));
}
