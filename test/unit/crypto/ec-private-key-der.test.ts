import type { KeyObject } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  exportPrivateKeyPem,
  importPrivateKeyPem,
  pemEncode,
  type PrivateKey,
} from '../../../src/crypto/index.js';
import { ecPrivateKeyPem, readKeyFacts } from '../../../src/crypto/key-facts.js';

// What node (OpenSSL's encoders) writes for the key: the reference certflow's own DER must match.
function nodePem(key: KeyObject, type: 'pkcs8' | 'sec1'): string {
  const label = type === 'pkcs8' ? 'PRIVATE KEY' : 'EC PRIVATE KEY';
  return pemEncode(label, key.export({ type, format: 'der' }));
}

async function imported(key: KeyObject): Promise<PrivateKey> {
  return importPrivateKeyPem(nodePem(key, 'pkcs8'));
}

/** A key whose scalar starts with a zero byte: its DER still carries the full length. */
function keyWithShortScalar(curve: string): KeyObject {
  for (let i = 0; i < 20_000; i++) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    if (d[0] === 0) return privateKey;
  }
  throw new Error('no key with a leading zero byte found');
}

describe('EC private keys written from their numbers', () => {
  for (const curve of ['P-256', 'P-384', 'P-521']) {
    it(`${curve}: byte for byte what node writes, PKCS#8 and SEC1, from a key or its facts`, async () => {
      const keys = Array.from(
        { length: 20 },
        () => generateKeyPairSync('ec', { namedCurve: curve }).privateKey,
      );
      keys.push(keyWithShortScalar(curve));
      for (const key of keys) {
        const privateKey = await imported(key);
        const pkcs8 = nodePem(key, 'pkcs8');
        const sec1 = nodePem(key, 'sec1');
        expect(await exportPrivateKeyPem(privateKey, 'PKCS8')).toBe(pkcs8);
        expect(await exportPrivateKeyPem(privateKey, 'PKCS1')).toBe(sec1);
        for (const pem of [pkcs8, sec1]) {
          const facts = readKeyFacts(pem)!;
          expect(ecPrivateKeyPem(pem, facts, 'PKCS8')).toBe(pkcs8);
          expect(ecPrivateKeyPem(pem, facts, 'PKCS1')).toBe(sec1);
        }
      }
    });
  }

  it('leaves other keys to node', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const key = await importPrivateKeyPem(
      pemEncode('PRIVATE KEY', rsa.export({ type: 'pkcs8', format: 'der' })),
    );
    expect(await exportPrivateKeyPem(key, 'PKCS1')).toBe(
      pemEncode('RSA PRIVATE KEY', rsa.export({ type: 'pkcs1', format: 'der' })),
    );
    const pem = pemEncode('PRIVATE KEY', rsa.export({ type: 'pkcs8', format: 'der' }));
    expect(ecPrivateKeyPem(pem, readKeyFacts(pem)!, 'PKCS8')).toBeUndefined();
  });
});
