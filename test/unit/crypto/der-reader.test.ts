import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import {
  booleanOf,
  children,
  oidOf,
  readDer,
  stringOf,
  timeOf,
  unsignedOf,
  valueOf,
} from '../../../src/crypto/der-reader.js';

const hex = (text: string): Uint8Array =>
  new Uint8Array(Buffer.from(text.replace(/ /g, ''), 'hex'));
const der = (value: asn1js.AsnType): Uint8Array => new Uint8Array(value.toBER(false));

function cryptoError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(CertflowError.is(err, 'ERR_CRYPTO')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a CryptoError');
}

describe('object identifiers read as asn1js writes them', () => {
  it.each([
    '1.2.840.113549.1.1.11',
    '2.5.29.17',
    '0.9.2342.19200300.100.1.25',
    '1.3.101.112',
    '2.999.3',
    '2.25.329800735698586629295641978511506172918',
    '1.2.9007199254740993.4',
  ])('%s', (oid) => {
    expect(oidOf(readDer(der(new asn1js.ObjectIdentifier({ value: oid })), 'oid'), 'oid')).toBe(
      oid,
    );
  });

  it('refuses an empty or unterminated one', () => {
    expect(cryptoError(() => oidOf(readDer(hex('0600'), 'the oid'), 'the oid'))).toMatch(/the oid/);
    expect(cryptoError(() => oidOf(readDer(hex('06012a81'), 'x'), 'x'))).toMatch(/trailing/);
    expect(cryptoError(() => oidOf(readDer(hex('060181'), 'x'), 'x'))).toMatch(/malformed/);
  });
});

describe('lengths', () => {
  it('reads short and long forms', () => {
    const long = new Uint8Array(300).fill(7);
    const element = readDer(der(new asn1js.OctetString({ valueHex: long.buffer })), 'x');
    expect(valueOf(element)).toEqual(long);
    expect(valueOf(readDer(hex('04 81 01 aa'), 'x'))).toEqual(hex('aa'));
  });

  it.each([
    ['the indefinite form', '30 80 00 00', /indefinite/],
    ['a value cut short', '30 05 02 01 01', /truncated/],
    ['a length cut short', '04 82 01', /not valid DER/],
    ['a five-byte length', '04 85 00 00 00 00 01 00', /not valid DER/],
    ['trailing bytes', '05 00 00', /1 trailing bytes/],
    ['nothing', '', /truncated/],
  ])('refuses %s', (_name, bytes, message) => {
    expect(cryptoError(() => children(readDer(hex(bytes), 'x'), 'x'))).toMatch(message);
  });

  it('refuses to read into a primitive element', () => {
    expect(cryptoError(() => children(readDer(hex('04 02 30 00'), 'x'), 'x'))).toMatch(/malformed/);
  });
});

describe('times', () => {
  it.each([
    [
      'UTCTime 49 is 2049',
      new asn1js.UTCTime({ value: '491231235959Z' }),
      '2049-12-31T23:59:59.000Z',
    ],
    [
      'UTCTime 50 is 1950',
      new asn1js.UTCTime({ value: '500101000000Z' }),
      '1950-01-01T00:00:00.000Z',
    ],
    [
      'GeneralizedTime',
      new asn1js.GeneralizedTime({ value: '20800229120000Z' }),
      '2080-02-29T12:00:00.000Z',
    ],
    [
      'GeneralizedTime with fractional seconds',
      new asn1js.GeneralizedTime({ value: '20300101000000.25Z' }),
      '2030-01-01T00:00:00.250Z',
    ],
  ])('%s', (_name, value, iso) => {
    expect(timeOf(readDer(der(value), 't'), 't').toISOString()).toBe(iso);
  });

  it.each([
    ['a UTCTime without seconds', '17 0b 3439313233313233353959'],
    ['a GeneralizedTime with an offset', '18 13 32303330303130313030303030302b30313030'],
    ['a GeneralizedTime without Z', '18 0e 3230333030313031303030303030'],
    ['an INTEGER', '02 01 01'],
  ])('refuses %s', (_name, bytes) => {
    expect(cryptoError(() => timeOf(readDer(hex(bytes), 'the time'), 'the time'))).toMatch(
      /the time/,
    );
  });
});

describe('strings read as asn1js reads them', () => {
  const read = (value: asn1js.AsnType | Uint8Array): string | undefined => {
    const bytes = value instanceof Uint8Array ? value : der(value);
    const element = readDer(bytes, 's');
    const expected = value instanceof Uint8Array ? asn1js.fromBER(bytes).result : value;
    const text = stringOf(element, 's');
    expect(text).toBe((expected as asn1js.BaseStringBlock).getValue());
    return text;
  };

  it.each([
    ['UTF8String', new asn1js.Utf8String({ value: 'Grüße ☃ 日本' })],
    ['PrintableString', new asn1js.PrintableString({ value: 'Acme Inc.' })],
    ['IA5String', new asn1js.IA5String({ value: 'ops@example.test' })],
    ['BMPString', new asn1js.BmpString({ value: 'Wörk ☃' })],
    ['UniversalString', new asn1js.UniversalString({ value: 'Wörk 𝄞' })],
    ['TeletexString with Latin-1 octets', hex('14 03 57 f6 72')],
    ['UTF8String that is not UTF-8', hex('0c 02 c3 28')],
    ['UniversalString with a lone surrogate', hex('1c 08 0000d800 00000041')],
    ['UniversalString past U+10FFFF', hex('1c 04 00110000')],
  ])('%s', (_name, value) => {
    expect(read(value)).toBeTypeOf('string');
  });

  it('a BMPString of odd length is malformed', () => {
    expect(cryptoError(() => stringOf(readDer(hex('1e 03 00 41 00'), 's'), 'the name'))).toMatch(
      /the name/,
    );
  });

  it('an INTEGER is not a string', () => {
    expect(stringOf(readDer(hex('02 01 05'), 's'), 's')).toBeUndefined();
  });
});

describe('integers and booleans', () => {
  it('drops leading zero octets from a magnitude, keeping one for zero', () => {
    expect(unsignedOf(readDer(hex('02 03 00 00 ff'), 'i'), 'i')).toEqual(hex('ff'));
    expect(unsignedOf(readDer(hex('02 02 00 00'), 'i'), 'i')).toEqual(hex('00'));
  });

  it('reads BER booleans', () => {
    expect(booleanOf(readDer(hex('01 01 ff'), 'b'), 'b')).toBe(true);
    expect(booleanOf(readDer(hex('01 01 01'), 'b'), 'b')).toBe(true);
    expect(booleanOf(readDer(hex('01 01 00'), 'b'), 'b')).toBe(false);
    cryptoError(() => booleanOf(readDer(hex('01 00'), 'b'), 'b'));
  });
});
