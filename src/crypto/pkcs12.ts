/**
 * PKCS#12 (RFC 7292) keystores and trust stores, as cert-manager writes them into Secrets.
 *
 * @packageDocumentation
 */

import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import { ValidationError } from '../errors.js';
import { parseCertificate } from './certificate.js';
import { bytesEqual, encodeDer, ownBytes } from './der.js';
import { exportPrivateKeyPem } from './keys.js';
import { pemDecode, splitPemChain } from './pem.js';
import { rc2CbcEncrypt } from './rc2.js';
import type { PrivateKey } from './types.js';

/**
 * The algorithms of a PKCS#12 file, named as cert-manager's `keystores.pkcs12.profile`.
 *
 * @remarks
 * - `LegacyRC2` (cert-manager's default): certificates under pbeWithSHAAnd40BitRC2-CBC, the key
 *   under pbeWithSHAAnd3-KeyTripleDES-CBC, an HMAC-SHA-1 MAC. OpenSSL 3 reads it only with
 *   `-legacy`.
 * - `LegacyDES`: certificates and key under pbeWithSHAAnd3-KeyTripleDES-CBC, an HMAC-SHA-1 MAC.
 * - `Modern2023`: PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC) and an HMAC-SHA-256 MAC.
 *
 * Each uses 2048 iterations for encryption; as go-pkcs12 (which cert-manager uses) does, the
 * legacy MACs use one iteration and the modern one 2048.
 */
export type Pkcs12Profile = 'LegacyRC2' | 'LegacyDES' | 'Modern2023';

/** What {@link encodePkcs12Keystore} puts in a keystore. */
export interface Pkcs12KeystoreOptions {
  /** The private key of the first certificate of `chainPem`. */
  key: PrivateKey;
  /** The certificate chain, leaf first (PEM). */
  chainPem: string;
  /**
   * CA certificates (PEM) added after the chain's own issuers, as `ca.crt` is.
   *
   * @defaultValue none
   */
  caPem?: string;
  /** The password: not empty, characters of the Basic Multilingual Plane only. */
  password: string;
  /** @defaultValue `LegacyRC2` */
  profile?: Pkcs12Profile;
}

/** What {@link encodePkcs12Truststore} puts in a trust store. */
export interface Pkcs12TruststoreOptions {
  /** The CA certificates to trust (PEM). */
  caPem: string;
  /** The password: not empty, characters of the Basic Multilingual Plane only. */
  password: string;
  /** @defaultValue `LegacyRC2` */
  profile?: Pkcs12Profile;
}

const oids = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  // Oracle's attribute that marks a trusted certificate entry for Java's KeyStore.
  javaTrustedKeyUsage: '2.16.840.1.113894.746875.1.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
  pbeWithSha1And3KeyTripleDesCbc: '1.2.840.113549.1.12.1.3',
  pbeWithSha1And40BitRc2Cbc: '1.2.840.113549.1.12.1.6',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

type Cipher = 'rc2-40' | '3des' | 'pbes2';

interface Profile {
  certificates: Cipher;
  key: Cipher;
  mac: 'sha1' | 'sha256';
  macIterations: number;
  saltLength: number;
}

const ITERATIONS = 2048;

const profiles: Readonly<Record<Pkcs12Profile, Profile>> = {
  LegacyRC2: { certificates: 'rc2-40', key: '3des', mac: 'sha1', macIterations: 1, saltLength: 8 },
  LegacyDES: { certificates: '3des', key: '3des', mac: 'sha1', macIterations: 1, saltLength: 8 },
  Modern2023: {
    certificates: 'pbes2',
    key: 'pbes2',
    mac: 'sha256',
    macIterations: ITERATIONS,
    saltLength: 16,
  },
};

/**
 * Encodes a private key and its chain as a PKCS#12 keystore, as cert-manager's
 * `keystore.p12`.
 *
 * @remarks
 * Laid out as OpenSSL's `PKCS12_create` does (and go-pkcs12, which cert-manager uses): one
 * encrypted SafeContents with the certificates (the leaf, the chain's other certificates, then
 * those of `caPem` not already present), and one plain SafeContents with the shrouded key. The
 * key and the leaf carry a localKeyId (the SHA-1 of the leaf). Salts and IVs are random. A bad
 * password or profile is a {@link ValidationError}; malformed PEM is a `CryptoError`.
 *
 * @example
 * ```ts
 * const p12 = await encodePkcs12Keystore({ key, chainPem, caPem, password, profile: 'Modern2023' });
 * secret.data['keystore.p12'] = Buffer.from(p12).toString('base64');
 * ```
 */
export async function encodePkcs12Keystore(options: Pkcs12KeystoreOptions): Promise<Uint8Array> {
  const profile = resolveProfile(options.profile);
  const password = checkPassword(options.password);
  const [leaf, ...rest] = splitPemChain(options.chainPem).map((pem) => pemDecode(pem));
  if (leaf === undefined) throw new ValidationError('chainPem', 'holds no certificate');
  const others = uniqueDers([
    ...rest,
    ...splitPemChain(options.caPem ?? '').map((pem) => pemDecode(pem)),
  ]).filter((der) => !bytesEqual(der, leaf));
  const localKeyId = attribute(
    oids.localKeyId,
    new asn1js.OctetString({ valueHex: ownBytes(createHash('sha1').update(leaf).digest()).buffer }),
  );
  const certBags = [certBag(leaf, [localKeyId]), ...others.map((der) => certBag(der, []))];
  const pkcs8 = pemDecode(await exportPrivateKeyPem(options.key, 'PKCS8'), 'PRIVATE KEY');
  const shrouded = encrypt(profile.key, pkcs8, password, profile.saltLength);
  const keyBag = safeBag(
    oids.pkcs8ShroudedKeyBag,
    new asn1js.Sequence({
      value: [shrouded.algorithm, new asn1js.OctetString({ valueHex: shrouded.encrypted })],
    }),
    [localKeyId],
  );
  return pfx(
    [
      encryptedContentInfo(certBags, profile.certificates, password, profile.saltLength),
      dataContentInfo([keyBag]),
    ],
    password,
    profile,
  );
}

/**
 * Encodes CA certificates as a PKCS#12 trust store, as cert-manager's `truststore.p12`.
 *
 * @remarks
 * One encrypted SafeContents of certificate bags, each with a friendlyName (its subject) and
 * Oracle's trusted-key-usage attribute (anyExtendedKeyUsage), so that Java reads the entries as
 * trusted certificates.
 *
 * @example
 * ```ts
 * const p12 = encodePkcs12Truststore({ caPem: secret.data['ca.crt'], password });
 * ```
 */
export function encodePkcs12Truststore(options: Pkcs12TruststoreOptions): Uint8Array {
  const profile = resolveProfile(options.profile);
  const password = checkPassword(options.password);
  const ders = uniqueDers(splitPemChain(options.caPem).map((pem) => pemDecode(pem)));
  if (ders.length === 0) throw new ValidationError('caPem', 'holds no certificate');
  const trusted = attribute(
    oids.javaTrustedKeyUsage,
    new asn1js.ObjectIdentifier({ value: oids.anyExtendedKeyUsage }),
  );
  const bags = ders.map((der) => {
    const subject = parseCertificate(der).subjectText;
    const friendlyName = attribute(oids.friendlyName, new asn1js.BmpString({ value: subject }));
    return certBag(der, [trusted, friendlyName]);
  });
  return pfx(
    [encryptedContentInfo(bags, profile.certificates, password, profile.saltLength)],
    password,
    profile,
  );
}

function resolveProfile(profile: Pkcs12Profile | undefined): Profile {
  const resolved = profiles[profile ?? 'LegacyRC2'];
  if ((resolved as Profile | undefined) === undefined) {
    throw new ValidationError(
      'profile',
      `must be one of ${Object.keys(profiles).join(', ')}, not ${JSON.stringify(profile)}`,
    );
  }
  return resolved;
}

function checkPassword(password: string): string {
  if (typeof password !== 'string' || password === '') {
    throw new ValidationError('password', 'must not be empty');
  }
  // RFC 7292 B.1: the password is a BMPString, so characters beyond U+FFFF cannot be encoded.
  if ([...password].some((ch) => ch.codePointAt(0)! > 0xffff)) {
    throw new ValidationError(
      'password',
      'must hold characters of the Basic Multilingual Plane only',
    );
  }
  return password;
}

function uniqueDers(ders: Uint8Array[]): Uint8Array[] {
  const unique: Uint8Array[] = [];
  for (const der of ders) if (!unique.some((seen) => bytesEqual(seen, der))) unique.push(der);
  return unique;
}

/** RFC 7292 B.1: the password as a BMPString with a two-byte terminator. */
function bmpPassword(password: string): Buffer {
  const bytes = Buffer.from(`${password}\u0000`, 'utf16le');
  return bytes.swap16();
}

/**
 * RFC 7292 appendix B.2: the PKCS#12 key derivation, for the legacy PBE ciphers (id 1: key,
 * id 2: IV) and the MAC key (id 3).
 */
export function pkcs12Kdf(
  hash: 'sha1' | 'sha256',
  password: Uint8Array,
  salt: Uint8Array,
  id: 1 | 2 | 3,
  iterations: number,
  length: number,
): Uint8Array {
  const u = hash === 'sha1' ? 20 : 32;
  const v = 64;
  const repeat = (bytes: Uint8Array): Uint8Array => {
    const out = new Uint8Array(v * Math.ceil(bytes.byteLength / v));
    for (let i = 0; i < out.byteLength; i++) out[i] = bytes[i % bytes.byteLength]!;
    return out;
  };
  const diversifier = new Uint8Array(v).fill(id);
  const input = Buffer.concat([repeat(salt), repeat(password)]);
  const out = new Uint8Array(length);
  for (let offset = 0; ; offset += u) {
    let a = createHash(hash).update(diversifier).update(input).digest();
    for (let i = 1; i < iterations; i++) a = createHash(hash).update(a).digest();
    out.set(a.subarray(0, Math.min(u, length - offset)), offset);
    if (offset + u >= length) return out;
    // Each v-byte block of the input becomes (block + B + 1) mod 2^(8v), B being A repeated.
    for (let block = 0; block < input.byteLength; block += v) {
      let carry = 1;
      for (let i = v - 1; i >= 0; i--) {
        const sum = input[block + i]! + a[i % u]! + carry;
        input[block + i] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
}

interface Encrypted {
  algorithm: asn1js.Sequence;
  encrypted: ArrayBuffer;
}

function encrypt(
  cipher: Cipher,
  plaintext: Uint8Array,
  password: string,
  saltLength: number,
): Encrypted {
  const salt = randomBytes(saltLength);
  if (cipher === 'pbes2') {
    // RFC 8018: PBKDF2 takes the password as octets; OpenSSL and go-pkcs12 use its UTF-8 form.
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, ITERATIONS, 32, 'sha256');
    const iv = randomBytes(16);
    const c = createCipheriv('aes-256-cbc', key, iv);
    const encrypted = Buffer.concat([c.update(plaintext), c.final()]);
    const algorithm = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: oids.pbes2 }),
        new asn1js.Sequence({
          value: [
            new asn1js.Sequence({
              value: [
                new asn1js.ObjectIdentifier({ value: oids.pbkdf2 }),
                new asn1js.Sequence({
                  value: [
                    new asn1js.OctetString({ valueHex: ownBytes(salt).buffer }),
                    new asn1js.Integer({ value: ITERATIONS }),
                    new asn1js.Sequence({
                      value: [
                        new asn1js.ObjectIdentifier({ value: oids.hmacWithSha256 }),
                        new asn1js.Null(),
                      ],
                    }),
                  ],
                }),
              ],
            }),
            new asn1js.Sequence({
              value: [
                new asn1js.ObjectIdentifier({ value: oids.aes256Cbc }),
                new asn1js.OctetString({ valueHex: ownBytes(iv).buffer }),
              ],
            }),
          ],
        }),
      ],
    });
    return { algorithm, encrypted: ownBytes(encrypted).buffer };
  }
  const bmp = bmpPassword(password);
  const keyLength = cipher === '3des' ? 24 : 5;
  const key = pkcs12Kdf('sha1', bmp, salt, 1, ITERATIONS, keyLength);
  const iv = pkcs12Kdf('sha1', bmp, salt, 2, ITERATIONS, 8);
  let encrypted: Uint8Array;
  if (cipher === '3des') {
    const c = createCipheriv('des-ede3-cbc', key, iv);
    encrypted = Buffer.concat([c.update(plaintext), c.final()]);
  } else {
    encrypted = rc2CbcEncrypt(key, 40, iv, plaintext);
  }
  const algorithm = new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({
        value:
          cipher === '3des' ? oids.pbeWithSha1And3KeyTripleDesCbc : oids.pbeWithSha1And40BitRc2Cbc,
      }),
      new asn1js.Sequence({
        value: [
          new asn1js.OctetString({ valueHex: ownBytes(salt).buffer }),
          new asn1js.Integer({ value: ITERATIONS }),
        ],
      }),
    ],
  });
  return { algorithm, encrypted: ownBytes(encrypted).buffer };
}

/** `[0] EXPLICIT` around `value`. */
function explicit0(value: asn1js.AsnType): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [value] });
}

function attribute(type: string, value: asn1js.AsnType): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: type }), new asn1js.Set({ value: [value] })],
  });
}

function safeBag(
  type: string,
  value: asn1js.AsnType,
  attributes: asn1js.Sequence[],
): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: type }),
      explicit0(value),
      ...(attributes.length === 0 ? [] : [new asn1js.Set({ value: attributes })]),
    ],
  });
}

function certBag(der: Uint8Array, attributes: asn1js.Sequence[]): asn1js.Sequence {
  return safeBag(
    oids.certBag,
    new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: oids.x509Certificate }),
        explicit0(new asn1js.OctetString({ valueHex: ownBytes(der).buffer })),
      ],
    }),
    attributes,
  );
}

function safeContents(bags: asn1js.Sequence[]): Uint8Array {
  return encodeDer(new asn1js.Sequence({ value: bags }));
}

function dataContentInfo(bags: asn1js.Sequence[]): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: oids.data }),
      explicit0(new asn1js.OctetString({ valueHex: ownBytes(safeContents(bags)).buffer })),
    ],
  });
}

function encryptedContentInfo(
  bags: asn1js.Sequence[],
  cipher: Cipher,
  password: string,
  saltLength: number,
): asn1js.Sequence {
  const { algorithm, encrypted } = encrypt(cipher, safeContents(bags), password, saltLength);
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: oids.encryptedData }),
      explicit0(
        new asn1js.Sequence({
          value: [
            new asn1js.Integer({ value: 0 }),
            new asn1js.Sequence({
              value: [
                new asn1js.ObjectIdentifier({ value: oids.data }),
                algorithm,
                // encryptedContent [0] IMPLICIT OCTET STRING
                new asn1js.Primitive({
                  idBlock: { tagClass: 3, tagNumber: 0 },
                  valueHex: encrypted,
                }),
              ],
            }),
          ],
        }),
      ),
    ],
  });
}

function pfx(contents: asn1js.Sequence[], password: string, profile: Profile): Uint8Array {
  const authenticatedSafe = encodeDer(new asn1js.Sequence({ value: contents }));
  const macSalt = randomBytes(profile.saltLength);
  const macKey = pkcs12Kdf(
    profile.mac,
    bmpPassword(password),
    macSalt,
    3,
    profile.macIterations,
    profile.mac === 'sha1' ? 20 : 32,
  );
  const digest = createHmac(profile.mac, macKey).update(authenticatedSafe).digest();
  return encodeDer(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 3 }),
        new asn1js.Sequence({
          value: [
            new asn1js.ObjectIdentifier({ value: oids.data }),
            explicit0(new asn1js.OctetString({ valueHex: ownBytes(authenticatedSafe).buffer })),
          ],
        }),
        new asn1js.Sequence({
          value: [
            new asn1js.Sequence({
              value: [
                new asn1js.Sequence({
                  value: [
                    new asn1js.ObjectIdentifier({
                      value: profile.mac === 'sha1' ? oids.sha1 : oids.sha256,
                    }),
                    new asn1js.Null(),
                  ],
                }),
                new asn1js.OctetString({ valueHex: ownBytes(digest).buffer }),
              ],
            }),
            new asn1js.OctetString({ valueHex: ownBytes(macSalt).buffer }),
            // iterations INTEGER DEFAULT 1: DER leaves a default value out.
            ...(profile.macIterations === 1
              ? []
              : [new asn1js.Integer({ value: profile.macIterations })]),
          ],
        }),
      ],
    }),
  );
}
