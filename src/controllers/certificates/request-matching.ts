import { keyMatchesSpki } from '../../crypto/certificate.js';
import { readCsr } from '../../crypto/csr.js';
import { canonicalIpAddress, type CsrInfo, type PrivateKey } from '../../crypto/index.js';
import { keyFactsMatchSpki, type KeyFacts } from '../../crypto/key-facts.js';
import { certificateDefaults, withCertificateDefaults } from '../../domain/defaults.js';
import { parseGoDurationNanos } from '../../domain/duration.js';
import type { Certificate, CertificateRequest } from '../../domain/types.js';

/** A CertificateRequest compared with the Certificate spec it should have been made from. */
export interface RequestComparison {
  /** The request's CSR (its signature is not checked: the request is certflow's own). */
  csr: Omit<CsrInfo, 'signatureValid'>;
  /** The spec fields the request does not match (`spec.dnsNames`, `spec.duration`, ...). */
  mismatches: string[];
}

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = new Set(a ?? []);
  const y = new Set(b ?? []);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function canonicalIps(ips: readonly string[] | undefined): string[] {
  return (ips ?? []).map((ip) => canonicalIpAddress(ip) ?? ip);
}

// cert-manager's own alias: `signing` is `digital signature`.
function canonicalUsages(usages: readonly string[]): string[] {
  return usages.map((usage) => (usage === 'signing' ? 'digital signature' : usage));
}

function durationNanos(duration: string | undefined): bigint | undefined {
  try {
    return parseGoDurationNanos(duration ?? certificateDefaults.duration);
  } catch {
    return undefined;
  }
}

/**
 * Compares a CertificateRequest with a Certificate's spec, as cert-manager's `RequestMatchesSpec`
 * does: the CSR's SANs and subject, and the request's `isCA`, `usages`, `duration` and
 * `issuerRef` (with defaults applied to both sides). Lists are compared as sets.
 *
 * @remarks
 * The private key is not compared: whether the key still fits the spec is a question about the
 * Secret's key, asked separately. Returns undefined when the request's CSR cannot be read.
 */
export function compareRequestWithSpec(
  request: CertificateRequest,
  certificate: Certificate,
): RequestComparison | undefined {
  let csr: Omit<CsrInfo, 'signatureValid'>;
  try {
    csr = readCsr(Buffer.from(request.spec.request, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const spec = withCertificateDefaults(certificate.spec);
  const subject = spec.subject ?? {};
  const mismatches: string[] = [];
  const check = (field: string, matches: boolean): void => {
    if (!matches) mismatches.push(field);
  };
  check('spec.commonName', (csr.subject.commonName ?? '') === (spec.commonName ?? ''));
  check('spec.dnsNames', sameSet(csr.dnsNames, spec.dnsNames));
  check('spec.ipAddresses', sameSet(canonicalIps(csr.ipAddresses), canonicalIps(spec.ipAddresses)));
  check('spec.uris', sameSet(csr.uris, spec.uris));
  check('spec.emailAddresses', sameSet(csr.emailAddresses, spec.emailAddresses));
  check(
    'spec.subject.serialNumber',
    (csr.subject.serialNumber ?? '') === (subject.serialNumber ?? ''),
  );
  for (const field of [
    'organizations',
    'countries',
    'organizationalUnits',
    'localities',
    'provinces',
    'streetAddresses',
    'postalCodes',
  ] as const) {
    check(`spec.subject.${field}`, sameSet(csr.subject[field], subject[field]));
  }
  check('spec.isCA', (request.spec.isCA ?? false) === (spec.isCA ?? false));
  const requested = request.spec.usages ?? [];
  check(
    'spec.usages',
    sameSet(
      canonicalUsages(requested.length > 0 ? requested : certificateDefaults.usages),
      canonicalUsages(spec.usages),
    ),
  );
  check('spec.duration', durationNanos(request.spec.duration) === durationNanos(spec.duration));
  const ref = request.spec.issuerRef;
  check(
    'spec.issuerRef',
    ref.name === spec.issuerRef.name &&
      (ref.kind || 'Issuer') === spec.issuerRef.kind &&
      (ref.group || 'cert-manager.io') === spec.issuerRef.group,
  );
  return { csr, mismatches };
}

/**
 * Whether the CSR was made for `key` (carries its public key): an imported key, or the
 * {@link KeyFacts} of one read without importing it.
 */
export function csrIsForKey(
  csr: Pick<CsrInfo, 'publicKeySpki'>,
  key: PrivateKey | KeyFacts,
): boolean {
  return 'privateKey' in key
    ? keyMatchesSpki(key, csr.publicKeySpki)
    : keyFactsMatchSpki(key, csr.publicKeySpki);
}
