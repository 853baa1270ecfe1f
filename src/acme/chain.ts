/**
 * Reading downloaded PEM chains: enough to pick cert-manager's `preferredChain`.
 *
 * @packageDocumentation
 */

import { X509Certificate } from 'node:crypto';
import { AcmeError } from '../errors.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The `CERTIFICATE` PEM blocks in `text`, in order, each ending with a newline. */
export function findPemCertificates(text: string): string[] {
  return (text.match(PEM_CERTIFICATE) ?? []).map((block) => `${block}\n`);
}

/**
 * The certificates of a downloaded PEM chain.
 *
 * @throws AcmeError (terminal) when the text holds no certificate.
 */
export function pemCertificates(chainPem: string, source: string): string[] {
  const blocks = findPemCertificates(chainPem);
  if (blocks.length === 0) {
    throw new AcmeError(`the ACME server sent no PEM certificate chain (${source})`, {
      transient: false,
    });
  }
  return blocks;
}

/**
 * Whether the topmost certificate of the chain was issued by `issuerCommonName`: cert-manager's
 * test for `preferredChain`.
 */
export function chainTopIssuedBy(
  certificates: readonly string[],
  issuerCommonName: string,
): boolean {
  const top = certificates[certificates.length - 1];
  if (top === undefined) return false;
  let issuer: string;
  try {
    issuer = new X509Certificate(top).issuer;
  } catch (err) {
    throw new AcmeError('the ACME server sent a certificate that cannot be parsed', {
      transient: false,
      cause: err,
    });
  }
  // One `name=value` attribute per line; the common name is the `CN` one.
  return issuer.split('\n').some((line) => line === `CN=${issuerCommonName}`);
}
