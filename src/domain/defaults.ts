/**
 * cert-manager's defaults for a Certificate spec, applied where they are used and never written
 * into the stored spec.
 *
 * @packageDocumentation
 */
import type {
  CertificateSpec,
  IssuerRef,
  KeyUsage,
  PrivateKeyAlgorithm,
  PrivateKeyEncoding,
  PrivateKeyRotationPolicy,
} from './types.js';

/** The values certflow uses for Certificate fields left unset, as cert-manager does. */
export const certificateDefaults = {
  /** 90 days, as a Go duration. */
  duration: '2160h',
  /** 90 days, in milliseconds. */
  durationMs: 2160 * 3_600_000,
  /** `duration` must be at least this long (cert-manager's `MinimumCertificateDuration`). */
  minimumDurationMs: 3_600_000,
  /** `renewBefore` must be at least this long (cert-manager's `MinimumRenewBefore`). */
  minimumRenewBeforeMs: 5 * 60_000,
  /** The private key algorithm. */
  privateKeyAlgorithm: 'RSA',
  /** The RSA modulus size in bits. */
  rsaKeySize: 2048,
  /** The ECDSA curve size (P-256). */
  ecdsaKeySize: 256,
  /** The private key encoding in the Secret. */
  privateKeyEncoding: 'PKCS1',
  /** The rotation policy (the default since cert-manager v1.18). */
  rotationPolicy: 'Always',
  /** Key usages when none are given. */
  usages: ['digital signature', 'key encipherment'],
  /** The issuer kind. */
  issuerKind: 'Issuer',
  /** The issuer group. */
  issuerGroup: 'cert-manager.io',
} as const satisfies {
  duration: string;
  durationMs: number;
  minimumDurationMs: number;
  minimumRenewBeforeMs: number;
  privateKeyAlgorithm: PrivateKeyAlgorithm;
  rsaKeySize: number;
  ecdsaKeySize: number;
  privateKeyEncoding: PrivateKeyEncoding;
  rotationPolicy: PrivateKeyRotationPolicy;
  usages: readonly KeyUsage[];
  issuerKind: string;
  issuerGroup: string;
};

/** A private key spec with every field set. */
export interface ResolvedPrivateKey {
  /** The key algorithm. */
  algorithm: PrivateKeyAlgorithm;
  /** RSA modulus bits or ECDSA curve size; `0` for Ed25519, which has one size. */
  size: number;
  /** The encoding of `tls.key` in the Secret. */
  encoding: PrivateKeyEncoding;
  /** Whether a reissuance makes a new key. */
  rotationPolicy: PrivateKeyRotationPolicy;
}

/** A Certificate spec with cert-manager's defaults applied. */
export type CertificateSpecWithDefaults = Omit<
  CertificateSpec,
  'duration' | 'privateKey' | 'usages' | 'issuerRef'
> & {
  /** The requested lifetime, a Go duration. */
  duration: string;
  /** The private key spec. */
  privateKey: ResolvedPrivateKey;
  /** The key usages. */
  usages: KeyUsage[];
  /** The issuer reference with kind and group set. */
  issuerRef: Required<IssuerRef>;
};

function defaultKeySize(algorithm: PrivateKeyAlgorithm): number {
  if (algorithm === 'RSA') return certificateDefaults.rsaKeySize;
  if (algorithm === 'ECDSA') return certificateDefaults.ecdsaKeySize;
  return 0;
}

/**
 * A copy of `spec` with cert-manager's defaults filled in; `spec` is not changed.
 *
 * @remarks
 * Defaults: `duration` `2160h` (90 days); `privateKey.algorithm` `RSA`; `privateKey.size` 2048
 * for RSA, 256 for ECDSA and 0 for Ed25519 (it has one size, and any size given is ignored, as
 * in cert-manager); `privateKey.encoding` `PKCS1`; `privateKey.rotationPolicy` `Always`;
 * `usages` `['digital signature', 'key encipherment']` when none are given; `issuerRef.kind`
 * `Issuer` and `issuerRef.group` `cert-manager.io`. Call it where a value is used, not before
 * storing: the stored spec keeps what the user wrote.
 *
 * @example
 * ```ts
 * const { privateKey } = withCertificateDefaults(certificate.spec);
 * const key = await generatePrivateKey({ algorithm: privateKey.algorithm, size: privateKey.size });
 * ```
 */
export function withCertificateDefaults(spec: CertificateSpec): CertificateSpecWithDefaults {
  const algorithm = spec.privateKey?.algorithm ?? certificateDefaults.privateKeyAlgorithm;
  const size =
    algorithm === 'Ed25519'
      ? 0
      : spec.privateKey?.size !== undefined && spec.privateKey.size !== 0
        ? spec.privateKey.size
        : defaultKeySize(algorithm);
  return {
    ...spec,
    duration: spec.duration ?? certificateDefaults.duration,
    privateKey: {
      algorithm,
      size,
      encoding: spec.privateKey?.encoding ?? certificateDefaults.privateKeyEncoding,
      rotationPolicy: spec.privateKey?.rotationPolicy ?? certificateDefaults.rotationPolicy,
    },
    usages:
      spec.usages !== undefined && spec.usages.length > 0
        ? [...spec.usages]
        : [...certificateDefaults.usages],
    issuerRef: {
      name: spec.issuerRef.name,
      kind: spec.issuerRef.kind || certificateDefaults.issuerKind,
      group: spec.issuerRef.group || certificateDefaults.issuerGroup,
    },
  };
}
