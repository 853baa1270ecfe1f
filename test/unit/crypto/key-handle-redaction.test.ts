import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import {
  exportPrivateKeyPem,
  generatePrivateKey,
  type KeySpec,
} from '../../../src/crypto/index.js';

const specs: KeySpec[] = [
  { algorithm: 'RSA' },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'Ed25519' },
];

describe('a PrivateKey handle does not show key material', () => {
  for (const spec of specs) {
    it(`${spec.algorithm}: JSON, inspect, String and spread show only the spec`, async () => {
      const key = await generatePrivateKey(spec);
      const jwk = await globalThis.crypto.subtle.exportKey('jwk', key.privateKey);
      const pkcs8Body = (await exportPrivateKeyPem(key)).split('\n').slice(1, -2).join('');
      const secret = String(jwk.d);
      expect(secret.length).toBeGreaterThan(20);

      const views = [
        JSON.stringify(key),
        JSON.stringify({ nested: { key } }),
        inspect(key, { depth: 10, showHidden: true }),
        inspect({ key }, { depth: 10 }),
        String(key),
        `${key}`,
        JSON.stringify({ ...key }),
      ];
      for (const view of views) {
        expect(view).not.toContain(secret);
        expect(view).not.toContain(pkcs8Body.slice(20, 60));
        expect(view).toContain(spec.algorithm);
      }
      expect(JSON.parse(JSON.stringify(key))).toEqual({
        algorithm: key.spec.algorithm,
        size: key.spec.size,
      });
      expect(Object.keys({ ...key })).toEqual(['spec']);
      // The keys are still there for the code that needs them.
      expect(key.privateKey.type).toBe('private');
      expect(key.publicKey.type).toBe('public');
      expect(Object.isFrozen(key)).toBe(true);
    });
  }
});

describe('generatePrivateKey validates the spec', () => {
  it.each([
    [{ algorithm: 'RSA', size: 1024 }, 'size'],
    [{ algorithm: 'RSA', size: 2047 }, 'size'],
    [{ algorithm: 'ECDSA', size: 224 }, 'size'],
    [{ algorithm: 'DSA' }, 'algorithm'],
  ] as [KeySpec, string][])('%j is refused on %s', async (spec, field) => {
    const err = await generatePrivateKey(spec).catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_VALIDATION')).toBe(true);
    expect((err as { field: string }).field).toBe(field);
  });

  it.each([
    [{ algorithm: 'RSA' }, { algorithm: 'RSA', size: 2048 }],
    [{ algorithm: 'ECDSA' }, { algorithm: 'ECDSA', size: 256 }],
    [
      { algorithm: 'Ed25519', size: 4096 },
      { algorithm: 'Ed25519', size: 0 },
    ],
  ] as [KeySpec, Required<KeySpec>][])('%j defaults to %j', async (spec, expected) => {
    expect((await generatePrivateKey(spec)).spec).toEqual(expected);
  });

  it('refuses an unknown export encoding', async () => {
    const key = await generatePrivateKey({ algorithm: 'Ed25519' });
    const err = await exportPrivateKeyPem(key, 'PEM' as 'PKCS8').catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_VALIDATION')).toBe(true);
  });
});
