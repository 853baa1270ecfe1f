import { describe, expect, it } from 'vitest';
import {
  createCsr,
  exportPrivateKeyPem,
  generatePrivateKey,
  type PrivateKey,
} from '../../../src/crypto/index.js';
import type { CertificateRequest, Secret } from '../../../src/domain/types.js';
import type { Engine } from '../../../src/engine/engine.js';
import { eventually, selfSignedIssuer, startEngine } from './engine-fixture.js';

async function request(
  name: string,
  key: PrivateKey,
  options: { annotation?: string; isCA?: boolean; csrIsCA?: boolean } = {},
): Promise<CertificateRequest> {
  const { pem } = await createCsr(
    { subject: { commonName: `${name}.example.test` }, isCA: options.csrIsCA ?? false },
    key,
  );
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'CertificateRequest',
    metadata: {
      name,
      namespace: 'default',
      ...(options.annotation === undefined
        ? {}
        : { annotations: { 'cert-manager.io/private-key-secret-name': options.annotation } }),
    },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      issuerRef: { name: 'selfsigned' },
      duration: '24h',
      ...(options.isCA === undefined ? {} : { isCA: options.isCA }),
    },
  };
}

async function keySecret(name: string, key: PrivateKey): Promise<Secret> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    data: { 'tls.key': await exportPrivateKeyPem(key, 'PKCS8') },
  };
}

/** Waits until the request's Ready condition has `reason` and a message matching `message`. */
async function ready(engine: Engine, name: string, reason: string, message: RegExp = /.*/) {
  return eventually(async () => {
    const current = await engine.get('CertificateRequest', name);
    const condition = current?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(condition?.reason).toBe(reason);
    expect(condition?.message).toMatch(message);
  });
}

describe('CertificateRequests applied by hand to a SelfSigned issuer', () => {
  it('fail without the private key annotation, or when the CSR asks for a CA the spec does not', async () => {
    const fixture = await startEngine();
    const { engine } = fixture;
    const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      await keySecret('key', key),
      await request('no-annotation', key),
      await request('ca-mismatch', key, { annotation: 'key', csrIsCA: true }),
    ]);
    await ready(engine, 'no-annotation', 'Failed', /cert-manager\.io\/private-key-secret-name/);
    await ready(engine, 'ca-mismatch', 'Failed', /spec\.isCA is false/);
  });

  it('fail when the referenced key did not sign the CSR', async () => {
    const fixture = await startEngine();
    const { engine } = fixture;
    const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    const other = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      await keySecret('other-key', other),
      await request('wrong-key', key, { annotation: 'other-key' }),
    ]);
    await ready(engine, 'wrong-key', 'Failed', /does not match the CSR/);
  });

  it('wait, Pending, for the key Secret, and are signed once it is there', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const key = await generatePrivateKey({ algorithm: 'Ed25519' });
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      await request('later', key, { annotation: 'later-key', isCA: true, csrIsCA: true }),
    ]);
    await ready(engine, 'later', 'Pending', /^Referenced secret default\/later-key not found$/);
    await engine.apply(await keySecret('later-key', key));
    // Tried again after the engine's retry delay.
    await clock.advance(1_000);
    await ready(engine, 'later', 'Issued');
    const issued = await engine.get('CertificateRequest', 'later');
    expect(issued?.status?.ca).toBe(issued?.status?.certificate);
  });
});
