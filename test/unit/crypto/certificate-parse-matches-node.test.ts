// parseCertificate and keyMatchesCertificate read DER themselves; node's X509Certificate (OpenSSL)
// is the independent reading they are held to, on certificates of many shapes made by openssl.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalIpAddress,
  importPrivateKeyPem,
  keyMatchesCertificate,
  parseCertificate,
  type CertificateInfo,
  type PrivateKey,
  type SubjectFields,
} from '../../../src/crypto/index.js';
import { createWorkdir, type Workdir } from './openssl.js';

let work: Workdir;

const keyArgs: Record<string, string[]> = {
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  // Half of all P-521 coordinates start with a zero byte: several keys exercise the padding.
  p521a: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  p521b: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  p521c: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  p521d: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-algorithm', 'ED25519'],
};

interface Case {
  name: string;
  key: keyof typeof keyArgs;
  subject: string;
  /** openssl extension config (an extfile); empty for none. */
  extensions: string;
  serial?: string;
  days?: number;
  /** Extra `openssl req` arguments, such as a string mask for the subject. */
  req?: string[];
  /** What the subject must read as, when the case is about the subject. */
  fields?: SubjectFields;
  subjectText?: string;
}

const leafUsages = [
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth,clientAuth',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid',
].join('\n');

const cases: Case[] = [
  ...(['rsa', 'p256', 'p384', 'p521a', 'p521b', 'ed25519'] as const).map((key) => ({
    name: `${key} leaf with a wildcard`,
    key,
    subject: `/CN=${key}.example.test`,
    extensions: `subjectAltName=DNS:${key}.example.test,DNS:*.${key}.example.test\n${leafUsages}`,
  })),
  {
    name: 'every SAN kind, IPv6 forms, IDN A-labels, values with commas',
    key: 'rsa',
    subject: '/CN=web.example.test',
    extensions: [
      'subjectAltName=@alt',
      'basicConstraints=critical,CA:FALSE',
      '[alt]',
      'DNS.1=web.example.test',
      'DNS.2=xn--mnchen-3ya.example.test',
      'DNS.3=*.xn--bcher-kva.example',
      'IP.1=192.0.2.7',
      'IP.2=2001:db8:0:0:1:0:0:1',
      'IP.3=::1',
      'IP.4=::ffff:192.0.2.1',
      'IP.5=fe80::',
      'IP.6=2001:db8::',
      'IP.7=::',
      'IP.8=2001:db8:1:2:3:4:5:6',
      'URI.1=spiffe://example.test/web',
      'URI.2=https://example.test/a?b=c,d',
      'email.1=ops@example.test',
      'email.2=o,ps@example.test',
      'otherName.1=1.2.3.4;UTF8:hello',
      'RID.1=1.2.3.4.5',
      'dirName.1=dir_sect',
      '[dir_sect]',
      'C=UK',
      'CN=Dir Name',
    ].join('\n'),
  },
  {
    name: 'a full subject',
    key: 'p256',
    subject:
      '/C=US/ST=Oregon/L=Portland/street=1 Main St/postalCode=97201/O=Acme, Inc./OU=Web/OU=Ops/CN=web.example.test/serialNumber=1234',
    extensions: 'subjectAltName=DNS:web.example.test',
    fields: {
      countries: ['US'],
      provinces: ['Oregon'],
      localities: ['Portland'],
      streetAddresses: ['1 Main St'],
      postalCodes: ['97201'],
      organizations: ['Acme, Inc.'],
      organizationalUnits: ['Web', 'Ops'],
      commonName: 'web.example.test',
      serialNumber: '1234',
    },
    subjectText:
      'SERIALNUMBER=1234, CN=web.example.test, OU=Ops, OU=Web, O=Acme\\, Inc., POSTALCODE=97201, STREET=1 Main St, L=Portland, ST=Oregon, C=US',
  },
  {
    name: 'RFC 4514 specials, a multi-valued RDN and attributes without a field',
    key: 'p256',
    subject:
      '/CN=#hash+UID=jdoe/O= leading space/OU=trailing space /L=semi;colon/ST=quote"d/OU=back\\\\slash/OU=<angle>/DC=example/emailAddress=pki@example.test',
    extensions: '',
    fields: {
      commonName: '#hash',
      organizations: [' leading space'],
      organizationalUnits: ['trailing space ', 'back\\slash', '<angle>'],
      localities: ['semi;colon'],
      provinces: ['quote"d'],
    },
    subjectText:
      'emailAddress=pki@example.test, DC=example, OU=\\<angle\\>, OU=back\\\\slash, ST=quote\\"d, L=semi\\;colon, OU=trailing space\\ , O=\\ leading space, CN=\\#hash+UID=jdoe',
  },
  {
    name: 'UTF-8 names',
    key: 'p384',
    subject: '/CN=Ünïcødé ☃/O=日本語',
    req: ['-utf8'],
    extensions: 'subjectAltName=DNS:unicode.example.test',
    fields: { commonName: 'Ünïcødé ☃', organizations: ['日本語'] },
    subjectText: 'O=日本語, CN=Ünïcødé ☃',
  },
  {
    name: 'BMPString names',
    key: 'p256',
    subject: '/CN=bmp name/O=Wörk',
    req: ['-utf8', '-config', 'bmp.cnf'],
    extensions: '',
    fields: { commonName: 'bmp name', organizations: ['Wörk'] },
  },
  {
    name: 'TeletexString names',
    key: 'p256',
    subject: '/CN=t61 name',
    req: ['-config', 't61.cnf'],
    extensions: '',
    fields: { commonName: 't61 name' },
  },
  {
    name: 'a CA with a path length and every key usage',
    key: 'p521c',
    subject: '/CN=Corpus Intermediate',
    extensions: [
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      'keyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly',
      'extendedKeyUsage=codeSigning,emailProtection,timeStamping,OCSPSigning,1.2.3.4.5.6,anyExtendedKeyUsage,msSGC,nsSGC',
      'authorityKeyIdentifier=keyid,issuer:always',
    ].join('\n'),
  },
  {
    name: 'serial zero, no extensions',
    key: 'p521d',
    subject: '/CN=no-extensions',
    extensions: '',
    serial: '0',
  },
  {
    name: 'valid past 2049 (GeneralizedTime)',
    key: 'ed25519',
    subject: '/CN=long-lived',
    extensions: 'subjectAltName=DNS:long.example.test',
    serial: '0x00ff00',
    days: 20_000,
  },
  {
    name: 'extensions named by object identifiers with arcs past 2^53',
    key: 'p256',
    subject: '/CN=big',
    extensions: [
      'subjectAltName=DNS:big.example.test',
      '2.25.329800735698586629295641978511506172918=ASN1:NULL',
      '2.999.1=ASN1:UTF8String:custom',
    ].join('\n'),
  },
];

const keyAlgorithms: Record<string, string> = { rsa: 'RSA', ec: 'ECDSA', ed25519: 'Ed25519' };

const extKeyUsageNames: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'server auth',
  '1.3.6.1.5.5.7.3.2': 'client auth',
  '1.3.6.1.5.5.7.3.3': 'code signing',
  '1.3.6.1.5.5.7.3.4': 'email protection',
  '2.5.29.37.0': 'any',
};

/** The SANs in node's `subjectAltName` text; values with commas or quotes are JSON strings. */
function nodeSans(text: string | undefined): Record<string, string[]> {
  const sans: Record<string, string[]> = { DNS: [], 'IP Address': [], URI: [], email: [] };
  for (const match of (text ?? '').matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const [, kind = '', raw = ''] = match;
    sans[kind]?.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return sans;
}

const made = new Map<string, { pem: string; x509: X509Certificate }>();
const keys = new Map<string, { key: PrivateKey; node: KeyObject }>();

beforeAll(async () => {
  work = await createWorkdir();
  await work.write('bmp.cnf', '[req]\ndistinguished_name=dn\nstring_mask=MASK:0x800\n[dn]\n');
  await work.write('t61.cnf', '[req]\ndistinguished_name=dn\nstring_mask=MASK:0x4\n[dn]\n');
  for (const [name, args] of Object.entries(keyArgs)) {
    await work.opensslOk('genpkey', ...args, '-out', `${name}.key`);
    const pem = await work.read(`${name}.key`);
    keys.set(name, { key: await importPrivateKeyPem(pem), node: createPrivateKey(pem) });
  }
  await work.opensslOk(
    'req',
    '-x509',
    '-new',
    '-key',
    'p256.key',
    '-days',
    '3650',
    '-subj',
    '/O=Corpus/CN=Corpus CA',
    '-out',
    'ca.pem',
  );
  for (const [i, c] of cases.entries()) {
    const base = `case${i}`;
    await work.opensslOk(
      'req',
      '-new',
      '-key',
      `${c.key}.key`,
      '-subj',
      c.subject,
      ...(c.req ?? []),
      '-out',
      `${base}.csr`,
    );
    const extfile =
      c.extensions === '' ? [] : ['-extfile', await work.write(`${base}.ext`, c.extensions)];
    await work.opensslOk(
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'p256.key',
      '-set_serial',
      c.serial ?? String(1000 + i),
      '-days',
      String(c.days ?? 90),
      ...extfile,
      '-out',
      `${base}.pem`,
    );
    const pem = await work.read(`${base}.pem`);
    made.set(c.name, { pem, x509: new X509Certificate(pem) });
  }
}, 120_000);

afterAll(async () => {
  await work.remove();
});

function certificate(name: string): { pem: string; x509: X509Certificate; info: CertificateInfo } {
  const entry = made.get(name);
  if (entry === undefined) throw new Error(`no certificate for ${name}`);
  return { ...entry, info: parseCertificate(entry.pem) };
}

describe('parseCertificate reads what node reads', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const { x509, info } = certificate(name);
    expect(Buffer.from(info.der)).toEqual(x509.raw);
    expect(BigInt(`0x${info.serialNumber}`)).toBe(BigInt(`0x${x509.serialNumber}`));
    expect(info.notBefore.getTime()).toBe(Date.parse(x509.validFrom));
    expect(info.notAfter.getTime()).toBe(Date.parse(x509.validTo));
    expect(info.isCA).toBe(x509.ca);
    expect(Buffer.from(info.publicKeySpki)).toEqual(
      x509.publicKey.export({ type: 'spki', format: 'der' }),
    );
    expect(info.keyAlgorithm).toBe(keyAlgorithms[x509.publicKey.asymmetricKeyType ?? '']);
    const sans = nodeSans(x509.subjectAltName);
    expect(info.dnsNames).toEqual(sans.DNS);
    expect(info.ipAddresses).toEqual(
      (sans['IP Address'] ?? []).map((ip) => canonicalIpAddress(ip)),
    );
    expect(info.uris).toEqual(sans.URI);
    expect(info.emailAddresses).toEqual(sans.email);
    // node lists extKeyUsage OIDs; certflow names them as cert-manager does.
    for (const [oid, usage] of Object.entries(extKeyUsageNames)) {
      expect([usage, info.usages.includes(usage)]).toEqual([
        usage,
        x509.keyUsage?.includes(oid) ?? false,
      ]);
    }
    expect(info.issuerText).toBe('CN=Corpus CA, O=Corpus');
    if (c.fields !== undefined) expect(info.subject).toEqual(c.fields);
    if (c.subjectText !== undefined) expect(info.subjectText).toBe(c.subjectText);
  });

  it('reads IPv6 SANs in canonical form', () => {
    const { info } = certificate('every SAN kind, IPv6 forms, IDN A-labels, values with commas');
    expect(info.ipAddresses).toEqual([
      '192.0.2.7',
      '2001:db8::1:0:0:1',
      '::1',
      '::ffff:192.0.2.1',
      'fe80::',
      '2001:db8::',
      '::',
      '2001:db8:1:2:3:4:5:6',
    ]);
  });

  it('reads every key usage, in cert-manager spellings', () => {
    const { info } = certificate('a CA with a path length and every key usage');
    expect(info.usages).toEqual([
      'digital signature',
      'content commitment',
      'key encipherment',
      'data encipherment',
      'key agreement',
      'cert sign',
      'crl sign',
      'encipher only',
      'decipher only',
      'code signing',
      'email protection',
      'timestamping',
      'ocsp signing',
      'any',
      'microsoft sgc',
      'netscape sgc',
    ]);
    expect(info.authorityKeyIdentifier).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reads a GeneralizedTime and a padded serial', () => {
    const { info } = certificate('valid past 2049 (GeneralizedTime)');
    expect(info.notAfter.getUTCFullYear()).toBeGreaterThan(2049);
    expect(info.serialNumber).toBe('ff00');
    expect(certificate('serial zero, no extensions').info.serialNumber).toBe('00');
  });
});

describe('keyMatchesCertificate agrees with X509Certificate#checkPrivateKey', () => {
  it.each(cases.map((c) => [c.name] as const))('%s, against every key', async (name) => {
    const { pem, x509, info } = certificate(name);
    for (const [keyName, { key, node }] of keys) {
      const expected = x509.checkPrivateKey(node);
      expect([keyName, await keyMatchesCertificate(key, pem)]).toEqual([keyName, expected]);
      expect([keyName, await keyMatchesCertificate(key, info.der)]).toEqual([keyName, expected]);
    }
  });
});
