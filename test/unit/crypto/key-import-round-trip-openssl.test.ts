// importPrivateKeyPem takes RSA and EC keys through their JWK members and the rest through
// PKCS#8; either way the key must sign, export unchanged, and be the key openssl sees.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import {
  createCsr,
  exportPrivateKeyPem,
  generatePrivateKey,
  importPrivateKeyPem,
  parseCsr,
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

const specs: KeySpec[] = [
  { algorithm: 'RSA', size: 2048 },
  { algorithm: 'ECDSA', size: 256 },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'ECDSA', size: 521 },
  { algorithm: 'Ed25519' },
];

/** The key signs a CSR that verifies, and its public half is the one node reads from the PEM. */
async function expectUsable(pem: string): Promise<void> {
  const key = await importPrivateKeyPem(pem);
  const csr = await parseCsr((await createCsr({ subject: { commonName: 'k' } }, key)).pem);
  expect(csr.signatureValid).toBe(true);
  const expected = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
  expect(Buffer.from(await publicKeySpkiDer(key))).toEqual(expected);
  expect(Buffer.from(csr.publicKeySpki)).toEqual(expected);
}

describe('a key written by certflow reads back and writes out unchanged', () => {
  for (const spec of specs) {
    for (const encoding of ['PKCS8', 'PKCS1'] as const) {
      it(`${spec.algorithm} ${spec.size ?? ''} ${encoding}`, async () => {
        const pem = await exportPrivateKeyPem(await generatePrivateKey(spec), encoding);
        const key = await importPrivateKeyPem(pem);
        expect(key.spec).toEqual({ algorithm: spec.algorithm, size: spec.size ?? 0 });
        // The Secret's tls.key is compared as text: a re-export must not change it.
        expect(await exportPrivateKeyPem(key, encoding)).toBe(pem);
        await expectUsable(pem);
      });
    }
  }
});

describe('keys that take the PKCS#8 path', () => {
  it('a three-prime RSA key', async () => {
    await work.opensslOk(
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-pkeyopt',
      'rsa_keygen_primes:3',
      '-out',
      'mp.pem',
    );
    await work.opensslOk('rsa', '-in', 'mp.pem', '-traditional', '-out', 'mp1.pem');
    for (const file of ['mp.pem', 'mp1.pem']) {
      const key = await importPrivateKeyPem(await work.read(file));
      expect(key.spec).toEqual({ algorithm: 'RSA', size: 2048 });
      await expectUsable(await work.read(file));
    }
  });

  it('an EC key without its public point, and Ed25519', async () => {
    await work.opensslOk('ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'full.pem');
    await work.opensslOk('ec', '-in', 'full.pem', '-no_public', '-out', 'bare.pem');
    await work.opensslOk('pkcs8', '-topk8', '-nocrypt', '-in', 'bare.pem', '-out', 'bare8.pem');
    await work.opensslOk('genpkey', '-algorithm', 'ED25519', '-out', 'ed.pem');
    for (const file of ['bare.pem', 'bare8.pem', 'ed.pem']) {
      await expectUsable(await work.read(file));
      const key = await importPrivateKeyPem(await work.read(file));
      expect(Buffer.from(await publicKeySpkiDer(key))).toEqual(
        Buffer.from(await opensslSpki(work, 'key', work.file(file))),
      );
    }
    // Written out, the bare key carries its public point again, as the full key does.
    const full = await importPrivateKeyPem(await work.read('full.pem'));
    for (const file of ['bare.pem', 'bare8.pem']) {
      const bare = await importPrivateKeyPem(await work.read(file));
      for (const encoding of ['PKCS1', 'PKCS8'] as const) {
        expect(await exportPrivateKeyPem(bare, encoding)).toBe(
          await exportPrivateKeyPem(full, encoding),
        );
      }
    }
  });
});

describe('an EC key whose public point is not its own', () => {
  it('is refused without quoting the key', async () => {
    await work.opensslOk('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'a.pem');
    await work.opensslOk('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'b.pem');
    const derOf = async (file: string): Promise<Buffer> => {
      await work.opensslOk('ec', '-in', file, '-outform', 'DER', '-out', `${file}.der`);
      return Buffer.from(await work.readBytes(`${file}.der`));
    };
    const [derA, derB] = [await derOf('a.pem'), await derOf('b.pem')];
    // SEC1 ends with publicKey [1] BIT STRING: the last 65 octets are the uncompressed point;
    // the private scalar sits at octets 7 to 39.
    const spliced = Buffer.concat([derA.subarray(0, -65), derB.subarray(-65)]);
    const pem = `-----BEGIN EC PRIVATE KEY-----\n${spliced.toString('base64')}\n-----END EC PRIVATE KEY-----\n`;
    const err = await importPrivateKeyPem(pem).catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_CRYPTO')).toBe(true);
    const text = `${(err as Error).message} ${String((err as Error).cause ?? '')}`;
    expect(text).not.toContain(derA.subarray(7, 39).toString('hex').slice(0, 16));
    expect(text).not.toContain(derA.subarray(7, 39).toString('base64').slice(0, 16));
  });
});
