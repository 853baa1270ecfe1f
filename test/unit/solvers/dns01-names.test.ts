import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { computeDns01Value, dns01RecordName } from '../../../src/solvers/dns01.js';

describe('dns01RecordName', () => {
  it.each([
    ['example.com', '_acme-challenge.example.com.'],
    ['example.com.', '_acme-challenge.example.com.'],
    ['*.example.com', '_acme-challenge.example.com.'],
    ['www.sub.example.test', '_acme-challenge.www.sub.example.test.'],
    ['xn--bcher-kva.example', '_acme-challenge.xn--bcher-kva.example.'],
  ])('%s → %s', (name, record) => {
    expect(dns01RecordName(name)).toBe(record);
  });

  it.each(['', '.', '*.', 'a..b', '.example.com', 'a b.example', 'x.*.example'])(
    'rejects %j with a ValidationError',
    (name) => {
      expect(() => dns01RecordName(name)).toThrow(ValidationError);
    },
  );
});

describe('computeDns01Value', () => {
  it.each([
    // SHA-256 test vectors (FIPS 180-2), base64url without padding.
    ['', '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'],
    ['abc', 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'],
  ])('of %j is %s', (input, value) => {
    expect(computeDns01Value(input)).toBe(value);
  });

  it('is the unpadded base64url SHA-256 of a key authorization', () => {
    const keyAuthorization =
      'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ';
    const value = computeDns01Value(keyAuthorization);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(value, 'base64url')).toEqual(
      createHash('sha256').update(keyAuthorization).digest(),
    );
  });
});
