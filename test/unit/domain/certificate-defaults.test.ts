import { describe, expect, it } from 'vitest';
import { certificateDefaults, withCertificateDefaults } from '../../../src/domain/defaults.js';
import { parseGoDuration } from '../../../src/domain/duration.js';
import type { CertificateSpec } from '../../../src/domain/types.js';

const bare: CertificateSpec = {
  secretName: 'web-tls',
  dnsNames: ['example.com'],
  issuerRef: { name: 'letsencrypt' },
};

describe('withCertificateDefaults', () => {
  it("fills in cert-manager's defaults", () => {
    expect(withCertificateDefaults(bare)).toEqual({
      ...bare,
      duration: '2160h',
      privateKey: { algorithm: 'RSA', size: 2048, encoding: 'PKCS1', rotationPolicy: 'Always' },
      usages: ['digital signature', 'key encipherment'],
      issuerRef: { name: 'letsencrypt', kind: 'Issuer', group: 'cert-manager.io' },
    });
  });

  it.each<[CertificateSpec['privateKey'], { algorithm: string; size: number }]>([
    [{ algorithm: 'ECDSA' }, { algorithm: 'ECDSA', size: 256 }],
    [
      { algorithm: 'ECDSA', size: 384 },
      { algorithm: 'ECDSA', size: 384 },
    ],
    [
      { algorithm: 'RSA', size: 4096 },
      { algorithm: 'RSA', size: 4096 },
    ],
    [{ size: 3072 }, { algorithm: 'RSA', size: 3072 }],
    [
      { algorithm: 'RSA', size: 0 },
      { algorithm: 'RSA', size: 2048 },
    ],
    [{ algorithm: 'Ed25519' }, { algorithm: 'Ed25519', size: 0 }],
    [
      { algorithm: 'Ed25519', size: 256 },
      { algorithm: 'Ed25519', size: 0 },
    ],
  ])('privateKey %j -> %j', (privateKey, expected) => {
    const spec = privateKey === undefined ? bare : { ...bare, privateKey };
    expect(withCertificateDefaults(spec).privateKey).toMatchObject(expected);
  });

  it('keeps what the user set', () => {
    const spec: CertificateSpec = {
      ...bare,
      duration: '720h',
      usages: ['server auth'],
      privateKey: { encoding: 'PKCS8', rotationPolicy: 'Never' },
      issuerRef: { name: 'ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    };
    expect(withCertificateDefaults(spec)).toMatchObject({
      duration: '720h',
      usages: ['server auth'],
      privateKey: { algorithm: 'RSA', size: 2048, encoding: 'PKCS8', rotationPolicy: 'Never' },
      issuerRef: { name: 'ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
  });

  it('uses the default usages for an empty list', () => {
    expect(withCertificateDefaults({ ...bare, usages: [] }).usages).toEqual([
      'digital signature',
      'key encipherment',
    ]);
  });

  it('does not change the spec it is given', () => {
    const spec = structuredClone(bare);
    Object.freeze(spec);
    Object.freeze(spec.issuerRef);
    const resolved = withCertificateDefaults(spec);
    resolved.usages.push('client auth');
    expect(spec).toEqual(bare);
    expect(certificateDefaults.usages).toEqual(['digital signature', 'key encipherment']);
  });

  it('the duration constants agree', () => {
    expect(parseGoDuration(certificateDefaults.duration)).toBe(certificateDefaults.durationMs);
    expect(certificateDefaults.durationMs).toBe(90 * 24 * 3_600_000);
  });
});
