import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { parseCsr, pemDecode, pemEncode } from '../../../src/crypto/index.js';
import { createWorkdir, opensslSpki, type Workdir } from './openssl.js';

let work: Workdir;
beforeAll(async () => {
  work = await createWorkdir();
});
afterAll(async () => {
  await work.remove();
});

const keyArgs: Record<string, string[]> = {
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ed25519: ['-algorithm', 'ED25519'],
};

async function opensslCsr(keyType: string, digest: string[], extra: string[]): Promise<string> {
  await work.opensslOk('genpkey', ...(keyArgs[keyType] ?? []), '-out', `${keyType}.key`);
  await work.opensslOk(
    'req',
    '-new',
    '-key',
    `${keyType}.key`,
    ...digest,
    '-out',
    `${keyType}.csr`,
    '-subj',
    '/C=DE/O=Acme GmbH/OU=Ops/CN=api.example.test',
    ...extra,
  );
  return work.read(`${keyType}.csr`);
}

describe('parseCsr reads CSRs made by openssl req', () => {
  for (const keyType of Object.keys(keyArgs)) {
    it(keyType, async () => {
      const pem = await opensslCsr(keyType, keyType === 'ed25519' ? [] : ['-sha256'], [
        '-addext',
        'subjectAltName=DNS:api.example.test,DNS:*.api.example.test,IP:10.0.0.1,IP:::1,URI:https://example.test/id,email:a@example.test',
        '-addext',
        'keyUsage=critical,digitalSignature,keyAgreement',
        '-addext',
        'extendedKeyUsage=serverAuth,codeSigning,1.2.3.4',
        '-addext',
        'basicConstraints=critical,CA:FALSE',
      ]);
      const info = await parseCsr(pem);
      expect(info.subject).toEqual({
        countries: ['DE'],
        organizations: ['Acme GmbH'],
        organizationalUnits: ['Ops'],
        commonName: 'api.example.test',
      });
      expect(info.dnsNames).toEqual(['api.example.test', '*.api.example.test']);
      expect(info.ipAddresses).toEqual(['10.0.0.1', '::1']);
      expect(info.uris).toEqual(['https://example.test/id']);
      expect(info.emailAddresses).toEqual(['a@example.test']);
      // An OID without a cert-manager name (1.2.3.4) is left out.
      expect(info.usages).toEqual([
        'digital signature',
        'key agreement',
        'server auth',
        'code signing',
      ]);
      expect(info.isCA).toBe(false);
      expect(info.signatureValid).toBe(true);
      const spki = await opensslSpki(work, 'key', work.file(`${keyType}.key`));
      expect(Buffer.from(info.publicKeySpki)).toEqual(Buffer.from(spki));
    });
  }

  it('a CSR without extensions has empty lists', async () => {
    const info = await parseCsr(await opensslCsr('p256', ['-sha384'], []));
    expect(info).toMatchObject({
      dnsNames: [],
      ipAddresses: [],
      uris: [],
      emailAddresses: [],
      usages: [],
      isCA: false,
      signatureValid: true,
    });
  });

  it('the old NEW CERTIFICATE REQUEST label is accepted', async () => {
    const pem = await opensslCsr('ed25519', [], []);
    const old = pem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST');
    expect((await parseCsr(old)).signatureValid).toBe(true);
  });
});

describe('signatureValid is false when the signature cannot be trusted', () => {
  it('a tampered CSR', async () => {
    const pem = await opensslCsr(
      'p256',
      ['-sha256'],
      ['-addext', 'subjectAltName=DNS:good.example.test'],
    );
    const der = pemDecode(pem, 'CERTIFICATE REQUEST');
    const at = Buffer.from(der).indexOf('good.example.test');
    expect(at).toBeGreaterThan(0);
    const tampered = new Uint8Array(der);
    tampered.set(new TextEncoder().encode('evil'), at);
    const info = await parseCsr(pemEncode('CERTIFICATE REQUEST', tampered));
    expect(info.dnsNames).toEqual(['evil.example.test']);
    expect(info.signatureValid).toBe(false);
  });

  it('a CSR signed with SHA-1', async () => {
    const info = await parseCsr(await opensslCsr('rsa', ['-sha1'], []));
    expect(info.subject.commonName).toBe('api.example.test');
    expect(info.signatureValid).toBe(false);
  });
});

describe('parseCsr refuses what is not a CSR', () => {
  it.each([
    ['text without PEM', 'hello'],
    ['a CERTIFICATE block', '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n'],
    ['DER that is not a CSR', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])],
    ['truncated DER', new Uint8Array([0x30, 0x10, 0x02, 0x01])],
  ] as [string, string | Uint8Array][])('%s', async (_name, input) => {
    const err = await parseCsr(input).catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_CRYPTO')).toBe(true);
  });
});
