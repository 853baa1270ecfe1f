/**
 * X.509 distinguished names: {@link SubjectFields} to DER and back, and RFC 4514 text.
 *
 * @packageDocumentation
 */

import * as asn1js from 'asn1js';
import { CryptoError, ValidationError } from '../errors.js';
import { encodeDer, toHex } from './der.js';
import { children, encodingOf, expect, oidOf, stringOf, tags, type Element } from './der-reader.js';
import type { SubjectFields } from './types.js';

type ListField = Exclude<keyof SubjectFields, 'commonName' | 'serialNumber'>;

interface AttributeType {
  oid: string;
  /** The RFC 4514 / Go `pkix.Name.String()` short name. */
  short: string;
  field: keyof SubjectFields;
  /** RFC 5280 wants PrintableString for these. */
  printable?: true;
}

/** In the order Go's `pkix.Name` (hence cert-manager) encodes them. */
const ATTRIBUTE_TYPES: readonly AttributeType[] = [
  { oid: '2.5.4.6', short: 'C', field: 'countries', printable: true },
  { oid: '2.5.4.8', short: 'ST', field: 'provinces' },
  { oid: '2.5.4.7', short: 'L', field: 'localities' },
  { oid: '2.5.4.9', short: 'STREET', field: 'streetAddresses' },
  { oid: '2.5.4.17', short: 'POSTALCODE', field: 'postalCodes' },
  { oid: '2.5.4.10', short: 'O', field: 'organizations' },
  { oid: '2.5.4.11', short: 'OU', field: 'organizationalUnits' },
  { oid: '2.5.4.3', short: 'CN', field: 'commonName' },
  { oid: '2.5.4.5', short: 'SERIALNUMBER', field: 'serialNumber', printable: true },
];

/** Short names for attributes certflow reads into text but not into {@link SubjectFields}. */
const EXTRA_SHORT_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A decoded name: its fields and its RFC 4514 text. */
export interface DecodedName {
  fields: SubjectFields;
  text: string;
}

/**
 * The DER of a distinguished name with one attribute per RDN, in Go's `pkix.Name` order.
 *
 * @remarks
 * Values are UTF8String, except country and serial number, which are PrintableString when their
 * characters allow (RFC 5280). An empty common name is left out, as Go does; an empty list
 * entry is a {@link ValidationError} at `field.<name>[i]`.
 */
export function encodeName(fields: SubjectFields, field: string): Uint8Array {
  const rdns: asn1js.Set[] = [];
  for (const type of ATTRIBUTE_TYPES) {
    const raw = fields[type.field];
    const values = raw === undefined || raw === '' ? [] : typeof raw === 'string' ? [raw] : raw;
    for (const [i, value] of values.entries()) {
      const path =
        typeof raw === 'string' ? `${field}.${type.field}` : `${field}.${type.field}[${i}]`;
      if (typeof value !== 'string' || value === '') {
        throw new ValidationError(path, 'must be a non-empty string');
      }
      const asn1Value =
        type.printable === true && PRINTABLE.test(value)
          ? new asn1js.PrintableString({ value })
          : new asn1js.Utf8String({ value });
      rdns.push(
        new asn1js.Set({
          value: [
            new asn1js.Sequence({
              value: [new asn1js.ObjectIdentifier({ value: type.oid }), asn1Value],
            }),
          ],
        }),
      );
    }
  }
  return encodeDer(new asn1js.Sequence({ value: rdns }));
}

/**
 * Reads a Name (SEQUENCE OF RDN) in DER.
 *
 * @remarks
 * Attributes certflow has no field for still show in the text (by short name or dotted OID);
 * in the fields, the first common name and serial number win. A value that is not a string
 * shows as `#` and the hex of its encoding, as RFC 4514 says. A malformed name is a
 * `CryptoError` naming `what`.
 */
export function decodeName(name: Element, what: string): DecodedName {
  const fields: SubjectFields = {};
  const rdnTexts: string[] = [];
  for (const rdn of children(expect(name, tags.sequence, what), what)) {
    const parts: string[] = [];
    for (const atv of children(expect(rdn, tags.set, what), what)) {
      const [type, value, extra] = children(expect(atv, tags.sequence, what), what);
      if (value === undefined || extra !== undefined) throw new CryptoError(`${what} is malformed`);
      const oid = oidOf(type, what);
      const known = ATTRIBUTE_TYPES.find((candidate) => candidate.oid === oid);
      const text = stringOf(value, what);
      if (known !== undefined && text !== undefined) addField(fields, known.field, text);
      const short = known?.short ?? EXTRA_SHORT_NAMES[oid] ?? oid;
      parts.push(
        `${short}=${text === undefined ? `#${toHex(encodingOf(value))}` : escapeValue(text)}`,
      );
    }
    rdnTexts.push(parts.join('+'));
  }
  return { fields, text: rdnTexts.reverse().join(', ') };
}

function addField(fields: SubjectFields, field: keyof SubjectFields, value: string): void {
  if (field === 'commonName' || field === 'serialNumber') {
    fields[field] ??= value;
    return;
  }
  const list: ListField = field;
  (fields[list] ??= []).push(value);
}

/** RFC 4514 section 2.4 escaping. */
function escapeValue(value: string): string {
  let escaped = value.replace(/[\\"+,;<>]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (escaped.startsWith('#') || escaped.startsWith(' ')) escaped = `\\${escaped}`;
  if (escaped.endsWith(' ') && escaped.length > 1) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}
