import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../src/stores/memory.js';
import {
  certificate,
  eventually,
  selfSignedIssuer,
  settle,
  startEngine,
  waitForRevision,
  type Fixture,
} from './engine-fixture.js';

describe('deleting a Certificate', () => {
  it('deletes what it owns and leaves its Secret', async () => {
    const fixture = await startEngine();
    const { engine } = fixture;
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      certificate('web', 'selfsigned'),
      certificate('api', 'selfsigned'),
    ]);
    await waitForRevision(engine, 'web', 1);
    await waitForRevision(engine, 'api', 1);
    expect((await engine.get('Secret', 'web-tls'))?.metadata.ownerReferences).toBeUndefined();

    expect(await engine.delete('Certificate', 'web')).toBe(true);
    expect(await engine.get('Certificate', 'web')).toBeUndefined();
    expect((await engine.list('CertificateRequest')).map((r) => r.metadata.name)).toEqual([
      'api-1',
    ]);
    await settle();
    // Nothing was made again while it went, and the Secret is still there.
    expect((await engine.list('CertificateRequest')).map((r) => r.metadata.name)).toEqual([
      'api-1',
    ]);
    expect((await engine.list('Secret')).map((s) => s.metadata.name).sort()).toEqual([
      'api-tls',
      'web-tls',
    ]);
    expect(await engine.delete('Certificate', 'web')).toBe(false);
  });

  it('deletes a Certificate in the middle of an issuance, with its next private key', async () => {
    // An approver that fails is retried after a backoff on the engine's clock, which stands still.
    const fixture = await startEngine({
      approver: () => {
        throw new Error('the approval service is down');
      },
    });
    const { engine } = fixture;
    await engine.apply([selfSignedIssuer('selfsigned'), certificate('web', 'selfsigned')]);
    // The request and the next key wait for the approval.
    await eventually(async () => expect(await engine.list('CertificateRequest')).toHaveLength(1));
    expect(await engine.list('Secret')).toHaveLength(1);
    await engine.delete('Certificate', 'web');
    await settle();
    expect(await engine.list('CertificateRequest')).toEqual([]);
    expect(await engine.list('Secret')).toEqual([]);
  });

  it('collects a request made for a Certificate that is gone (a reconcile racing the deletion)', async () => {
    const fixture = await startEngine();
    const { engine } = fixture;
    await engine.apply([selfSignedIssuer('selfsigned'), certificate('web', 'selfsigned')]);
    const web = await waitForRevision(engine, 'web', 1);
    const [request] = await engine.list('CertificateRequest');
    await engine.delete('Certificate', 'web');
    // What a reconcile that read the Certificate just before the deletion would write.
    const { status: _status, ...late } = request!;
    await engine.apply({
      ...late,
      metadata: {
        name: 'web-2',
        namespace: 'default',
        ownerReferences: [
          {
            apiVersion: 'cert-manager.io/v1',
            kind: 'Certificate',
            name: 'web',
            uid: web.metadata.uid!,
          },
        ],
      },
    });
    await eventually(async () => expect(await engine.list('CertificateRequest')).toEqual([]));
  });

  it('with enableCertificateOwnerRef, deletes the Secret too', async () => {
    const fixture = await startEngine({ enableCertificateOwnerRef: true });
    const { engine } = fixture;
    await engine.apply([selfSignedIssuer('selfsigned'), certificate('web', 'selfsigned')]);
    const cert = await waitForRevision(engine, 'web', 1);
    expect((await engine.get('Secret', 'web-tls'))?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        name: 'web',
        uid: cert.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    await engine.delete('Certificate', 'web');
    expect(await engine.list('Secret')).toEqual([]);
  });

  it('adds or removes the owner reference when the option changes', async () => {
    const store = createMemoryStore();
    const first = await startEngine({ store, enableCertificateOwnerRef: true });
    await first.engine.apply([selfSignedIssuer('selfsigned'), certificate('web', 'selfsigned')]);
    await waitForRevision(first.engine, 'web', 1);
    await first.stop();
    const owners = async (f: Fixture) =>
      (await f.engine.get('Secret', 'web-tls'))?.metadata.ownerReferences;
    expect(await owners(first)).toHaveLength(1);

    // A Ready Certificate is scheduled from its status at start and checked in the background
    // (startupVerificationRate, 200 per second): the check is what finds the changed option.
    const second = await startEngine({ store });
    expect(await owners(second)).toHaveLength(1);
    await second.clock.advance(1_000);
    await eventually(async () => expect(await owners(second)).toBeUndefined());
    await second.stop();

    const third = await startEngine({ store, enableCertificateOwnerRef: true });
    await third.clock.advance(1_000);
    await eventually(async () => expect(await owners(third)).toHaveLength(1));
    expect((await third.engine.get('Certificate', 'web'))?.status?.revision).toBe(1);
  });
});
