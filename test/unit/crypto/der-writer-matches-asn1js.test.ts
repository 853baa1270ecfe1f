// The DER writer against asn1js's encoder (for every length form and value it writes), and its
// refusal of what DER cannot say.
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { oidOf, readDer } from '../../../src/crypto/der-reader.js';
import {
  contextTag,
  derBitString,
  derBoolean,
  derElement,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSet,
} from '../../../src/crypto/der-writer.js';

const ber = (value: { toBER(sizeOnly?: boolean): ArrayBuffer }) =>
  new Uint8Array(value.toBER(false));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const filled = (length: number) => new Uint8Array(length).map((_, i) => i % 251);

describe('derOctetString writes every length form as asn1js does', () => {
  it.each([0, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000])('%i bytes', (length) => {
    const bytes = filled(length);
    // As hex: comparing long arrays element by element is slow.
    expect(hex(derOctetString(bytes))).toBe(hex(ber(new asn1js.OctetString({ valueHex: bytes }))));
  });
});

describe('derInteger writes non-negative integers in the fewest octets', () => {
  it.each([
    [0, '020100'],
    [1, '020101'],
    [127, '02017f'],
    [128, '02020080'],
    [255, '020200ff'],
    [256, '02020100'],
    [32_768, '0203008000'],
    [2 ** 31, '02050080000000'],
    [Number.MAX_SAFE_INTEGER, '02071fffffffffffff'],
  ])('%i', (value, expected) => {
    expect(hex(derInteger(value))).toBe(expected);
    expect(derInteger(value)).toEqual(ber(new asn1js.Integer({ value })));
  });
});

describe('derOid writes OBJECT IDENTIFIERs as asn1js does, and reads back', () => {
  it.each([
    '1.2.840.113549.1.9.14',
    '2.5.29.17',
    '1.3.6.1.5.5.7.3.1',
    '1.3.6.1.4.1.311.10.3.3',
    '2.16.840.1.113730.4.1',
    '0.9.2342.19200300.100.1.25',
    '1.3.101.112',
    '0.0',
    '1.39',
    '2.999.3',
    `1.2.${Number.MAX_SAFE_INTEGER}`,
  ])('%s', (dotted) => {
    const encoded = derOid(dotted);
    expect(encoded).toEqual(ber(new asn1js.ObjectIdentifier({ value: dotted })));
    expect(oidOf(readDer(encoded, 'oid'), 'oid')).toBe(dotted);
  });
});

describe('the other primitives match asn1js', () => {
  it.each([
    ['BOOLEAN TRUE', derBoolean(true), new asn1js.Boolean({ value: true })],
    ['BOOLEAN FALSE', derBoolean(false), new asn1js.Boolean({ value: false })],
    ['NULL', derNull(), new asn1js.Null()],
    [
      'empty BIT STRING',
      derBitString(new Uint8Array(0)),
      new asn1js.BitString({ valueHex: new Uint8Array(0) }),
    ],
    [
      'BIT STRING with 7 unused bits',
      derBitString(Uint8Array.of(0xa0, 0x80), 7),
      new asn1js.BitString({ valueHex: Uint8Array.of(0xa0, 0x80), unusedBits: 7 }),
    ],
    [
      'BIT STRING of 300 bytes',
      derBitString(filled(300)),
      new asn1js.BitString({ valueHex: filled(300) }),
    ],
  ] as const)('%s', (_, written, reference) => {
    expect(written).toEqual(ber(reference));
  });
});

describe('constructed elements hold their children in order', () => {
  const oid = derOid('2.5.4.3');
  const text = derElement(0x0c, Buffer.from('web.example.test'));
  const reference = () => [
    new asn1js.ObjectIdentifier({ value: '2.5.4.3' }),
    new asn1js.Utf8String({ value: 'web.example.test' }),
  ];

  it.each([
    ['SEQUENCE', derSequence(oid, text), new asn1js.Sequence({ value: reference() })],
    [
      'SET',
      derSet(derSequence(oid, text)),
      new asn1js.Set({ value: [new asn1js.Sequence({ value: reference() })] }),
    ],
    ['empty SEQUENCE', derSequence(), new asn1js.Sequence({ value: [] })],
    [
      'context [0] constructed',
      derElement(contextTag(0, true), oid, text),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: reference() }),
    ],
    [
      'context [2] primitive',
      derElement(contextTag(2, false), Buffer.from('a.example.test')),
      new asn1js.Primitive({
        idBlock: { tagClass: 3, tagNumber: 2 },
        valueHex: Buffer.from('a.example.test'),
      }),
    ],
    [
      'SEQUENCE of 400 children (long length)',
      derSequence(...Array.from({ length: 400 }, () => oid)),
      new asn1js.Sequence({
        value: Array.from({ length: 400 }, () => new asn1js.ObjectIdentifier({ value: '2.5.4.3' })),
      }),
    ],
  ] as const)('%s', (_, written, reference) => {
    expect(written).toEqual(ber(reference));
  });
});

describe('what DER cannot say is a CryptoError', () => {
  it.each([
    ['an OID with one arc', () => derOid('1')],
    ['an OID with first arc 3', () => derOid('3.1')],
    ['an OID with second arc 40 under 1', () => derOid('1.40')],
    ['an OID with an empty arc', () => derOid('1..2')],
    ['an OID with a leading zero', () => derOid('1.02')],
    ['an OID with a letter', () => derOid('1.2.a')],
    ['an OID arc past 2^53', () => derOid('1.2.9007199254740993')],
    ['a negative INTEGER', () => derInteger(-1)],
    ['a fractional INTEGER', () => derInteger(1.5)],
    ['8 unused bits', () => derBitString(Uint8Array.of(0), 8)],
    ['unused bits that are set', () => derBitString(Uint8Array.of(0x81), 1)],
    ['unused bits in an empty BIT STRING', () => derBitString(new Uint8Array(0), 1)],
    ['a high tag number', () => derElement(0x1f, new Uint8Array(0))],
    ['a tag past one octet', () => derElement(0x100, new Uint8Array(0))],
    ['context tag [31]', () => contextTag(31, false)],
  ])('%s', (_, write) => {
    let thrown: unknown;
    try {
      write();
    } catch (err) {
      thrown = err;
    }
    expect(CertflowError.is(thrown, 'ERR_CRYPTO')).toBe(true);
  });
});
