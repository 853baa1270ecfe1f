/**
 * Private keys: generation, PEM import (PKCS#8, PKCS#1, SEC1) and export.
 *
 * @packageDocumentation
 */

import * as asn1js from 'asn1js';
import { KeyObject, type webcrypto as nodeWebCrypto } from 'node:crypto';
import { CryptoError, ValidationError } from '../errors.js';
import { base64url, encodeDer, oids, ownBytes } from './der.js';
import {
  bitStringOf,
  children,
  expect,
  integerOf,
  oidOf,
  readDer,
  tags,
  unsignedOf,
  valueOf,
} from './der-reader.js';
import { ecPrivateKeyDer } from './ec-private-key-der.js';
import { pemBlocks, pemEncode } from './pem.js';
import { curves } from './signature.js';
import type { KeyAlgorithm, KeySpec, PrivateKey } from './types.js';
import { subtle, type CryptoKey } from './webcrypto.js';

/** RSA modulus sizes cert-manager accepts: 2048 to 8192 bits (whole bytes). */
const RSA_MIN = 2048;
const RSA_MAX = 8192;
const PRIVATE_KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'];

/** The handle behind {@link PrivateKey}: keys sit behind getters so spreads and dumps skip them. */
class KeyHandle implements PrivateKey {
  readonly spec: Required<KeySpec>;
  readonly #privateKey: CryptoKey;
  readonly #publicKey: CryptoKey;

  constructor(spec: Required<KeySpec>, privateKey: CryptoKey, publicKey: CryptoKey) {
    this.spec = Object.freeze({ ...spec });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    Object.freeze(this);
  }

  get privateKey(): CryptoKey {
    return this.#privateKey;
  }

  get publicKey(): CryptoKey {
    return this.#publicKey;
  }

  toJSON(): { algorithm: KeyAlgorithm; size: number } {
    return { algorithm: this.spec.algorithm, size: this.spec.size };
  }

  toString(): string {
    return `PrivateKey(${this.spec.algorithm}${this.spec.size === 0 ? '' : ` ${this.spec.size}`})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Generates a private key.
 *
 * @remarks
 * RSA keys use public exponent 65537 and sign with SHA-256; ECDSA keys sign with the hash that
 * matches the curve. A bad algorithm or size is a {@link ValidationError} on `algorithm` or
 * `size`.
 *
 * @example
 * ```ts
 * const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
 * ```
 */
export async function generatePrivateKey(spec: KeySpec): Promise<PrivateKey> {
  const full = resolveSpec(spec);
  const params =
    full.algorithm === 'RSA'
      ? {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: full.size,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        }
      : full.algorithm === 'ECDSA'
        ? { name: 'ECDSA', namedCurve: `P-${full.size}` }
        : { name: 'Ed25519' };
  const pair = (await subtle().generateKey(params, true, ['sign', 'verify'])) as {
    privateKey: CryptoKey;
    publicKey: CryptoKey;
  };
  return new KeyHandle(full, pair.privateKey, pair.publicKey);
}

function resolveSpec(spec: KeySpec): Required<KeySpec> {
  const { algorithm, size } = spec;
  switch (algorithm) {
    case 'RSA':
      if (
        size !== undefined &&
        size !== 0 &&
        (!Number.isInteger(size) || size < RSA_MIN || size > RSA_MAX || size % 8 !== 0)
      ) {
        throw new ValidationError(
          'size',
          `RSA key size must be a multiple of 8 from ${RSA_MIN} to ${RSA_MAX}`,
        );
      }
      return { algorithm, size: size || 2048 };
    case 'ECDSA':
      if (size !== undefined && size !== 0 && !curves.some((curve) => curve.size === size)) {
        throw new ValidationError(
          'size',
          `ECDSA key size must be one of ${curves.map((curve) => curve.size).join(', ')}`,
        );
      }
      return { algorithm, size: size || 256 };
    case 'Ed25519':
      return { algorithm, size: 0 };
    default:
      throw new ValidationError(
        'algorithm',
        `must be RSA, ECDSA or Ed25519, not ${JSON.stringify(algorithm)}`,
      );
  }
}

/**
 * Imports a PEM private key: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or
 * `EC PRIVATE KEY` (SEC1).
 *
 * @remarks
 * The first private key block is used; other blocks (such as the `EC PARAMETERS` block that
 * `openssl ecparam -genkey` writes) are skipped. Encrypted keys, unsupported algorithms and
 * malformed keys are a {@link CryptoError} whose message never quotes the key.
 *
 * @example
 * ```ts
 * const key = await importPrivateKeyPem(secret.data['tls.key']);
 * ```
 */
export async function importPrivateKeyPem(pem: string): Promise<PrivateKey> {
  const read = readPrivateKeyPem(pem);
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  try {
    ({ privateKey, publicKey } = await importRead(read));
  } catch (err) {
    throw new CryptoError(`${read.spec.algorithm} private key could not be imported`, {
      cause: err,
    });
  }
  let spec = read.spec;
  if (spec.algorithm === 'RSA' && 'modulusLength' in privateKey.algorithm) {
    spec = { algorithm: 'RSA', size: Number(privateKey.algorithm.modulusLength) };
  }
  return new KeyHandle(spec, privateKey, publicKey);
}

/** The first private key block of `pem`, read from its DER (no WebCrypto yet). */
function readPrivateKeyPem(pem: string): ReadPrivateKey {
  const blocks = pemBlocks(pem);
  const block = blocks.find((candidate) => PRIVATE_KEY_LABELS.includes(candidate.label));
  if (block === undefined) {
    throw new CryptoError(
      blocks.some((candidate) => candidate.label === 'ENCRYPTED PRIVATE KEY')
        ? 'encrypted private keys are not supported'
        : 'no private key PEM block found',
    );
  }
  return block.label === 'RSA PRIVATE KEY'
    ? readRsaKey(block.der, () => wrapPkcs8(rsaAlgorithmIdentifier(), block.der))
    : block.label === 'EC PRIVATE KEY'
      ? readEcKey(block.der, undefined, (curve) =>
          wrapPkcs8(ecAlgorithmIdentifier(curve.oid), block.der),
        )
      : readPkcs8Key(block.der);
}

/**
 * What a PEM private key's DER says about the key, read without WebCrypto: see
 * {@link readPrivateKeyFields}.
 */
export interface PrivateKeyFields {
  /**
   * The algorithm and size as {@link importPrivateKeyPem} reports them, except for an RSA key
   * without {@link PrivateKeyFields.rsa}, whose size only an import tells (it is then 0).
   */
  spec: Required<KeySpec>;
  /** The modulus and public exponent (magnitudes) of a two-prime RSA key. */
  rsa?: { n: Uint8Array; e: Uint8Array };
  /**
   * An ECDSA key: its curve, its private scalar as written (a view into the DER, which may be
   * shorter or longer than the curve's length) and its public point, when the key carries one.
   */
  ec?: { curve: (typeof curves)[number]; secret: Uint8Array; point?: Uint8Array };
}

/**
 * Reads a PEM private key as {@link importPrivateKeyPem} reads it (same blocks, same forms, same
 * {@link CryptoError}s for what it cannot read) but stops before WebCrypto.
 *
 * @remarks
 * Nothing here checks that the halves belong together (an EC point may not be the scalar's) or
 * that WebCrypto would take the key: a caller that trusts the result must check that itself. The
 * fields hold private key material; they must never be logged.
 *
 * @example
 * ```ts
 * const { spec } = readPrivateKeyFields(secret.data['tls.key']);
 * ```
 */
export function readPrivateKeyFields(pem: string): PrivateKeyFields {
  const { spec, rsa, ec } = readPrivateKeyPem(pem);
  if (rsa !== undefined) {
    // WebCrypto's modulusLength is the modulus' bit length.
    const top = rsa.n[0] ?? 0;
    const size = rsa.n.byteLength === 0 ? 0 : (rsa.n.byteLength - 1) * 8 + (32 - Math.clz32(top));
    return { spec: { algorithm: 'RSA', size }, rsa };
  }
  return { spec, ...(ec === undefined ? {} : { ec }) };
}

type ImportParams = { name: string; hash?: string; namedCurve?: string };

/** Imports a key read from its DER: from its JWK members when it has them, else from PKCS#8. */
async function importRead({
  params,
  pkcs8,
  halves,
}: ReadPrivateKey): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> {
  if (halves !== undefined) {
    return {
      privateKey: await subtle().importKey('jwk', halves.privateJwk, params, true, ['sign']),
      publicKey:
        halves.publicPoint === undefined
          ? await subtle().importKey('jwk', halves.publicJwk, params, true, ['verify'])
          : await subtle().importKey('raw', ownBytes(halves.publicPoint), params, true, ['verify']),
    };
  }
  let privateKey = await subtle().importKey('pkcs8', ownBytes(pkcs8()), params, true, ['sign']);
  // WebCrypto cannot derive a public key directly: the private key's JWK has its members.
  const jwk = await subtle().exportKey('jwk', privateKey);
  if (jwk.kty === 'EC') {
    // An EC key read without its public point would also be written without it (SEC1 and
    // PKCS#8 alike); imported from its JWK it carries the point, as the keys certflow makes do.
    privateKey = await subtle().importKey('jwk', jwk, params, true, ['sign']);
  }
  const members = jwk.kty === 'RSA' ? ['kty', 'n', 'e'] : ['kty', 'crv', 'x', 'y'];
  const publicJwk = Object.fromEntries(
    members.flatMap((member) => {
      const value = (jwk as Record<string, unknown>)[member];
      return value === undefined ? [] : [[member, value]];
    }),
  );
  return {
    privateKey,
    publicKey: await subtle().importKey('jwk', { ...publicJwk, ext: true }, params, true, [
      'verify',
    ]),
  };
}

/**
 * A private key read from its DER.
 *
 * @remarks
 * WebCrypto imports a key from JWK members three (EC) to eight (RSA) times faster than from
 * PKCS#8 (OpenSSL 3 decodes DER through its generic decoder chain, about 0.5 ms a key), and the
 * public half then needs no export and re-import. So when the DER carries both halves (RSA; ECDSA with its public
 * point, as every common tool writes it), `halves` holds them; otherwise (Ed25519, an EC key
 * without its public point, a multi-prime RSA key) the key goes through PKCS#8.
 */
interface ReadPrivateKey {
  spec: Required<KeySpec>;
  params: ImportParams;
  /** The key as a PKCS#8 PrivateKeyInfo, built only when needed. */
  pkcs8: () => Uint8Array;
  halves?: {
    privateJwk: JsonWebKey;
    publicJwk: JsonWebKey;
    /** An uncompressed EC point: imported as `raw`, cheaper than a JWK for EC keys. */
    publicPoint?: Uint8Array;
  };
  /** A two-prime RSA key's public members, for {@link readPrivateKeyFields}. */
  rsa?: PrivateKeyFields['rsa'];
  /** An EC key's fields, for {@link readPrivateKeyFields}. */
  ec?: PrivateKeyFields['ec'];
}

type JsonWebKey = nodeWebCrypto.JsonWebKey;

/** Reads a PrivateKeyInfo (RFC 5208 / 5958). */
function readPkcs8Key(der: Uint8Array): ReadPrivateKey {
  const info = readPkcs8(der);
  if (info.algorithmOid === oids.rsaEncryption) return readRsaKey(info.privateKey, () => der);
  if (info.algorithmOid === oids.ecPublicKey) {
    const curve = curves.find((candidate) => candidate.oid === info.curveOid);
    if (curve === undefined) {
      throw new CryptoError(`unsupported elliptic curve ${info.curveOid ?? '(none)'}`);
    }
    return readEcKey(info.privateKey, curve, () => der);
  }
  if (info.algorithmOid === oids.ed25519) {
    return {
      spec: { algorithm: 'Ed25519', size: 0 },
      params: { name: 'Ed25519' },
      pkcs8: () => der,
    };
  }
  throw new CryptoError(`unsupported private key algorithm ${info.algorithmOid}`);
}

const RSA_MEMBERS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** Reads a PKCS#1 RSAPrivateKey. */
function readRsaKey(der: Uint8Array, pkcs8: () => Uint8Array): ReadPrivateKey {
  const what = 'RSA private key';
  const [version, ...rest] = children(expect(readDer(der, what), tags.sequence, what), what);
  // The size is filled in from WebCrypto's modulusLength once imported.
  const spec: Required<KeySpec> = { algorithm: 'RSA', size: 0 };
  const params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  // Version 1 is a multi-prime key, which JWK import cannot take: PKCS#8 it is.
  const twoPrime = rest.length === RSA_MEMBERS.length && integerOf(version, what)[0] === 0;
  if (!twoPrime) return { spec, params, pkcs8 };
  const privateJwk: JsonWebKey = { kty: 'RSA', ext: true };
  const values = RSA_MEMBERS.map((_, i) => unsignedOf(rest[i], what));
  for (const [i, member] of RSA_MEMBERS.entries()) {
    privateJwk[member] = base64url(values[i] ?? new Uint8Array());
  }
  const publicJwk: JsonWebKey = {
    kty: 'RSA',
    n: privateJwk.n ?? '',
    e: privateJwk.e ?? '',
    ext: true,
  };
  const [n = new Uint8Array(), e = new Uint8Array()] = values;
  return { spec, params, pkcs8, halves: { privateJwk, publicJwk }, rsa: { n, e } };
}

/** Reads a SEC1 ECPrivateKey; `outerCurve` is the one PKCS#8 names outside it, if any. */
function readEcKey(
  der: Uint8Array,
  outerCurve: (typeof curves)[number] | undefined,
  pkcs8: (curve: (typeof curves)[number]) => Uint8Array,
): ReadPrivateKey {
  const what = 'EC private key';
  const [version, secretElement, ...optional] = children(
    expect(readDer(der, what), tags.sequence, what),
    what,
  );
  expect(version, tags.integer, what);
  const secret = valueOf(expect(secretElement, tags.octetString, what));
  let curve = outerCurve;
  let point: Uint8Array | undefined;
  for (const field of optional) {
    // parameters [0] EXPLICIT ECParameters, publicKey [1] EXPLICIT BIT STRING
    const [inner] = children(field, what);
    if (field.tag === 0xa0 && curve === undefined) {
      const oid = inner?.tag === tags.oid ? oidOf(inner, what) : '(explicit parameters)';
      curve = curves.find((candidate) => candidate.oid === oid);
      if (curve === undefined) throw new CryptoError(`unsupported elliptic curve ${oid}`);
    } else if (field.tag === 0xa1) {
      point = bitStringOf(inner, what);
    }
  }
  if (curve === undefined) throw new CryptoError('EC private key does not name its curve');
  const found = curve; // a const, so that the pkcs8 closure below keeps the narrowed type
  const spec: Required<KeySpec> = { algorithm: 'ECDSA', size: found.size };
  const params = { name: 'ECDSA', namedCurve: found.name };
  const read: ReadPrivateKey = {
    spec,
    params,
    pkcs8: () => pkcs8(found),
    ec: { curve: found, secret, ...(point === undefined ? {} : { point }) },
  };
  if (
    point === undefined ||
    point[0] !== 0x04 ||
    point.byteLength !== 1 + 2 * found.bytes ||
    secret.byteLength > found.bytes
  ) {
    return read;
  }
  const d = new Uint8Array(found.bytes);
  d.set(secret, found.bytes - secret.byteLength);
  const publicJwk: JsonWebKey = {
    kty: 'EC',
    crv: found.name,
    x: base64url(point.subarray(1, 1 + found.bytes)),
    y: base64url(point.subarray(1 + found.bytes)),
    ext: true,
  };
  return {
    ...read,
    halves: { privateJwk: { ...publicJwk, d: base64url(d) }, publicJwk, publicPoint: point },
  };
}

/**
 * Exports a private key as PEM.
 *
 * @remarks
 * `PKCS8` gives `PRIVATE KEY`. `PKCS1` follows cert-manager's `encoding: PKCS1`: PKCS#1
 * (`RSA PRIVATE KEY`) for RSA and SEC1 (`EC PRIVATE KEY`, with the curve and public key) for
 * ECDSA; Ed25519 has no such form and is always PKCS#8.
 *
 * @defaultValue encoding `'PKCS8'`
 *
 * @example
 * ```ts
 * secret.data['tls.key'] = await exportPrivateKeyPem(key, 'PKCS1');
 * ```
 */
export async function exportPrivateKeyPem(
  key: PrivateKey,
  encoding: 'PKCS1' | 'PKCS8' = 'PKCS8',
): Promise<string> {
  if (encoding !== 'PKCS1' && encoding !== 'PKCS8') {
    throw new ValidationError(
      'encoding',
      `must be PKCS1 or PKCS8, not ${JSON.stringify(encoding)}`,
    );
  }
  const [type, label] =
    encoding === 'PKCS8' || key.spec.algorithm === 'Ed25519'
      ? (['pkcs8', 'PRIVATE KEY'] as const)
      : key.spec.algorithm === 'RSA'
        ? (['pkcs1', 'RSA PRIVATE KEY'] as const)
        : (['sec1', 'EC PRIVATE KEY'] as const);
  let der: Uint8Array;
  try {
    // The CryptoKey's KeyObject is the same native key. An EC key is written from its numbers
    // (its JWK, which node writes in microseconds), as OpenSSL would write it; node writes the
    // other forms itself (WebCrypto only writes PKCS#8).
    const keyObject = KeyObject.from(key.privateKey);
    der =
      type === 'pkcs1' || key.spec.algorithm !== 'ECDSA'
        ? keyObject.export({ type, format: 'der' })
        : ecDerFromJwk(keyObject.export({ format: 'jwk' }), type);
  } catch (err) {
    throw new CryptoError(`${key.spec.algorithm} private key could not be exported`, {
      cause: err,
    });
  }
  return pemEncode(label, der);
}

/** An EC private key's DER (`pkcs8` or `sec1`) from its JWK members. */
function ecDerFromJwk({ crv, d, x, y }: JsonWebKey, type: 'pkcs8' | 'sec1'): Uint8Array {
  const curve = curves.find((candidate) => candidate.name === crv);
  if (curve === undefined || d === undefined || x === undefined || y === undefined) {
    throw new CryptoError('no EC key on a supported curve');
  }
  const scalar = Buffer.from(d, 'base64url');
  try {
    return ecPrivateKeyDer(curve, scalar, { x, y }, type);
  } finally {
    scalar.fill(0);
  }
}

/**
 * The DER SubjectPublicKeyInfo of a key.
 *
 * @example
 * ```ts
 * const spki = await publicKeySpkiDer(key);
 * ```
 */
export async function publicKeySpkiDer(key: PrivateKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey('spki', key.publicKey));
}

/** The JWK members of a public key. */
export type PublicJwk = nodeWebCrypto.JsonWebKey;

const publicJwks = new WeakMap<CryptoKey, PublicJwk>();

/**
 * The JWK of `key`'s public half, kept per key.
 *
 * @remarks
 * Read through the key's `KeyObject` (the same native key as the CryptoKey, no copy): node writes
 * a JWK from the key's numbers in microseconds, where an SPKI export runs OpenSSL's encoder.
 */
export function publicJwk(key: PrivateKey): PublicJwk {
  let jwk = publicJwks.get(key.publicKey);
  if (jwk === undefined) {
    jwk = KeyObject.from(key.publicKey).export({ format: 'jwk' });
    publicJwks.set(key.publicKey, jwk);
  }
  return jwk;
}

interface Pkcs8Info {
  algorithmOid: string;
  curveOid?: string;
  /** The inner key: PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey, or the Ed25519 CurvePrivateKey. */
  privateKey: Uint8Array;
}

/** The algorithm and inner key of a PrivateKeyInfo (RFC 5208 / 5958). */
function readPkcs8(der: Uint8Array): Pkcs8Info {
  const what = 'private key';
  const [version, algorithm, privateKey] = children(
    expect(readDer(der, what), tags.sequence, what),
    what,
  );
  if (version?.tag !== tags.integer || privateKey?.tag !== tags.octetString) {
    throw new CryptoError('private key is not a PKCS#8 PrivateKeyInfo');
  }
  const [oid, params] = children(expect(algorithm, tags.sequence, what), what);
  return {
    algorithmOid: oidOf(oid, what),
    ...(params?.tag === tags.oid ? { curveOid: oidOf(params, what) } : {}),
    privateKey: valueOf(privateKey).slice(),
  };
}

function wrapPkcs8(algorithm: asn1js.Sequence, innerKey: Uint8Array): Uint8Array {
  return encodeDer(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 0 }),
        algorithm,
        new asn1js.OctetString({ valueHex: ownBytes(innerKey).buffer }),
      ],
    }),
  );
}

function rsaAlgorithmIdentifier(): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: oids.rsaEncryption }), new asn1js.Null()],
  });
}

function ecAlgorithmIdentifier(curveOid: string): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: oids.ecPublicKey }),
      new asn1js.ObjectIdentifier({ value: curveOid }),
    ],
  });
}
