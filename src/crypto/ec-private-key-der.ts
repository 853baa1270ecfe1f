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
 * @param scalar - the private scalar, exactly `curve.bytes` long
 * @param point - the uncompressed public point (`04 ‖ x ‖ y`)
 */
export function ecPrivateKeyDer(
  curve: (typeof curves)[number],
  scalar: Uint8Array,
  point: Uint8Array,
  type: 'pkcs8' | 'sec1',
): Uint8Array {
  const publicKey = derElement(contextTag(1, true), derBitString(point));
  if (type === 'sec1') {
    return derSequence(
      derInteger(1),
      derOctetString(scalar),
      derElement(contextTag(0, true), derOid(curve.oid)),
      publicKey,
    );
  }
  return derSequence(
    derInteger(0),
    derSequence(derOid(oids.ecPublicKey), derOid(curve.oid)),
    derOctetString(derSequence(derInteger(1), derOctetString(scalar), publicKey)),
  );
}
