/**
 * A small strict DER writer for the structures certflow builds on hot paths: certificate signing
 * requests and their extensions.
 *
 * @remarks
 * Building a two-name CSR with pkijs and asn1js cost about 1.5 to 2.5 ms of CPU, nearly all of it
 * in asn1js 4 creating an object per element and checking every value through
 * `@peculiar/utils`, and in pkijs parsing back DER it had just been given (the subject, the
 * public key) to hold it as objects. A CSR is a handful of elements whose contents are known
 * bytes, so this writer only concatenates: each function returns the whole encoding of one
 * element (identifier octet, definite length in the fewest octets, contents), and a constructed
 * element is its children's encodings put together. It writes what the reader in
 * `der-reader.ts` reads and nothing more: low tag numbers only, no indefinite lengths, no BER
 * shortcuts. Callers pass contents already valid for their type (ASCII for an IA5String, say);
 * what the writer itself encodes (tags, integers, OIDs, unused bits) is checked, and a bad value
 * is a {@link CryptoError}, since it can only come from a bug in certflow.
 *
 * @packageDocumentation
 */

import { CryptoError } from '../errors.js';
import { tags } from './der-reader.js';

const CONSTRUCTED = 0x20;
const CONTEXT_SPECIFIC = 0x80;

/**
 * The DER element with identifier octet `tag` whose content is `content` concatenated.
 *
 * @remarks
 * `tag` is one identifier octet (class, constructed bit, tag number below 31): use
 * {@link tags} for the universal types and {@link contextTag} for context-specific ones.
 */
export function derElement(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw new CryptoError(`cannot encode DER tag ${tag}`);
  }
  let length = 0;
  for (const part of content) length += part.byteLength;
  // Definite length: one octet below 128, else 0x80 | n followed by n big-endian octets.
  let lengthOctets = 0;
  for (let rest = length >= 0x80 ? length : 0; rest > 0; rest = Math.floor(rest / 256)) {
    lengthOctets++;
  }
  const header = 2 + lengthOctets;
  const out = new Uint8Array(header + length);
  out[0] = tag;
  if (lengthOctets === 0) {
    out[1] = length;
  } else {
    out[1] = 0x80 | lengthOctets;
    for (let i = lengthOctets, rest = length; i > 0; i--, rest = Math.floor(rest / 256)) {
      out[1 + i] = rest & 0xff;
    }
  }
  let offset = header;
  for (const part of content) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** The identifier octet of context-specific tag `[number]`, primitive or constructed. */
export function contextTag(number: number, constructed: boolean): number {
  if (!Number.isInteger(number) || number < 0 || number > 30) {
    throw new CryptoError(`cannot encode DER context tag [${number}]`);
  }
  return CONTEXT_SPECIFIC | (constructed ? CONSTRUCTED : 0) | number;
}

/** A SEQUENCE of the given element encodings. */
export function derSequence(...elements: readonly Uint8Array[]): Uint8Array {
  return derElement(tags.sequence, ...elements);
}

/**
 * A SET of the given element encodings, in the order given.
 *
 * @remarks
 * DER sorts the elements of a SET OF by their encodings; every SET certflow writes holds one
 * element, so the writer does not sort, and callers with more than one must pass them sorted.
 */
export function derSet(...elements: readonly Uint8Array[]): Uint8Array {
  return derElement(tags.set, ...elements);
}

/** An INTEGER holding a non-negative safe integer, in the fewest octets. */
export function derInteger(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new CryptoError(`cannot encode DER INTEGER ${value}`);
  }
  const octets: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  // A leading octet with its top bit set would read as negative (two's complement).
  if (octets.length === 0 || (octets[0] ?? 0) >= 0x80) octets.unshift(0);
  return derElement(tags.integer, Uint8Array.from(octets));
}

/** A BOOLEAN: DER writes TRUE as 0xff. */
export function derBoolean(value: boolean): Uint8Array {
  return derElement(tags.boolean, Uint8Array.of(value ? 0xff : 0));
}

/** NULL, as the parameters of an RSA signature algorithm. */
export function derNull(): Uint8Array {
  return Uint8Array.of(0x05, 0x00);
}

/**
 * An OBJECT IDENTIFIER from its dotted form.
 *
 * @remarks
 * Arcs must be safe integers (certflow writes no UUID arcs); the first is 0, 1 or 2, and the
 * second below 40 unless the first is 2, as X.690 requires to pack them into one subidentifier.
 */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((arc) => (/^(0|[1-9][0-9]*)$/.test(arc) ? Number(arc) : NaN));
  const [first = NaN, second = NaN] = arcs;
  if (
    arcs.length < 2 ||
    !arcs.every(Number.isSafeInteger) ||
    first > 2 ||
    (first < 2 && second >= 40) ||
    first * 40 + second > Number.MAX_SAFE_INTEGER
  ) {
    throw new CryptoError(`cannot encode OID ${JSON.stringify(dotted)}`);
  }
  const octets: number[] = [];
  for (const subidentifier of [first * 40 + second, ...arcs.slice(2)]) {
    // Base 128, most significant group first, the high bit marking every group but the last.
    const groups = [subidentifier % 128];
    for (let rest = Math.floor(subidentifier / 128); rest > 0; rest = Math.floor(rest / 128)) {
      groups.unshift(0x80 | (rest % 128));
    }
    octets.push(...groups);
  }
  return derElement(tags.oid, Uint8Array.from(octets));
}

/**
 * A BIT STRING of `bytes` whose last `unusedBits` bits are not part of the value.
 *
 * @remarks
 * The unused bits must be zero in `bytes` (DER); keyUsage callers get them so from
 * `keyUsageBitString`.
 */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  const last = bytes[bytes.byteLength - 1] ?? 0;
  if (
    !Number.isInteger(unusedBits) ||
    unusedBits < 0 ||
    unusedBits > 7 ||
    (bytes.byteLength === 0 && unusedBits !== 0) ||
    (last & ((1 << unusedBits) - 1)) !== 0
  ) {
    throw new CryptoError(`cannot encode a BIT STRING with ${unusedBits} unused bits`);
  }
  return derElement(tags.bitString, Uint8Array.of(unusedBits), bytes);
}

/** An OCTET STRING holding `bytes`. */
export function derOctetString(bytes: Uint8Array): Uint8Array {
  return derElement(tags.octetString, bytes);
}
