/**
 * EC private keys written as DER from their numbers, byte for byte as OpenSSL (through node's
 * `KeyObject#export`) writes them.
 *
 * @remarks
 * OpenSSL encodes a private key through its generic encoder chain, about a quarter of a
 * millisecond for a P-256 key; every issuance writes its fresh key twice (the next-key Secret and
 * the Secret), and every check of a Secret's `tls.key` encoding needs the expected text. DER has
 * one encoding for given values, so building it from the scalar and the point is exact; tests
 * compare it with node's export for every curve.
 *
 * @packageDocumentation
 */
import { CryptoError } from '../errors.js';
import { oids } from './der.js';
import {
  contextTag,
  derBitString,
  derElement,
  derInteger,
  derOctetString,
  derOid,
  derSequence,
} from './der-writer.js';
import type { curves } from './signature.js';

/**
 * The DER of an EC private key: `pkcs8` (a PrivateKeyInfo whose ECPrivateKey leaves the curve to
 * the algorithm identifier) or `sec1` (an ECPrivateKey naming its curve), both with the public
 * point, as OpenSSL writes them.
 *
 * @param scalar - the private scalar, at most `curve.bytes` long (written left-padded to it)
 * @param point - the public point's coordinates as JWK members (base64url)
 * @throws CryptoError when a number is longer than the curve's length
 */
export function ecPrivateKeyDer(
  curve: (typeof curves)[number],
  scalar: Uint8Array,
  point: { readonly x: string; readonly y: string },
  type: 'pkcs8' | 'sec1',
): Uint8Array {
  const d = fixedLength(scalar, curve.bytes);
  try {
    const x = Buffer.from(point.x, 'base64url');
    const y = Buffer.from(point.y, 'base64url');
    const uncompressed = new Uint8Array(1 + 2 * curve.bytes);
    uncompressed[0] = 0x04;
    uncompressed.set(fixedLength(x, curve.bytes), 1);
    uncompressed.set(fixedLength(y, curve.bytes), 1 + curve.bytes);
    const publicKey = derElement(contextTag(1, true), derBitString(uncompressed));
    if (type === 'sec1') {
      return derSequence(
        derInteger(1),
        derOctetString(d),
        derElement(contextTag(0, true), derOid(curve.oid)),
        publicKey,
      );
    }
    return derSequence(
      derInteger(0),
      derSequence(derOid(oids.ecPublicKey), derOid(curve.oid)),
      derOctetString(derSequence(derInteger(1), derOctetString(d), publicKey)),
    );
  } finally {
    d.fill(0);
  }
}

/**
 * `bytes` left-padded with zeros to `length` (a copy): RFC 5915 and RFC 7518 §6.2 write each
 * number at the curve's length, and a writer may have shortened one.
 */
function fixedLength(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.byteLength > length) {
    throw new CryptoError('an EC key number is longer than its curve allows');
  }
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.byteLength);
  return out;
}
