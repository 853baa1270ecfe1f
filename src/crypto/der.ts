/**
 * DER helpers shared by the crypto module: strict decoding, hex, byte comparison, OIDs.
 *
 * @packageDocumentation
 */

import * as asn1js from 'asn1js';
import { CertflowError, CryptoError } from '../errors.js';

/** Object identifiers the crypto module reads or writes. */
export const oids = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
  ed25519: '1.3.101.112',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

/**
 * Decodes exactly one DER value.
 *
 * @remarks
 * Trailing bytes are an error: a truncated or concatenated input is malformed, not "the first
 * object". The message names only `what`, never the bytes, since the input may be a private key.
 */
export function decodeDer(der: Uint8Array, what: string): asn1js.AsnType {
  const decoded = asn1js.fromBER(der);
  if (decoded.offset === -1) {
    throw new CryptoError(`${what} is not valid DER`);
  }
  if (decoded.offset !== der.byteLength) {
    throw new CryptoError(`${what} has ${der.byteLength - decoded.offset} trailing bytes`);
  }
  return decoded.result;
}

/** The DER encoding of an asn1js or pkijs schema object, as a fresh byte array. */
export function encodeDer(value: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(value.toBER(false));
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The child elements of a constructed value, or `undefined` when it is not a SEQUENCE/SET. */
export function childrenOf(value: asn1js.AsnType | undefined): asn1js.AsnType[] | undefined {
  return value instanceof asn1js.Constructed ? value.valueBlock.value : undefined;
}

/** A context-specific tagged element (`[n]`) among `elements`, if present. */
export function taggedChild(
  elements: readonly asn1js.AsnType[],
  tagNumber: number,
): asn1js.AsnType | undefined {
  return elements.find(
    (element) =>
      element instanceof asn1js.BaseBlock &&
      element.idBlock.tagClass === 3 &&
      element.idBlock.tagNumber === tagNumber,
  );
}

/** A fresh copy of `bytes` backed by its own ArrayBuffer, as WebCrypto's typings want. */
export function ownBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/**
 * Runs `fn`, turning anything but a certflow error into a {@link CryptoError} that says `what`
 * is malformed: pkijs reports schema mismatches as plain `Error`s.
 */
export function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (CertflowError.is(err)) throw err;
    throw new CryptoError(`${what} is malformed`, { cause: err });
  }
}
