/**
 * certflow's crypto: private keys, CSRs, certificates and PEM, on pkijs + asn1js over WebCrypto.
 *
 * @remarks
 * The only module that touches pkijs, asn1js or WebCrypto. Certificates, CSRs and keys are read
 * by a small DER reader of its own (asn1js is far too slow to parse every Secret), and CSRs,
 * made once per issuance, are written by a small DER writer for the same reason; pkijs and
 * asn1js build and sign certificates (the CA and SelfSigned issuers). Malformed PEM/DER and failed key
 * operations throw `CryptoError`; bad option values throw `ValidationError` naming the field.
 * No message ever quotes key material.
 *
 * @packageDocumentation
 */

export type {
  CertificateInfo,
  CsrInfo,
  CsrOptions,
  KeyAlgorithm,
  KeySpec,
  PrivateKey,
  SignOptions,
  SubjectFields,
} from './types.js';
export type { CryptoKey } from './webcrypto.js';
export {
  exportPrivateKeyPem,
  generatePrivateKey,
  importPrivateKeyPem,
  publicKeySpkiDer,
} from './keys.js';
export { createCsr, parseCsr } from './csr.js';
export { keyMatchesCertificate, parseCertificate } from './certificate.js';
export { orderChain } from './chain.js';
export { pemDecode, pemEncode, splitPemChain } from './pem.js';
export { canonicalIpAddress } from './ip.js';
export { signCertificate } from './sign-certificate.js';
export { encodePkcs12Keystore, encodePkcs12Truststore } from './pkcs12.js';
export type { Pkcs12KeystoreOptions, Pkcs12Profile, Pkcs12TruststoreOptions } from './pkcs12.js';
