import {
  importPrivateKeyPem,
  keyMatchesCertificate,
  parseCertificate,
  splitPemChain,
  type CertificateInfo,
  type PrivateKey,
} from '../../crypto/index.js';
import { withCertificateDefaults } from '../../domain/defaults.js';
import { renewalTime } from '../../domain/renewal.js';
import type { Certificate, Secret } from '../../domain/types.js';

/** cert-manager's annotations on a certificate Secret. */
export const secretAnnotations = {
  certificateName: 'cert-manager.io/certificate-name',
  issuerName: 'cert-manager.io/issuer-name',
  issuerKind: 'cert-manager.io/issuer-kind',
  issuerGroup: 'cert-manager.io/issuer-group',
  commonName: 'cert-manager.io/common-name',
  altNames: 'cert-manager.io/alt-names',
  ipSans: 'cert-manager.io/ip-sans',
  uriSans: 'cert-manager.io/uri-sans',
  emailSans: 'cert-manager.io/email-sans',
} as const;

/** The outcome of looking at a Certificate's Secret. */
export type SecretEvaluation =
  | {
      readonly needsIssuance: false;
      readonly info: CertificateInfo;
      readonly renewalTime: Date;
    }
  | {
      readonly needsIssuance: true;
      /** cert-manager's trigger reason: DoesNotExist, MissingData, InvalidKeyPair, ... */
      readonly reason: string;
      readonly message: string;
      /** The certificate currently in the Secret, when there is a valid one. */
      readonly info?: CertificateInfo;
      /** The Secret's key, when it parses (reused by rotationPolicy Never). */
      readonly key?: PrivateKey;
    };

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = new Set((a ?? []).map((s) => s.toLowerCase()));
  const y = new Set((b ?? []).map((s) => s.toLowerCase()));
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** Whether `key` has the algorithm and size the Certificate asks for. */
export function keyMatchesSpec(key: PrivateKey, certificate: Certificate): boolean {
  const spec = withCertificateDefaults(certificate.spec).privateKey;
  if (key.spec.algorithm !== spec.algorithm) return false;
  return spec.algorithm === 'Ed25519' || key.spec.size === spec.size;
}

/**
 * Decides whether a Certificate needs (re)issuance, as cert-manager's trigger policies do: no
 * Secret, missing data, a key or certificate that does not parse, a key that does not match the
 * certificate, another issuer, a certificate for another spec, or the renewal time reached.
 */
export async function evaluateSecret(
  certificate: Certificate,
  secret: Secret | undefined,
  now: number,
): Promise<SecretEvaluation> {
  if (secret === undefined) {
    return {
      needsIssuance: true,
      reason: 'DoesNotExist',
      message: 'Issuing certificate as Secret does not exist',
    };
  }
  const crtPem = secret.data?.['tls.crt'];
  const keyPem = secret.data?.['tls.key'];
  if (crtPem === undefined || crtPem === '' || keyPem === undefined || keyPem === '') {
    return {
      needsIssuance: true,
      reason: 'MissingData',
      message: 'Issuing certificate as Secret does not contain a certificate and a private key',
    };
  }
  let key: PrivateKey;
  try {
    key = await importPrivateKeyPem(keyPem);
  } catch {
    return {
      needsIssuance: true,
      reason: 'InvalidKeyPair',
      message: 'Issuing certificate as Secret contains an invalid private key',
    };
  }
  let info: CertificateInfo;
  try {
    const leaf = splitPemChain(crtPem)[0];
    if (leaf === undefined) throw new Error('no certificate');
    info = parseCertificate(leaf);
  } catch {
    return {
      needsIssuance: true,
      reason: 'InvalidCertificate',
      message: 'Issuing certificate as Secret contains an invalid certificate',
      key,
    };
  }
  if (!(await keyMatchesCertificate(key, info.der))) {
    return {
      needsIssuance: true,
      reason: 'InvalidKeyPair',
      message:
        'Issuing certificate as Secret contains a private key that does not match the certificate',
      info,
    };
  }
  const spec = certificate.spec;
  const annotations = secret.metadata.annotations ?? {};
  if (
    annotations[secretAnnotations.issuerName] !== spec.issuerRef.name ||
    (annotations[secretAnnotations.issuerKind] ?? 'Issuer') !== (spec.issuerRef.kind ?? 'Issuer')
  ) {
    return {
      needsIssuance: true,
      reason: 'IncorrectIssuer',
      message: `Issuing certificate as Secret was previously issued by ${annotations[secretAnnotations.issuerKind] ?? 'Issuer'}/${annotations[secretAnnotations.issuerName] ?? '<none>'}`,
      info,
      key,
    };
  }
  const mismatch: string[] = [];
  if (!sameSet(info.dnsNames, spec.dnsNames)) mismatch.push('dnsNames');
  if (!sameSet(info.ipAddresses, spec.ipAddresses)) mismatch.push('ipAddresses');
  if (!sameSet(info.uris, spec.uris)) mismatch.push('uris');
  if (!sameSet(info.emailAddresses, spec.emailAddresses)) mismatch.push('emailAddresses');
  if (spec.commonName !== undefined && info.subject.commonName !== spec.commonName) {
    mismatch.push('commonName');
  }
  if (!keyMatchesSpec(key, certificate)) mismatch.push('privateKey');
  if (mismatch.length > 0) {
    return {
      needsIssuance: true,
      reason: 'SecretMismatch',
      message: `Issuing certificate as Secret was previously issued for a different spec: ${mismatch.join(', ')} changed`,
      info,
      key,
    };
  }
  const renewal = renewalTime({
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    ...(spec.renewBefore === undefined ? {} : { renewBefore: spec.renewBefore }),
    ...(spec.renewBeforePercentage === undefined
      ? {}
      : { renewBeforePercentage: spec.renewBeforePercentage }),
  });
  if (now >= info.notAfter.getTime()) {
    return {
      needsIssuance: true,
      reason: 'Expired',
      message: `Certificate expired on ${info.notAfter.toISOString()}`,
      info,
      key,
    };
  }
  if (now >= renewal.getTime()) {
    return {
      needsIssuance: true,
      reason: 'Renewing',
      message: `Renewing certificate as renewal was scheduled at ${renewal.toISOString()}`,
      info,
      key,
    };
  }
  return { needsIssuance: false, info, renewalTime: renewal };
}
