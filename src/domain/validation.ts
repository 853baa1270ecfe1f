/**
 * Validation of resources: an allow-list walk of every field (see resource-schemas.ts), then
 * the rules that span fields, as cert-manager's admission webhook applies them.
 *
 * @packageDocumentation
 */
import { ParseError, UnsupportedFieldError, ValidationError } from '../errors.js';
import { certificateDefaults } from './defaults.js';
import { formatGoDuration, parseGoDurationNanos } from './duration.js';
import { isResourceKind, resourceKinds } from './keys.js';
import { resourceSchemas } from './resource-schemas.js';
import { indexPath, isPlainObject, walk } from './schema.js';
import type {
  ACMEChallengeSolver,
  Certificate,
  CertificateRequest,
  Challenge,
  ClusterIssuer,
  Issuer,
  IssuerRef,
  IssuerSpec,
  Order,
  Resource,
  ResourceKind,
} from './types.js';

const NANOS_PER_MS = 1_000_000n;

/** RSA key sizes cert-manager accepts (`pki.MinRSAKeySize`..`pki.MaxRSAKeySize`). */
export const rsaKeySizeRange = { min: 2048, max: 8192 } as const;

/**
 * ECDSA key sizes: the NIST curves P-256, P-384 and P-521, which cert-manager accepts and
 * WebCrypto (Node's) can generate.
 */
export const ecdsaKeySizes: readonly number[] = [256, 384, 521];

function checkIssuerRef(ref: IssuerRef, path: string): void {
  const group = ref.group ?? '';
  if (group !== '' && group !== 'cert-manager.io') {
    throw new UnsupportedFieldError(
      `${path}.group`,
      `external issuers (group ${JSON.stringify(group)}) are not supported by certflow: use group cert-manager.io`,
    );
  }
  const kind = ref.kind ?? '';
  if (kind !== '' && kind !== 'Issuer' && kind !== 'ClusterIssuer') {
    throw new ValidationError(
      `${path}.kind`,
      `${JSON.stringify(kind)} is not supported: must be Issuer or ClusterIssuer`,
    );
  }
}

function checkCertificate(certificate: Certificate): void {
  const spec = certificate.spec;
  checkIssuerRef(spec.issuerRef, 'spec.issuerRef');
  const hasIdentity =
    (spec.commonName ?? '') !== '' ||
    [spec.dnsNames, spec.ipAddresses, spec.uris, spec.emailAddresses].some(
      (list) => list !== undefined && list.length > 0,
    );
  if (!hasIdentity) {
    throw new ValidationError(
      'spec',
      'at least one of commonName, dnsNames, ipAddresses, uris or emailAddresses must be set',
    );
  }
  checkDurations(certificate);
  checkPrivateKey(certificate);
  const formats = spec.additionalOutputFormats ?? [];
  formats.forEach((format, i) => {
    if (formats.findIndex((other) => other.type === format.type) !== i) {
      throw new ValidationError(
        `${indexPath('spec.additionalOutputFormats', i)}.type`,
        `${format.type} is listed more than once`,
      );
    }
  });
}

function checkDurations(certificate: Certificate): void {
  const spec = certificate.spec;
  const minimum = BigInt(certificateDefaults.minimumDurationMs) * NANOS_PER_MS;
  const minimumRenewBefore = BigInt(certificateDefaults.minimumRenewBeforeMs) * NANOS_PER_MS;
  const duration = parseGoDurationNanos(
    spec.duration ?? certificateDefaults.duration,
    'spec.duration',
  );
  if (duration < minimum) {
    throw new ValidationError(
      'spec.duration',
      `${spec.duration} is too short: a certificate must last at least ${formatGoDuration(certificateDefaults.minimumDurationMs)}`,
    );
  }
  if (spec.renewBefore !== undefined && spec.renewBeforePercentage !== undefined) {
    throw new ValidationError(
      'spec.renewBeforePercentage',
      'renewBefore and renewBeforePercentage are mutually exclusive: set one of them',
    );
  }
  if (spec.renewBefore !== undefined) {
    const renewBefore = parseGoDurationNanos(spec.renewBefore, 'spec.renewBefore');
    if (renewBefore < minimumRenewBefore) {
      throw new ValidationError(
        'spec.renewBefore',
        `${spec.renewBefore} is too short: renewBefore must be at least ${formatGoDuration(certificateDefaults.minimumRenewBeforeMs)}`,
      );
    }
    if (renewBefore >= duration) {
      throw new ValidationError(
        'spec.renewBefore',
        `${spec.renewBefore} must be shorter than the certificate duration ${spec.duration ?? `${certificateDefaults.duration} (the default)`}`,
      );
    }
  }
}

function checkPrivateKey(certificate: Certificate): void {
  const key = certificate.spec.privateKey;
  if (key?.size === undefined || key.size === 0) return;
  const algorithm = key.algorithm ?? certificateDefaults.privateKeyAlgorithm;
  if (
    algorithm === 'RSA' &&
    (key.size < rsaKeySizeRange.min || key.size > rsaKeySizeRange.max || key.size % 8 !== 0)
  ) {
    throw new ValidationError(
      'spec.privateKey.size',
      `${key.size} is not supported: an RSA key size must be a multiple of 8 between ${rsaKeySizeRange.min} and ${rsaKeySizeRange.max}`,
    );
  }
  if (algorithm === 'ECDSA' && !ecdsaKeySizes.includes(key.size)) {
    throw new ValidationError(
      'spec.privateKey.size',
      `${key.size} is not supported: an ECDSA key size must be one of ${ecdsaKeySizes.join(', ')}`,
    );
  }
}

function checkSolver(solver: ACMEChallengeSolver, path: string): void {
  if (solver.http01 === undefined && solver.dns01 === undefined) {
    throw new ValidationError(path, 'a solver needs one of http01 or dns01');
  }
  if (solver.http01 !== undefined && solver.dns01 !== undefined) {
    throw new ValidationError(`${path}.dns01`, 'a solver may have only one of http01 or dns01');
  }
  const http01 = solver.http01;
  if (http01?.ingress !== undefined && http01.gatewayHTTPRoute !== undefined) {
    throw new ValidationError(
      `${path}.http01.gatewayHTTPRoute`,
      'an http01 solver may have only one of ingress or gatewayHTTPRoute',
    );
  }
  const dns01 = solver.dns01;
  if (dns01 === undefined) return;
  if (dns01.webhook === undefined && dns01.rfc2136 === undefined) {
    throw new ValidationError(
      `${path}.dns01`,
      'no DNS-01 provider configured: set webhook (with the solverName of a solver registered with the engine) or rfc2136',
    );
  }
  if (dns01.webhook !== undefined && dns01.rfc2136 !== undefined) {
    throw new ValidationError(`${path}.dns01.rfc2136`, 'a dns01 solver may have only one provider');
  }
  const rfc2136 = dns01.rfc2136;
  if (rfc2136 === undefined) return;
  const keyName = rfc2136.tsigKeyName ?? '';
  const secret = rfc2136.tsigSecretSecretRef;
  if (keyName !== '' && secret === undefined) {
    throw new ValidationError(
      `${path}.dns01.rfc2136.tsigSecretSecretRef`,
      'is required when tsigKeyName is set',
    );
  }
  if (keyName !== '' && (secret?.key ?? '') === '') {
    throw new ValidationError(
      `${path}.dns01.rfc2136.tsigSecretSecretRef.key`,
      'is required when tsigKeyName is set',
    );
  }
  if (secret !== undefined && keyName === '') {
    throw new ValidationError(
      `${path}.dns01.rfc2136.tsigKeyName`,
      'is required when tsigSecretSecretRef is set',
    );
  }
}

function checkIssuerSpec(spec: IssuerSpec): void {
  const types = (['acme', 'ca', 'selfSigned'] as const).filter((type) => spec[type] !== undefined);
  if (types.length === 0) {
    throw new ValidationError('spec', 'exactly one of acme, ca or selfSigned must be set');
  }
  if (types.length > 1) {
    throw new ValidationError(
      `spec.${types[1] ?? ''}`,
      `an issuer may have only one of acme, ca or selfSigned (${types.join(' and ')} are set)`,
    );
  }
  const acme = spec.acme;
  if (acme === undefined) return;
  if (acme.caBundle !== undefined && acme.skipTLSVerify === true) {
    throw new ValidationError(
      'spec.acme.skipTLSVerify',
      'caBundle and skipTLSVerify are mutually exclusive: set one of them',
    );
  }
  (acme.solvers ?? []).forEach((solver, i) =>
    checkSolver(solver, indexPath('spec.acme.solvers', i)),
  );
}

function checkClusterIssuer(issuer: ClusterIssuer): void {
  if (issuer.metadata.namespace !== undefined) {
    throw new ValidationError(
      'metadata.namespace',
      'a ClusterIssuer is cluster-scoped and must not have a namespace',
    );
  }
  checkIssuerSpec(issuer.spec);
}

const crossFieldChecks: {
  [K in ResourceKind]: (resource: Extract<Resource, { kind: K }>) => void;
} = {
  Issuer: (issuer: Issuer) => checkIssuerSpec(issuer.spec),
  ClusterIssuer: checkClusterIssuer,
  Certificate: checkCertificate,
  CertificateRequest: (request: CertificateRequest) =>
    checkIssuerRef(request.spec.issuerRef, 'spec.issuerRef'),
  Order: (order: Order) => checkIssuerRef(order.spec.issuerRef, 'spec.issuerRef'),
  Challenge: (challenge: Challenge) => {
    checkIssuerRef(challenge.spec.issuerRef, 'spec.issuerRef');
    checkSolver(challenge.spec.solver, 'spec.solver');
  },
  Secret: () => undefined,
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/**
 * Checks one resource and returns a normalised copy; the input is not changed.
 *
 * @remarks
 * `apiVersion` and `kind` must name one of certflow's kinds. Every field is then checked
 * against the allow-list of fields certflow supports: an unknown field, or a cert-manager field
 * certflow does not implement (`spec.vault`, `spec.acme.solvers[0].dns01.route53`,
 * `spec.keystores.jks`, `spec.literalSubject`, ...), throws UnsupportedFieldError naming its
 * path. Values are checked as cert-manager's webhook checks them, plus stricter name rules.
 *
 * Normalisation: DNS names (`dnsNames`, selector `dnsNames`/`dnsZones`, email domains) are
 * lower-cased, internationalised labels become A-labels (`xn--...`) and a trailing dot is
 * dropped; fields set to `null` are left out. Defaults are not filled in (see
 * `withCertificateDefaults`) and the namespace is not defaulted here (`parseManifests` does).
 *
 * Decisions where cert-manager leaves room: RSA sizes 2048 to 8192 and ECDSA sizes 256, 384 and
 * 521 are accepted (P-521 is supported by Node's WebCrypto); a size given with Ed25519 is
 * ignored, as in cert-manager; `renewBeforePercentage` must be an integer from 1 to 99;
 * `http01: {}` (with neither ingress nor gatewayHTTPRoute) is allowed, since the host serves
 * the token.
 *
 * @throws ParseError when `resource` is not an object.
 * @throws ValidationError naming the field (such as `spec.dnsNames[2]`) and the reason.
 * @throws UnsupportedFieldError naming a field certflow does not support.
 *
 * @example
 * ```ts
 * const certificate = validateResource(JSON.parse(text));
 * ```
 */
export function validateResource(resource: unknown): Resource {
  if (!isPlainObject(resource)) {
    throw new ParseError(`a resource must be an object, not ${describe(resource)}`);
  }
  const { apiVersion, kind } = resource;
  if (kind === undefined || kind === null) throw new ValidationError('kind', 'is required');
  if (typeof kind !== 'string')
    throw new ValidationError('kind', `must be a string, not ${describe(kind)}`);
  if (!isResourceKind(kind)) {
    throw new ValidationError(
      'kind',
      `${JSON.stringify(kind)} is not a kind certflow knows: one of ${Object.keys(resourceKinds).join(', ')}`,
    );
  }
  const expected = resourceKinds[kind].apiVersion;
  if (apiVersion === undefined || apiVersion === null) {
    throw new ValidationError('apiVersion', `is required (${expected} for ${kind})`);
  }
  if (apiVersion !== expected) {
    throw new ValidationError(
      'apiVersion',
      `${JSON.stringify(apiVersion)} is not supported for ${kind}: must be ${expected}`,
    );
  }
  const normalised = walk(resource, resourceSchemas[kind], '') as Resource;
  (crossFieldChecks[kind] as (resource: Resource) => void)(normalised);
  return normalised;
}
