import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import {
  createCsr,
  generatePrivateKey,
  parseCsr,
  publicKeySpkiDer,
  type CsrOptions,
  type KeySpec,
  type PrivateKey,
} from '../../../src/crypto/index.js';
import { createWorkdir, type Workdir } from './openssl.js';

let work: Workdir;
beforeAll(async () => {
  work = await createWorkdir();
});
afterAll(async () => {
  await work.remove();
});

const keys: { spec: KeySpec; signature: string }[] = [
  { spec: { algorithm: 'RSA', size: 2048 }, signature: 'sha256WithRSAEncryption' },
  { spec: { algorithm: 'ECDSA', size: 256 }, signature: 'ecdsa-with-SHA256' },
  { spec: { algorithm: 'ECDSA', size: 384 }, signature: 'ecdsa-with-SHA384' },
  { spec: { algorithm: 'ECDSA', size: 521 }, signature: 'ecdsa-with-SHA512' },
  { spec: { algorithm: 'Ed25519' }, signature: 'ED25519' },
];

const options: CsrOptions = {
  subject: {
    commonName: 'web.example.test',
    organizations: ['Acme'],
    organizationalUnits: ['Web', 'Edge'],
    countries: ['US'],
    provinces: ['Oregon'],
    localities: ['Portland'],
    streetAddresses: ['1 Main St'],
    postalCodes: ['97201'],
    serialNumber: 'A-1',
  },
  dnsNames: ['web.example.test', '*.example.test'],
  ipAddresses: ['192.0.2.10', '2001:DB8::1'],
  uris: ['spiffe://example.test/web'],
  emailAddresses: ['ops@example.test'],
  usages: ['signing', 'key encipherment', 'server auth', 'client auth'],
};

async function opensslReq(pem: string): Promise<string> {
  const file = await work.write('csr.pem', pem);
  const result = await work.opensslOk('req', '-in', file, '-verify', '-noout', '-text');
  return `${result.stdout}\n${result.stderr}`;
}

describe('createCsr output verified by openssl req', () => {
  for (const { spec, signature } of keys) {
    it(`${spec.algorithm} ${spec.size ?? ''}: ${signature}, subject, SANs, usages`, async () => {
      const key = await generatePrivateKey(spec);
      const { pem, der } = await createCsr(options, key);
      expect(pem.startsWith('-----BEGIN CERTIFICATE REQUEST-----\n')).toBe(true);
      expect(der[0]).toBe(0x30);

      const text = await opensslReq(pem);
      expect(text).toMatch(/self-signature verify OK/);
      expect(text).toContain(`Signature Algorithm: ${signature}`);
      expect(text.toLowerCase()).not.toContain('sha1');
      expect(text).toContain(
        'Subject: C = US, ST = Oregon, L = Portland, street = 1 Main St, postalCode = 97201, ' +
          'O = Acme, OU = Web, OU = Edge, CN = web.example.test, serialNumber = A-1',
      );
      expect(text).toMatch(/X509v3 Subject Alternative Name: *\n/);
      expect(text).toContain(
        'DNS:web.example.test, DNS:*.example.test, email:ops@example.test, ' +
          'IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe://example.test/web',
      );
      expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
      expect(text).toMatch(
        /X509v3 Extended Key Usage: *\n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/,
      );
      expect(text).not.toContain('Basic Constraints');
    });
  }

  it('isCA adds a critical basicConstraints CA:TRUE and cert sign', async () => {
    const key = await generatePrivateKey({ algorithm: 'ECDSA' });
    const { pem } = await createCsr(
      { subject: { commonName: 'Acme CA' }, isCA: true, usages: ['crl sign'] },
      key,
    );
    const text = await opensslReq(pem);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    expect(text).not.toContain('Subject Alternative Name');
  });

  it('an empty usages list requests cert-manager defaults; absent requests none', async () => {
    const key = await generatePrivateKey({ algorithm: 'Ed25519' });
    const withDefaults = await opensslReq(
      (await createCsr({ dnsNames: ['a.example.test'], usages: [] }, key)).pem,
    );
    expect(withDefaults).toMatch(
      /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/,
    );
    expect(withDefaults).not.toContain('Extended Key Usage');

    const without = await opensslReq((await createCsr({ dnsNames: ['a.example.test'] }, key)).pem);
    expect(without).not.toContain('Key Usage');
  });

  it('an empty subject makes the SAN extension critical', async () => {
    const key = await generatePrivateKey({ algorithm: 'ECDSA' });
    const text = await opensslReq((await createCsr({ dnsNames: ['a.example.test'] }, key)).pem);
    expect(text).toMatch(/Subject: *\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name: critical\n\s+DNS:a.example.test\n/);
  });

  it('a CSR with no extensions at all still verifies', async () => {
    const key = await generatePrivateKey({ algorithm: 'RSA' });
    const text = await opensslReq((await createCsr({ subject: { commonName: 'x' } }, key)).pem);
    expect(text).toMatch(/self-signature verify OK/);
    expect(text).toContain('Subject: CN = x');
  });
});

describe('parseCsr reads back what createCsr wrote', () => {
  let key: PrivateKey;
  beforeAll(async () => {
    key = await generatePrivateKey({ algorithm: 'ECDSA', size: 384 });
  });

  it('from PEM and from DER', async () => {
    const { pem, der } = await createCsr({ ...options, isCA: true }, key);
    for (const input of [pem, der, new TextEncoder().encode(pem)]) {
      const info = await parseCsr(input);
      expect(info).toEqual({
        subject: options.subject,
        dnsNames: options.dnsNames,
        ipAddresses: ['192.0.2.10', '2001:db8::1'],
        uris: options.uris,
        emailAddresses: options.emailAddresses,
        usages: [
          'digital signature',
          'key encipherment',
          'cert sign',
          'server auth',
          'client auth',
        ],
        isCA: true,
        publicKeySpki: await publicKeySpkiDer(key),
        signatureValid: true,
      });
    }
  });
});

describe('createCsr refuses bad options, naming the field', () => {
  it.each([
    [{ dnsNames: ['ok.example.test', 'bücher.example'] }, 'dnsNames[1]'],
    [{ dnsNames: [''] }, 'dnsNames[0]'],
    [{ dnsNames: ['a b.example'] }, 'dnsNames[0]'],
    [{ ipAddresses: ['192.0.2.1', '192.0.2.300'] }, 'ipAddresses[1]'],
    [{ ipAddresses: ['fe80::1%eth0'] }, 'ipAddresses[0]'],
    [{ uris: ['/relative/path'] }, 'uris[0]'],
    [{ emailAddresses: ['no-at-sign'] }, 'emailAddresses[0]'],
    [{ usages: ['server auth', 'teleport'] }, 'usages[1]'],
    [{ subject: { organizations: ['Acme', ''] } }, 'subject.organizations[1]'],
  ] as [CsrOptions, string][])('%j → %s', async (bad, field) => {
    const key = await generatePrivateKey({ algorithm: 'Ed25519' });
    const err = await createCsr(bad, key).catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_VALIDATION')).toBe(true);
    expect((err as { field: string }).field).toBe(field);
  });
});
