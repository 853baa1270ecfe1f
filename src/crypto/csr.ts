/**
 * PKCS#10 certificate signing requests: create and parse.
 *
 * @packageDocumentation
 */

import * as pkijs from 'pkijs';
import { decodeDer, encodeDer, guard, oids } from './der.js';
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
  const der = derFromInput(pemOrDer, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  const csr = guard(
    'certificate request',
    () => new pkijs.CertificationRequest({ schema: decodeDer(der, 'certificate request') }),
  );
  const requested = csr.attributes?.find((attribute) => attribute.type === oids.extensionRequest);
  const extensions = guard('certificate request extensions', () =>
    requested === undefined ? [] : new pkijs.Extensions({ schema: requested.values[0] }).extensions,
  );
  const {
    subjectKeyIdentifier: _ski,
    authorityKeyIdentifier: _aki,
    ...info
  } = readExtensions(extensions);
  const publicKeySpki = encodeDer(csr.subjectPublicKeyInfo.toSchema());
  return {
    subject: decodeName(csr.subject.toSchema()).fields,
    ...info,
    publicKeySpki,
    signatureValid: await verifySignature(
      publicKeySpki,
      csr.signatureAlgorithm,
      csr.tbsView,
      csr.signatureValue.valueBlock.valueHexView,
    ),
  };
}

/** Whether a DER Name is the empty SEQUENCE. */
export function isEmptyName(nameDer: Uint8Array): boolean {
  return nameDer.byteLength === 2;
}
