/**
 * PKCS#10 certificate signing requests: create and parse.
 *
 * @packageDocumentation
 */

import { KeyObject, sign } from 'node:crypto';
import { CryptoError } from '../errors.js';
import { oids } from './der.js';
import {
  bitStringOf,
  children,
  encodingOf,
  expect,
  oidOf,
  readDer,
  tags,
  type Element,
} from './der-reader.js';
import {
  contextTag,
  derBitString,
  derElement,
  derInteger,
  derNull,
  derOid,
  derSequence,
  derSet,
} from './der-writer.js';
import {
  basicConstraintsExtensionDer,
  generalNamesDer,
  readExtensions,
  subjectAltNameExtensionDer,
  usageExtensionsDer,
} from './extensions.js';
import { publicKeySpkiDer } from './keys.js';
import { decodeName, encodeName } from './names.js';
import { derFromInput, pemEncode } from './pem.js';
import { signatureAlgorithmFor, verifySignature } from './signature.js';
import type { CsrInfo, CsrOptions, PrivateKey } from './types.js';
import { defaultUsages, encodeUsages } from './usages.js';

/**
 * Creates a CSR signed by `key`.
 *
 * @remarks
 * The signature is sha256WithRSAEncryption for RSA, ecdsa-with-SHA256/384/512 by curve, and
 * Ed25519. SANs, usages and basicConstraints go in an extensionRequest attribute. Bad options are
 * a {@link ValidationError} naming the field (`dnsNames[2]`, `usages[0]`,
 * `subject.organizations[1]`).
 *
 * The request is written from DER pieces (`der-writer.ts`), not built as pkijs objects: CSRs are
 * made once per issuance, and asn1js spent over a millisecond of CPU on each, more than the
 * signature. The bytes are the same as pkijs wrote.
 *
 * @example
 * ```ts
 * const { pem } = await createCsr(
 *   { subject: { commonName: 'web.example.test' }, dnsNames: ['web.example.test'],
 *     usages: ['digital signature', 'key encipherment', 'server auth'] },
 *   key,
 * );
 * ```
 */
export async function createCsr(
  options: CsrOptions,
  key: PrivateKey,
): Promise<{ pem: string; der: Uint8Array }> {
  const isCA = options.isCA ?? false;
  const subjectDer = encodeName(options.subject ?? {}, 'subject');
  const names = generalNamesDer(options);
  const extensions: Uint8Array[] = [];
  if (names.length > 0) extensions.push(subjectAltNameExtensionDer(names, isEmptyName(subjectDer)));
  if (options.usages !== undefined) {
    const usages = options.usages.length > 0 ? options.usages : defaultUsages;
    extensions.push(...usageExtensionsDer(encodeUsages(usages, isCA, 'usages')));
  }
  if (isCA) extensions.push(basicConstraintsExtensionDer(true));

  // attributes [0] IMPLICIT SET OF Attribute, written even when empty, as pkijs did.
  const attributes =
    extensions.length === 0
      ? []
      : [derSequence(derOid(oids.extensionRequest), derSet(derSequence(...extensions)))];
  const requestInfo = derSequence(
    derInteger(0),
    subjectDer,
    await publicKeySpkiDer(key),
    derElement(contextTag(0, true), ...attributes),
  );
  const { algorithm, signature } = await signRequestInfo(key, requestInfo);
  const der = derSequence(requestInfo, algorithm, derBitString(signature));
  return { pem: pemEncode('CERTIFICATE REQUEST', der), der };
}

/**
 * How node's `crypto.sign` runs each signature algorithm certflow writes: the digest, and whether
 * the AlgorithmIdentifier carries a NULL parameter (RSA, RFC 4055; ECDSA and Ed25519 carry none).
 */
const NODE_SIGNATURES: Readonly<Record<string, { digest: string | null; nullParams: boolean }>> = {
  [oids.sha256WithRsa]: { digest: 'sha256', nullParams: true },
  [oids.sha384WithRsa]: { digest: 'sha384', nullParams: true },
  [oids.sha512WithRsa]: { digest: 'sha512', nullParams: true },
  [oids.ecdsaWithSha256]: { digest: 'sha256', nullParams: false },
  [oids.ecdsaWithSha384]: { digest: 'sha384', nullParams: false },
  [oids.ecdsaWithSha512]: { digest: 'sha512', nullParams: false },
  [oids.ed25519]: { digest: null, nullParams: false },
};

/**
 * Signs the encoded CertificationRequestInfo with the algorithm {@link signatureAlgorithmFor}
 * picks for `key`; returns that AlgorithmIdentifier's DER and the signature.
 *
 * @remarks
 * Through node's `crypto.sign` on the key's KeyObject rather than WebCrypto: it writes ECDSA
 * signatures as the DER ECDSA-Sig-Value X.509 wants, where WebCrypto's `r || s` needed asn1js to
 * re-encode (together about 0.12 ms against 0.05 ms). The callback form keeps the signing, slow
 * for RSA, off the event loop as WebCrypto did. RSA keys sign with PKCS #1 v1.5, node's default.
 */
async function signRequestInfo(
  key: PrivateKey,
  data: Uint8Array,
): Promise<{ algorithm: Uint8Array; signature: Uint8Array }> {
  const { algorithmId } = signatureAlgorithmFor(key);
  const scheme = NODE_SIGNATURES[algorithmId];
  if (scheme === undefined) throw new CryptoError(`no signature scheme for ${algorithmId}`);
  const algorithm = scheme.nullParams
    ? derSequence(derOid(algorithmId), derNull())
    : derSequence(derOid(algorithmId));
  const signature = await new Promise<Uint8Array>((resolve, reject) => {
    try {
      sign(
        scheme.digest,
        data,
        { key: KeyObject.from(key.privateKey), dsaEncoding: 'der' },
        (err, result) => {
          if (err === null) resolve(result);
          else reject(err);
        },
      );
    } catch (err) {
      reject(err as Error);
    }
  }).catch((err: unknown) => {
    throw new CryptoError(`signing with the ${key.spec.algorithm} key failed`, { cause: err });
  });
  return { algorithm, signature };
}

/**
 * Parses a CSR (PEM `CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST`, or DER) and checks its
 * self-signature.
 *
 * @remarks
 * Malformed input is a {@link CryptoError}; a signature that does not verify is not an error
 * but `signatureValid: false`.
 *
 * @example
 * ```ts
 * const csr = await parseCsr(Buffer.from(request.spec.request, 'base64').toString());
 * if (!csr.signatureValid) throw new Error('bad CSR');
 * ```
 */
export async function parseCsr(pemOrDer: string | Uint8Array): Promise<CsrInfo> {
  const { signed, ...info } = readCsr(pemOrDer);
  return {
    ...info,
    signatureValid: await verifySignature(
      info.publicKeySpki,
      signed.algorithmOid,
      signed.data,
      signed.signature,
    ),
  };
}

/** A CSR's fields, and what its self-signature covers, before the signature is checked. */
export interface ReadCsr extends Omit<CsrInfo, 'signatureValid'> {
  signed: { algorithmOid: string; data: Uint8Array; signature: Uint8Array };
}

/**
 * {@link parseCsr} without the signature check, which costs more than the parse (a public key
 * import and a verification): for comparing a request certflow made itself with a spec.
 */
export function readCsr(pemOrDer: string | Uint8Array): ReadCsr {
  const der = derFromInput(pemOrDer, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  const what = 'certificate request';
  const [requestInfo, signatureAlgorithm, signatureValue, extra] = children(
    expect(readDer(der, what), tags.sequence, what),
    what,
  );
  const info = expect(requestInfo, tags.sequence, what);
  const [algorithmOid] = children(expect(signatureAlgorithm, tags.sequence, what), what);
  const signature = bitStringOf(signatureValue, what);
  const [version, subject, publicKeyInfo, attributes, more] = children(info, what);
  expect(version, tags.integer, what);
  const spki = expect(publicKeyInfo, tags.sequence, what);
  // attributes [0] IMPLICIT SET OF Attribute; a request without them is taken too.
  if (
    extra !== undefined ||
    more !== undefined ||
    (attributes !== undefined && attributes.tag !== 0xa0)
  ) {
    throw new CryptoError(`${what} is malformed`);
  }
  let requested: Element | undefined;
  for (const attribute of attributes === undefined ? [] : children(attributes, what)) {
    const [type, values] = children(expect(attribute, tags.sequence, what), what);
    if (requested !== undefined || oidOf(type, what) !== oids.extensionRequest) continue;
    requested = children(expect(values, tags.set, what), what)[0];
  }
  const {
    subjectKeyIdentifier: _ski,
    authorityKeyIdentifier: _aki,
    ...extensions
  } = readExtensions(requested === undefined ? undefined : expect(requested, tags.sequence, what));
  return {
    subject: decodeName(expect(subject, tags.sequence, what), 'certificate request subject').fields,
    ...extensions,
    publicKeySpki: encodingOf(spki).slice(),
    signed: { algorithmOid: oidOf(algorithmOid, what), data: encodingOf(info), signature },
  };
}

/** Whether a DER Name is the empty SEQUENCE. */
export function isEmptyName(nameDer: Uint8Array): boolean {
  return nameDer.byteLength === 2;
}
