import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import {
  createCsr,
  generatePrivateKey,
  parseCertificate,
  parseCsr,
  pemDecode,
  pemEncode,
  publicKeySpkiDer,
  signCertificate,
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

const HOUR = 3600_000;
const now = Math.floor(Date.now() / 1000) * 1000;
const validity = { notBefore: new Date(now - HOUR), notAfter: new Date(now + 24 * HOUR) };

async function selfSignedCa(spec: KeySpec, commonName: string) {
  const key = await generatePrivateKey(spec);
  const { pem: csr } = await createCsr(
    { subject: { commonName, organizations: ['Acme'] }, isCA: true },
    key,
  );
  const pem = await signCertificate({ csr, issuerKey: key, ...validity });
  return { key, pem };
}

async function text(name: string, pem: string): Promise<string> {
  const file = await work.write(name, pem);
  return (await work.opensslOk('x509', '-in', file, '-noout', '-text')).stdout;
}

const signatures: { spec: KeySpec; signature: string }[] = [
  { spec: { algorithm: 'RSA' }, signature: 'sha256WithRSAEncryption' },
  { spec: { algorithm: 'ECDSA' }, signature: 'ecdsa-with-SHA256' },
  { spec: { algorithm: 'ECDSA', size: 384 }, signature: 'ecdsa-with-SHA384' },
  { spec: { algorithm: 'Ed25519' }, signature: 'ED25519' },
];

describe('self-signed CA certificates verify with openssl', () => {
  for (const { spec, signature } of signatures) {
    it(`${spec.algorithm} ${spec.size ?? ''} → ${signature}`, async () => {
      const { pem } = await selfSignedCa(spec, `Root ${spec.algorithm}`);
      const file = await work.write('root.pem', pem);
      const verified = await work.openssl('verify', '-CAfile', file, file);
      expect(verified.stdout).toContain(': OK');

      const shown = await text('root.pem', pem);
      expect(shown).toContain(`Signature Algorithm: ${signature}`);
      expect(shown.toLowerCase()).not.toContain('sha1');
      expect(shown).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
      // The CSR asked for no usages: cert-manager's defaults, plus cert sign for a CA.
      expect(shown).toMatch(
        /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment, Certificate Sign\n/,
      );
      expect(shown).toMatch(/X509v3 Subject Key Identifier: *\n\s+[0-9A-F:]{59}\n/);
      expect(shown).not.toContain('Authority Key Identifier');
      expect(shown).toContain(`Subject: O = Acme, CN = Root ${spec.algorithm}`);
      expect(shown).toContain(`Issuer: O = Acme, CN = Root ${spec.algorithm}`);
    });
  }
});

describe('a 3-level chain signed by certflow verifies with openssl', () => {
  let root: { key: PrivateKey; pem: string };
  let inter: { key: PrivateKey; pem: string };
  const leafOptions: CsrOptions = {
    subject: { commonName: 'web.example.test' },
    dnsNames: ['web.example.test', 'www.example.test'],
    ipAddresses: ['192.0.2.5', '2001:db8::5'],
    uris: ['spiffe://example.test/web'],
    emailAddresses: ['web@example.test'],
    usages: ['digital signature', 'server auth', 'client auth'],
  };

  beforeAll(async () => {
    root = await selfSignedCa({ algorithm: 'ECDSA', size: 384 }, 'Acme Root');
    const interKey = await generatePrivateKey({ algorithm: 'RSA' });
    const interCsr = await createCsr({ subject: { commonName: 'Acme Intermediate' } }, interKey);
    inter = {
      key: interKey,
      pem: await signCertificate({
        csr: interCsr.pem,
        issuerKey: root.key,
        issuerCertificate: root.pem,
        isCA: true,
        usages: ['cert sign', 'crl sign'],
        ...validity,
      }),
    };
  });

  for (const spec of [{ algorithm: 'Ed25519' }, { algorithm: 'ECDSA' }] as KeySpec[]) {
    it(`a ${spec.algorithm} leaf under an RSA intermediate under a P-384 root`, async () => {
      const leafKey = await generatePrivateKey(spec);
      const csr = await parseCsr((await createCsr(leafOptions, leafKey)).pem);
      const serialNumber = new Uint8Array([0x80, 0x01, 0x02]);
      const notAfter = new Date(now + 2 * 24 * HOUR + 789); // milliseconds are dropped
      const pem = await signCertificate({
        csr,
        issuerKey: inter.key,
        issuerCertificate: inter.pem,
        notBefore: validity.notBefore,
        notAfter,
        serialNumber,
      });

      await work.write('root.pem', root.pem);
      await work.write('inter.pem', inter.pem);
      const leafFile = await work.write('leaf.pem', pem);
      const verified = await work.openssl(
        'verify',
        '-CAfile',
        'root.pem',
        '-untrusted',
        'inter.pem',
        '-purpose',
        'sslserver',
        leafFile,
      );
      expect(verified.stdout).toContain(': OK');
      expect(verified.code).toBe(0);

      const shown = await text('leaf.pem', pem);
      expect(shown).toContain('Signature Algorithm: sha256WithRSAEncryption');
      expect(shown).toContain('Issuer: CN = Acme Intermediate');
      expect(shown).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
      expect(shown).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
      expect(shown).toContain(
        'DNS:web.example.test, DNS:www.example.test, email:web@example.test, ' +
          'IP Address:192.0.2.5, IP Address:2001:DB8:0:0:0:0:0:5, URI:spiffe://example.test/web',
      );
      const serial = await work.opensslOk('x509', '-in', leafFile, '-noout', '-serial');
      expect(serial.stdout.trim()).toBe('serial=800102');

      const info = parseCertificate(pem);
      const interInfo = parseCertificate(inter.pem);
      expect(info).toMatchObject({
        serialNumber: '800102',
        subject: { commonName: 'web.example.test' },
        subjectText: 'CN=web.example.test',
        issuerText: 'CN=Acme Intermediate',
        notBefore: validity.notBefore,
        notAfter: new Date(now + 2 * 24 * HOUR),
        dnsNames: leafOptions.dnsNames,
        ipAddresses: leafOptions.ipAddresses,
        uris: leafOptions.uris,
        emailAddresses: leafOptions.emailAddresses,
        isCA: false,
        usages: ['digital signature', 'server auth', 'client auth'],
        keyAlgorithm: spec.algorithm,
        authorityKeyIdentifier: interInfo.subjectKeyIdentifier,
      });
      expect(Buffer.from(info.publicKeySpki)).toEqual(Buffer.from(await publicKeySpkiDer(leafKey)));
      expect(interInfo.authorityKeyIdentifier).toBe(
        parseCertificate(root.pem).subjectKeyIdentifier,
      );
      expect(interInfo.usages).toEqual(['cert sign', 'crl sign']);
    });
  }

  it('uses GeneralizedTime from 2050 and random positive serials', async () => {
    const key = await generatePrivateKey({ algorithm: 'ECDSA' });
    const { pem: csr } = await createCsr({ dnsNames: ['long.example.test'] }, key);
    const notAfter = new Date(Date.UTC(2051, 0, 2, 3, 4, 5));
    const first = await signCertificate({
      csr,
      issuerKey: key,
      notBefore: validity.notBefore,
      notAfter,
    });
    const second = await signCertificate({
      csr,
      issuerKey: key,
      notBefore: validity.notBefore,
      notAfter,
    });
    const file = await work.write('long.pem', first);
    const dates = await work.opensslOk('x509', '-in', file, '-noout', '-enddate');
    expect(dates.stdout.trim()).toBe('notAfter=Jan  2 03:04:05 2051 GMT');
    const info = parseCertificate(first);
    expect(info.notAfter).toEqual(notAfter);
    expect(info.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(parseCertificate(second).serialNumber).not.toBe(info.serialNumber);
    // An empty subject: the SAN extension must be critical.
    expect(await text('long.pem', first)).toMatch(/Subject Alternative Name: critical/);
  });
});

describe('signCertificate refuses what it must not sign', () => {
  let key: PrivateKey;
  let csrPem: string;
  let ca: { key: PrivateKey; pem: string };
  beforeAll(async () => {
    key = await generatePrivateKey({ algorithm: 'ECDSA' });
    csrPem = (await createCsr({ dnsNames: ['x.example.test'] }, key)).pem;
    ca = await selfSignedCa({ algorithm: 'Ed25519' }, 'Refusing CA');
  });

  it('a CSR whose signature does not verify', async () => {
    const der = pemDecode(csrPem, 'CERTIFICATE REQUEST');
    const at = Buffer.from(der).indexOf('x.example.test');
    const tampered = new Uint8Array(der);
    tampered[at] = 'y'.charCodeAt(0);
    const err = await signCertificate({
      csr: pemEncode('CERTIFICATE REQUEST', tampered),
      issuerKey: key,
      ...validity,
    }).catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_CRYPTO')).toBe(true);
    expect((err as Error).message).toMatch(/CSR signature/);
  });

  it('an issuer key that does not match the issuer certificate', async () => {
    const err = await signCertificate({
      csr: csrPem,
      issuerKey: key,
      issuerCertificate: ca.pem,
      ...validity,
    }).catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_CRYPTO')).toBe(true);
    expect((err as Error).message).toMatch(/issuerCertificate/);
  });

  it('a self-signed certificate with another key than the CSR', async () => {
    const err = await signCertificate({ csr: csrPem, issuerKey: ca.key, ...validity }).catch(
      (e: unknown) => e,
    );
    expect(CertflowError.is(err, 'ERR_CRYPTO')).toBe(true);
  });

  it.each([
    [{ notAfter: validity.notBefore }, 'notAfter'],
    [{ notBefore: new Date(Number.NaN) }, 'notBefore'],
    [{ serialNumber: new Uint8Array([0, 0]) }, 'serialNumber'],
    [{ serialNumber: new Uint8Array(21).fill(1) }, 'serialNumber'],
    [{ usages: ['server auth', 'flying'] }, 'usages[1]'],
  ] as [Record<string, unknown>, string][])('%j → ValidationError on %s', async (bad, field) => {
    const err = await signCertificate({ csr: csrPem, issuerKey: key, ...validity, ...bad }).catch(
      (e: unknown) => e,
    );
    expect(CertflowError.is(err, 'ERR_VALIDATION')).toBe(true);
    expect((err as { field: string }).field).toBe(field);
  });
});
