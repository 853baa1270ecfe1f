import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyMatchesSpki } from '../../../src/crypto/certificate.js';
import {
  exportPrivateKeyPem,
  importPrivateKeyPem,
  parseCertificate,
} from '../../../src/crypto/index.js';
import {
  ecPrivateKeyPem,
  keyFactsMatchSpki,
  keyFactsOf,
  readKeyFacts,
} from '../../../src/crypto/key-facts.js';
import { publicJwk } from '../../../src/crypto/keys.js';
import { createWorkdir, type Workdir } from './openssl.js';

let work: Workdir;
beforeAll(async () => {
  work = await createWorkdir();
});
afterAll(async () => {
  await work.remove();
});

const genEc = (curve: string, out: string): string[] => [
  'genpkey',
  '-algorithm',
  'EC',
  '-pkeyopt',
  `ec_paramgen_curve:${curve}`,
  '-out',
  out,
];
const sec1 = (curve: string, out: string): string[] => [
  'ecparam',
  '-name',
  curve,
  '-genkey',
  '-noout',
  '-out',
  out,
];

const rsa = (out: string): string[] => [
  'genpkey',
  '-algorithm',
  'RSA',
  '-pkeyopt',
  'rsa_keygen_bits:2048',
  '-out',
  out,
];

// Each row: how openssl makes a key (`full.pem`), how it writes it as `k.pem` (the key under
// test, with PEM label `label`), and whether the facts are read without an import (`cheap`).
const cases: {
  name: string;
  label: string;
  generate: (out: string) => string[];
  write: string[][];
  cheap: boolean;
}[] = [
  ...(
    [
      ['P-256', 'prime256v1'],
      ['P-384', 'secp384r1'],
      ['P-521', 'secp521r1'],
    ] as const
  ).flatMap(([curve, name]) => [
    {
      name: `${curve} PKCS#8`,
      label: 'PRIVATE KEY',
      generate: (out: string) => genEc(curve, out),
      write: [['pkey', '-in', 'full.pem', '-out', 'k.pem']],
      cheap: true,
    },
    {
      name: `${curve} SEC1`,
      label: 'EC PRIVATE KEY',
      generate: (out: string) => sec1(name, out),
      write: [['ec', '-in', 'full.pem', '-out', 'k.pem']],
      cheap: true,
    },
    {
      name: `${curve} SEC1 without the public point`,
      label: 'EC PRIVATE KEY',
      generate: (out: string) => sec1(name, out),
      write: [['ec', '-in', 'full.pem', '-no_public', '-out', 'k.pem']],
      cheap: true,
    },
    {
      name: `${curve} PKCS#8 without the public point`,
      label: 'PRIVATE KEY',
      generate: (out: string) => sec1(name, out),
      write: [
        ['ec', '-in', 'full.pem', '-no_public', '-out', 'np.pem'],
        ['pkcs8', '-topk8', '-nocrypt', '-in', 'np.pem', '-out', 'k.pem'],
      ],
      cheap: true,
    },
    {
      name: `${curve} SEC1 with a compressed public point`,
      label: 'EC PRIVATE KEY',
      generate: (out: string) => sec1(name, out),
      write: [['ec', '-in', 'full.pem', '-conv_form', 'compressed', '-out', 'k.pem']],
      cheap: true,
    },
  ]),
  {
    name: 'RSA 2048 PKCS#1',
    label: 'RSA PRIVATE KEY',
    generate: rsa,
    write: [['rsa', '-in', 'full.pem', '-traditional', '-out', 'k.pem']],
    cheap: true,
  },
  {
    name: 'RSA 2048 PKCS#8',
    label: 'PRIVATE KEY',
    generate: rsa,
    write: [['pkey', '-in', 'full.pem', '-out', 'k.pem']],
    cheap: true,
  },
  {
    name: 'Ed25519 PKCS#8',
    label: 'PRIVATE KEY',
    generate: (out) => ['genpkey', '-algorithm', 'ED25519', '-out', out],
    write: [['pkey', '-in', 'full.pem', '-out', 'k.pem']],
    cheap: false,
  },
];

/** The SubjectPublicKeyInfo of a certificate openssl makes for `keyFile`. */
async function certificateSpki(keyFile: string): Promise<Uint8Array> {
  await work.opensslOk(
    'req',
    '-x509',
    '-new',
    '-key',
    keyFile,
    '-subj',
    '/CN=facts',
    '-out',
    'c.pem',
  );
  return parseCertificate(await work.read('c.pem')).publicKeySpki;
}

describe('key facts agree with an import', () => {
  for (const { name, label, generate, write, cheap } of cases) {
    it(name, async () => {
      await work.opensslOk(...generate('full.pem'));
      await work.opensslOk(...generate('other.pem'));
      for (const args of write) await work.opensslOk(...args);
      const pem = await work.read('k.pem');
      expect(pem.startsWith(`-----BEGIN ${label}-----`)).toBe(true);
      const ownSpki = await certificateSpki('full.pem');
      const otherSpki = await certificateSpki('other.pem');
      const key = await importPrivateKeyPem(pem);
      const read = readKeyFacts(pem);
      expect(read !== undefined).toBe(cheap);
      const facts = read ?? keyFactsOf(key);

      expect(facts.spec).toEqual(key.spec);
      expect(facts.publicJwk).toEqual(publicJwk(key));

      for (const spki of [ownSpki, otherSpki]) {
        expect(keyFactsMatchSpki(facts, spki)).toBe(keyMatchesSpki(key, spki));
      }
      expect(keyFactsMatchSpki(facts, ownSpki)).toBe(true);
      expect(keyFactsMatchSpki(facts, otherSpki)).toBe(false);

      // Written out without an import: byte for byte what the imported key exports, for EC keys.
      for (const encoding of ['PKCS1', 'PKCS8'] as const) {
        const written = ecPrivateKeyPem(pem, facts, encoding);
        expect(written !== undefined).toBe(cheap && key.spec.algorithm === 'ECDSA');
        if (written !== undefined) expect(written).toBe(await exportPrivateKeyPem(key, encoding));
      }
    });
  }

  it('compares an EC public key written with a compressed point as the import does', async () => {
    await work.opensslOk(...sec1('prime256v1', 'cp.pem'));
    await work.opensslOk(...sec1('prime256v1', 'cp-other.pem'));
    const pem = await work.read('cp.pem');
    const key = await importPrivateKeyPem(pem);
    const facts = readKeyFacts(pem)!;
    for (const [file, matches] of [
      ['cp.pem', true],
      ['cp-other.pem', false],
    ] as const) {
      await work.opensslOk(
        'ec',
        '-in',
        file,
        '-pubout',
        '-conv_form',
        'compressed',
        '-outform',
        'DER',
        '-out',
        'compressed.der',
      );
      const spki = await work.readBytes('compressed.der');
      expect(spki.byteLength).toBeLessThan(65); // 33-byte point: compressed indeed
      expect(keyFactsMatchSpki(facts, spki)).toBe(matches);
      expect(keyMatchesSpki(key, spki)).toBe(matches);
    }
  });

  it('is false for a public key it cannot read, and across algorithms', async () => {
    await work.opensslOk(...sec1('prime256v1', 'x.pem'));
    await work.opensslOk('genpkey', '-algorithm', 'ED25519', '-out', 'ed.pem');
    await work.opensslOk('pkey', '-in', 'ed.pem', '-pubout', '-outform', 'DER', '-out', 'ed.der');
    const facts = readKeyFacts(await work.read('x.pem'))!;
    expect(keyFactsMatchSpki(facts, new Uint8Array([0x30, 0x00]))).toBe(false);
    expect(keyFactsMatchSpki(facts, await work.readBytes('ed.der'))).toBe(false);
  });
});
