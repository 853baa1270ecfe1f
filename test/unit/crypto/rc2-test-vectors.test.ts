import { describe, expect, it } from 'vitest';
import { rc2CbcEncrypt, rc2EncryptBlock } from '../../../src/crypto/rc2.js';
import type { CertflowError } from '../../../src/errors.js';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('RC2 matches the RFC 2268 test vectors', () => {
  // RFC 2268 section 5: key, effective key bits, plaintext, ciphertext.
  it.each([
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    [
      '88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e',
      129,
      '0000000000000000',
      '5b78d3a43dfff1f1',
    ],
  ])('key %s, %i effective bits', (key, bits, plain, cipher) => {
    expect(toHex(rc2EncryptBlock(hex(key), bits, hex(plain)))).toBe(cipher);
  });

  it('chains blocks in CBC mode and pads with PKCS#7', () => {
    const key = hex('88bca90e90875a7f0f79c384627bafb2');
    const iv = hex('0102030405060708');
    const plain = hex('00112233445566778899aabbccddeeff');
    const out = rc2CbcEncrypt(key, 64, iv, plain);
    // two full blocks plus one block of padding
    expect(out.byteLength).toBe(24);
    const first = rc2EncryptBlock(
      key,
      64,
      plain.slice(0, 8).map((b, i) => b ^ iv[i]!),
    );
    expect(toHex(out.slice(0, 8))).toBe(toHex(first));
    const second = rc2EncryptBlock(
      key,
      64,
      plain.slice(8, 16).map((b, i) => b ^ first[i]!),
    );
    expect(toHex(out.slice(8, 16))).toBe(toHex(second));
    const padding = rc2EncryptBlock(
      key,
      64,
      new Uint8Array(8).fill(8).map((b, i) => b ^ second[i]!),
    );
    expect(toHex(out.slice(16))).toBe(toHex(padding));
  });

  it.each([
    [
      'an empty key',
      () => rc2CbcEncrypt(new Uint8Array(0), 40, new Uint8Array(8), new Uint8Array(1)),
    ],
    [
      'a short IV',
      () => rc2CbcEncrypt(new Uint8Array(5), 40, new Uint8Array(7), new Uint8Array(1)),
    ],
    ['0 effective bits', () => rc2EncryptBlock(new Uint8Array(5), 0, new Uint8Array(8))],
  ])('rejects %s', (_name, call) => {
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }) as CertflowError);
  });
});
