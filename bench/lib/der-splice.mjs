// Issues a certificate for a CSR in microseconds, for the in-process ACME stand-in: a template
// certificate (made once with certflow's signCertificate for the same names) gets the CSR's
// ECDSA P-256 public key, its subjectKeyIdentifier and a fresh serial spliced into its
// to-be-signed bytes, which node:crypto then signs with the CA key. Every P-256 public key
// encodes to the same 91 bytes, so the splice never changes a length.
import { createHash, randomFillSync, sign } from 'node:crypto';

/** The DER of a P-256 SubjectPublicKeyInfo up to its 65-byte uncompressed point. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
/** subjectKeyIdentifier's OID, then OCTET STRING { OCTET STRING (20 bytes) }. */
const SKI_PREFIX = Buffer.from('0603551d0e04160414', 'hex');
/** AlgorithmIdentifier ecdsa-with-SHA256. */
const ECDSA_SHA256 = Buffer.from('300a06082a8648ce3d040302', 'hex');

function header(der, offset) {
  const tag = der[offset];
  const first = der[offset + 1];
  if (first < 0x80) return { tag, start: offset + 2, length: first };
  const bytes = first & 0x7f;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + der[offset + 2 + i];
  return { tag, start: offset + 2 + bytes, length };
}

function lengthBytes(length) {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x100) return Buffer.from([0x81, length]);
  return Buffer.from([0x82, length >> 8, length & 0xff]);
}

/** Prepares a template from a certificate (DER) issued for a P-256 key by an ECDSA P-256 CA. */
export function certificateTemplate(certificateDer) {
  const der = Buffer.from(certificateDer);
  const outer = header(der, 0);
  const tbsHeader = header(der, outer.start);
  const tbs = der.subarray(outer.start, tbsHeader.start + tbsHeader.length);
  // TBSCertificate: [0] version, then the serial INTEGER.
  const version = header(tbs, tbsHeader.start - outer.start);
  const serial = header(tbs, version.start + version.length);
  const spki = tbs.indexOf(P256_SPKI_PREFIX);
  const ski = tbs.indexOf(SKI_PREFIX);
  if (serial.tag !== 0x02 || spki === -1 || ski === -1) {
    throw new Error('the template is not a certificate for an ECDSA P-256 key with a key id');
  }
  return {
    tbs: Buffer.from(tbs),
    serialOffset: serial.start,
    serialLength: serial.length,
    pointOffset: spki + P256_SPKI_PREFIX.length,
    skiOffset: ski + SKI_PREFIX.length,
  };
}

/** The 65-byte public point of the ECDSA P-256 key in a CSR (DER). */
export function csrPublicPoint(csrDer) {
  const der = Buffer.from(csrDer.buffer, csrDer.byteOffset, csrDer.byteLength);
  const at = der.indexOf(P256_SPKI_PREFIX);
  if (at === -1) throw new Error('the CSR does not hold an ECDSA P-256 key');
  return der.subarray(at + P256_SPKI_PREFIX.length, at + P256_SPKI_PREFIX.length + 65);
}

/** A certificate (DER) from `template` for the public `point`, signed with `caKey` (a KeyObject). */
export function spliceCertificate(template, point, caKey) {
  const tbs = Buffer.from(template.tbs);
  point.copy(tbs, template.pointOffset);
  // certflow's key identifier: the first 20 bytes of SHA-256 over the public key bits.
  createHash('sha256').update(point).digest().copy(tbs, template.skiOffset, 0, 20);
  randomFillSync(tbs, template.serialOffset, template.serialLength);
  // Positive, and never a leading zero byte.
  tbs[template.serialOffset] = (tbs[template.serialOffset] & 0x7f) | 0x01;
  const signature = sign('sha256', tbs, caKey);
  const bits = Buffer.concat([
    Buffer.from([0x03]),
    lengthBytes(signature.length + 1),
    Buffer.from([0]),
    signature,
  ]);
  const body = Buffer.concat([tbs, ECDSA_SHA256, bits]);
  return Buffer.concat([Buffer.from([0x30]), lengthBytes(body.length), body]);
}

/** PEM text of one DER certificate. */
export function certificatePem(der) {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}
