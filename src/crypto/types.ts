/**
 * The data types of certflow's crypto module: keys, CSRs and certificates.
 *
 * @packageDocumentation
 */

import type { CryptoKey } from './webcrypto.js';

/** A private key algorithm, as cert-manager's `spec.privateKey.algorithm`. */
export type KeyAlgorithm = 'RSA' | 'ECDSA' | 'Ed25519';

/** Which private key to generate, as cert-manager's `spec.privateKey`. */
export interface KeySpec {
  /** The key algorithm. */
  algorithm: KeyAlgorithm;
  /**
   * The key size: RSA modulus bits (2048, 3072 or 4096) or ECDSA curve size (256, 384 or 521).
   * Ignored for Ed25519.
   *
   * @defaultValue 2048 for RSA, 256 for ECDSA
   */
  size?: number;
}

/**
 * A private key and its public half, held as WebCrypto keys.
 *
 * @remarks
 * An opaque handle: `JSON.stringify()`, `util.inspect()` and object spread show the algorithm and
 * size only, never key material. Export the key with `exportPrivateKeyPem()` when it has to be
 * stored.
 */
export interface PrivateKey {
  /** The algorithm and size. For Ed25519 `size` is 0 (the curve has one size). */
  readonly spec: Required<KeySpec>;
  /** The private key: extractable, usage `sign`. */
  readonly privateKey: CryptoKey;
  /** The public key: usage `verify`. */
  readonly publicKey: CryptoKey;
}

/**
 * The attributes of an X.509 distinguished name, named as in cert-manager's `spec.subject` (plus
 * the common name).
 *
 * @remarks When read from a CSR or certificate, only attributes that are present are set.
 */
export interface SubjectFields {
  /** CN. */
  commonName?: string;
  /** O. */
  organizations?: string[];
  /** C. */
  countries?: string[];
  /** OU. */
  organizationalUnits?: string[];
  /** L. */
  localities?: string[];
  /** ST. */
  provinces?: string[];
  /** STREET. */
  streetAddresses?: string[];
  /** POSTALCODE. */
  postalCodes?: string[];
  /** SERIALNUMBER (of the subject, not of the certificate). */
  serialNumber?: string;
}

/** What {@link createCsr} puts in a certificate signing request. */
export interface CsrOptions {
  /**
   * The subject distinguished name.
   *
   * @defaultValue an empty subject (the SAN extension is then marked critical, per RFC 5280)
   */
  subject?: SubjectFields;
  /**
   * DNS SANs, as A-labels; a leading `*.` makes a wildcard.
   *
   * @defaultValue `[]`
   */
  dnsNames?: string[];
  /**
   * IPv4 or IPv6 SANs.
   *
   * @defaultValue `[]`
   */
  ipAddresses?: string[];
  /**
   * URI SANs.
   *
   * @defaultValue `[]`
   */
  uris?: string[];
  /**
   * Email (rfc822Name) SANs.
   *
   * @defaultValue `[]`
   */
  emailAddresses?: string[];
  /**
   * Usages to request, in cert-manager spellings (`'digital signature'`, `'server auth'`, ...;
   * `'signing'` means `'digital signature'`). An empty list requests cert-manager's defaults
   * (`'digital signature'`, `'key encipherment'`).
   *
   * @defaultValue absent: no keyUsage or extKeyUsage extension is requested (cert-manager's
   * `encodeUsagesInRequest: false`)
   */
  usages?: string[];
  /**
   * Request a CA certificate: basicConstraints `CA:TRUE` (critical), and `cert sign` is added
   * when usages are requested.
   *
   * @defaultValue false
   */
  isCA?: boolean;
}

/** What {@link parseCsr} reads from a certificate signing request. */
export interface CsrInfo {
  /** The subject distinguished name. */
  subject: SubjectFields;
  /** DNS SANs. */
  dnsNames: string[];
  /** IP SANs, in canonical text form. */
  ipAddresses: string[];
  /** URI SANs. */
  uris: string[];
  /** Email SANs. */
  emailAddresses: string[];
  /** Requested key usages then extended key usages, in cert-manager spellings. */
  usages: string[];
  /** Whether the request asks for basicConstraints `CA:TRUE`. */
  isCA: boolean;
  /** The DER SubjectPublicKeyInfo. */
  publicKeySpki: Uint8Array;
  /**
   * Whether the request's self-signature verifies. `false` too when it uses an algorithm certflow
   * does not accept (SHA-1, RSA-PSS).
   */
  signatureValid: boolean;
}

/** What {@link parseCertificate} reads from an X.509 certificate. */
export interface CertificateInfo {
  /** The serial number: lowercase hex, whole bytes, no leading zero bytes (`00` for zero). */
  serialNumber: string;
  /** The subject distinguished name. */
  subject: SubjectFields;
  /** The subject as RFC 4514 text, most specific first: `CN=web.example.test, O=Acme`. */
  subjectText: string;
  /** The issuer distinguished name. */
  issuer: SubjectFields;
  /** The issuer as RFC 4514 text. */
  issuerText: string;
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** DNS SANs. */
  dnsNames: string[];
  /** IP SANs, in canonical text form. */
  ipAddresses: string[];
  /** URI SANs. */
  uris: string[];
  /** Email SANs. */
  emailAddresses: string[];
  /** The subjectKeyIdentifier, lowercase hex. */
  subjectKeyIdentifier?: string;
  /** The keyIdentifier of the authorityKeyIdentifier, lowercase hex. */
  authorityKeyIdentifier?: string;
  /** Whether basicConstraints says `CA:TRUE`. */
  isCA: boolean;
  /** Key usages then extended key usages, in cert-manager spellings. */
  usages: string[];
  /** The DER SubjectPublicKeyInfo. */
  publicKeySpki: Uint8Array;
  /** The algorithm of the subject's public key. */
  keyAlgorithm: KeyAlgorithm;
  /** The whole certificate, DER. */
  der: Uint8Array;
}

/** What {@link signCertificate} signs. */
export interface SignOptions {
  /** The request: parsed, or PEM. Its signature must verify. */
  csr: CsrInfo | string;
  /** The key that signs: the issuer's, or the subject's own for a self-signed certificate. */
  issuerKey: PrivateKey;
  /**
   * The issuer's certificate (PEM; the first certificate block is used). `issuerKey` must match
   * it.
   *
   * @defaultValue absent: self-signed (issuer = subject, and `issuerKey` must match the CSR)
   */
  issuerCertificate?: string;
  /** Start of validity (whole seconds are kept). */
  notBefore: Date;
  /** End of validity (whole seconds are kept); after `notBefore`. */
  notAfter: Date;
  /**
   * Whether to issue a CA certificate.
   *
   * @defaultValue the CSR's `isCA`
   */
  isCA?: boolean;
  /**
   * Usages in cert-manager spellings; an empty list means cert-manager's defaults
   * (`'digital signature'`, `'key encipherment'`), and a CA always gets `'cert sign'`.
   *
   * @defaultValue the CSR's usages
   */
  usages?: string[];
  /**
   * The serial number: 1 to 20 bytes, big-endian, not all zero.
   *
   * @defaultValue 16 random bytes
   */
  serialNumber?: Uint8Array;
  /**
   * CRL distribution point URIs (the cRLDistributionPoints extension), as cert-manager's
   * `crlDistributionPoints` on a CA or SelfSigned issuer.
   *
   * @defaultValue none: no extension
   */
  crlDistributionPoints?: readonly string[];
  /**
   * OCSP responder URIs (authorityInfoAccess), as a CA issuer's `ocspServers`.
   *
   * @defaultValue none
   */
  ocspServers?: readonly string[];
  /**
   * URIs of the issuer's certificate (authorityInfoAccess caIssuers), as a CA issuer's
   * `issuingCertificateURLs`.
   *
   * @defaultValue none
   */
  issuingCertificateURLs?: readonly string[];
}
