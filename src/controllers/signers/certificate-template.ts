import { parseCsr, type CsrInfo } from '../../crypto/index.js';
import { certificateDefaults } from '../../domain/defaults.js';
import { parseGoDuration } from '../../domain/duration.js';
import type { CertificateRequest } from '../../domain/types.js';
import { errorMessage, type ControllerContext } from '../context.js';

/** What the CA and SelfSigned signers need from the host: the Store, the clock and options. */
export type SignerContext = Pick<ControllerContext, 'resources' | 'clock' | 'options'>;

/** A certificate to sign, as cert-manager's `CertificateTemplateFromCertificateRequest` makes it. */
export interface CertificateTemplate {
  csr: CsrInfo;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  /** The request's usages; empty means cert-manager's defaults. */
  usages: string[];
}

/**
 * The template for a CertificateRequest signed at `now`: the CSR's subject, SANs and key, valid
 * for `spec.duration` (90 days when unset), with `spec.isCA` and `spec.usages`.
 *
 * @remarks
 * As cert-manager, the request's spec overrides the CSR's extensions, but a CSR that asks for a
 * CA certificate when the request does not is refused. Returns `{ error }` for a request that
 * can never be signed.
 */
export async function certificateTemplate(
  request: CertificateRequest,
  now: number,
): Promise<CertificateTemplate | { error: string }> {
  let csr: CsrInfo;
  try {
    csr = await parseCsr(Buffer.from(request.spec.request, 'base64').toString('utf8'));
  } catch (err) {
    return { error: `Error generating certificate template: ${errorMessage(err)}` };
  }
  if (!csr.signatureValid) {
    return { error: 'Error generating certificate template: the CSR signature does not verify' };
  }
  const isCA = request.spec.isCA ?? false;
  if (csr.isCA && !isCA) {
    return {
      error:
        'Error generating certificate template: the CSR asks for a CA certificate but spec.isCA is false',
    };
  }
  let durationMs: number;
  try {
    durationMs =
      request.spec.duration === undefined
        ? certificateDefaults.durationMs
        : parseGoDuration(request.spec.duration, 'spec.duration');
  } catch (err) {
    return { error: `Error generating certificate template: ${errorMessage(err)}` };
  }
  if (durationMs <= 0) {
    return { error: 'Error generating certificate template: spec.duration must be positive' };
  }
  return {
    csr,
    notBefore: new Date(now),
    notAfter: new Date(now + durationMs),
    isCA,
    usages: [...(request.spec.usages ?? [])],
  };
}
