/**
 * Signing certificates from CSRs, for the SelfSigned and CA issuers.
 *
 * @packageDocumentation
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CryptoError, ValidationError } from '../errors.js';
import { encodeDer, ownBytes } from './der.js';
import { keyMatchesSpki, readCertificate } from './certificate.js';
import { isEmptyName, parseCsr } from './csr.js';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  generalNames,
  keyIdentifier,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  usageExtensions,
} from './extensions.js';
import { encodeName } from './names.js';
import { pemEncode } from './pem.js';
import { signPkiObject } from './signature.js';
import type { SignOptions } from './types.js';
import { defaultUsages, encodeUsages } from './usages.js';
import { webCrypto } from './webcrypto.js';

/**
 * Issues a certificate for a CSR, as cert-manager's SelfSigned and CA issuers do.
 *
 * @remarks
 * The certificate takes the CSR's subject (rebuilt from its {@link SubjectFields}, so
 * attributes certflow has no field for are not carried over), SANs and public key; `isCA` and
 * `usages` default to the CSR's, an empty usage list means `digital signature, key
 * encipherment`, and a CA always gets `cert sign`. It carries basicConstraints (critical),
 * keyUsage (critical), extKeyUsage, subjectAltName, a subjectKeyIdentifier, when issued by a CA
 * certificate that has one an authorityKeyIdentifier, and cRLDistributionPoints and
 * authorityInfoAccess when their URIs are given. Validity is not clamped to the issuer's: that
 * policy is the caller's.
 *
 * Throws {@link CryptoError} when the CSR signature does not verify, when `issuerKey` does not
 * match `issuerCertificate` (or, self-signed, the CSR's key), and {@link ValidationError} for bad
 * dates, usages or serial numbers.
 *
 * @example
 * ```ts
 * const pem = await signCertificate({
 *   csr: csrPem, issuerKey: caKey, issuerCertificate: caPem,
 *   notBefore: new Date(now), notAfter: new Date(now + 90 * 24 * 3600_000),
 * });
 * ```
 */
export async function signCertificate(options: SignOptions): Promise<string> {
  const csr = typeof options.csr === 'string' ? await parseCsr(options.csr) : options.csr;
  if (!csr.signatureValid) throw new CryptoError('the CSR signature does not verify');
  const notBefore = wholeSeconds(options.notBefore, 'notBefore');
  const notAfter = wholeSeconds(options.notAfter, 'notAfter');
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new ValidationError('notAfter', 'must be after notBefore');
  }
  const isCA = options.isCA ?? csr.isCA;
  const requested = options.usages ?? csr.usages;
  const usages = encodeUsages(
    requested.length > 0 ? requested : defaultUsages,
    isCA,
    options.usages === undefined ? 'csr.usages' : 'usages',
  );
  const serialNumber = serialBytes(options.serialNumber);

  const subjectDer = encodeName(csr.subject, 'csr.subject');
  let issuerName: pkijs.RelativeDistinguishedNames;
  let authorityKeyId: string | undefined;
  if (options.issuerCertificate === undefined) {
    if (!keyMatchesSpki(options.issuerKey, csr.publicKeySpki)) {
      throw new CryptoError('issuerKey does not match the CSR public key (self-signed)');
    }
    issuerName = pkijs.RelativeDistinguishedNames.fromBER(subjectDer);
  } else {
    const issuer = readCertificate(options.issuerCertificate);
    const issuerInfo = issuer.info;
    if (!keyMatchesSpki(options.issuerKey, issuerInfo.publicKeySpki)) {
      throw new CryptoError('issuerKey does not match issuerCertificate');
    }
    // The issuer's name is copied byte for byte: chain builders compare names in encoded form
    // in practice, so a re-encoding (another string type) could break the chain.
    issuerName = pkijs.RelativeDistinguishedNames.fromBER(issuer.subjectDer.slice());
    authorityKeyId = issuerInfo.subjectKeyIdentifier;
  }

  const extensions: pkijs.Extension[] = [
    basicConstraintsExtension(isCA),
    ...usageExtensions(usages),
  ];
  const names = generalNames(csr);
  if (names.length > 0) extensions.push(subjectAltNameExtension(names, isEmptyName(subjectDer)));
  extensions.push(subjectKeyIdentifierExtension(await keyIdentifier(csr.publicKeySpki)));
  if (authorityKeyId !== undefined) {
    extensions.push(authorityKeyIdentifierExtension(Buffer.from(authorityKeyId, 'hex')));
  }
  const ocspServers = options.ocspServers ?? [];
  const issuingCertificateURLs = options.issuingCertificateURLs ?? [];
  if (ocspServers.length > 0 || issuingCertificateURLs.length > 0) {
    extensions.push(authorityInfoAccessExtension(ocspServers, issuingCertificateURLs));
  }
  if ((options.crlDistributionPoints ?? []).length > 0) {
    extensions.push(crlDistributionPointsExtension(options.crlDistributionPoints ?? []));
  }

  const certificate = new pkijs.Certificate({
    version: 2,
    serialNumber: new asn1js.Integer({ valueHex: ownBytes(serialNumber).buffer }),
    issuer: issuerName,
    subject: pkijs.RelativeDistinguishedNames.fromBER(subjectDer),
    notBefore: x509Time(notBefore),
    notAfter: x509Time(notAfter),
    subjectPublicKeyInfo: pkijs.PublicKeyInfo.fromBER(csr.publicKeySpki),
    extensions,
  });
  await signPkiObject(certificate, options.issuerKey);
  return pemEncode('CERTIFICATE', encodeDer(certificate.toSchema()));
}

/** RFC 5280 4.1.2.5: no fractional seconds. */
function wholeSeconds(date: Date, field: string): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new ValidationError(field, 'must be a valid Date');
  }
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function x509Time(date: Date): pkijs.Time {
  const year = date.getUTCFullYear();
  return new pkijs.Time({
    type: year >= 1950 && year < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime,
    value: date,
  });
}

/**
 * A positive DER INTEGER body: the given 1–20 bytes, or 16 random ones; a 0x00 is prepended
 * when the top bit is set so the number stays positive.
 */
function serialBytes(given: Uint8Array | undefined): Uint8Array {
  let bytes: Uint8Array;
  if (given === undefined) {
    bytes = webCrypto().getRandomValues(new Uint8Array(16));
    bytes[0] = (bytes[0] ?? 0) & 0x7f || 1; // positive without padding, and a full 16 bytes
  } else {
    if (given.byteLength < 1 || given.byteLength > 20 || given.every((b) => b === 0)) {
      throw new ValidationError('serialNumber', 'must be 1 to 20 bytes and not zero');
    }
    let start = 0;
    while (given[start] === 0) start++;
    bytes = given.subarray(start);
  }
  if (((bytes[0] ?? 0) & 0x80) !== 0) {
    const padded = new Uint8Array(bytes.byteLength + 1);
    padded.set(bytes, 1);
    return padded;
  }
  return bytes;
}
