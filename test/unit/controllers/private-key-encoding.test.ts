import { describe, expect, it } from 'vitest';
import { importPrivateKeyPem, keyMatchesCertificate } from '../../../src/crypto/index.js';
import {
  certificate,
  eventually,
  secretOf,
  selfSignedIssuer,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';
import { createWorkdir } from '../crypto/openssl.js';

describe('private key encoding in the Secret', () => {
  it.each([
    ['RSA', 2048, 'PKCS1', 'RSA PRIVATE KEY'],
    ['RSA', 2048, 'PKCS8', 'PRIVATE KEY'],
    ['ECDSA', 384, 'PKCS1', 'EC PRIVATE KEY'],
    ['ECDSA', 256, 'PKCS8', 'PRIVATE KEY'],
    // Ed25519 has no PKCS#1 form: cert-manager writes PKCS#8 whatever the encoding.
    ['Ed25519', undefined, 'PKCS1', 'PRIVATE KEY'],
    ['RSA', 2048, undefined, 'RSA PRIVATE KEY'],
  ] as const)(
    '%s %s as %s is a %s block that openssl reads',
    async (algorithm, size, encoding, label) => {
      const fixture = await startEngine();
      const { engine } = fixture;
      await engine.apply([
        selfSignedIssuer('selfsigned'),
        certificate('web', 'selfsigned', {
          privateKey: {
            algorithm,
            ...(size === undefined ? {} : { size }),
            ...(encoding === undefined ? {} : { encoding }),
          },
        }),
      ]);
      await waitForRevision(engine, 'web', 1);
      const { secret } = await secretOf(engine, 'web-tls');
      const pem = secret.data?.['tls.key'] ?? '';
      expect(pem.startsWith(`-----BEGIN ${label}-----\n`)).toBe(true);
      const work = await createWorkdir();
      try {
        await work.write('key.pem', pem);
        const text = await work.opensslOk('pkey', '-in', 'key.pem', '-noout', '-text');
        expect(text.stdout).toMatch(
          algorithm === 'Ed25519'
            ? /ED25519 Private-Key/
            : new RegExp(`Private-Key: \\(${size} bit`),
        );
      } finally {
        await work.remove();
      }
    },
  );

  it('a changed encoding rewrites tls.key in place, without a new certificate', async () => {
    const fixture = await startEngine();
    const { engine } = fixture;
    const spec = (encoding: string) => ({ privateKey: { algorithm: 'RSA', size: 2048, encoding } });
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      certificate('web', 'selfsigned', spec('PKCS1')),
    ]);
    await waitForRevision(engine, 'web', 1);
    const before = await secretOf(engine, 'web-tls');
    expect(before.secret.data?.['tls.key']).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    await engine.apply(certificate('web', 'selfsigned', spec('PKCS8')));
    const after = await eventually(async () => {
      const current = await secretOf(engine, 'web-tls');
      expect(current.secret.data?.['tls.key']).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      return current;
    });
    expect(after.leaf.serialNumber).toBe(before.leaf.serialNumber);
    expect(
      await keyMatchesCertificate(
        await importPrivateKeyPem(after.secret.data!['tls.key']!),
        after.leaf.der,
      ),
    ).toBe(true);
    expect((await engine.get('Certificate', 'web'))?.status?.revision).toBe(1);
    expect(await engine.list('CertificateRequest')).toHaveLength(1);
  });
});
