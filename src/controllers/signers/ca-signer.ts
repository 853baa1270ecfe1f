import {
  importPrivateKeyPem,
  orderChain,
  parseCertificate,
  signCertificate,
  splitPemChain,
  type CertificateInfo,
  type PrivateKey,
} from '../../crypto/index.js';
import { errorMessage, issuerSecretNamespace, type Signer } from '../context.js';
import { certificateTemplate, type SignerContext } from './certificate-template.js';

/**
 * The chain and CA of an issued certificate, as cert-manager's `ParseSingleCertificateChain`
 * makes them: the certificates in order from the leaf up; a self-signed root at the top is left
 * out of the chain (RFC 5246 7.4.2) and is the CA; otherwise the top certificate is both the last
 * of the chain and the CA.
 */
function chainBundle(pems: string[]): { chainPem: string; caPem: string } {
  const ordered = orderChain(pems);
  const top = ordered[ordered.length - 1];
  if (top === undefined) return { chainPem: '', caPem: '' };
  const chain =
    ordered.length > 1 && isSelfSigned(parseCertificate(top)) ? ordered.slice(0, -1) : ordered;
  return { chainPem: chain.join(''), caPem: top };
}

function isSelfSigned(info: CertificateInfo): boolean {
  return (
    info.subjectText === info.issuerText &&
    (info.authorityKeyIdentifier === undefined ||
      info.authorityKeyIdentifier === info.subjectKeyIdentifier)
  );
}

/**
 * Creates the CA signer: it signs a CertificateRequest with the key pair in the Secret that the
 * issuer's `spec.ca.secretName` names, as cert-manager's CA issuer does.
 *
 * @remarks
 * The Secret (in the issuer's namespace, or the cluster resource namespace for a ClusterIssuer)
 * holds `tls.crt` (the CA certificate, optionally followed by its own chain), `tls.key`, and
 * optionally `ca.crt` (its root). The issued `tls.crt` is the leaf and the CA's chain without a
 * self-signed root, `ca.crt` the root-most certificate known.
 *
 * Unlike cert-manager (which lets a leaf outlive its CA, cert-manager issue #5864), notAfter is
 * clamped to the CA certificate's notAfter, and a CA certificate that has expired signs nothing.
 * A Secret that is missing or does not hold a key pair leaves the request Pending.
 *
 * @example
 * ```ts
 * const signers = { CA: createCaSigner({ resources, clock, options }) };
 * ```
 */
export function createCaSigner(ctx: SignerContext): Signer {
  return async (request, issuer) => {
    const ca = issuer.spec.ca;
    if (ca === undefined)
      return { error: `${issuer.kind} ${issuer.metadata.name} is not a CA issuer` };
    const namespace = issuerSecretNamespace({ options: ctx.options }, issuer);
    const secret = await ctx.resources.get('Secret', namespace, ca.secretName);
    if (secret === undefined) {
      return { pending: `Referenced secret ${namespace}/${ca.secretName} not found` };
    }
    let caKey: PrivateKey;
    let caCerts: string[];
    let caInfo: CertificateInfo;
    try {
      caKey = await importPrivateKeyPem(secret.data?.['tls.key'] ?? '');
      caCerts = splitPemChain(secret.data?.['tls.crt'] ?? '');
      caInfo = parseCertificate(caCerts[0] ?? '');
      caCerts.push(...splitPemChain(secret.data?.['ca.crt'] ?? ''));
    } catch (err) {
      return {
        pending: `Failed to parse signing CA keypair from secret ${namespace}/${ca.secretName}: ${errorMessage(err)}`,
      };
    }
    const now = ctx.clock.now();
    if (caInfo.notAfter.getTime() <= now) {
      return {
        error: `Error signing certificate: the CA certificate in secret ${namespace}/${ca.secretName} expired at ${caInfo.notAfter.toISOString()}`,
      };
    }
    const template = await certificateTemplate(request, now);
    if ('error' in template) return template;
    const notAfter =
      template.notAfter.getTime() > caInfo.notAfter.getTime() ? caInfo.notAfter : template.notAfter;
    try {
      const leaf = await signCertificate({
        csr: template.csr,
        issuerKey: caKey,
        issuerCertificate: caCerts[0]!,
        notBefore: template.notBefore,
        notAfter,
        isCA: template.isCA,
        usages: template.usages,
        crlDistributionPoints: ca.crlDistributionPoints ?? [],
        ocspServers: ca.ocspServers ?? [],
        issuingCertificateURLs: ca.issuingCertificateURLs ?? [],
      });
      return chainBundle([leaf, ...caCerts]);
    } catch (err) {
      return { error: `Error signing certificate: ${errorMessage(err)}` };
    }
  };
}
