import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitPemChain } from '../../../src/crypto/index.js';
import { createWorkdir, type Workdir } from '../crypto/openssl.js';
import {
  caIssuer,
  certificate,
  secretOf,
  selfSignedIssuer,
  settle,
  startEngine,
} from './engine-fixture.js';

describe('a three-level PKI, as in cert-manager: root → CA Issuer → intermediate → CA Issuer → leaf', () => {
  let work: Workdir;
  beforeAll(async () => {
    work = await createWorkdir();
  });
  afterAll(async () => {
    await work?.remove();
  });

  it('applied in one go, builds a chain that openssl verifies', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      certificate('root', 'selfsigned', {
        secretName: 'root-ca',
        isCA: true,
        commonName: 'Example Root CA',
        dnsNames: undefined,
        duration: '8760h',
        privateKey: { algorithm: 'ECDSA', size: 384 },
      }),
      caIssuer('root-issuer', 'root-ca'),
      certificate('intermediate', 'root-issuer', {
        secretName: 'intermediate-ca',
        isCA: true,
        commonName: 'Example Intermediate CA',
        dnsNames: undefined,
        duration: '4380h',
      }),
      caIssuer('intermediate-issuer', 'intermediate-ca'),
      certificate('leaf', 'intermediate-issuer', { dnsNames: ['leaf.example.test'] }),
    ]);
    // The CA Issuers look for their Secrets again after the engine's retry delay: move the clock.
    for (let i = 0; i < 50; i++) {
      const leaf = await engine.get('Certificate', 'leaf');
      if (leaf?.status?.revision === 1) break;
      await clock.advance(1_000);
      await settle(50);
    }
    const root = await secretOf(engine, 'root-ca');
    const intermediate = await secretOf(engine, 'intermediate-ca');
    const leaf = await secretOf(engine, 'leaf-tls');

    expect(root.secret.data?.['ca.crt']).toBe(root.secret.data?.['tls.crt']);
    // Each issued Secret holds its chain without the self-signed root, and the root in ca.crt.
    expect(splitPemChain(intermediate.secret.data!['tls.crt']!)).toHaveLength(1);
    expect(intermediate.secret.data?.['ca.crt']).toBe(root.secret.data?.['tls.crt']);
    const [, ...leafChain] = splitPemChain(leaf.secret.data!['tls.crt']!);
    expect(leafChain).toEqual([intermediate.secret.data!['tls.crt']!]);
    expect(leaf.secret.data?.['ca.crt']).toBe(root.secret.data?.['tls.crt']);
    expect(leaf.leaf.issuerText).toBe('CN=Example Intermediate CA');
    expect(intermediate.leaf.issuerText).toBe('CN=Example Root CA');
    expect(intermediate.leaf.isCA).toBe(true);
    // The leaf (90 days by default) fits in the intermediate's lifetime (half a year).
    expect(leaf.leaf.notAfter.getTime()).toBeLessThanOrEqual(intermediate.leaf.notAfter.getTime());

    await work.write('root.pem', root.secret.data!['tls.crt']!);
    await work.write('intermediate.pem', intermediate.secret.data!['tls.crt']!);
    await work.write('leaf.pem', splitPemChain(leaf.secret.data!['tls.crt']!)[0]!);
    await work.write('chain.pem', leaf.secret.data!['tls.crt']!);
    await work.write('ca.pem', leaf.secret.data!['ca.crt']!);
    // Verified at the engine's time, which the test moved a little ahead of the wall clock.
    const at = ['-attime', String(Math.floor(clock.now() / 1000))];
    const verify = await work.opensslOk(
      'verify',
      ...at,
      '-CAfile',
      'root.pem',
      '-untrusted',
      'intermediate.pem',
      'leaf.pem',
    );
    expect(verify.stdout).toMatch(/leaf\.pem: OK/);
    // What a TLS client gets from the leaf's Secret alone also verifies.
    const fromSecret = await work.opensslOk(
      'verify',
      ...at,
      '-CAfile',
      'ca.pem',
      '-untrusted',
      'chain.pem',
      'leaf.pem',
    );
    expect(fromSecret.stdout).toMatch(/leaf\.pem: OK/);
    // Without the intermediate the chain does not build.
    const broken = await work.openssl('verify', ...at, '-CAfile', 'root.pem', 'leaf.pem');
    expect(broken.code).not.toBe(0);

    const { stdout: text } = await work.opensslOk(
      'x509',
      '-in',
      'intermediate.pem',
      '-noout',
      '-text',
    );
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Certificate Sign/);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA384/);
  });
});
