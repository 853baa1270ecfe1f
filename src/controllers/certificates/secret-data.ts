import {
  encodePkcs12Keystore,
  encodePkcs12Truststore,
  exportPrivateKeyPem,
  parseCertificate,
  pemDecode,
  splitPemChain,
  type CertificateInfo,
  type PrivateKey,
} from '../../crypto/index.js';
import { withCertificateDefaults } from '../../domain/defaults.js';
import type { Certificate, OwnerReference, Secret } from '../../domain/types.js';
import { partOfCertManagerLabel, secretAnnotations, secretDataKeys } from './annotations.js';

/** What goes into a Certificate's Secret. */
export interface SecretContent {
  /** The private key; written in `spec.privateKey.encoding`. */
  key: PrivateKey;
  /** The certificate chain, leaf first (PEM). */
  chainPem: string;
  /** The CA (PEM), or `''` when the issuer gave none. */
  caPem: string;
}

/**
 * A key that need only be written out, as `exportPrivateKeyPem` writes it: enough to build the
 * Secret that {@link secretOutputsMismatch} compares with, without importing a Secret's key.
 */
export interface KeyExport {
  exportPem(encoding: 'PKCS1' | 'PKCS8'): Promise<string>;
}

/** How the Secret is tied to its Certificate and what its keystores are made with. */
export interface SecretOptions {
  /** Set when the engine owns Secrets through their Certificate (`enableCertificateOwnerRef`). */
  ownerReference?: OwnerReference;
  /** The PKCS#12 password, when `spec.keystores.pkcs12.create` is true. */
  pkcs12Password?: string;
}

// An annotation that cert-manager leaves to the user although it has cert-manager's prefix.
const userAnnotation = 'cert-manager.io/allow-direct-injection';

/** Go's `encoding/csv` writer for one record, as cert-manager joins annotation lists. */
export function csvJoin(values: readonly string[]): string {
  return values
    .map((value) =>
      value !== '' && (value === '\\.' || /[",\r\n]/.test(value) || /^\s/.test(value))
        ? `"${value.replace(/"/g, '""')}"`
        : value,
    )
    .join(',');
}

/**
 * cert-manager's `AnnotationsForCertificate`: the common name, subject, and SANs of the issued
 * certificate. The common name and the DNS, IP and URI SANs are always set (possibly empty); the
 * rest only when present.
 */
export function certificateDetailAnnotations(info: CertificateInfo): Record<string, string> {
  const annotations: Record<string, string> = {
    [secretAnnotations.commonName]: info.subject.commonName ?? '',
  };
  const optional = (key: string, values: readonly string[] | undefined): void => {
    if (values !== undefined && values.length > 0) annotations[key] = csvJoin(values);
  };
  if ((info.subject.serialNumber ?? '') !== '') {
    annotations[secretAnnotations.subjectSerialNumber] = info.subject.serialNumber!;
  }
  optional(secretAnnotations.subjectOrganizations, info.subject.organizations);
  optional(secretAnnotations.subjectOrganizationalUnits, info.subject.organizationalUnits);
  optional(secretAnnotations.subjectCountries, info.subject.countries);
  optional(secretAnnotations.subjectProvinces, info.subject.provinces);
  optional(secretAnnotations.subjectLocalities, info.subject.localities);
  optional(secretAnnotations.subjectPostalCodes, info.subject.postalCodes);
  optional(secretAnnotations.subjectStreetAddresses, info.subject.streetAddresses);
  optional(secretAnnotations.emailSans, info.emailAddresses);
  annotations[secretAnnotations.altNames] = csvJoin(info.dnsNames);
  annotations[secretAnnotations.ipSans] = csvJoin(info.ipAddresses);
  annotations[secretAnnotations.uriSans] = csvJoin(info.uris);
  return annotations;
}

function isManagedAnnotation(key: string): boolean {
  return key.startsWith('cert-manager.io/') && key !== userAnnotation;
}

function isOwnReference(certificate: Certificate, ref: OwnerReference): boolean {
  return ref.kind === 'Certificate' && ref.uid === certificate.metadata.uid;
}

/**
 * The Secret as certflow's issuing step writes it, keystores aside: `tls.crt`, `tls.key`,
 * `ca.crt` (removed when there is no CA), the additional output formats (removed when no longer
 * asked for), cert-manager's label and annotations, the `secretTemplate`, and the owner
 * reference when one is asked for. Everything else already on the Secret (other data keys,
 * labels and annotations) is kept; keystore entries are kept as they are.
 */
export async function managedSecret(
  certificate: Certificate,
  existing: Secret | undefined,
  content: Omit<SecretContent, 'key'> & { key: PrivateKey | KeyExport },
  options: SecretOptions,
): Promise<Secret> {
  const spec = withCertificateDefaults(certificate.spec);
  const leaf = parseCertificate(splitPemChain(content.chainPem)[0] ?? '');
  const encoding = spec.privateKey.encoding;
  const keyPem =
    'exportPem' in content.key
      ? await content.key.exportPem(encoding)
      : await exportPrivateKeyPem(content.key, encoding);
  const formats = new Set((spec.additionalOutputFormats ?? []).map((format) => format.type));

  const data: Record<string, string> = { ...existing?.data };
  delete data[secretDataKeys.combinedPem];
  delete data[secretDataKeys.keyDer];
  delete data['ca.crt'];
  data['tls.crt'] = content.chainPem;
  data['tls.key'] = keyPem;
  if (content.caPem !== '') data['ca.crt'] = content.caPem;
  if (formats.has('CombinedPEM')) {
    data[secretDataKeys.combinedPem] = `${keyPem}\n${content.chainPem}`;
  }
  if (formats.has('DER')) {
    data[secretDataKeys.keyDer] = Buffer.from(pemDecode(keyPem)).toString('base64');
  }

  const annotations = Object.fromEntries(
    Object.entries(existing?.metadata.annotations ?? {}).filter(
      ([key]) => !isManagedAnnotation(key),
    ),
  );
  Object.assign(annotations, spec.secretTemplate?.annotations, certificateDetailAnnotations(leaf), {
    [secretAnnotations.certificateName]: certificate.metadata.name,
    [secretAnnotations.issuerName]: spec.issuerRef.name,
    [secretAnnotations.issuerKind]: spec.issuerRef.kind,
    [secretAnnotations.issuerGroup]: spec.issuerRef.group,
  });
  const labels = {
    ...existing?.metadata.labels,
    ...spec.secretTemplate?.labels,
    [partOfCertManagerLabel]: 'true',
  };
  const ownerReferences = [
    ...(existing?.metadata.ownerReferences ?? []).filter(
      (ref) => !isOwnReference(certificate, ref),
    ),
    ...(options.ownerReference === undefined ? [] : [options.ownerReference]),
  ];
  const namespace = certificate.metadata.namespace;
  const { ownerReferences: _previous, ...metadata } = existing?.metadata ?? {
    name: spec.secretName,
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...metadata,
      name: spec.secretName,
      ...(namespace === undefined ? {} : { namespace }),
      labels,
      annotations,
      ...(ownerReferences.length === 0 ? {} : { ownerReferences }),
    },
    // An existing Secret keeps its type (Kubernetes does not allow changing it).
    type: existing?.type ?? 'kubernetes.io/tls',
    data,
  };
}

/** `secret` with the PKCS#12 entries the Certificate asks for, freshly encoded, or removed. */
export async function withKeystores(
  certificate: Certificate,
  secret: Secret,
  content: SecretContent,
  options: SecretOptions,
): Promise<Secret> {
  const data = { ...secret.data };
  delete data[secretDataKeys.pkcs12Keystore];
  delete data[secretDataKeys.pkcs12Truststore];
  const pkcs12 = certificate.spec.keystores?.pkcs12;
  if (pkcs12?.create === true && options.pkcs12Password !== undefined) {
    const profile = pkcs12.profile ?? 'LegacyRC2';
    const keystore = await encodePkcs12Keystore({
      key: content.key,
      chainPem: content.chainPem,
      caPem: content.caPem,
      password: options.pkcs12Password,
      profile,
    });
    data[secretDataKeys.pkcs12Keystore] = Buffer.from(keystore).toString('base64');
    if (content.caPem !== '') {
      const truststore = encodePkcs12Truststore({
        caPem: content.caPem,
        password: options.pkcs12Password,
        profile,
      });
      data[secretDataKeys.pkcs12Truststore] = Buffer.from(truststore).toString('base64');
    }
  }
  return { ...secret, data };
}

function sameRecord(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const x = Object.entries(a ?? {});
  return x.length === Object.keys(b ?? {}).length && x.every(([key, value]) => b?.[key] === value);
}

/**
 * Why a valid Secret must be written again although its certificate is up to date (cert-manager's
 * post-issuance policy chain), or undefined: cert-manager's label or annotations missing or
 * wrong, the `secretTemplate` not applied, additional output formats or PKCS#12 entries missing,
 * stale or left over, the owner reference not as asked, or (a certflow addition) `tls.key` not in
 * `spec.privateKey.encoding`.
 */
export async function secretOutputsMismatch(
  certificate: Certificate,
  secret: Secret,
  key: PrivateKey | KeyExport,
  options: Pick<SecretOptions, 'ownerReference'>,
): Promise<{ reason: string; message: string } | undefined> {
  const desired = await managedSecret(
    certificate,
    secret,
    { key, chainPem: secret.data?.['tls.crt'] ?? '', caPem: secret.data?.['ca.crt'] ?? '' },
    options,
  );
  const actual = secret.metadata;
  if (!sameRecord(desired.metadata.labels, actual.labels)) {
    const template = certificate.spec.secretTemplate?.labels ?? {};
    const templated = Object.entries(template).some(([k, v]) => actual.labels?.[k] !== v);
    return templated
      ? {
          reason: 'SecretTemplateMismatch',
          message: "Certificate's SecretTemplate Labels missing or incorrect value on Secret",
        }
      : { reason: 'SecretManagedMetadataMismatch', message: 'Secret is missing managed labels' };
  }
  if (!sameRecord(desired.metadata.annotations, actual.annotations)) {
    const template = certificate.spec.secretTemplate?.annotations ?? {};
    const templated = Object.entries(template).some(([k, v]) => actual.annotations?.[k] !== v);
    return templated
      ? {
          reason: 'SecretTemplateMismatch',
          message: "Certificate's SecretTemplate Annotations missing or incorrect value on Secret",
        }
      : {
          reason: 'SecretManagedMetadataMismatch',
          message: 'Secret has missing or incorrect managed annotations',
        };
  }
  const refs = (list: OwnerReference[] | undefined): string =>
    JSON.stringify((list ?? []).filter((ref) => isOwnReference(certificate, ref)));
  if (refs(desired.metadata.ownerReferences) !== refs(actual.ownerReferences)) {
    return {
      reason: 'SecretOwnerRefMismatch',
      message:
        options.ownerReference === undefined
          ? 'Secret has an owner reference to the Certificate that it should not have'
          : 'Secret is missing its owner reference to the Certificate',
    };
  }
  if (desired.data?.['tls.key'] !== secret.data?.['tls.key']) {
    return {
      reason: 'SecretPrivateKeyEncodingMismatch',
      message: `Secret's private key is not encoded as ${withCertificateDefaults(certificate.spec).privateKey.encoding}`,
    };
  }
  for (const dataKey of [secretDataKeys.combinedPem, secretDataKeys.keyDer]) {
    if (desired.data?.[dataKey] !== secret.data?.[dataKey]) {
      return {
        reason: 'AdditionalOutputFormatsMismatch',
        message: `Secret's ${dataKey} does not match the Certificate's additionalOutputFormats`,
      };
    }
  }
  const pkcs12 = certificate.spec.keystores?.pkcs12;
  const wantKeystore = pkcs12?.create === true;
  const wantTruststore = wantKeystore && (secret.data?.['ca.crt'] ?? '') !== '';
  const hasKeystore = (secret.data?.[secretDataKeys.pkcs12Keystore] ?? '') !== '';
  const hasTruststore = (secret.data?.[secretDataKeys.pkcs12Truststore] ?? '') !== '';
  if (wantKeystore !== hasKeystore || wantTruststore !== hasTruststore) {
    return {
      reason: 'SecretMismatch',
      message: wantKeystore
        ? 'PKCS12 Keystore key does not contain data'
        : 'PKCS12 Keystore not defined',
    };
  }
  return undefined;
}
