import { describe, expect, it } from 'vitest';
import {
  createCsr,
  exportPrivateKeyPem,
  generatePrivateKey,
  signCertificate,
} from '../../../src/crypto/index.js';
import type { Secret } from '../../../src/domain/types.js';
import type { Engine } from '../../../src/engine/engine.js';
import {
  asManifest,
  certificate,
  day,
  eventually,
  secretOf,
  selfSignedIssuer,
  settle,
  startEngine,
  waitForRevision,
  type Fixture,
} from './engine-fixture.js';

const spec = {
  secretTemplate: { labels: { team: 'web' }, annotations: { 'example.test/owner': 'web-team' } },
  additionalOutputFormats: [{ type: 'CombinedPEM' }],
};

/** Applies a changed copy of the Secret, as another writer would; returns what was written. */
async function edit(
  engine: Engine,
  change: (secret: Secret) => void | Promise<void>,
): Promise<Secret> {
  const secret = asManifest((await engine.get('Secret', 'web-tls'))!);
  await change(secret);
  const [written] = await engine.apply(secret);
  return written as Secret;
}

async function otherKeyPair(): Promise<{ key: string; crt: string }> {
  const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const { pem } = await createCsr({ dnsNames: ['web.example.test'] }, key);
  const now = Date.now();
  const crt = await signCertificate({
    csr: pem,
    issuerKey: key,
    notBefore: new Date(now),
    notAfter: new Date(now + day),
  });
  return { key: await exportPrivateKeyPem(key, 'PKCS8'), crt };
}

describe('a Secret changed by someone else is repaired', () => {
  async function issued(): Promise<Fixture & { reasons: string[] }> {
    const fixture = await startEngine();
    const reasons: string[] = [];
    fixture.engine.on('certificate:issuing', (e) => reasons.push(e.reason));
    await fixture.engine.apply([
      selfSignedIssuer('selfsigned'),
      certificate('web', 'selfsigned', spec),
    ]);
    await waitForRevision(fixture.engine, 'web', 1);
    return { ...fixture, reasons };
  }

  // Changes to the key pair issue a new certificate, with cert-manager's trigger reason.
  it.each([
    [
      'deleted',
      'DoesNotExist',
      (engine: Engine) => engine.delete('Secret', 'web-tls').then(() => undefined),
    ],
    [
      'without tls.key',
      'MissingData',
      (engine: Engine) => edit(engine, (s) => void delete s.data!['tls.key']),
    ],
    [
      'tls.crt not a certificate',
      'InvalidCertificate',
      (engine: Engine) => edit(engine, (s) => void (s.data!['tls.crt'] = 'not a certificate')),
    ],
    [
      'tls.key not a key',
      'InvalidKeyPair',
      (engine: Engine) =>
        edit(
          engine,
          (s) =>
            void (s.data!['tls.key'] =
              '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
        ),
    ],
    [
      'tls.key of another key pair',
      'InvalidKeyPair',
      (engine: Engine) =>
        edit(engine, async (s) => void (s.data!['tls.key'] = (await otherKeyPair()).key)),
    ],
    [
      'another valid key pair',
      'SecretMismatch',
      (engine: Engine) =>
        edit(engine, async (s) => {
          const pair = await otherKeyPair();
          s.data!['tls.key'] = pair.key;
          s.data!['tls.crt'] = pair.crt;
        }),
    ],
    [
      'annotated for another Certificate',
      'IncorrectCertificate',
      (engine: Engine) =>
        edit(
          engine,
          (s) => void (s.metadata.annotations!['cert-manager.io/certificate-name'] = 'api'),
        ),
    ],
  ])('%s: reissued (%s)', async (_name, reason, change) => {
    const { engine, reasons } = await issued();
    const before = await secretOf(engine, 'web-tls');
    await change(engine);
    await waitForRevision(engine, 'web', 2);
    expect(reasons).toEqual(['DoesNotExist', reason]);
    const after = await secretOf(engine, 'web-tls');
    expect(after.leaf.serialNumber).not.toBe(before.leaf.serialNumber);
    expect(after.secret.metadata.labels).toMatchObject({ team: 'web' });
    expect(after.secret.data?.['tls-combined.pem']).toBe(
      `${after.secret.data?.['tls.key']}\n${after.secret.data?.['tls.crt']}`,
    );
  });

  // Changes to what surrounds a valid key pair are written back, with the same certificate.
  it.each([
    [
      'cert-manager annotations removed',
      (s: Secret) => void (s.metadata.annotations = { 'example.test/owner': 'web-team' }),
    ],
    [
      'a template label changed',
      (s: Secret) => void (s.metadata.labels = { ...s.metadata.labels, team: 'api' }),
    ],
    [
      'a template annotation removed',
      (s: Secret) => void delete s.metadata.annotations!['example.test/owner'],
    ],
    [
      'cert-manager label removed',
      (s: Secret) => void delete s.metadata.labels!['controller.cert-manager.io/fao'],
    ],
    ['tls-combined.pem removed', (s: Secret) => void delete s.data!['tls-combined.pem']],
    ['a stale key.der added', (s: Secret) => void (s.data!['key.der'] = 'AAAA')],
  ])('%s: written again without a new certificate', async (_name, change) => {
    const { engine, reasons } = await issued();
    const before = await secretOf(engine, 'web-tls');
    const edited = await edit(engine, change);
    // The change did land in the Store before it was repaired.
    const shape = (x: Secret): string =>
      JSON.stringify([x.metadata.labels, x.metadata.annotations, x.data]);
    expect(shape(edited)).not.toBe(shape(before.secret));
    const after = await eventually(async () => {
      const current = await secretOf(engine, 'web-tls');
      expect(current.secret.metadata.labels).toEqual(before.secret.metadata.labels);
      expect(current.secret.metadata.annotations).toEqual(before.secret.metadata.annotations);
      expect(current.secret.data).toEqual(before.secret.data);
      return current;
    });
    expect(after.leaf.serialNumber).toBe(before.leaf.serialNumber);
    await settle();
    expect(reasons).toEqual(['DoesNotExist']);
    expect((await engine.get('Certificate', 'web'))?.status?.revision).toBe(1);
  });

  it('keeps data, labels and annotations that are not its own', async () => {
    const { engine } = await issued();
    await edit(engine, (s) => {
      s.data!['extra.txt'] = 'kept';
      s.metadata.labels = { ...s.metadata.labels, 'example.test/extra': 'yes' };
    });
    await settle();
    const { secret } = await secretOf(engine, 'web-tls');
    expect(secret.data?.['extra.txt']).toBe('kept');
    expect(secret.metadata.labels?.['example.test/extra']).toBe('yes');
  });
});
