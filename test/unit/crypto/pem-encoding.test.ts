import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { pemDecode, pemEncode, splitPemChain } from '../../../src/crypto/index.js';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe('pemEncode', () => {
  it('wraps base64 at 64 characters and ends with a newline', () => {
    const pem = pemEncode('CERTIFICATE', bytes(100)); // 136 base64 characters
    const lines = pem.split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.slice(1, 4).map((line) => line.length)).toEqual([64, 64, 8]);
    expect(lines[4]).toBe('-----END CERTIFICATE-----');
    expect(lines[5]).toBe('');
    expect(lines.slice(1, 4).join('')).toBe(Buffer.from(bytes(100)).toString('base64'));
  });

  it('encodes a view, not its whole buffer', () => {
    const whole = bytes(32);
    const view = whole.subarray(8, 16);
    expect(pemDecode(pemEncode('X', view))).toEqual(whole.slice(8, 16));
  });

  it.each(['', 'lower case', ' LEADING', 'A--B'])('refuses the label %j', (label) => {
    expect(() => pemEncode(label, bytes(1))).toThrow(CertflowError);
  });
});

describe('pemDecode', () => {
  it('round-trips and tolerates CRLF, indentation and surrounding text', () => {
    const der = bytes(200);
    const pem = pemEncode('PRIVATE KEY', der);
    expect(pemDecode(pem)).toEqual(der);
    const messy = `Bag Attributes: x\r\n${pem.replace(/\n/g, '\r\n  ')}trailing words`;
    expect(pemDecode(messy, 'PRIVATE KEY')).toEqual(der);
  });

  it('picks the first block with the asked label', () => {
    const pem = pemEncode('EC PARAMETERS', bytes(3)) + pemEncode('EC PRIVATE KEY', bytes(9));
    expect(pemDecode(pem)).toEqual(bytes(3));
    expect(pemDecode(pem, 'EC PRIVATE KEY')).toEqual(bytes(9));
  });

  it.each([
    ['no block', 'just text', undefined, /no PEM block/],
    [
      'no block with that label',
      pemEncode('CERTIFICATE', bytes(4)),
      'PRIVATE KEY',
      /no "PRIVATE KEY"/,
    ],
    ['an empty body', '-----BEGIN X-----\n-----END X-----\n', undefined, /base64/],
    ['a bad base64 length', '-----BEGIN X-----\nAAA\n-----END X-----\n', undefined, /base64/],
    ['non-base64 characters', '-----BEGIN X-----\nA*AA\n-----END X-----\n', undefined, /base64/],
    [
      'headers',
      '-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END X-----\n',
      undefined,
      /headers/,
    ],
    ['a mismatched END', '-----BEGIN X-----\nAAAA\n-----END Y-----\n', undefined, /ends with/],
  ])('refuses %s', (_name, pem, label, message) => {
    let caught: unknown;
    try {
      pemDecode(pem, label);
    } catch (err) {
      caught = err;
    }
    expect(CertflowError.is(caught, 'ERR_CRYPTO')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('splitPemChain', () => {
  it('returns each CERTIFICATE block normalised, in order, skipping other blocks', () => {
    const a = pemEncode('CERTIFICATE', bytes(70));
    const b = pemEncode('CERTIFICATE', bytes(5));
    const key = pemEncode('PRIVATE KEY', bytes(10));
    const body = Buffer.from(bytes(5)).toString('base64');
    const rewrapped = `-----BEGIN CERTIFICATE-----\n${body.slice(0, 3)}\n  ${body.slice(3)}\n-----END CERTIFICATE-----`;
    const bundle = `intro\n${a.replace(/\n/g, '\r\n')}\n\n${key}${rewrapped}`;
    expect(splitPemChain(bundle)).toEqual([a, b]);
  });

  it('gives [] for text without certificates', () => {
    expect(splitPemChain('')).toEqual([]);
    expect(splitPemChain(pemEncode('PRIVATE KEY', bytes(3)))).toEqual([]);
  });

  it('throws on a damaged certificate block rather than dropping it', () => {
    expect(() =>
      splitPemChain('-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----'),
    ).toThrow(/base64/);
  });
});
