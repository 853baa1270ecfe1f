// createCsr writes its DER by hand; pkijs wrote it before. For every option createCsr supports and
// every key kind, the hand-written request must be the pkijs request byte for byte, apart from the
// signature value where it is randomised (ECDSA).
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, parseCsr } from '../../../src/crypto/csr.js';
import { oids } from '../../../src/crypto/der.js';
import { bitStringOf, children, encodingOf, readDer } from '../../../src/crypto/der-reader.js';
import {
  basicConstraintsExtension,
  generalNames,
  subjectAltNameExtension,
  usageExtensions,
} from '../../../src/crypto/extensions.js';
import {
  generatePrivateKey,
  importPrivateKeyPem,
  publicKeySpkiDer,
} from '../../../src/crypto/keys.js';
import { encodeName } from '../../../src/crypto/names.js';
import { signPkiObject } from '../../../src/crypto/signature.js';
import type { CsrOptions, PrivateKey } from '../../../src/crypto/types.js';
import { keyUsages } from '../../../src/domain/resource-schemas.js';
import { defaultUsages, encodeUsages } from '../../../src/crypto/usages.js';
import { createWorkdir, type Workdir } from './openssl.js';

/** createCsr as it was with pkijs, returned unencoded so a test can swap the signature. */
async function pkijsCsr(options: CsrOptions, key: PrivateKey): Promise<pkijs.CertificationRequest> {
  const isCA = options.isCA ?? false;
  const subjectDer = encodeName(options.subject ?? {}, 'subject');
  const names = generalNames(options);
  const extensions: pkijs.Extension[] = [];
  if (names.length > 0) {
    extensions.push(subjectAltNameExtension(names, subjectDer.byteLength === 2));
  }
  if (options.usages !== undefined) {
    const usages = options.usages.length > 0 ? options.usages : defaultUsages;
    extensions.push(...usageExtensions(encodeUsages(usages, isCA, 'usages')));
  }
  if (isCA) extensions.push(basicConstraintsExtension(true));
  const csr = new pkijs.CertificationRequest({
    version: 0,
    subject: pkijs.RelativeDistinguishedNames.fromBER(subjectDer),
    subjectPublicKeyInfo: pkijs.PublicKeyInfo.fromBER(await publicKeySpkiDer(key)),
    attributes:
      extensions.length === 0
        ? []
        : [
            new pkijs.Attribute({
              type: oids.extensionRequest,
              values: [new pkijs.Extensions({ extensions }).toSchema()],
            }),
          ],
  });
  await signPkiObject(csr, key);
  return csr;
}

const FULL_SUBJECT: CsrOptions['subject'] = {
  commonName: 'web.example.test',
  organizations: ['Acme', 'Bücher GmbH'],
  organizationalUnits: ['Web', 'Edge'],
  countries: ['US', 'D_E'],
  provinces: ['Oregon'],
  localities: ['Portland'],
  streetAddresses: ['1 Main St'],
  postalCodes: ['97201'],
  serialNumber: 'A-1',
};

const OPTION_SETS: [string, CsrOptions][] = [
  ['no options at all', {}],
  ['a common name only', { subject: { commonName: 'x' } }],
  [
    'every subject field, UTF8String where PrintableString cannot say it',
    { subject: FULL_SUBJECT },
  ],
  [
    'a serial number that is not printable',
    { subject: { serialNumber: 'A_1', countries: ['DE'] } },
  ],
  ['one DNS name and an empty subject (critical SAN)', { dnsNames: ['a.example.test'] }],
  [
    'DNS names with a wildcard and a subject',
    { subject: { commonName: 'a' }, dnsNames: ['a.example.test', '*.example.test'] },
  ],
  [
    'IPv4 and IPv6 addresses',
    { ipAddresses: ['192.0.2.10', '0.0.0.0', '2001:DB8::1', '::', '::ffff:192.0.2.1'] },
  ],
  ['URIs', { uris: ['spiffe://example.test/web', 'https://example.test:8443/a?b=c#d'] }],
  ['email addresses', { emailAddresses: ['ops@example.test', 'a.b+c@example.test'] }],
  [
    'every SAN kind with a subject',
    {
      subject: FULL_SUBJECT,
      dnsNames: ['web.example.test'],
      ipAddresses: ['192.0.2.10', '2001:db8::1'],
      uris: ['spiffe://example.test/web'],
      emailAddresses: ['ops@example.test'],
    },
  ],
  ['an empty usages list (defaults)', { dnsNames: ['a.example.test'], usages: [] }],
  ['key usages only', { usages: ['signing', 'key encipherment', 'crl sign'] }],
  [
    'extended key usages only, one twice',
    { usages: ['server auth', 'client auth', 'server auth'] },
  ],
  ['every usage name (keyUsage in two octets)', { usages: [...keyUsages] }],
  ['decipher only alone (one bit in the second octet)', { usages: ['decipher only'] }],
  ['isCA without usages', { subject: { commonName: 'Acme CA' }, isCA: true }],
  ['isCA with an empty usages list', { isCA: true, usages: [] }],
  ['isCA with usages', { isCA: true, usages: ['crl sign', 'ocsp signing'] }],
  ['isCA false with usages', { isCA: false, dnsNames: ['a.test'], usages: ['server auth'] }],
  [
    'everything at once',
    {
      subject: FULL_SUBJECT,
      dnsNames: ['web.example.test', '*.example.test'],
      ipAddresses: ['192.0.2.10', '2001:DB8::1'],
      uris: ['spiffe://example.test/web'],
      emailAddresses: ['ops@example.test'],
      usages: ['signing', 'key encipherment', 'server auth', 'client auth'],
      isCA: true,
    },
  ],
  [
    'a 200-character DNS name',
    { dnsNames: [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(72)}`] },
  ],
  [
    // Over 65,535 bytes: lengths in three octets.
    '3,000 DNS names',
    { dnsNames: Array.from({ length: 3000 }, (_, i) => `host-${i}.example.test`) },
  ],
];

/** Generated here, and imported from PEM that openssl wrote (the import path builds keys differently). */
const GENERATED = [
  { algorithm: 'RSA', size: 2048 },
  { algorithm: 'ECDSA', size: 256 },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'ECDSA', size: 521 },
  { algorithm: 'Ed25519' },
] as const;
const OPENSSL_KEYS: [string, string[]][] = [
  [
    'RSA 2048 from openssl (PKCS#8)',
    ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ],
  ['ECDSA P-256 from openssl (SEC1)', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout']],
  ['Ed25519 from openssl (PKCS#8)', ['genpkey', '-algorithm', 'ED25519']],
];

let work: Workdir;
const keys: [string, PrivateKey][] = [];
beforeAll(async () => {
  work = await createWorkdir();
  for (const spec of GENERATED) {
    keys.push([
      `${spec.algorithm} ${'size' in spec ? spec.size : ''}`,
      await generatePrivateKey(spec),
    ]);
  }
  for (const [label, args] of OPENSSL_KEYS) {
    const { stdout } = await work.opensslOk(...args);
    keys.push([label, await importPrivateKeyPem(stdout)]);
  }
}, 60_000);
afterAll(async () => {
  await work.remove();
});

describe('createCsr writes the bytes pkijs wrote, but for the signature value', () => {
  it.each(OPTION_SETS)(
    '%s',
    async (_, options) => {
      expect(keys).toHaveLength(GENERATED.length + OPENSSL_KEYS.length);
      for (const [label, key] of keys) {
        const { der } = await createCsr(options, key);
        const legacy = await pkijsCsr(options, key);
        const [requestInfo, algorithm, signatureValue, extra] = children(
          readDer(der, 'csr'),
          'csr',
        );
        expect(extra, label).toBeUndefined();
        // The CertificationRequestInfo is what the signature covers: exactly pkijs's.
        expect(encodingOf(requestInfo!), label).toEqual(new Uint8Array(legacy.tbsView));
        // RSA PKCS #1 v1.5 and Ed25519 signatures are deterministic: there nothing may differ.
        if (key.spec.algorithm !== 'ECDSA') {
          expect(der, label).toEqual(new Uint8Array(legacy.toSchema().toBER(false)));
        }
        // The whole request, once pkijs's signature is swapped for ours, is pkijs's encoding.
        legacy.signatureValue = new asn1js.BitString({
          valueHex: bitStringOf(signatureValue, 'signature').slice().buffer,
        });
        expect(der, label).toEqual(new Uint8Array(legacy.toSchema().toBER(false)));
        expect(encodingOf(algorithm!), label).toEqual(
          new Uint8Array(legacy.signatureAlgorithm.toSchema().toBER(false)),
        );
        expect((await parseCsr(der)).signatureValid, label).toBe(true);
      }
    },
    120_000,
  );
});
