import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitPemChain } from '../../../src/crypto/index.js';
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
} from './engine-fixture.js';

describe('the CA issuer signs with the key pair in spec.ca.secretName', () => {
  let work: Workdir;
  beforeAll(async () => {
    work = await createWorkdir();
  });
  afterAll(async () => {
    await work?.remove();
  });

  it('issues a leaf that openssl verifies against the CA, with the CA in ca.crt', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const ca = await caSecret('ca-key-pair', {
      notBefore: clock.now() - hour,
      notAfter: clock.now() + 365 * day,
      commonName: 'Example CA',
    });
    await engine.apply([
      ca.manifest,
      {
        ...caIssuer('ca', 'ca-key-pair'),
        spec: {
          ca: {
            secretName: 'ca-key-pair',
            crlDistributionPoints: ['http://crl.example.test/ca.crl'],
            ocspServers: ['http://ocsp.example.test'],
            issuingCertificateURLs: ['http://pki.example.test/ca.crt'],
          },
        },
      },
      certificate('web', 'ca', {
        commonName: 'web.example.test',
        usages: ['server auth', 'digital signature'],
        duration: '720h',
        privateKey: { algorithm: 'RSA', size: 2048 },
      }),
    ]);
    await waitForRevision(engine, 'web', 1);
    const issuer = await engine.get('Issuer', 'ca');
    expect(issuer?.status?.conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'True',
      reason: 'KeyPairVerified',
      message: 'Signing CA verified',
    });
    const { secret, leaf } = await secretOf(engine, 'web-tls');
    // The chain leaves the self-signed root out; ca.crt is the root.
    expect(splitPemChain(secret.data!['tls.crt']!)).toHaveLength(1);
    expect(secret.data?.['ca.crt']).toBe(ca.certificatePem);
    expect(leaf.issuerText).toBe('CN=Example CA');
    expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).toBe(720 * hour);

    await work.write('ca.crt', secret.data!['ca.crt']!);
    await work.write('tls.crt', secret.data!['tls.crt']!);
    expect((await work.opensslOk('verify', '-CAfile', 'ca.crt', 'tls.crt')).stdout).toMatch(
      /tls\.crt: OK/,
    );
    const { stdout: text } = await work.opensslOk('x509', '-in', 'tls.crt', '-noout', '-text');
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/Issuer: CN\s?=\s?Example CA/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(text).toMatch(/X509v3 Authority Key Identifier/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    // The issuer's CRL and AIA URLs.
    expect(text).toMatch(
      /X509v3 CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/crl\.example\.test\/ca\.crl/,
    );
    expect(text).toMatch(
      /Authority Information Access:\s+OCSP - URI:http:\/\/ocsp\.example\.test\s+CA Issuers - URI:http:\/\/pki\.example\.test\/ca\.crt/,
    );
  });

  it('never issues past the CA certificate’s notAfter', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const ca = await caSecret('ca-key-pair', {
      notBefore: clock.now() - hour,
      notAfter: clock.now() + 10 * day,
    });
    await engine.apply([ca.manifest, caIssuer('ca', 'ca-key-pair'), certificate('web', 'ca')]);
    const issued = await waitForRevision(engine, 'web', 1);
    const { leaf } = await secretOf(engine, 'web-tls');
    expect(leaf.notAfter.toISOString()).toBe(new Date(clock.now() + 10 * day).toISOString());
    expect(issued.status?.notAfter).toBe(leaf.notAfter.toISOString());
  });

  it('a ClusterIssuer finds its Secret in the cluster resource namespace', async () => {
    const fixture = await startEngine({ clusterResourceNamespace: 'pki' });
    const { engine, clock } = fixture;
    const ca = await caSecret('ca-key-pair', {
      notBefore: clock.now() - hour,
      notAfter: clock.now() + day,
    });
    await engine.apply([
      { ...ca.manifest, metadata: { name: 'ca-key-pair', namespace: 'pki' } },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'ClusterIssuer',
        metadata: { name: 'cluster-ca' },
        spec: { ca: { secretName: 'ca-key-pair' } },
      },
      certificate('web', 'cluster-ca', {
        issuerRef: { name: 'cluster-ca', kind: 'ClusterIssuer' },
      }),
    ]);
    await waitForRevision(engine, 'web', 1);
    const { secret } = await secretOf(engine, 'web-tls');
    expect(secret.data?.['ca.crt']).toBe(ca.certificatePem);
    expect(secret.metadata.annotations?.['cert-manager.io/issuer-kind']).toBe('ClusterIssuer');
  });

  it.each([
    [
      'the Secret is missing',
      async () => undefined,
      'ErrGetKeyPair',
      /secret default\/ca-key-pair not found/,
    ],
    [
      'the certificate is not a CA',
      async (now: number) =>
        (await caSecret('ca-key-pair', { notBefore: now - hour, notAfter: now + day, isCA: false }))
          .manifest,
      'ErrInvalidKeyPair',
      /certificate is not a CA/,
    ],
    [
      'the key is not the certificate’s',
      async (now: number) => {
        const a = await caSecret('ca-key-pair', { notBefore: now - hour, notAfter: now + day });
        const b = await caSecret('ca-key-pair', { notBefore: now - hour, notAfter: now + day });
        const data = (a.manifest as { data: Record<string, string> }).data;
        data['tls.key'] = (b.manifest as { data: Record<string, string> }).data['tls.key']!;
        return a.manifest;
      },
      'ErrInvalidKeyPair',
      /does not match/,
    ],
  ])('is not Ready when %s', async (_name, secret, reason, message) => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const manifest = await secret(clock.now());
    await engine.apply([
      ...(manifest === undefined ? [] : [manifest]),
      caIssuer('ca', 'ca-key-pair'),
    ]);
    const issuer = await eventually(async () => {
      const current = await engine.get('Issuer', 'ca');
      expect(current?.status?.conditions?.[0]?.status).toBe('False');
      return current;
    });
    expect(issuer?.status?.conditions?.[0]?.reason).toBe(reason);
    expect(issuer?.status?.conditions?.[0]?.message).toMatch(message);
  });
});
