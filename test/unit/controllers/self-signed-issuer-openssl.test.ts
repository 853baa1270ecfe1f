import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkdir, type Workdir } from '../crypto/openssl.js';
import {
  certificate,
  hour,
  secretOf,
  selfSignedIssuer,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

const spec = {
  commonName: 'web.example.test',
  subject: { organizations: ['Example'], countries: ['GB'], organizationalUnits: ['Web'] },
  dnsNames: ['web.example.test', 'www.example.test'],
  ipAddresses: ['192.0.2.1', '2001:db8::1'],
  uris: ['spiffe://example.test/ns/default/sa/web'],
  emailAddresses: ['ops@example.test'],
  usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
  duration: '48h',
};

describe('the SelfSigned issuer signs with the request’s own key, as cert-manager’s does', () => {
  let work: Workdir;
  beforeAll(async () => {
    work = await createWorkdir();
  });
  afterAll(async () => {
    await work?.remove();
  });

  it.each([
    [
      'RSA',
      { algorithm: 'RSA', size: 2048 },
      /Signature Algorithm: sha256WithRSAEncryption/,
      /Public-Key: \(2048 bit\)/,
    ],
    [
      'ECDSA',
      { algorithm: 'ECDSA', size: 384 },
      /Signature Algorithm: ecdsa-with-SHA384/,
      /Public-Key: \(384 bit\)/,
    ],
    ['Ed25519', { algorithm: 'Ed25519' }, /Signature Algorithm: ED25519/, /ED25519 Public-Key/],
  ] as const)('%s', async (name, privateKey, signature, publicKey) => {
    const fixture = await startEngine();
    const { engine } = fixture;
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      certificate('web', 'selfsigned', { ...spec, privateKey }),
    ]);
    await waitForRevision(engine, 'web', 1);
    const { secret, leaf } = await secretOf(engine, 'web-tls');
    // ca.crt is the certificate itself.
    expect(secret.data?.['ca.crt']).toBe(secret.data?.['tls.crt']);
    expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).toBe(48 * hour);
    expect(leaf.issuerText).toBe(leaf.subjectText);

    await work.write(`${name}.crt`, secret.data!['tls.crt']!);
    await work.write(`${name}-ca.crt`, secret.data!['ca.crt']!);
    const verify = await work.opensslOk('verify', '-CAfile', `${name}-ca.crt`, `${name}.crt`);
    expect(verify.stdout).toMatch(/: OK$/m);
    const { stdout: text } = await work.opensslOk('x509', '-in', `${name}.crt`, '-noout', '-text');
    expect(text).toMatch(signature);
    expect(text).toMatch(publicKey);
    expect(text).toMatch(
      /Subject: C\s?=\s?GB, O\s?=\s?Example, OU\s?=\s?Web, CN\s?=\s?web\.example\.test/,
    );
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(
      /X509v3 Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/,
    );
    expect(text).toContain(
      'DNS:web.example.test, DNS:www.example.test, email:ops@example.test, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe://example.test/ns/default/sa/web',
    );
    expect(text).toMatch(/X509v3 Subject Key Identifier/);
    // openssl reads the key and finds it is the certificate's.
    await work.write(`${name}.key`, secret.data!['tls.key']!);
    const fromKey = await work.opensslOk('pkey', '-in', `${name}.key`, '-pubout');
    const fromCert = await work.opensslOk('x509', '-in', `${name}.crt`, '-noout', '-pubkey');
    expect(fromKey.stdout).toBe(fromCert.stdout);
  });

  it('a CA certificate (isCA) gets CA:TRUE and Certificate Sign', async () => {
    const fixture = await startEngine();
    const { engine } = fixture;
    await engine.apply([
      {
        ...selfSignedIssuer('selfsigned'),
        spec: { selfSigned: { crlDistributionPoints: ['http://crl.example.test/root.crl'] } },
      },
      certificate('root', 'selfsigned', {
        commonName: 'Example Root CA',
        dnsNames: undefined,
        isCA: true,
      }),
    ]);
    await waitForRevision(engine, 'root', 1);
    const { secret, leaf } = await secretOf(engine, 'root-tls');
    expect(leaf.isCA).toBe(true);
    await work.write('root.crt', secret.data!['tls.crt']!);
    const { stdout: text } = await work.opensslOk('x509', '-in', 'root.crt', '-noout', '-text');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(
      /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign/,
    );
    expect(text).toMatch(
      /CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/crl\.example\.test\/root\.crl/,
    );
    expect(text).not.toMatch(/Authority Information Access/);
    // 90 days, cert-manager's default duration.
    expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).toBe(2160 * hour);
  });
});
