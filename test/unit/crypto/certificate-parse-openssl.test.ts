import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { parseCertificate, pemDecode, pemEncode } from '../../../src/crypto/index.js';
import { createWorkdir, opensslSpki, type Workdir } from './openssl.js';

let work: Workdir;
beforeAll(async () => {
  work = await createWorkdir();
});
afterAll(async () => {
  await work.remove();
});

const keyTypes: { name: string; args: string[]; algorithm: string }[] = [
  {
    name: 'rsa',
    args: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    algorithm: 'RSA',
  },
  {
    name: 'p256',
    args: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    algorithm: 'ECDSA',
  },
  {
    name: 'p384',
    args: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
    algorithm: 'ECDSA',
  },
  { name: 'ed25519', args: ['-algorithm', 'ED25519'], algorithm: 'Ed25519' },
];

/** Hex digits of an openssl "AB:CD:.." line following `label` in -text output. */
function hexAfter(text: string, label: string): string | undefined {
  const match = new RegExp(`${label}: *\\n\\s+(?:keyid:)?([0-9A-F:]+)`).exec(text);
  return match?.[1]?.replace(/:/g, '').toLowerCase();
}

/** The value of `name=...` in openssl's x509 one-line output. */
function field(output: string, name: string): string {
  const match = new RegExp(`^${name}=(.*)$`, 'm').exec(output);
  if (match?.[1] === undefined) throw new Error(`${name} missing in ${output}`);
  return match[1];
}

async function compareWithOpenssl(certFile: string, algorithm: string): Promise<void> {
  const pem = await work.read(certFile);
  const info = parseCertificate(pem);

  const oneLine = await work.opensslOk(
    'x509',
    '-in',
    certFile,
    '-noout',
    '-serial',
    '-startdate',
    '-enddate',
    '-subject',
    '-issuer',
    '-nameopt',
    'RFC2253',
  );
  expect(info.serialNumber).toBe(field(oneLine.stdout, 'serial').toLowerCase());
  expect(info.notBefore.getTime()).toBe(Date.parse(field(oneLine.stdout, 'notBefore')));
  expect(info.notAfter.getTime()).toBe(Date.parse(field(oneLine.stdout, 'notAfter')));
  expect(info.subjectText).toBe(field(oneLine.stdout, 'subject').split(',').join(', '));
  expect(info.issuerText).toBe(field(oneLine.stdout, 'issuer').split(',').join(', '));

  const text = (await work.opensslOk('x509', '-in', certFile, '-noout', '-text')).stdout;
  expect(info.subjectKeyIdentifier).toBe(hexAfter(text, 'X509v3 Subject Key Identifier'));
  expect(info.authorityKeyIdentifier).toBe(hexAfter(text, 'X509v3 Authority Key Identifier'));
  expect(info.isCA).toBe(/CA:TRUE/.test(text));
  expect(info.keyAlgorithm).toBe(algorithm);

  const spki = await opensslSpki(work, 'cert', work.file(certFile));
  expect(Buffer.from(info.publicKeySpki)).toEqual(Buffer.from(spki));
  await work.opensslOk('x509', '-in', certFile, '-outform', 'DER', '-out', `${certFile}.der`);
  expect(Buffer.from(info.der)).toEqual(Buffer.from(await work.readBytes(`${certFile}.der`)));
  // DER input gives the same answer as PEM input.
  expect(parseCertificate(info.der)).toEqual(info);
}

describe('parseCertificate on certificates made by openssl req -x509', () => {
  for (const { name, args, algorithm } of keyTypes) {
    it(`${name}: every field agrees with openssl`, async () => {
      await work.opensslOk('genpkey', ...args, '-out', `${name}.key`);
      await work.opensslOk(
        'req',
        '-x509',
        '-new',
        '-key',
        `${name}.key`,
        '-days',
        '30',
        '-out',
        `${name}.pem`,
        '-subj',
        '/C=US/ST=Oregon/L=Portland/O=Acme/OU=Web/CN=web.example.test',
        '-addext',
        'subjectAltName=DNS:web.example.test,DNS:www.example.test,IP:192.0.2.7,IP:2001:db8:0:0:1:0:0:1,URI:spiffe://example.test/web,email:ops@example.test',
        '-addext',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        '-addext',
        'extendedKeyUsage=serverAuth,clientAuth',
        '-addext',
        'basicConstraints=critical,CA:FALSE',
      );
      await compareWithOpenssl(`${name}.pem`, algorithm);

      const info = parseCertificate(await work.read(`${name}.pem`));
      expect(info.subject).toEqual({
        countries: ['US'],
        provinces: ['Oregon'],
        localities: ['Portland'],
        organizations: ['Acme'],
        organizationalUnits: ['Web'],
        commonName: 'web.example.test',
      });
      expect(info.issuer).toEqual(info.subject);
      expect(info.subjectText).toBe(
        'CN=web.example.test, OU=Web, O=Acme, L=Portland, ST=Oregon, C=US',
      );
      expect(info.dnsNames).toEqual(['web.example.test', 'www.example.test']);
      expect(info.ipAddresses).toEqual(['192.0.2.7', '2001:db8::1:0:0:1']);
      expect(info.uris).toEqual(['spiffe://example.test/web']);
      expect(info.emailAddresses).toEqual(['ops@example.test']);
      expect(info.usages).toEqual([
        'digital signature',
        'key encipherment',
        'server auth',
        'client auth',
      ]);
      expect(info.isCA).toBe(false);
      // openssl writes both key identifiers; equal on a self-signed certificate.
      expect(info.subjectKeyIdentifier).toMatch(/^[0-9a-f]{40}$/);
      expect(info.authorityKeyIdentifier).toBe(info.subjectKeyIdentifier);
    });
  }

  it('a CA valid past 2049 (GeneralizedTime) with a small serial', async () => {
    await work.opensslOk('genpkey', ...(keyTypes[1]?.args ?? []), '-out', 'ca.key');
    await work.opensslOk(
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-days',
      '10000',
      '-set_serial',
      '255',
      '-out',
      'ca.pem',
      '-subj',
      '/O=Acme/CN=Acme Root',
    );
    await compareWithOpenssl('ca.pem', 'ECDSA');
    const info = parseCertificate(await work.read('ca.pem'));
    expect(info.serialNumber).toBe('ff');
    expect(info.isCA).toBe(true);
    expect(info.notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2050);
    expect(info.usages).toEqual([]);
    expect(info.dnsNames).toEqual([]);
  });

  it('escapes RFC 4514 specials and keeps unknown attributes in the text', async () => {
    await work.opensslOk('genpkey', '-algorithm', 'ED25519', '-out', 'odd.key');
    await work.opensslOk(
      'req',
      '-x509',
      '-new',
      '-key',
      'odd.key',
      '-days',
      '1',
      '-out',
      'odd.pem',
      '-subj',
      '/O=Acme\\, Inc./emailAddress=pki@example.test/CN=odd',
    );
    const info = parseCertificate(await work.read('odd.pem'));
    expect(info.subjectText).toBe('CN=odd, emailAddress=pki@example.test, O=Acme\\, Inc.');
    expect(info.subject).toEqual({ organizations: ['Acme, Inc.'], commonName: 'odd' });
  });
});

describe('parseCertificate is synchronous and strict', () => {
  it('returns a value, not a promise', async () => {
    await work.opensslOk('genpkey', '-algorithm', 'ED25519', '-out', 's.key');
    await work.opensslOk(
      'req',
      '-x509',
      '-new',
      '-key',
      's.key',
      '-subj',
      '/CN=s',
      '-out',
      's.pem',
    );
    const info = parseCertificate(await work.read('s.pem'));
    expect(info).not.toBeInstanceOf(Promise);
    expect(info.subject.commonName).toBe('s');
  });

  it.each([
    ['no certificate block', '-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n'],
    ['an empty SEQUENCE', pemEncode('CERTIFICATE', new Uint8Array([0x30, 0x00]))],
    ['trailing bytes', pemEncode('CERTIFICATE', new Uint8Array([0x30, 0x00, 0x00]))],
    ['bytes that are neither DER nor text', new Uint8Array([0xff, 0xfe, 0x00, 0xd8])],
  ] as [string, string | Uint8Array][])('%s is a CryptoError', (_name, input) => {
    let caught: unknown;
    try {
      parseCertificate(input);
    } catch (err) {
      caught = err;
    }
    expect(CertflowError.is(caught, 'ERR_CRYPTO')).toBe(true);
  });

  it('a certificate cut short is a CryptoError', async () => {
    const der = pemDecode(await work.read('s.pem'), 'CERTIFICATE');
    expect(() => parseCertificate(der.subarray(0, der.byteLength - 10))).toThrow(/certificate/);
  });
});
