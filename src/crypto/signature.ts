/**
 * Signing and verifying X.509 structures: signature algorithm identifiers, signing with WebCrypto
 * (Ed25519 too, which pkijs 4 does not sign with), verifying with node's crypto, public key import.
 *
 * @packageDocumentation
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  createPublicKey,
  verify,
  type JsonWebKey,
  type JsonWebKeyInput,
  type KeyObject,
  type PublicKeyInput,
} from 'node:crypto';
import { CryptoError } from '../errors.js';
import { base64url, encodeDer, oids, ownBytes } from './der.js';
import {
  bitStringOf,
  children,
  expect,
  oidOf,
  readDer,
  tags,
  unsignedOf,
  type Element,
} from './der-reader.js';
import type { KeyAlgorithm, PrivateKey } from './types.js';
import { subtle, type CryptoKey } from './webcrypto.js';

/** The curves certflow supports, by OID. */
export const curves: readonly {
  oid: string;
  name: string;
  /** OpenSSL's name, which node's `createECDH` and `ECDH.convertKey` take. */
  openssl: string;
  size: number;
  bytes: number;
}[] = [
  { oid: oids.p256, name: 'P-256', openssl: 'prime256v1', size: 256, bytes: 32 },
  { oid: oids.p384, name: 'P-384', openssl: 'secp384r1', size: 384, bytes: 48 },
  { oid: oids.p521, name: 'P-521', openssl: 'secp521r1', size: 521, bytes: 66 },
];

/** How one signature algorithm is named in X.509 and run in WebCrypto. */
interface SignatureScheme {
  oid: string;
  keyAlgorithm: KeyAlgorithm;
  /** WebCrypto hash; absent for Ed25519, which hashes internally. */
  hash?: 'SHA-256' | 'SHA-384' | 'SHA-512';
}

/** The signature algorithms certflow verifies. SHA-1 and RSA-PSS are deliberately absent. */
const SCHEMES: readonly SignatureScheme[] = [
  { oid: oids.sha256WithRsa, keyAlgorithm: 'RSA', hash: 'SHA-256' },
  { oid: oids.sha384WithRsa, keyAlgorithm: 'RSA', hash: 'SHA-384' },
  { oid: oids.sha512WithRsa, keyAlgorithm: 'RSA', hash: 'SHA-512' },
  { oid: oids.ecdsaWithSha256, keyAlgorithm: 'ECDSA', hash: 'SHA-256' },
  { oid: oids.ecdsaWithSha384, keyAlgorithm: 'ECDSA', hash: 'SHA-384' },
  { oid: oids.ecdsaWithSha512, keyAlgorithm: 'ECDSA', hash: 'SHA-512' },
  { oid: oids.ed25519, keyAlgorithm: 'Ed25519' },
];

/**
 * The scheme a key signs with: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521
 * (the hash matched to the curve, as Go and cert-manager do), pure Ed25519.
 */
function schemeFor(key: PrivateKey): SignatureScheme {
  const { algorithm, size } = key.spec;
  const oid =
    algorithm === 'RSA'
      ? oids.sha256WithRsa
      : algorithm === 'Ed25519'
        ? oids.ed25519
        : size === 384
          ? oids.ecdsaWithSha384
          : size === 521
            ? oids.ecdsaWithSha512
            : oids.ecdsaWithSha256;
  const scheme = SCHEMES.find((candidate) => candidate.oid === oid);
  if (scheme === undefined) throw new CryptoError(`no signature scheme for ${algorithm}`);
  return scheme;
}

/**
 * The AlgorithmIdentifier `key` signs with.
 *
 * @remarks RSA carries an explicit NULL parameter (RFC 4055); ECDSA and Ed25519 carry none.
 */
export function signatureAlgorithmFor(key: PrivateKey): pkijs.AlgorithmIdentifier {
  const { oid, keyAlgorithm } = schemeFor(key);
  return new pkijs.AlgorithmIdentifier(
    keyAlgorithm === 'RSA'
      ? { algorithmId: oid, algorithmParams: new asn1js.Null() }
      : { algorithmId: oid },
  );
}

/** Signs `data` with `key`; ECDSA signatures come back DER-encoded, as X.509 wants them. */
export async function signData(key: PrivateKey, data: Uint8Array): Promise<Uint8Array> {
  const { keyAlgorithm, hash } = schemeFor(key);
  try {
    const signature = await subtle().sign(
      webCryptoParams(keyAlgorithm, hash),
      key.privateKey,
      ownBytes(data),
    );
    return new Uint8Array(
      keyAlgorithm === 'ECDSA' ? pkijs.createCMSECDSASignature(signature) : signature,
    );
  } catch (err) {
    throw new CryptoError(`signing with the ${key.spec.algorithm} key failed`, { cause: err });
  }
}

/**
 * Signs a pkijs Certificate or CertificationRequest in place: sets the algorithm identifiers,
 * encodes the TBS part and stores the signature.
 */
export async function signPkiObject(
  object: pkijs.Certificate | pkijs.CertificationRequest,
  key: PrivateKey,
): Promise<void> {
  const algorithm = signatureAlgorithmFor(key);
  if (object instanceof pkijs.Certificate) object.signature = algorithm;
  object.signatureAlgorithm = algorithm;
  // toSchema(true) re-encodes the TBS part from the fields (encodeTBS() is not public on CSRs).
  const [tbs] = object.toSchema(true).valueBlock.value;
  if (tbs === undefined) throw new CryptoError('could not encode the structure to sign');
  object.tbsView = encodeDer(tbs);
  object.signatureValue = new asn1js.BitString({
    valueHex: ownBytes(await signData(key, object.tbsView)).buffer,
  });
}

/**
 * Whether `signature` over `data` verifies with the public key `spki` under `algorithm`.
 *
 * @remarks
 * `false`, not an error, for a signature algorithm certflow does not accept, for one that does
 * not fit the key, and for a malformed signature.
 */
export async function verifySignature(
  spki: Uint8Array,
  algorithmOid: string,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const scheme = SCHEMES.find((candidate) => candidate.oid === algorithmOid);
  if (scheme === undefined) return false;
  // Through node's crypto on a KeyObject rather than WebCrypto: an X.509 ECDSA signature is the
  // DER ECDSA-Sig-Value node reads as it is, and importing the SPKI as a KeyObject costs less
  // than a CryptoKey (a CSR is checked once per issuance; together about half the CPU).
  let key: KeyObject;
  try {
    // Only the key algorithms and curves certflow supports (spkiAlgorithm throws for others).
    key = createPublicKey(publicKeyInput(spkiAlgorithm(spki), spki));
  } catch {
    return false;
  }
  if (NODE_KEY_TYPES[scheme.keyAlgorithm] !== key.asymmetricKeyType) return false;
  const digest = scheme.hash === undefined ? null : scheme.hash.replace('-', '').toLowerCase();
  return new Promise<boolean>((resolve) => {
    try {
      verify(digest, data, { key, dsaEncoding: 'der' }, signature, (err, valid) =>
        resolve(err === null && valid),
      );
    } catch {
      resolve(false);
    }
  });
}

/**
 * What node makes the KeyObject of a SubjectPublicKeyInfo from: its JWK members when they are
 * at hand, which node imports without OpenSSL's DER decoder chain (measured: P-256 about 120 µs
 * against 190, RSA 2048 under a tenth), else the DER itself (an EC point written compressed).
 * node checks the key either way (an EC point must be on its curve).
 */
function publicKeyInput(parts: SpkiParts, spki: Uint8Array): JsonWebKeyInput | PublicKeyInput {
  const jwk = spkiPublicJwk(parts);
  return jwk === undefined
    ? { key: Buffer.from(spki), format: 'der', type: 'spki' }
    : { format: 'jwk', key: jwk };
}

/**
 * The JWK members of the public key in a SubjectPublicKeyInfo read by {@link readSpki}:
 * `kty` and `n`, `e` (RSA), `crv`, `x`, `y` (ECDSA) or `crv`, `x` (Ed25519). `undefined` for an EC
 * point not written uncompressed.
 *
 * @throws CryptoError when an RSA key is not an RSAPublicKey
 */
export function spkiPublicJwk({
  keyAlgorithm,
  curve,
  publicKey,
}: SpkiParts): JsonWebKey | undefined {
  if (keyAlgorithm === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: base64url(publicKey) };
  if (keyAlgorithm === 'RSA') {
    const what = 'RSA public key';
    const [n, e] = children(expect(readDer(publicKey, what), tags.sequence, what), what);
    return { kty: 'RSA', n: base64url(unsignedOf(n, what)), e: base64url(unsignedOf(e, what)) };
  }
  if (
    curve === undefined ||
    publicKey[0] !== 0x04 ||
    publicKey.byteLength !== 1 + 2 * curve.bytes
  ) {
    return undefined;
  }
  return {
    kty: 'EC',
    crv: curve.name,
    x: base64url(publicKey.subarray(1, 1 + curve.bytes)),
    y: base64url(publicKey.subarray(1 + curve.bytes)),
  };
}

/** node's `asymmetricKeyType` of each key algorithm (RSA-PSS keys are not RSA here). */
const NODE_KEY_TYPES: Readonly<Record<KeyAlgorithm, string>> = {
  RSA: 'rsa',
  ECDSA: 'ec',
  Ed25519: 'ed25519',
};

/** A public key imported from a SubjectPublicKeyInfo. */
export interface ImportedPublicKey {
  key: CryptoKey;
  keyAlgorithm: KeyAlgorithm;
  /** RSA modulus bits, curve size, or 0 for Ed25519. */
  size: number;
  /** ECDSA: bytes per signature half; 0 otherwise. */
  curveBytes: number;
}

/** A SubjectPublicKeyInfo read without importing it. */
export interface SpkiParts {
  keyAlgorithm: KeyAlgorithm;
  /** The named curve of an ECDSA key. */
  curve?: (typeof curves)[number];
  /** The subjectPublicKey BIT STRING's contents. */
  publicKey: Uint8Array;
}

/**
 * Reads a SubjectPublicKeyInfo element: RSA, ECDSA on a supported named curve, or Ed25519.
 * Anything else is a {@link CryptoError}.
 */
export function readSpki(spki: Element): SpkiParts {
  const what = 'public key';
  const [algorithm, subjectPublicKey, extra] = children(expect(spki, tags.sequence, what), what);
  const [oid, params] = children(expect(algorithm, tags.sequence, what), what);
  if (extra !== undefined) throw new CryptoError('public key is not a SubjectPublicKeyInfo');
  const algorithmId = oidOf(oid, what);
  const publicKey = bitStringOf(subjectPublicKey, what);
  if (algorithmId === oids.rsaEncryption) return { keyAlgorithm: 'RSA', publicKey };
  if (algorithmId === oids.ed25519) return { keyAlgorithm: 'Ed25519', publicKey };
  if (algorithmId === oids.ecPublicKey) {
    const curveOid = params?.tag === tags.oid ? oidOf(params, what) : undefined;
    const curve = curves.find((candidate) => candidate.oid === curveOid);
    if (curve === undefined) {
      throw new CryptoError(`unsupported elliptic curve ${curveOid ?? '(explicit parameters)'}`);
    }
    return { keyAlgorithm: 'ECDSA', curve, publicKey };
  }
  throw new CryptoError(`unsupported public key algorithm ${algorithmId}`);
}

/** {@link readSpki} on DER bytes. */
export function spkiAlgorithm(spki: Uint8Array): SpkiParts {
  return readSpki(readDer(spki, 'public key'));
}

/**
 * Imports a SubjectPublicKeyInfo for verification; RSA keys are bound to `hash` (WebCrypto ties
 * the hash to the key).
 */
export async function importPublicKey(
  spki: Uint8Array,
  hash: string = 'SHA-256',
): Promise<ImportedPublicKey> {
  const { keyAlgorithm, curve } = spkiAlgorithm(spki);
  const params =
    keyAlgorithm === 'RSA'
      ? { name: 'RSASSA-PKCS1-v1_5', hash }
      : keyAlgorithm === 'ECDSA'
        ? { name: 'ECDSA', namedCurve: curve?.name ?? '' }
        : { name: 'Ed25519' };
  let key: CryptoKey;
  try {
    key = await subtle().importKey('spki', ownBytes(spki), params, true, ['verify']);
  } catch (err) {
    throw new CryptoError(`${keyAlgorithm} public key could not be imported`, { cause: err });
  }
  const algorithm = key.algorithm as { modulusLength?: number };
  return {
    key,
    keyAlgorithm,
    size: algorithm.modulusLength ?? curve?.size ?? 0,
    curveBytes: curve?.bytes ?? 0,
  };
}

function webCryptoParams(
  keyAlgorithm: KeyAlgorithm,
  hash: string | undefined,
): { name: string; hash?: string } {
  if (keyAlgorithm === 'ECDSA') return { name: 'ECDSA', hash: hash ?? 'SHA-256' };
  return { name: keyAlgorithm === 'RSA' ? 'RSASSA-PKCS1-v1_5' : 'Ed25519' };
}
