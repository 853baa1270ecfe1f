import { describe, expect, it } from 'vitest';
import { secretKeyMatches, useE2E, verifyWithOpenssl } from '../../helpers/e2e.js';

describe('a cert-manager Issuer + Certificate YAML applied verbatim', () => {
  const setup = useE2E();

  it('issues from the manifests as cert-manager users write them', async () => {
    const e2e = setup();
    const { engine, pebble } = e2e;
    const yaml = `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: letsencrypt-staging
  namespace: default
spec:
  acme:
    # Pebble stands in for the ACME server
    server: ${pebble.directoryUrl}
    email: user@example.test
    caBundle: ${pebble.caBundle}
    privateKeySecretRef:
      name: letsencrypt-staging
    solvers:
    - http01:
        ingress:
          ingressClassName: nginx
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: example-com
  namespace: default
spec:
  secretName: example-com-tls
  duration: 2160h # 90d
  renewBefore: 360h # 15d
  subject:
    organizations:
      - jetstack
  isCA: false
  privateKey:
    algorithm: RSA
    encoding: PKCS1
    size: 2048
  usages:
    - server auth
    - client auth
  dnsNames:
    - example.test
    - www.example.test
  issuerRef:
    name: letsencrypt-staging
    kind: Issuer
    group: cert-manager.io
`;
    const applied = await engine.apply(yaml);
    expect(applied.map((r) => r.kind)).toEqual(['Issuer', 'Certificate']);
    await engine.start();
    const issuer = await engine.waitFor('Issuer', 'letsencrypt-staging', 'Ready', {
      timeoutMs: 30_000,
    });
    expect(issuer.status?.acme?.uri).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    const accountKey = await engine.get('Secret', 'letsencrypt-staging');
    expect(accountKey?.data?.['tls.key']).toMatch(/-----BEGIN PRIVATE KEY-----/);

    const ready = await engine.waitFor('Certificate', 'example-com', 'Ready', {
      timeoutMs: 90_000,
    });
    expect(ready.status?.revision).toBe(1);
    const secret = (await engine.get('Secret', 'example-com-tls'))!;
    expect(secret.data?.['tls.key']).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(await secretKeyMatches(secret)).toBe(true);
    expect(await verifyWithOpenssl(pebble, secret)).toMatch(/OK/);
    // renewBefore 15d of Pebble's lifetime.
    const renewal = Date.parse(ready.status!.renewalTime!);
    expect(Date.parse(ready.status!.notAfter!) - renewal).toBe(360 * 3_600_000);
  });
});
