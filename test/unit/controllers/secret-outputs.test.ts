import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkdir, type Workdir } from '../crypto/openssl.js';
import {
  caIssuer,
  caSecret,
  certificate,
  day,
  eventually,
  hour,
  secretOf,
  startEngine,
  waitForRevision,
  type Fixture,
} from './engine-fixture.js';

const spec = {
  commonName: 'web.example.test',
  subject: { organizations: ['Example, Inc.', 'Web'], countries: ['GB'] },
  dnsNames: ['web.example.test', 'www.example.test'],
  ipAddresses: ['192.0.2.1', '2001:db8::1'],
  uris: ['spiffe://example.test/web'],
  emailAddresses: ['ops@example.test'],
  secretTemplate: {
    labels: { team: 'web' },
    annotations: { 'example.test/owner': 'web-team' },
  },
  additionalOutputFormats: [{ type: 'CombinedPEM' }, { type: 'DER' }],
  privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8' },
};

describe('the Secret: data, annotations, template and additional output formats', () => {
  let work: Workdir;
  beforeAll(async () => {
    work = await createWorkdir();
  });
  afterAll(async () => {
    await work?.remove();
  });

  async function issue(): Promise<Fixture & { caPem: string }> {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const ca = await caSecret('ca', {
      notBefore: clock.now() - hour,
      notAfter: clock.now() + 365 * day,
    });
    await engine.apply([ca.manifest, caIssuer('ca', 'ca'), certificate('web', 'ca', spec)]);
    await waitForRevision(engine, 'web', 1);
    return { ...fixture, caPem: ca.certificatePem };
  }

  it('carries cert-manager’s annotations and label, and the secretTemplate', async () => {
    const { engine, caPem } = await issue();
    const { secret } = await secretOf(engine, 'web-tls');
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(secret.metadata.labels).toEqual({
      team: 'web',
      'controller.cert-manager.io/fao': 'true',
    });
    expect(secret.metadata.annotations).toEqual({
      'example.test/owner': 'web-team',
      'cert-manager.io/certificate-name': 'web',
      'cert-manager.io/issuer-name': 'ca',
      'cert-manager.io/issuer-kind': 'Issuer',
      'cert-manager.io/issuer-group': 'cert-manager.io',
      'cert-manager.io/common-name': 'web.example.test',
      'cert-manager.io/alt-names': 'web.example.test,www.example.test',
      'cert-manager.io/ip-sans': '192.0.2.1,2001:db8::1',
      'cert-manager.io/uri-sans': 'spiffe://example.test/web',
      'cert-manager.io/email-sans': 'ops@example.test',
      // Lists are CSV, as cert-manager writes them: a value with a comma is quoted.
      'cert-manager.io/subject-organizations': '"Example, Inc.",Web',
      'cert-manager.io/subject-countries': 'GB',
    });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual([
      'ca.crt',
      'key.der',
      'tls-combined.pem',
      'tls.crt',
      'tls.key',
    ]);
    expect(secret.data?.['ca.crt']).toBe(caPem);
  });

  it('CombinedPEM is tls.key then tls.crt; DER is the key in DER, base64 in data', async () => {
    const { engine } = await issue();
    const { secret } = await secretOf(engine, 'web-tls');
    const key = secret.data!['tls.key']!;
    const crt = secret.data!['tls.crt']!;
    expect(secret.data?.['tls-combined.pem']).toBe(`${key}\n${crt}`);
    await work.write('combined.pem', secret.data!['tls-combined.pem']!);
    await work.write('key.der', Buffer.from(secret.data!['key.der']!, 'base64'));
    await work.write('key.pem', key);
    // openssl reads the key from each form, and it is the same key.
    const fromDer = await work.opensslOk('pkey', '-inform', 'DER', '-in', 'key.der', '-pubout');
    const fromCombined = await work.opensslOk('pkey', '-in', 'combined.pem', '-pubout');
    const fromCert = await work.opensslOk('x509', '-in', 'combined.pem', '-noout', '-pubkey');
    expect(fromDer.stdout).toBe(fromCert.stdout);
    expect(fromCombined.stdout).toBe(fromCert.stdout);
  });

  it('outputs taken out of the spec are removed without a new certificate', async () => {
    const { engine } = await issue();
    const before = await secretOf(engine, 'web-tls');
    await engine.apply(
      certificate('web', 'ca', {
        ...spec,
        additionalOutputFormats: [{ type: 'DER' }],
        secretTemplate: undefined,
      }),
    );
    const after = await eventually(async () => {
      const current = await secretOf(engine, 'web-tls');
      expect(current.secret.data?.['tls-combined.pem']).toBeUndefined();
      return current;
    });
    expect(after.secret.data?.['key.der']).toBe(before.secret.data?.['key.der']);
    expect(after.leaf.serialNumber).toBe(before.leaf.serialNumber);
    expect((await engine.get('Certificate', 'web'))?.status?.revision).toBe(1);
  });
});
