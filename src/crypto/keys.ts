/**
 * Private keys: generation, PEM import (PKCS#8, PKCS#1, SEC1) and export.
 *
 * @packageDocumentation
 */

import * as asn1js from 'asn1js';
import { CryptoError, ValidationError } from '../errors.js';
import { childrenOf, decodeDer, encodeDer, oids, ownBytes, taggedChild } from './der.js';
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
  const blocks = pemBlocks(pem);
  const block = blocks.find((candidate) => PRIVATE_KEY_LABELS.includes(candidate.label));
  if (block === undefined) {
    throw new CryptoError(
      blocks.some((candidate) => candidate.label === 'ENCRYPTED PRIVATE KEY')
        ? 'encrypted private keys are not supported'
        : 'no private key PEM block found',
    );
  }
  const pkcs8 =
    block.label === 'RSA PRIVATE KEY'
      ? wrapPkcs8(rsaAlgorithmIdentifier(), block.der)
      : block.label === 'EC PRIVATE KEY'
        ? wrapPkcs8(ecAlgorithmIdentifier(sec1CurveOid(block.der)), block.der)
        : block.der;
  return importPkcs8(pkcs8);
}

async function importPkcs8(der: Uint8Array): Promise<PrivateKey> {
  const info = readPkcs8(der);
  let params: { name: string; hash?: string; namedCurve?: string };
  let spec: Required<KeySpec>;
  if (info.algorithmOid === oids.rsaEncryption) {
    params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    spec = { algorithm: 'RSA', size: 0 };
  } else if (info.algorithmOid === oids.ed25519) {
    params = { name: 'Ed25519' };
    spec = { algorithm: 'Ed25519', size: 0 };
  } else if (info.algorithmOid === oids.ecPublicKey) {
    const curve = curves.find((candidate) => candidate.oid === info.curveOid);
    if (curve === undefined) {
      throw new CryptoError(`unsupported elliptic curve ${info.curveOid ?? '(none)'}`);
    }
    params = { name: 'ECDSA', namedCurve: curve.name };
    spec = { algorithm: 'ECDSA', size: curve.size };
  } else {
    throw new CryptoError(`unsupported private key algorithm ${info.algorithmOid}`);
  }
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  try {
    privateKey = await subtle().importKey('pkcs8', ownBytes(der), params, true, ['sign']);
    publicKey = await derivePublicKey(privateKey, params);
  } catch (err) {
    throw new CryptoError(`${spec.algorithm} private key could not be imported`, { cause: err });
  }
  if (spec.algorithm === 'RSA' && 'modulusLength' in privateKey.algorithm) {
    spec = { algorithm: 'RSA', size: Number(privateKey.algorithm.modulusLength) };
  }
  return new KeyHandle(spec, privateKey, publicKey);
}

/** WebCrypto cannot derive a public key directly: go through the JWK and keep public members. */
async function derivePublicKey(
  privateKey: CryptoKey,
  params: { name: string; hash?: string; namedCurve?: string },
): Promise<CryptoKey> {
  const jwk = await subtle().exportKey('jwk', privateKey);
  const members = jwk.kty === 'RSA' ? ['kty', 'n', 'e'] : ['kty', 'crv', 'x', 'y'];
  const publicJwk = Object.fromEntries(
    members.flatMap((member) => {
      const value = (jwk as Record<string, unknown>)[member];
      return value === undefined ? [] : [[member, value]];
    }),
  );
  return subtle().importKey('jwk', { ...publicJwk, ext: true }, params, true, ['verify']);
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
  let pkcs8: Uint8Array;
  try {
    pkcs8 = new Uint8Array(await subtle().exportKey('pkcs8', key.privateKey));
  } catch (err) {
    throw new CryptoError(`${key.spec.algorithm} private key could not be exported`, {
      cause: err,
    });
  }
  if (encoding === 'PKCS8' || key.spec.algorithm === 'Ed25519') {
    return pemEncode('PRIVATE KEY', pkcs8);
  }
  const info = readPkcs8(pkcs8);
  if (key.spec.algorithm === 'RSA') return pemEncode('RSA PRIVATE KEY', info.privateKey);
  return pemEncode('EC PRIVATE KEY', await toSec1(info, key.publicKey));
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

interface Pkcs8Info {
  algorithmOid: string;
  curveOid?: string;
  /** The inner key: PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey, or the Ed25519 CurvePrivateKey. */
  privateKey: Uint8Array;
}

/** Reads a PrivateKeyInfo (RFC 5208 / 5958). */
function readPkcs8(der: Uint8Array): Pkcs8Info {
  const [version, algorithm, privateKey] = childrenOf(decodeDer(der, 'private key')) ?? [];
  const [oid, params] = childrenOf(algorithm) ?? [];
  if (
    !(version instanceof asn1js.Integer) ||
    !(oid instanceof asn1js.ObjectIdentifier) ||
    !(privateKey instanceof asn1js.OctetString)
  ) {
    throw new CryptoError('private key is not a PKCS#8 PrivateKeyInfo');
  }
  return {
    algorithmOid: oid.valueBlock.toString(),
    ...(params instanceof asn1js.ObjectIdentifier
      ? { curveOid: params.valueBlock.toString() }
      : {}),
    privateKey: new Uint8Array(privateKey.valueBlock.valueHexView),
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

/** The curve named in a SEC1 ECPrivateKey's `parameters [0]`. */
function sec1CurveOid(der: Uint8Array): string {
  const elements = childrenOf(decodeDer(der, 'EC private key'));
  if (elements === undefined || !(elements[1] instanceof asn1js.OctetString)) {
    throw new CryptoError('EC private key is not a SEC1 ECPrivateKey');
  }
  const [curve] = childrenOf(taggedChild(elements, 0)) ?? [];
  if (!(curve instanceof asn1js.ObjectIdentifier)) {
    throw new CryptoError('EC private key does not name its curve');
  }
  return curve.valueBlock.toString();
}

/**
 * A standalone SEC1 ECPrivateKey: PKCS#8 leaves the curve out of the inner key (it is in the
 * outer AlgorithmIdentifier), but a standalone key must name it for other tools to read it.
 */
async function toSec1(info: Pkcs8Info, publicKey: CryptoKey): Promise<Uint8Array> {
  const elements = childrenOf(decodeDer(info.privateKey, 'EC private key'));
  const secret = elements?.[1];
  if (!(secret instanceof asn1js.OctetString) || info.curveOid === undefined) {
    throw new CryptoError('EC private key is not a SEC1 ECPrivateKey');
  }
  const point = new Uint8Array(await subtle().exportKey('raw', publicKey));
  return encodeDer(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 1 }),
        secret,
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [new asn1js.ObjectIdentifier({ value: info.curveOid })],
        }),
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 1 },
          value: [new asn1js.BitString({ valueHex: ownBytes(point).buffer })],
        }),
      ],
    }),
  );
}
