import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCsr,
  generatePrivateKey,
  signCertificate,
  type PrivateKey,
} from '../../../src/crypto/index.js';
import {
  encodePkcs12Keystore,
  encodePkcs12Truststore,
  type Pkcs12Profile,
} from '../../../src/crypto/pkcs12.js';
import { createWorkdir, opensslSpki, type Workdir } from './openssl.js';

const day = 24 * 3_600_000;
const now = Date.now();

async function issue(
  subject: string,
  key: PrivateKey,
  issuer?: { key: PrivateKey; pem: string },
  isCA = false,
): Promise<string> {
  const { pem } = await createCsr(
    { subject: { commonName: subject }, dnsNames: isCA ? [] : [subject], isCA },
    key,
  );
  return signCertificate({
    csr: pem,
    issuerKey: issuer?.key ?? key,
    ...(issuer === undefined ? {} : { issuerCertificate: issuer.pem }),
    notBefore: new Date(now - day),
    notAfter: new Date(now + day),
    isCA,
  });
}

describe('PKCS#12 keystores and trust stores are read by openssl pkcs12', () => {
  let work: Workdir;
  let leafKey: PrivateKey;
  let root: string;
  let intermediate: string;
  let leaf: string;
  beforeAll(async () => {
    work = await createWorkdir();
    const rootKey = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    const intermediateKey = await generatePrivateKey({ algorithm: 'ECDSA', size: 384 });
    leafKey = await generatePrivateKey({ algorithm: 'RSA', size: 2048 });
    root = await issue('Root CA', rootKey, undefined, true);
    intermediate = await issue(
      'Intermediate CA',
      intermediateKey,
      { key: rootKey, pem: root },
      true,
    );
    leaf = await issue('web.example.test', leafKey, { key: intermediateKey, pem: intermediate });
  });
  afterAll(async () => {
    await work?.remove();
  });

  // The -legacy flag loads OpenSSL 3's legacy provider, which holds RC2.
  it.each([
    [
      'LegacyRC2',
      ['-legacy'],
      /pbeWithSHA1And40BitRC2-CBC/,
      /pbeWithSHA1And3-KeyTripleDES-CBC/,
      /MAC: sha1, Iteration 1\b/,
    ],
    [
      'LegacyDES',
      [],
      /pbeWithSHA1And3-KeyTripleDES-CBC/,
      /pbeWithSHA1And3-KeyTripleDES-CBC/,
      /MAC: sha1, Iteration 1\b/,
    ],
    [
      'Modern2023',
      [],
      /PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/,
      /PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/,
      /MAC: sha256, Iteration 2048/,
    ],
  ] as const)('%s', async (profile, flags, certAlgorithm, keyAlgorithm, mac) => {
    const p12 = await encodePkcs12Keystore({
      key: leafKey,
      chainPem: leaf + intermediate,
      caPem: root,
      password: 'pässword',
      profile: profile as Pkcs12Profile,
    });
    const file = await work.write(`${profile}.p12`, p12);
    const info = await work.opensslOk(
      'pkcs12',
      ...flags,
      '-info',
      '-noout',
      '-in',
      file,
      '-passin',
      'pass:pässword',
    );
    expect(info.stderr).toMatch(mac);
    expect(info.stderr).toMatch(new RegExp(`PKCS7 Encrypted data: ${certAlgorithm.source}`));
    expect(info.stderr).toMatch(new RegExp(`Shrouded Keybag: ${keyAlgorithm.source}`));

    const out = await work.opensslOk(
      'pkcs12',
      ...flags,
      '-in',
      file,
      '-passin',
      'pass:pässword',
      '-nodes',
      '-out',
      `${profile}.pem`,
    );
    expect(out.code).toBe(0);
    const pem = await work.read(`${profile}.pem`);
    // the leaf, its issuer and the root, in that order, and the key that matches the leaf
    const subjects = [...pem.matchAll(/^subject=(.*)$/gm)].map((m) => m[1]);
    expect(subjects).toEqual(['CN = web.example.test', 'CN = Intermediate CA', 'CN = Root CA']);
    expect(pem).toMatch(/localKeyID/);
    await work.write(`${profile}-key.pem`, pem.slice(pem.indexOf('-----BEGIN PRIVATE KEY-----')));
    await work.write(`${profile}-leaf.pem`, leaf);
    expect(Buffer.from(await opensslSpki(work, 'key', work.file(`${profile}-key.pem`)))).toEqual(
      Buffer.from(await opensslSpki(work, 'cert', work.file(`${profile}-leaf.pem`))),
    );

    const wrong = await work.openssl(
      'pkcs12',
      ...flags,
      '-in',
      file,
      '-passin',
      'pass:wrong',
      '-nodes',
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/mac verify/i);
  });

  it('needs -legacy for the RC2 profile on OpenSSL 3, and not for the others', async () => {
    for (const profile of ['LegacyRC2', 'LegacyDES', 'Modern2023'] as const) {
      const p12 = await encodePkcs12Keystore({
        key: leafKey,
        chainPem: leaf,
        password: 'x',
        profile,
      });
      const file = await work.write(`plain-${profile}.p12`, p12);
      const result = await work.openssl('pkcs12', '-in', file, '-passin', 'pass:x', '-nodes');
      expect({ profile, ok: result.code === 0 }).toEqual({ profile, ok: profile !== 'LegacyRC2' });
    }
  });

  it.each(['LegacyRC2', 'LegacyDES', 'Modern2023'] as const)(
    'a %s trust store',
    async (profile) => {
      const p12 = encodePkcs12Truststore({
        caPem: root + intermediate,
        password: 'changeit',
        profile,
      });
      const file = await work.write(`trust-${profile}.p12`, p12);
      const flags = profile === 'LegacyRC2' ? ['-legacy'] : [];
      const out = await work.opensslOk(
        'pkcs12',
        ...flags,
        '-in',
        file,
        '-passin',
        'pass:changeit',
        '-nokeys',
      );
      expect([...out.stdout.matchAll(/friendlyName: (.*)$/gm)].map((m) => m[1])).toEqual([
        'CN=Root CA',
        'CN=Intermediate CA',
      ]);
      expect(out.stdout).toMatch(
        /2\.16\.840\.1\.113894\.746875\.1\.1: <Unsupported tag 6>|Trusted key usage \(Oracle\): Any Extended Key Usage/,
      );
      expect(out.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    },
  );

  it('rejects an empty password and characters outside the BMP', async () => {
    await expect(
      encodePkcs12Keystore({ key: leafKey, chainPem: leaf, password: '' }),
    ).rejects.toMatchObject({ code: 'ERR_VALIDATION', field: 'password' });
    expect(() => encodePkcs12Truststore({ caPem: root, password: 'key-\u{1F511}' })).toThrow(
      /Basic Multilingual Plane/,
    );
  });
});
