import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportPrivateKeyPem,
  generatePrivateKey,
  importPrivateKeyPem,
  publicKeySpkiDer,
  type KeySpec,
} from '../../../src/crypto/index.js';
import { createWorkdir, opensslSpki, type Workdir } from './openssl.js';

let work: Workdir;
beforeAll(async () => {
  work = await createWorkdir();
});
afterAll(async () => {
  await work.remove();
});

// What `openssl pkey -text` prints first, and the PEM label each encoding must produce.
const cases: {
  spec: KeySpec;
  size: number;
  text: RegExp;
  pkcs1Label: string;
}[] = [
  {
    spec: { algorithm: 'RSA' },
    size: 2048,
    text: /Private-Key: \(2048 bit, 2 primes\)/,
    pkcs1Label: 'RSA PRIVATE KEY',
  },
  {
    spec: { algorithm: 'RSA', size: 3072 },
    size: 3072,
    text: /Private-Key: \(3072 bit, 2 primes\)/,
    pkcs1Label: 'RSA PRIVATE KEY',
  },
  {
    spec: { algorithm: 'ECDSA' },
    size: 256,
    text: /Private-Key: \(256 bit\)[\s\S]*NIST CURVE: P-256/,
    pkcs1Label: 'EC PRIVATE KEY',
  },
  {
    spec: { algorithm: 'ECDSA', size: 384 },
    size: 384,
    text: /Private-Key: \(384 bit\)[\s\S]*NIST CURVE: P-384/,
    pkcs1Label: 'EC PRIVATE KEY',
  },
  {
    spec: { algorithm: 'ECDSA', size: 521 },
    size: 521,
    text: /Private-Key: \(521 bit\)[\s\S]*NIST CURVE: P-521/,
    pkcs1Label: 'EC PRIVATE KEY',
  },
  {
    spec: { algorithm: 'Ed25519' },
    size: 0,
    text: /ED25519 Private-Key:/,
    pkcs1Label: 'PRIVATE KEY',
  },
];

describe('generated keys exported as PEM read back in openssl', () => {
  for (const { spec, size, text, pkcs1Label } of cases) {
    for (const encoding of ['PKCS8', 'PKCS1'] as const) {
      const label = encoding === 'PKCS8' ? 'PRIVATE KEY' : pkcs1Label;
      it(`${spec.algorithm} ${spec.size ?? 'default'} as ${encoding} → ${label}`, async () => {
        const key = await generatePrivateKey(spec);
        expect(key.spec).toEqual({ algorithm: spec.algorithm, size });

        const pem = await exportPrivateKeyPem(key, encoding);
        expect(pem.startsWith(`-----BEGIN ${label}-----\n`)).toBe(true);
        const file = await work.write(`${spec.algorithm}-${size}-${encoding}.pem`, pem);

        const shown = await work.opensslOk('pkey', '-in', file, '-noout', '-text');
        expect(shown.stdout).toMatch(text);

        // openssl derives the same public key, and the PEM imports back to the same key.
        const spki = await publicKeySpkiDer(key);
        expect(Buffer.from(await opensslSpki(work, 'key', file))).toEqual(Buffer.from(spki));
        const back = await importPrivateKeyPem(pem);
        expect(back.spec).toEqual(key.spec);
        expect(Buffer.from(await publicKeySpkiDer(back))).toEqual(Buffer.from(spki));
      });
    }
  }

  it('exports PKCS#8 by default', async () => {
    const key = await generatePrivateKey({ algorithm: 'ECDSA' });
    expect(await exportPrivateKeyPem(key)).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('RSA 4096 as PKCS#1', async () => {
    const key = await generatePrivateKey({ algorithm: 'RSA', size: 4096 });
    const pem = await exportPrivateKeyPem(key, 'PKCS1');
    expect(pem.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    const file = await work.write('rsa-4096.pem', pem);
    const shown = await work.opensslOk('pkey', '-in', file, '-noout', '-text');
    expect(shown.stdout).toMatch(/Private-Key: \(4096 bit, 2 primes\)/);
    expect(key.spec).toEqual({ algorithm: 'RSA', size: 4096 });
  });
});
