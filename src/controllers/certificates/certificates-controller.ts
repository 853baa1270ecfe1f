import { randomBytes } from 'node:crypto';
import {
  createCsr,
  exportPrivateKeyPem,
  generatePrivateKey,
  importPrivateKeyPem,
  keyMatchesCertificate,
  parseCertificate,
  splitPemChain,
  type PrivateKey,
} from '../../crypto/index.js';
import { getCondition, setCondition } from '../../domain/conditions.js';
import { withCertificateDefaults } from '../../domain/defaults.js';
import { parseResourceKey, resourceKey } from '../../domain/keys.js';
import { renewalTime } from '../../domain/renewal.js';
import type {
  Certificate,
  CertificateRequest,
  Condition,
  OwnerReference,
  Secret,
} from '../../domain/types.js';
import { CertflowError } from '../../errors.js';
import { freezeSnapshot } from '../../events.js';
import {
  exponentialBackoff,
  rfc3339,
  shortHash,
  type Controller,
  type ControllerContext,
} from '../context.js';
import { evaluateSecret, keyMatchesSpec, secretAnnotations } from './secret-evaluation.js';

/** Annotations certflow puts on the CertificateRequests it creates. */
export const requestAnnotations = {
  certificateName: 'cert-manager.io/certificate-name',
  revision: 'cert-manager.io/certificate-revision',
  privateKeySecretName: 'cert-manager.io/private-key-secret-name',
  /** Which failed attempt this request belongs to; a request from an earlier attempt is stale. */
  attempt: 'certflow.io/issuance-attempt',
  /** A hash of the spec fields the request was made from; another hash means the spec changed. */
  specHash: 'certflow.io/spec-hash',
} as const;

const nextKeyLabel = 'cert-manager.io/next-private-key';

function ownerRef(certificate: Certificate): OwnerReference {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    name: certificate.metadata.name,
    uid: certificate.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The hash of everything a CertificateRequest is made from. */
export function requestSpecHash(certificate: Certificate): string {
  const s = certificate.spec;
  return shortHash(
    JSON.stringify([
      s.commonName,
      s.dnsNames,
      s.ipAddresses,
      s.uris,
      s.emailAddresses,
      s.subject,
      s.duration,
      s.usages,
      s.isCA,
      s.issuerRef.name,
      s.issuerRef.kind ?? 'Issuer',
      withCertificateDefaults(s).privateKey,
    ]),
  );
}

function decodeBase64(value: string | undefined): string {
  return value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
}

/**
 * The certificates controller: cert-manager's trigger, key manager, request manager, issuing and
 * readiness controllers in one level-triggered reconcile.
 */
export function createCertificatesController(ctx: ControllerContext): Controller {
  const { resources } = ctx;

  function conditions(
    certificate: Certificate,
    ...updates: (
      Omit<Condition, 'lastTransitionTime' | 'observedGeneration'> | { remove: string }
    )[]
  ): Condition[] {
    let list = certificate.status?.conditions ?? [];
    const now = new Date(ctx.clock.now());
    for (const u of updates) {
      if ('remove' in u) list = list.filter((c) => c.type !== u.remove);
      else list = setCondition(list, u, now, certificate.metadata.generation);
    }
    return list;
  }

  async function writeStatus(
    certificate: Certificate,
    status: NonNullable<Certificate['status']>,
  ): Promise<Certificate> {
    return resources.updateIfChanged(certificate, { ...certificate, status });
  }

  function backoffRemaining(certificate: Certificate, now: number): number {
    const attempts = certificate.status?.failedIssuanceAttempts ?? 0;
    const last = certificate.status?.lastFailureTime;
    if (attempts === 0 || last === undefined) return 0;
    // A spec change since the failure retries at once, as cert-manager does.
    const issuing = getCondition(certificate.status?.conditions, 'Issuing');
    if (issuing?.observedGeneration !== certificate.metadata.generation) return 0;
    const { initialMs, maxMs } = ctx.options.issuanceBackoff;
    return Date.parse(last) + exponentialBackoff(attempts, initialMs, maxMs) - now;
  }

  async function nextPrivateKey(
    certificate: Certificate,
    secretKey: PrivateKey | undefined,
  ): Promise<{ certificate: Certificate; key: PrivateKey; secretName: string } | 'requeue'> {
    const namespace = certificate.metadata.namespace;
    let name = certificate.status?.nextPrivateKeySecretName;
    if (name === undefined) {
      // The name is persisted before the key Secret exists, so a crash never orphans a key.
      name = `${certificate.metadata.name}-${randomBytes(3).toString('hex')}`;
      certificate = await writeStatus(certificate, {
        ...certificate.status,
        nextPrivateKeySecretName: name,
      });
    }
    const existing = await resources.get('Secret', namespace, name);
    const pem = existing?.data?.['tls.key'];
    if (existing !== undefined && pem !== undefined) {
      const key = await importPrivateKeyPem(pem);
      if (keyMatchesSpec(key, certificate)) return { certificate, key, secretName: name };
      await resources.remove(existing);
      return 'requeue';
    }
    const spec = withCertificateDefaults(certificate.spec).privateKey;
    const reuse =
      spec.rotationPolicy === 'Never' &&
      secretKey !== undefined &&
      keyMatchesSpec(secretKey, certificate);
    const key = reuse
      ? secretKey
      : await generatePrivateKey({
          algorithm: spec.algorithm,
          ...(spec.algorithm === 'Ed25519' ? {} : { size: spec.size }),
        });
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        ...(namespace === undefined ? {} : { namespace }),
        labels: { [nextKeyLabel]: 'true' },
        ownerReferences: [ownerRef(certificate)],
      },
      type: 'Opaque',
      data: { 'tls.key': await exportPrivateKeyPem(key, 'PKCS8') },
    };
    try {
      await resources.create(secret);
    } catch (err) {
      if (CertflowError.is(err, 'ERR_CONFLICT')) return 'requeue';
      throw err;
    }
    return { certificate, key, secretName: name };
  }

  async function createRequest(
    certificate: Certificate,
    key: PrivateKey,
    keySecretName: string,
    name: string,
    revision: number,
  ): Promise<void> {
    const spec = withCertificateDefaults(certificate.spec);
    const csr = await createCsr(
      {
        subject: {
          ...(spec.commonName === undefined ? {} : { commonName: spec.commonName }),
          ...spec.subject,
        },
        dnsNames: spec.dnsNames ?? [],
        ipAddresses: spec.ipAddresses ?? [],
        uris: spec.uris ?? [],
        emailAddresses: spec.emailAddresses ?? [],
        usages: spec.usages,
        isCA: spec.isCA ?? false,
      },
      key,
    );
    const request: CertificateRequest = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'CertificateRequest',
      metadata: {
        name,
        ...(certificate.metadata.namespace === undefined
          ? {}
          : { namespace: certificate.metadata.namespace }),
        ...(certificate.metadata.labels === undefined
          ? {}
          : { labels: { ...certificate.metadata.labels } }),
        annotations: {
          [requestAnnotations.certificateName]: certificate.metadata.name,
          [requestAnnotations.revision]: String(revision),
          [requestAnnotations.privateKeySecretName]: keySecretName,
          [requestAnnotations.attempt]: String(certificate.status?.failedIssuanceAttempts ?? 0),
          [requestAnnotations.specHash]: requestSpecHash(certificate),
        },
        ownerReferences: [ownerRef(certificate)],
      },
      spec: {
        request: Buffer.from(csr.pem).toString('base64'),
        issuerRef: { ...spec.issuerRef },
        duration: spec.duration,
        usages: spec.usages,
        ...(spec.isCA === undefined ? {} : { isCA: spec.isCA }),
      },
    };
    try {
      await resources.create(request);
    } catch (err) {
      if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
    }
  }

  async function writeSecret(
    certificate: Certificate,
    key: PrivateKey,
    chainPem: string,
    caPem: string,
  ): Promise<void> {
    const spec = withCertificateDefaults(certificate.spec);
    const namespace = certificate.metadata.namespace;
    const leaf = parseCertificate(splitPemChain(chainPem)[0] ?? '');
    const existing = await resources.get('Secret', namespace, spec.secretName);
    const annotations: Record<string, string> = {
      ...existing?.metadata.annotations,
      ...spec.secretTemplate?.annotations,
      [secretAnnotations.certificateName]: certificate.metadata.name,
      [secretAnnotations.issuerName]: spec.issuerRef.name,
      [secretAnnotations.issuerKind]: spec.issuerRef.kind ?? 'Issuer',
      [secretAnnotations.issuerGroup]: spec.issuerRef.group ?? 'cert-manager.io',
      [secretAnnotations.commonName]: leaf.subject.commonName ?? '',
      [secretAnnotations.altNames]: leaf.dnsNames.join(','),
      [secretAnnotations.ipSans]: leaf.ipAddresses.join(','),
      [secretAnnotations.uriSans]: leaf.uris.join(','),
    };
    const data: Record<string, string> = {
      ...existing?.data,
      'tls.crt': chainPem,
      'tls.key': await exportPrivateKeyPem(key, spec.privateKey.encoding),
      'ca.crt': caPem,
    };
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        ...existing?.metadata,
        name: spec.secretName,
        ...(namespace === undefined ? {} : { namespace }),
        labels: { ...existing?.metadata.labels, ...spec.secretTemplate?.labels },
        annotations,
      },
      type: 'kubernetes.io/tls',
      data,
    };
    if (existing === undefined) await resources.create(secret);
    else await resources.update(secret);
  }

  async function pruneRequests(certificate: Certificate): Promise<void> {
    const limit = certificate.spec.revisionHistoryLimit;
    if (limit === undefined) return;
    const owned = (await resources.list('CertificateRequest', certificate.metadata.namespace))
      .filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === certificate.metadata.uid))
      .sort(
        (a, b) =>
          Number(a.metadata.annotations?.[requestAnnotations.revision] ?? 0) -
          Number(b.metadata.annotations?.[requestAnnotations.revision] ?? 0),
      );
    for (const old of owned.slice(0, Math.max(0, owned.length - limit))) {
      await ctx.deleteResource(old);
    }
  }

  async function reconcile(key: string): Promise<number | undefined> {
    const ref = parseResourceKey(key);
    let certificate = await resources.get('Certificate', ref.namespace, ref.name);
    if (certificate === undefined || certificate.metadata.deletionTimestamp !== undefined) {
      return undefined;
    }
    const namespace = certificate.metadata.namespace;
    ctx.watchSecret(resourceKey('Secret', namespace, certificate.spec.secretName), key);
    const now = ctx.clock.now();
    const secret = await resources.get('Secret', namespace, certificate.spec.secretName);
    const evaluation = await evaluateSecret(certificate, secret, now);
    const issuing = getCondition(certificate.status?.conditions, 'Issuing');

    if (!evaluation.needsIssuance) {
      // Ready: the Secret is valid and up to date.
      const { info } = evaluation;
      const stillIssuing = issuing?.status === 'True';
      await writeStatus(certificate, {
        ...certificate.status,
        conditions: conditions(
          certificate,
          {
            type: 'Ready',
            status: 'True',
            reason: 'Ready',
            message: 'Certificate is up to date and has not expired',
          },
          ...(stillIssuing ? [{ remove: 'Issuing' }] : []),
        ),
        notBefore: rfc3339(info.notBefore.getTime()),
        notAfter: rfc3339(info.notAfter.getTime()),
        renewalTime: rfc3339(evaluation.renewalTime.getTime()),
      });
      return Math.max(0, evaluation.renewalTime.getTime() - now);
    }

    if (issuing?.status !== 'True') {
      const wait = backoffRemaining(certificate, now);
      const readyFalse = {
        type: 'Ready',
        status: 'False' as const,
        reason: evaluation.reason,
        message: evaluation.message,
      };
      const keepReady = evaluation.info !== undefined && evaluation.reason === 'Renewing';
      if (wait > 0) {
        if (!keepReady) {
          const last = getCondition(certificate.status?.conditions, 'Ready');
          if (last?.status !== 'False') {
            await writeStatus(certificate, {
              ...certificate.status,
              conditions: conditions(certificate, readyFalse),
            });
          }
        }
        return wait;
      }
      certificate = await writeStatus(certificate, {
        ...certificate.status,
        conditions: conditions(
          certificate,
          {
            type: 'Issuing',
            status: 'True',
            reason: evaluation.reason,
            message: evaluation.message,
          },
          ...(keepReady ? [] : [readyFalse]),
        ),
      });
      ctx.emit('certificate:issuing', {
        certificate: freezeSnapshot(certificate),
        reason: evaluation.reason,
        message: evaluation.message,
      });
    }

    // Key manager.
    const next = await nextPrivateKey(certificate, evaluation.key);
    if (next === 'requeue') return 0;
    certificate = next.certificate;
    const privateKey = next.key;

    // Request manager: one CertificateRequest per revision.
    const revision = (certificate.status?.revision ?? 0) + 1;
    const requestName = `${certificate.metadata.name}-${revision}`;
    const request = await resources.get('CertificateRequest', namespace, requestName);
    const attempt = String(certificate.status?.failedIssuanceAttempts ?? 0);
    if (
      request !== undefined &&
      (request.metadata.annotations?.[requestAnnotations.privateKeySecretName] !==
        next.secretName ||
        request.metadata.annotations?.[requestAnnotations.specHash] !==
          requestSpecHash(certificate) ||
        request.metadata.annotations?.[requestAnnotations.attempt] !== attempt)
    ) {
      // Made for another spec, key or attempt: replace it.
      await ctx.deleteResource(request);
      return 0;
    }
    if (request === undefined) {
      await createRequest(certificate, privateKey, next.secretName, requestName, revision);
      return undefined;
    }

    const ready = getCondition(request.status?.conditions, 'Ready');
    const denied = getCondition(request.status?.conditions, 'Denied');
    if (ready?.status === 'True' && request.status?.certificate !== undefined) {
      // Issuing: write the Secret when the key matches.
      const chainPem = decodeBase64(request.status.certificate);
      const leafPem = splitPemChain(chainPem)[0];
      if (leafPem === undefined || !(await keyMatchesCertificate(privateKey, leafPem))) {
        return fail(
          certificate,
          'Failed',
          `The certificate issued for CertificateRequest ${requestName} does not match the private key`,
          next.secretName,
        );
      }
      await writeSecret(certificate, privateKey, chainPem, decodeBase64(request.status.ca));
      const info = parseCertificate(leafPem);
      const renewal = renewalTime({
        notBefore: info.notBefore,
        notAfter: info.notAfter,
        ...(certificate.spec.renewBefore === undefined
          ? {}
          : { renewBefore: certificate.spec.renewBefore }),
        ...(certificate.spec.renewBeforePercentage === undefined
          ? {}
          : { renewBeforePercentage: certificate.spec.renewBeforePercentage }),
      });
      const {
        nextPrivateKeySecretName: _k,
        lastFailureTime: _l,
        ...rest
      } = certificate.status ?? {};
      certificate = await writeStatus(certificate, {
        ...rest,
        revision,
        failedIssuanceAttempts: 0,
        notBefore: rfc3339(info.notBefore.getTime()),
        notAfter: rfc3339(info.notAfter.getTime()),
        renewalTime: rfc3339(renewal.getTime()),
        conditions: conditions(
          certificate,
          { remove: 'Issuing' },
          {
            type: 'Ready',
            status: 'True',
            reason: 'Ready',
            message: 'Certificate is up to date and has not expired',
          },
        ),
      });
      const keySecret = await resources.get('Secret', namespace, next.secretName);
      if (keySecret !== undefined) await resources.remove(keySecret);
      ctx.emit('certificate:issued', {
        certificate: freezeSnapshot(certificate),
        revision,
        notAfter: rfc3339(info.notAfter.getTime()),
      });
      await pruneRequests(certificate);
      return Math.max(0, renewal.getTime() - ctx.clock.now());
    }
    if (denied?.status === 'True') {
      return fail(
        certificate,
        'Denied',
        `The CertificateRequest ${requestName} was denied: ${denied.message ?? denied.reason ?? ''}`,
        next.secretName,
      );
    }
    if (ready?.status === 'False' && (ready.reason === 'Failed' || ready.reason === 'Denied')) {
      return fail(
        certificate,
        'Failed',
        `The certificate request has failed to complete and will be retried: ${ready.message ?? ''}`,
        next.secretName,
      );
    }
    return undefined;
  }

  async function fail(
    certificate: Certificate,
    reason: string,
    message: string,
    keySecretName: string,
  ): Promise<number> {
    const attempts = (certificate.status?.failedIssuanceAttempts ?? 0) + 1;
    const now = ctx.clock.now();
    const { nextPrivateKeySecretName: _k, ...rest } = certificate.status ?? {};
    certificate = await writeStatus(certificate, {
      ...rest,
      failedIssuanceAttempts: attempts,
      lastFailureTime: rfc3339(now),
      conditions: conditions(
        certificate,
        { type: 'Issuing', status: 'False', reason, message },
        { type: 'Ready', status: 'False', reason, message },
      ),
    });
    const keySecret = await resources.get('Secret', certificate.metadata.namespace, keySecretName);
    if (keySecret !== undefined) await resources.remove(keySecret);
    ctx.emit('certificate:failed', {
      certificate: freezeSnapshot(certificate),
      reason,
      message,
      failedIssuanceAttempts: attempts,
    });
    const { initialMs, maxMs } = ctx.options.issuanceBackoff;
    return exponentialBackoff(attempts, initialMs, maxMs);
  }

  return { name: 'certificates', kind: 'Certificate', concurrency: 8, reconcile };
}
