import { ECDH, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importPrivateKeyPem, pemEncode } from '../../../src/crypto/index.js';
import { readKeyFacts } from '../../../src/crypto/key-facts.js';
import { publicJwk } from '../../../src/crypto/keys.js';
import { CertflowError } from '../../../src/errors.js';

const curves = [
  { name: 'P-256', openssl: 'prime256v1', size: 256, bytes: 32 },
  { name: 'P-384', openssl: 'secp384r1', size: 384, bytes: 48 },
  { name: 'P-521', openssl: 'secp521r1', size: 521, bytes: 66 },
] as const;

function ecKeyDer(curve: string, type: 'sec1' | 'pkcs8'): Buffer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return privateKey.export({ type, format: 'der' });
}

/** `der` (a key ending with its uncompressed point, as node writes both forms) with `point`. */
function withPoint(der: Buffer, point: Uint8Array): Buffer {
  const copy = Buffer.from(der);
  Buffer.from(point).copy(copy, copy.length - point.byteLength);
  return copy;
}

/** A SEC1 ECPrivateKey for P-256 with scalar `d` and, when given, public point `point`. */
function p256Sec1(d: Uint8Array, point?: Uint8Array): Uint8Array {
  const tlv = (tag: number, ...parts: Uint8Array[]): Buffer => {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([tag, body.length]), body]);
  };
  return tlv(
    0x30,
    tlv(0x02, Buffer.from([1])),
    tlv(0x04, d),
    tlv(0xa0, Buffer.from('06082a8648ce3d030107', 'hex')),
    ...(point === undefined ? [] : [tlv(0xa1, tlv(0x03, Buffer.from([0]), point))]),
  );
}

async function expectRejected(pem: string, secretHex: string): Promise<void> {
  let caught: unknown;
  try {
    readKeyFacts(pem);
  } catch (err) {
    caught = err;
  }
  expect(CertflowError.is(caught, 'ERR_CRYPTO')).toBe(true);
  const message = (caught as Error).message;
  expect(message).toBe('ECDSA private key could not be imported');
  expect(message).not.toContain(secretHex.slice(0, 16));
  // The import rejects it too: the facts are never more lenient than the key they stand for.
  await expect(importPrivateKeyPem(pem)).rejects.toThrow('ECDSA private key could not be imported');
}

describe('a key whose public point was swapped for another key’s', () => {
  for (const curve of curves) {
    for (const [type, label] of [
      ['sec1', 'EC PRIVATE KEY'],
      ['pkcs8', 'PRIVATE KEY'],
    ] as const) {
      it(`${curve.name} ${type}: rejected, never read as the other key`, async () => {
        const der = ecKeyDer(curve.openssl, type);
        const other = ecKeyDer(curve.openssl, type);
        const otherPoint = other.subarray(other.length - (1 + 2 * curve.bytes));
        const genuine = pemEncode(label, der);
        expect(readKeyFacts(genuine)?.spec).toEqual({ algorithm: 'ECDSA', size: curve.size });
        await expectRejected(pemEncode(label, withPoint(der, otherPoint)), der.toString('hex'));
      });
    }
  }

  it('P-256 SEC1 with a compressed point: rejected', async () => {
    const der = ecKeyDer('prime256v1', 'sec1');
    const d = der.subarray(7, 39); // 30 77 02 01 01 04 20 <d>
    const other = ecKeyDer('prime256v1', 'sec1');
    const compress = (key: Buffer): Uint8Array =>
      ECDH.convertKey(
        key.subarray(key.length - 65),
        'prime256v1',
        undefined,
        undefined,
        'compressed',
      ) as Buffer;
    const genuine = pemEncode('EC PRIVATE KEY', p256Sec1(d, compress(der)));
    expect(readKeyFacts(genuine)?.spec).toEqual({ algorithm: 'ECDSA', size: 256 });
    await expectRejected(
      pemEncode('EC PRIVATE KEY', p256Sec1(d, compress(other))),
      d.toString('hex'),
    );
  });
});

// The order of P-256's base point: scalars must lie in [1, n - 1].
const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const scalar = (value: bigint, bytes = 32): Uint8Array =>
  Buffer.from(value.toString(16).padStart(bytes * 2, '0'), 'hex');

describe('P-256 scalars at the edges, without a public point: the facts agree with an import', () => {
  it.each([
    ['0', scalar(0n), false],
    ['1', scalar(1n), true],
    ['n - 1', scalar(n - 1n), true],
    ['n', scalar(n), false],
    ['n + 1', scalar(n + 1n), false],
    ['2^256 - 1', scalar(2n ** 256n - 1n), false],
    ['5, written in 31 bytes', scalar(5n, 31), true],
  ])('%s', async (_name, d, valid) => {
    const pem = pemEncode('EC PRIVATE KEY', p256Sec1(d));
    const imported = await importPrivateKeyPem(pem).then(
      (key) => key,
      () => undefined,
    );
    expect(imported !== undefined).toBe(valid);
    if (imported === undefined) {
      await expectRejected(pem, Buffer.from(d).toString('hex'));
    } else {
      expect(readKeyFacts(pem)?.publicJwk).toEqual(publicJwk(imported));
    }
  });
});
