import { describe, expect, it } from 'vitest';
import type { CertificateInfo } from '../../../src/crypto/index.js';
import {
  certificate,
  hour,
  secretOf,
  selfSignedIssuer,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

const base = {
  duration: '3h',
  usages: ['digital signature', 'key encipherment'],
  dnsNames: ['web.example.test'],
  privateKey: { algorithm: 'ECDSA', size: 256 },
};

type Case = [
  field: string,
  change: Record<string, unknown>,
  reason: string,
  check: (leaf: CertificateInfo) => void,
];

const cases: Case[] = [
  [
    'dnsNames',
    { dnsNames: ['web.example.test', 'www.example.test'] },
    'RequestChanged',
    (leaf) => expect(leaf.dnsNames).toEqual(['web.example.test', 'www.example.test']),
  ],
  [
    'ipAddresses',
    { ipAddresses: ['192.0.2.10'] },
    'RequestChanged',
    (leaf) => expect(leaf.ipAddresses).toEqual(['192.0.2.10']),
  ],
  [
    'uris',
    { uris: ['spiffe://example.test/web'] },
    'RequestChanged',
    (leaf) => expect(leaf.uris).toEqual(['spiffe://example.test/web']),
  ],
  [
    'commonName',
    { commonName: 'web.example.test' },
    'RequestChanged',
    (leaf) => expect(leaf.subject.commonName).toBe('web.example.test'),
  ],
  [
    'duration',
    { duration: '4h' },
    'RequestChanged',
    (leaf) => expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).toBe(4 * hour),
  ],
  [
    'usages',
    { usages: ['digital signature', 'key encipherment', 'client auth'] },
    'RequestChanged',
    (leaf) => expect(leaf.usages).toContain('client auth'),
  ],
  ['isCA', { isCA: true }, 'RequestChanged', (leaf) => expect(leaf.isCA).toBe(true)],
  [
    'subject',
    { subject: { organizations: ['Example'] } },
    'RequestChanged',
    (leaf) => expect(leaf.subject.organizations).toEqual(['Example']),
  ],
  [
    'issuerRef',
    { issuerRef: { name: 'other' } },
    'IncorrectIssuer',
    (leaf) => expect(leaf.dnsNames).toEqual(['web.example.test']),
  ],
  [
    'privateKey',
    { privateKey: { algorithm: 'Ed25519' } },
    'SecretMismatch',
    (leaf) => expect(leaf.keyAlgorithm).toBe('Ed25519'),
  ],
];

describe('a changed spec reissues at once', () => {
  it.each(cases)('spec.%s (%j)', async (_field, change, reason, check) => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const issuing: string[] = [];
    engine.on('certificate:issuing', (e) => issuing.push(e.reason));
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      selfSignedIssuer('other'),
      certificate('web', 'selfsigned', base),
    ]);
    await waitForRevision(engine, 'web', 1);
    const start = clock.now();
    await engine.apply(certificate('web', 'selfsigned', { ...base, ...change }));
    const renewed = await waitForRevision(engine, 'web', 2);
    // At once: the engine's clock did not move.
    expect(clock.now()).toBe(start);
    expect(issuing).toEqual(['DoesNotExist', reason]);
    check((await secretOf(engine, 'web-tls')).leaf);
    const { secret } = await secretOf(engine, 'web-tls');
    expect(secret.metadata.annotations?.['cert-manager.io/issuer-name']).toBe(
      (change.issuerRef as { name: string } | undefined)?.name ?? 'selfsigned',
    );
    expect(renewed.metadata.generation).toBe(2);
  });

  it('does not reissue for a change that does not touch the request', async () => {
    const fixture = await startEngine();
    const { engine } = fixture;
    await engine.apply([selfSignedIssuer('selfsigned'), certificate('web', 'selfsigned', base)]);
    await waitForRevision(engine, 'web', 1);
    const { leaf } = await secretOf(engine, 'web-tls');
    // The same spec written in another form: names in another order, defaults spelled out.
    await engine.apply(
      certificate('web', 'selfsigned', {
        ...base,
        usages: ['key encipherment', 'digital signature'],
        duration: '180m',
        issuerRef: { name: 'selfsigned', kind: 'Issuer', group: 'cert-manager.io' },
        privateKey: { ...base.privateKey, rotationPolicy: 'Always' },
        revisionHistoryLimit: 5,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const current = await engine.get('Certificate', 'web');
    expect(current?.metadata.generation).toBe(2);
    expect(current?.status?.revision).toBe(1);
    expect((await secretOf(engine, 'web-tls')).leaf.serialNumber).toBe(leaf.serialNumber);
  });
});
