import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Secret } from '../../../src/domain/types.js';
import { createWorkdir, type Workdir } from '../crypto/openssl.js';
import {
  caIssuer,
  caSecret,
  certificate,
  day,
  eventually,
  hour,
  nextEvent,
  secretOf,
  settle,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

const passwordSecret: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'keystore-password', namespace: 'default' },
  data: { password: 's3cret-pässword' },
};

function keystores(profile?: string): Record<string, unknown> {
  return {
    pkcs12: {
      create: true,
      passwordSecretRef: { name: 'keystore-password', key: 'password' },
      ...(profile === undefined ? {} : { profile }),
    },
  };
}

describe('keystores.pkcs12: keystore.p12 and truststore.p12, read by openssl pkcs12', () => {
  let work: Workdir;
  beforeAll(async () => {
    work = await createWorkdir();
  });
  afterAll(async () => {
    await work?.remove();
  });

  // OpenSSL 3 reads RC2 (cert-manager's default profile) only with its legacy provider.
  it.each([
    ['LegacyRC2 (the default)', undefined, ['-legacy']],
    ['LegacyDES', 'LegacyDES', []],
    ['Modern2023', 'Modern2023', []],
  ])('%s', async (name, profile, flags) => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const ca = await caSecret('ca', {
      notBefore: clock.now() - hour,
      notAfter: clock.now() + day * 365,
    });
    await engine.apply([
      ca.manifest,
      passwordSecret,
      caIssuer('ca', 'ca'),
      certificate('web', 'ca', { keystores: keystores(profile) }),
    ]);
    await waitForRevision(engine, 'web', 1);
    const { secret } = await secretOf(engine, 'web-tls');
    const file = `${name.split(' ')[0]}`;
    await work.write(`${file}.p12`, Buffer.from(secret.data!['keystore.p12']!, 'base64'));
    await work.write(`${file}-trust.p12`, Buffer.from(secret.data!['truststore.p12']!, 'base64'));
    const pass = ['-passin', `pass:${passwordSecret.data!.password!}`];
    const keystore = await work.opensslOk(
      'pkcs12',
      ...flags,
      '-in',
      `${file}.p12`,
      ...pass,
      '-nodes',
    );
    expect(keystore.stdout).toContain(secret.data!['tls.crt']!.trim());
    expect(keystore.stdout).toContain(ca.certificatePem.trim());
    await work.write(`${file}-out.pem`, keystore.stdout);
    const fromKey = await work.opensslOk('pkey', '-in', `${file}-out.pem`, '-pubout');
    const fromCert = await work.opensslOk('x509', '-in', `${file}-out.pem`, '-noout', '-pubkey');
    expect(fromKey.stdout).toBe(fromCert.stdout);
    const truststore = await work.opensslOk(
      'pkcs12',
      ...flags,
      '-in',
      `${file}-trust.p12`,
      ...pass,
      '-nokeys',
    );
    expect(truststore.stdout).toContain(ca.certificatePem.trim());
    expect(truststore.stdout).not.toContain('PRIVATE KEY');
  });

  it('waits for the password Secret, and drops the keystores when they are no longer asked for', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const ca = await caSecret('ca', {
      notBefore: clock.now() - hour,
      notAfter: clock.now() + day * 365,
    });
    const error = nextEvent(engine, 'error', (e) => e.controller === 'certificates');
    await engine.apply([
      ca.manifest,
      caIssuer('ca', 'ca'),
      certificate('web', 'ca', { keystores: keystores() }),
    ]);
    expect((await error).error.message).toBe(
      'PKCS12 keystore password Secret default/keystore-password not found',
    );
    await settle();
    expect(await engine.get('Secret', 'web-tls')).toBeUndefined();
    // The password's arrival wakes the Certificate (the retry backoff's clock stands still).
    await engine.apply(passwordSecret);
    await waitForRevision(engine, 'web', 1);
    const before = await secretOf(engine, 'web-tls');
    expect(before.secret.data?.['keystore.p12']).toBeDefined();
    expect(JSON.stringify(await engine.list('Certificate'))).not.toContain(
      passwordSecret.data!.password,
    );

    await engine.apply(certificate('web', 'ca', {}));
    const after = await eventually(async () => {
      const current = await secretOf(engine, 'web-tls');
      expect(current.secret.data?.['keystore.p12']).toBeUndefined();
      expect(current.secret.data?.['truststore.p12']).toBeUndefined();
      return current;
    });
    expect(after.leaf.serialNumber).toBe(before.leaf.serialNumber);
  });
});
