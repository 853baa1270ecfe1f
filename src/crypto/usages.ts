/**
 * cert-manager's key usage spellings mapped to X.509 keyUsage bits and extKeyUsage OIDs.
 *
 * @packageDocumentation
 */

import { ValidationError } from '../errors.js';

/** keyUsage names by RFC 5280 bit number. */
const KEY_USAGE_NAMES = [
  'digital signature',
  'content commitment',
  'key encipherment',
  'data encipherment',
  'key agreement',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
] as const;

/** cert-manager's own alias: `signing` is `digital signature`. */
const KEY_USAGE_ALIASES: Readonly<Record<string, number>> = { signing: 0 };

/** extKeyUsage names and OIDs; the first name of an OID is the one reported when parsing. */
const EXT_KEY_USAGES: readonly (readonly [name: string, oid: string])[] = [
  ['any', '2.5.29.37.0'],
  ['server auth', '1.3.6.1.5.5.7.3.1'],
  ['client auth', '1.3.6.1.5.5.7.3.2'],
  ['code signing', '1.3.6.1.5.5.7.3.3'],
  ['email protection', '1.3.6.1.5.5.7.3.4'],
  ['s/mime', '1.3.6.1.5.5.7.3.4'],
  ['ipsec end system', '1.3.6.1.5.5.7.3.5'],
  ['ipsec tunnel', '1.3.6.1.5.5.7.3.6'],
  ['ipsec user', '1.3.6.1.5.5.7.3.7'],
  ['timestamping', '1.3.6.1.5.5.7.3.8'],
  ['ocsp signing', '1.3.6.1.5.5.7.3.9'],
  ['microsoft sgc', '1.3.6.1.4.1.311.10.3.3'],
  ['netscape sgc', '2.16.840.1.113730.4.1'],
];

/** The usages cert-manager applies when a request names none. */
export const defaultUsages: readonly string[] = ['digital signature', 'key encipherment'];

/** Usages split into the two certificate extensions that carry them. */
export interface EncodedUsages {
  /** keyUsage bits, bit n of RFC 5280 at `1 << n`; 0 when none. */
  keyUsageBits: number;
  /** extKeyUsage OIDs in first-mention order, without duplicates. */
  extKeyUsageOids: string[];
}

/**
 * Splits cert-manager usage names into keyUsage bits and extKeyUsage OIDs.
 *
 * @remarks
 * A CA always gets `cert sign`, as cert-manager does. An unknown name is a
 * {@link ValidationError} naming `field[i]`.
 */
export function encodeUsages(
  usages: readonly string[],
  isCA: boolean,
  field: string,
): EncodedUsages {
  let keyUsageBits = isCA ? 1 << 5 : 0;
  const extKeyUsageOids: string[] = [];
  for (const [i, usage] of usages.entries()) {
    const bit = KEY_USAGE_ALIASES[usage] ?? (KEY_USAGE_NAMES as readonly string[]).indexOf(usage);
    if (bit >= 0) {
      keyUsageBits |= 1 << bit;
      continue;
    }
    const oid = EXT_KEY_USAGES.find(([name]) => name === usage)?.[1];
    if (oid === undefined) {
      throw new ValidationError(`${field}[${i}]`, `unknown key usage ${JSON.stringify(usage)}`);
    }
    if (!extKeyUsageOids.includes(oid)) extKeyUsageOids.push(oid);
  }
  return { keyUsageBits, extKeyUsageOids };
}

/**
 * cert-manager usage names for keyUsage bits (in bit order) followed by extKeyUsage OIDs (in
 * certificate order); OIDs without a cert-manager name are left out.
 */
export function decodeUsages(keyUsageBits: number, extKeyUsageOids: readonly string[]): string[] {
  const names: string[] = KEY_USAGE_NAMES.filter((_, bit) => (keyUsageBits & (1 << bit)) !== 0);
  for (const oid of extKeyUsageOids) {
    const name = EXT_KEY_USAGES.find(([, candidate]) => candidate === oid)?.[0];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * The keyUsage BIT STRING contents for `bits`: named-bit DER, trailing zero bits dropped.
 */
export function keyUsageBitString(bits: number): { bytes: Uint8Array; unusedBits: number } {
  const length = 32 - Math.clz32(bits); // index of the highest set bit, plus one
  const bytes = new Uint8Array(Math.ceil(length / 8));
  for (let bit = 0; bit < length; bit++) {
    if ((bits & (1 << bit)) !== 0) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  }
  return { bytes, unusedBits: bytes.byteLength * 8 - length };
}

/** keyUsage bits from BIT STRING contents. */
export function keyUsageBitsFrom(bytes: Uint8Array): number {
  let bits = 0;
  for (let bit = 0; bit < KEY_USAGE_NAMES.length; bit++) {
    if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) bits |= 1 << bit;
  }
  return bits;
}
