import { importPrivateKeyPem, signCertificate, type PrivateKey } from '../../crypto/index.js';
import { requestAnnotations } from '../certificates/annotations.js';
import { errorMessage, type Signer } from '../context.js';
import { certificateTemplate, type SignerContext } from './certificate-template.js';

const privateKeySecretAnnotation = requestAnnotations.privateKeySecretName;

/**
 * Creates the SelfSigned signer: it signs a CertificateRequest with the request's own private
 * key, as cert-manager's SelfSigned issuer does.
 *
 * @remarks
 * The key is the `tls.key` of the Secret that the request's `cert-manager.io/private-key-secret-name`
 * annotation names (the certificates controller sets it). A missing annotation, or a key that did
 * not sign the CSR, fails the request; a Secret that is missing or does not hold a key yet leaves
 * it Pending. `ca.crt` is the certificate itself.
 *
 * @example
 * ```ts
 * const signers = { SelfSigned: createSelfSignedSigner({ resources, clock, options }) };
 * ```
 */
export function createSelfSignedSigner(ctx: SignerContext): Signer {
  return async (request, issuer) => {
    const secretName = request.metadata.annotations?.[privateKeySecretAnnotation] ?? '';
    if (secretName === '') {
      return {
        error: `Annotation "${privateKeySecretAnnotation}" missing or reference empty: the SelfSigned issuer signs with the request's own private key`,
      };
    }
    const namespace = request.metadata.namespace ?? 'default';
    const secret = await ctx.resources.get('Secret', namespace, secretName);
    if (secret === undefined) {
      return { pending: `Referenced secret ${namespace}/${secretName} not found` };
    }
    let key: PrivateKey;
    try {
      key = await importPrivateKeyPem(secret.data?.['tls.key'] ?? '');
    } catch (err) {
      return {
        pending: `Failed to get key "${secretName}" referenced in annotation "${privateKeySecretAnnotation}": ${errorMessage(err)}`,
      };
    }
    const template = await certificateTemplate(request, ctx.clock.now());
    if ('error' in template) return template;
    try {
      const pem = await signCertificate({
        csr: template.csr,
        issuerKey: key,
        notBefore: template.notBefore,
        notAfter: template.notAfter,
        isCA: template.isCA,
        usages: template.usages,
        crlDistributionPoints: issuer.spec.selfSigned?.crlDistributionPoints ?? [],
      });
      return { chainPem: pem, caPem: pem };
    } catch (err) {
      // signCertificate refuses a key that does not match the CSR (cert-manager's ErrorKeyMatch).
      return { error: `Error signing certificate: ${errorMessage(err)}` };
    }
  };
}
