/**
 * PKCS#10 certificate signing requests: create and parse.
 *
 * @packageDocumentation
 */

import * as pkijs from 'pkijs';
import { CryptoError } from '../errors.js';
import { encodeDer, oids } from './der.js';
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
  basicConstraintsExtension,
  generalNames,
  readExtensions,
  subjectAltNameExtension,
  usageExtensions,
} from './extensions.js';
import { publicKeySpkiDer } from './keys.js';
import { decodeName, encodeName } from './names.js';
import { derFromInput, pemEncode } from './pem.js';
import { signPkiObject, verifySignature } from './signature.js';
import type { CsrInfo, CsrOptions, PrivateKey } from './types.js';
import { defaultUsages, encodeUsages } from './usages.js';

/**
 * Creates a CSR signed by `key`.
 *
 * @remarks
 * The signature is sha256WithRSAEncryption for RSA, ecdsa-with-SHA256/384/512 by curve, and
 * Ed25519 (built here: pkijs does not sign with Ed25519). SANs, usages and basicConstraints go
 * in an extensionRequest attribute. Bad options are a {@link ValidationError} naming the field
 * (`dnsNames[2]`, `usages[0]`, `subject.organizations[1]`).
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
  const names = generalNames(options);
  const extensions: pkijs.Extension[] = [];
  if (names.length > 0) extensions.push(subjectAltNameExtension(names, isEmptyName(subjectDer)));
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
  const der = encodeDer(csr.toSchema());
  return { pem: pemEncode('CERTIFICATE REQUEST', der), der };
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
