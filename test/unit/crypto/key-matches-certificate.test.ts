import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import {
  generatePrivateKey,
  importPrivateKeyPem,
  keyMatchesCertificate,
  pemDecode,
} from '../../../src/crypto/index.js';
import { createWorkdir, type Workdir } from './openssl.js';

let work: Workdir;
beforeAll(async () => {
  work = await createWorkdir();
});
afterAll(async () => {
  await work.remove();
});

const keyTypes: Record<string, string[]> = {
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ed25519: ['-algorithm', 'ED25519'],
};

async function opensslPair(name: string, args: string[]): Promise<{ key: string; cert: string }> {
  await work.opensslOk('genpkey', ...args, '-out', `${name}.key`);
  await work.opensslOk(
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    `/CN=${name}`,
    '-out',
    `${name}.pem`,
  );
  return { key: await work.read(`${name}.key`), cert: await work.read(`${name}.pem`) };
}

describe('keyMatchesCertificate', () => {
  for (const [name, args] of Object.entries(keyTypes)) {
    it(`${name}: true for its own certificate, false for another key's`, async () => {
      const own = await opensslPair(name, args);
      const other = await opensslPair(`${name}-other`, args);
      const key = await importPrivateKeyPem(own.key);
      expect(await keyMatchesCertificate(key, own.cert)).toBe(true);
      expect(await keyMatchesCertificate(key, pemDecode(own.cert, 'CERTIFICATE'))).toBe(true);
      expect(await keyMatchesCertificate(key, other.cert)).toBe(false);
    });
  }

  it('false across algorithms', async () => {
    const ed = await opensslPair('cross-ed', keyTypes.ed25519 ?? []);
    for (const spec of [{ algorithm: 'RSA' }, { algorithm: 'ECDSA' }] as const) {
      expect(await keyMatchesCertificate(await generatePrivateKey(spec), ed.cert)).toBe(false);
    }
  });

  it('true for a certificate whose EC point is compressed', async () => {
    await work.opensslOk('genpkey', ...(keyTypes.p256 ?? []), '-out', 'c.key');
    await work.opensslOk(
      'ec',
      '-in',
      'c.key',
      '-pubout',
      '-conv_form',
      'compressed',
      '-out',
      'c.pub',
    );
    await work.opensslOk('req', '-new', '-key', 'c.key', '-subj', '/CN=c', '-out', 'c.csr');
    await work.opensslOk(
      'x509',
      '-req',
      '-in',
      'c.csr',
      '-signkey',
      'c.key',
      '-force_pubkey',
      'c.pub',
      '-out',
      'c.pem',
    );
    const text = (await work.opensslOk('x509', '-in', 'c.pem', '-noout', '-text')).stdout;
    expect(text).toMatch(/pub:\s*\n\s+0[23]:/); // really compressed
    const key = await importPrivateKeyPem(await work.read('c.key'));
    expect(await keyMatchesCertificate(key, await work.read('c.pem'))).toBe(true);
  });

  it('a malformed certificate is a CryptoError', async () => {
    const key = await generatePrivateKey({ algorithm: 'Ed25519' });
    const err = await keyMatchesCertificate(key, 'not a certificate').catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_CRYPTO')).toBe(true);
  });
});
