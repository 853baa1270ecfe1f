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
import type {
  Certificate,
  CertificateRequest,
  Condition,
  OwnerReference,
  Secret,
} from '../../domain/types.js';
import { CertflowError, NotFoundError } from '../../errors.js';
import { freezeSnapshot } from '../../events.js';
import {
  exponentialBackoff,
  rfc3339,
  type Controller,
  type ControllerContext,
} from '../context.js';
import { nextPrivateKeyLabel, requestAnnotations } from './annotations.js';
import { compareRequestWithSpec, csrIsForKey } from './request-matching.js';
import {
  managedSecret,
  secretOutputsMismatch,
  withKeystores,
  type SecretContent,
  type SecretOptions,
} from './secret-data.js';
import {
  evaluateSecret,
  KeyPairCache,
  keyMatchesSpec,
  renewalTimeFor,
  type TlsKey,
} from './secret-evaluation.js';

/** Owner reference from an owned object (request, key Secret, Secret) to its Certificate. */
export function certificateOwnerReference(certificate: Certificate): OwnerReference {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    name: certificate.metadata.name,
    uid: certificate.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The Secrets whose changes concern a Certificate: its own, and its PKCS#12 password's. */
export function watchedSecrets(certificate: Certificate): string[] {
  const namespace = certificate.metadata.namespace;
  const keys = [resourceKey('Secret', namespace, certificate.spec.secretName)];
  const passwordRef = certificate.spec.keystores?.pkcs12?.passwordSecretRef;
  if (passwordRef !== undefined) keys.push(resourceKey('Secret', namespace, passwordRef.name));
  return keys;
}

/**
 * How long until a Certificate is due, from its stored status alone, when that status can be
 * trusted without looking at the Secret: Ready for the current generation, not issuing, with
 * no key waiting for a request, and a renewal time. Otherwise undefined: it needs a reconcile.
 *
 * @remarks
 * The certificates controller writes `Ready=True` with the renewal time only after checking the
 * Secret, and records the generation it checked; any later spec change bumps the generation.
 */
export function renewalDelayFromStatus(certificate: Certificate, now: number): number | undefined {
  const status = certificate.status;
  if (status === undefined || certificate.metadata.deletionTimestamp !== undefined)
    return undefined;
  if (status.nextPrivateKeySecretName !== undefined || status.renewalTime === undefined) {
    return undefined;
  }
  const ready = getCondition(status.conditions, 'Ready');
  if (ready?.status !== 'True' || ready.observedGeneration !== certificate.metadata.generation) {
    return undefined;
  }
  if (getCondition(status.conditions, 'Issuing') !== undefined) return undefined;
  const renewal = Date.parse(status.renewalTime);
  if (Number.isNaN(renewal)) return undefined;
  return Math.max(0, renewal - now);
}

const keyIds = new WeakMap<PrivateKey, number>();
let lastKeyId = 0;
/** A number for each key object, so that a cache can tell one key from another without its bytes. */
function keyIdentity(key: PrivateKey): number {
  let id = keyIds.get(key);
  if (id === undefined) keyIds.set(key, (id = ++lastKeyId));
  return id;
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
  const keyPairs = new KeyPairCache();
  /**
   * Next private keys by their Secret's key, with the PEM they were read from or written as: an
   * issuance reconciles its Certificate several times, and each would import the same key again.
   */
  const nextKeys = new Map<string, { pem: string; key: Promise<PrivateKey> }>();
  /**
   * An entry goes when its issuance ends (or its Certificate is deleted); the limit only bounds
   * what is left otherwise. It is far above the issuances an engine runs at once: a limit of 1,000
   * dropped the keys of 10,000 Certificates issuing together before their next reconcile.
   */
  const nextKeyLimit = 100_000;
  /**
   * Checks that came out clean, by Certificate: the versions of what was compared. A reconcile
   * that finds the same versions again skips the check (parsing a CSR or building the desired
   * Secret costs milliseconds; an issuance reconciles its Certificate several times).
   */
  const cleanChecks = new Map<string, string>();
  const cleanCheckLimit = 10_000;
  function checkedClean(id: string, versions: string): boolean {
    return cleanChecks.get(id) === versions;
  }
  function rememberClean(id: string, versions: string): void {
    cleanChecks.delete(id);
    cleanChecks.set(id, versions);
    if (cleanChecks.size > cleanCheckLimit) {
      const oldest = cleanChecks.keys().next().value;
      if (oldest !== undefined) cleanChecks.delete(oldest);
    }
  }
  function rememberNextKey(secretKey: string, pem: string, key: Promise<PrivateKey>): void {
    nextKeys.delete(secretKey);
    nextKeys.set(secretKey, { pem, key });
    if (nextKeys.size > nextKeyLimit) {
      const oldest = nextKeys.keys().next().value;
      if (oldest !== undefined) nextKeys.delete(oldest);
    }
  }

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

  /**
   * How long until the next issuance attempt may start: the failure backoff, or Infinity after a
   * denial. A spec change since the failure (another generation) retries at once.
   */
  function backoffRemaining(certificate: Certificate, now: number): number {
    const issuing = getCondition(certificate.status?.conditions, 'Issuing');
    if (
      issuing?.status !== 'False' ||
      issuing.observedGeneration !== certificate.metadata.generation
    ) {
      return 0;
    }
    // A denied request is not retried until the spec changes: the approver would say no again.
    if (issuing.reason === 'Denied') return Infinity;
    const attempts = certificate.status?.failedIssuanceAttempts ?? 0;
    const last = certificate.status?.lastFailureTime;
    if (attempts === 0 || last === undefined) return 0;
    const { initialMs, maxMs } = ctx.options.issuanceBackoff;
    return Date.parse(last) + exponentialBackoff(attempts, initialMs, maxMs) - now;
  }

  /** The CertificateRequest that issued the current revision, if it is still there. */
  async function currentRequest(certificate: Certificate): Promise<CertificateRequest | undefined> {
    const revision = certificate.status?.revision;
    if (revision === undefined) return undefined;
    const request = await resources.get(
      'CertificateRequest',
      certificate.metadata.namespace,
      `${certificate.metadata.name}-${revision}`,
    );
    return request?.metadata.ownerReferences?.some((o) => o.uid === certificate.metadata.uid)
      ? request
      : undefined;
  }

  /** The Secret's owner reference to its Certificate, when the engine asks for one. */
  function ownership(certificate: Certificate): Pick<SecretOptions, 'ownerReference'> {
    return ctx.options.enableCertificateOwnerRef
      ? { ownerReference: certificateOwnerReference(certificate) }
      : {};
  }

  /** How the Secret is owned, and the PKCS#12 password (throws NotFoundError while missing). */
  async function secretOptions(certificate: Certificate): Promise<SecretOptions> {
    const options = ownership(certificate);
    const pkcs12 = certificate.spec.keystores?.pkcs12;
    if (pkcs12?.create !== true) return options;
    const ref = pkcs12.passwordSecretRef;
    const namespace = certificate.metadata.namespace;
    const secret = await resources.get('Secret', namespace, ref.name);
    const password = secret?.data?.[ref.key ?? ''] ?? '';
    if (password === '') {
      throw new NotFoundError(
        secret === undefined
          ? `PKCS12 keystore password Secret ${namespace ?? 'default'}/${ref.name} not found`
          : `PKCS12 keystore password Secret ${namespace ?? 'default'}/${ref.name} contains no data for key "${ref.key ?? ''}"`,
      );
    }
    return { ...options, pkcs12Password: password };
  }

  async function writeSecret(
    certificate: Certificate,
    existing: Secret | undefined,
    content: SecretContent,
  ): Promise<void> {
    const options = await secretOptions(certificate);
    const secret = await withKeystores(
      certificate,
      await managedSecret(certificate, existing, content, options),
      content,
      options,
    );
    if (existing === undefined) await resources.create(secret);
    else await resources.update(secret);
    const pem = secret.data?.['tls.key'];
    if (pem !== undefined) keyPairs.rememberWrittenKey(pem, content.key);
  }

  /** A fresh name for the Secret that holds the next private key until it is issued for. */
  function newKeySecretName(certificate: Certificate): string {
    return `${certificate.metadata.name}-${randomBytes(3).toString('hex')}`;
  }

  async function nextPrivateKey(
    certificate: Certificate,
    secretKey: TlsKey | undefined,
  ): Promise<{ certificate: Certificate; key: PrivateKey; secretName: string } | 'requeue'> {
    const namespace = certificate.metadata.namespace;
    let name = certificate.status?.nextPrivateKeySecretName;
    if (name === undefined) {
      // The name is persisted before the key Secret exists, so a crash never orphans a key.
      name = newKeySecretName(certificate);
      certificate = await writeStatus(certificate, {
        ...certificate.status,
        nextPrivateKeySecretName: name,
      });
    }
    const keySecretKey = resourceKey('Secret', namespace, name);
    const existing = await resources.get('Secret', namespace, name);
    const pem = existing?.data?.['tls.key'];
    if (existing !== undefined && pem !== undefined) {
      let known = nextKeys.get(keySecretKey);
      if (known?.pem !== pem) {
        known = { pem, key: importPrivateKeyPem(pem) };
        rememberNextKey(keySecretKey, pem, known.key);
      }
      let key: PrivateKey;
      try {
        key = await known.key;
      } catch (err) {
        nextKeys.delete(keySecretKey);
        throw err;
      }
      if (keyMatchesSpec(key, certificate)) return { certificate, key, secretName: name };
      nextKeys.delete(keySecretKey);
      await resources.remove(existing);
      return 'requeue';
    }
    const spec = withCertificateDefaults(certificate.spec).privateKey;
    // rotationPolicy Never keeps the Secret's key while it still fits the spec.
    const reuse =
      spec.rotationPolicy === 'Never' &&
      secretKey !== undefined &&
      keyMatchesSpec(secretKey.facts, certificate);
    const key = reuse
      ? await secretKey.load()
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
        labels: { [nextPrivateKeyLabel]: 'true' },
        ownerReferences: [certificateOwnerReference(certificate)],
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
    rememberNextKey(keySecretKey, secret.data!['tls.key']!, Promise.resolve(key));
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
        },
        ownerReferences: [certificateOwnerReference(certificate)],
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

  /** Whether an in-flight request was made for another spec, key or attempt. */
  async function isStale(
    request: CertificateRequest,
    certificate: Certificate,
    key: PrivateKey,
    keySecretName: string,
  ): Promise<boolean> {
    const annotations = request.metadata.annotations ?? {};
    if (
      annotations[requestAnnotations.privateKeySecretName] !== keySecretName ||
      annotations[requestAnnotations.attempt] !==
        String(certificate.status?.failedIssuanceAttempts ?? 0)
    ) {
      return true;
    }
    const versions = [
      request.metadata.uid,
      request.metadata.resourceVersion,
      certificate.metadata.uid,
      certificate.metadata.generation,
      keySecretName,
      keyIdentity(key),
    ].join('|');
    const id = `request:${request.metadata.namespace ?? ''}/${request.metadata.name}`;
    if (checkedClean(id, versions)) return false;
    const comparison = await compareRequestWithSpec(request, certificate);
    const stale =
      comparison === undefined ||
      comparison.mismatches.length > 0 ||
      !(await csrIsForKey(comparison.csr, key));
    if (!stale) rememberClean(id, versions);
    return stale;
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

  /**
   * Deletes what a deleted Certificate still owns: a request or key Secret that a reconcile
   * already under way made while the Certificate was being deleted.
   */
  async function collectOrphans(namespace: string | undefined, name: string): Promise<void> {
    const ownedByName = (r: CertificateRequest | Secret): boolean =>
      r.metadata.ownerReferences?.some((o) => o.kind === 'Certificate' && o.name === name) === true;
    const orphans = [
      ...(await resources.list('CertificateRequest', namespace)).filter(ownedByName),
      ...(await resources.list('Secret', namespace)).filter(
        (s) => s.metadata.labels?.[nextPrivateKeyLabel] === 'true' && ownedByName(s),
      ),
    ];
    for (const orphan of orphans) {
      await ctx.deleteResource(orphan);
      if (orphan.kind === 'Secret') {
        nextKeys.delete(resourceKey('Secret', orphan.metadata.namespace, orphan.metadata.name));
      }
    }
  }

  async function reconcile(key: string): Promise<number | undefined> {
    const ref = parseResourceKey(key);
    let certificate = await resources.get('Certificate', ref.namespace, ref.name);
    if (certificate === undefined) {
      await collectOrphans(ref.namespace, ref.name);
      return undefined;
    }
    if (certificate.metadata.deletionTimestamp !== undefined) return undefined;
    const namespace = certificate.metadata.namespace;
    for (const secretKey of watchedSecrets(certificate)) ctx.watchSecret(secretKey, key);
    const now = ctx.clock.now();
    const secret = await resources.get('Secret', namespace, certificate.spec.secretName);
    const evaluation = await evaluateSecret(
      certificate,
      secret,
      now,
      await currentRequest(certificate),
      keyPairs,
    );
    const issuing = getCondition(certificate.status?.conditions, 'Issuing');

    if (!evaluation.needsIssuance) {
      keyPairs.hold(secret, false);
      const unrecorded = await issuedButNotRecorded(certificate, secret);
      if (unrecorded !== undefined) {
        const revision = (certificate.status?.revision ?? 0) + 1;
        return completeIssuance(
          certificate,
          revision,
          unrecorded,
          certificate.status!.nextPrivateKeySecretName!,
        );
      }
      // The certificate is up to date; its Secret may still need its outputs written again.
      const outputsId = `outputs:${key}`;
      const outputsVersions = [
        secret!.metadata.resourceVersion,
        certificate.metadata.uid,
        certificate.metadata.generation,
      ].join('|');
      const mismatch = checkedClean(outputsId, outputsVersions)
        ? undefined
        : await secretOutputsMismatch(
            certificate,
            secret!,
            evaluation.tlsKey,
            ownership(certificate),
          );
      if (mismatch === undefined) rememberClean(outputsId, outputsVersions);
      else {
        ctx.logger.info('writing the Secret again', {
          certificate: key,
          reason: mismatch.reason,
          message: mismatch.message,
        });
        await writeSecret(certificate, secret, {
          key: await evaluation.tlsKey.load(),
          chainPem: secret!.data?.['tls.crt'] ?? '',
          caPem: secret!.data?.['ca.crt'] ?? '',
        });
      }
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
      // Woken from the requeue heap at the renewal time, never by a periodic scan.
      return Math.max(0, evaluation.renewalTime.getTime() - ctx.clock.now());
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
        keyPairs.hold(secret, false);
        if (
          !keepReady &&
          getCondition(certificate.status?.conditions, 'Ready')?.status !== 'False'
        ) {
          await writeStatus(certificate, {
            ...certificate.status,
            conditions: conditions(certificate, readyFalse),
          });
        }
        return Number.isFinite(wait) ? wait : undefined;
      }
      certificate = await writeStatus(certificate, {
        ...certificate.status,
        // Named in the same write as Issuing, which saves the key manager a write of its own.
        nextPrivateKeySecretName:
          certificate.status?.nextPrivateKeySecretName ?? newKeySecretName(certificate),
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

    // Every step of the issuance evaluates the Secret again: its parse is kept until the end.
    keyPairs.hold(secret, true);

    // Key manager.
    const next = await nextPrivateKey(certificate, evaluation.tlsKey);
    if (next === 'requeue') return 0;
    certificate = next.certificate;
    const privateKey = next.key;

    // Request manager: one CertificateRequest per revision.
    const revision = (certificate.status?.revision ?? 0) + 1;
    const requestName = `${certificate.metadata.name}-${revision}`;
    const request = await resources.get('CertificateRequest', namespace, requestName);
    if (
      request !== undefined &&
      (await isStale(request, certificate, privateKey, next.secretName))
    ) {
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
      await writeSecret(certificate, secret, {
        key: privateKey,
        chainPem,
        caPem: decodeBase64(request.status.ca),
      });
      return completeIssuance(certificate, revision, leafPem, next.secretName);
    }
    if (denied?.status === 'True') {
      return fail(
        certificate,
        'Denied',
        `The CertificateRequest ${requestName} was denied: ${denied.message ?? denied.reason ?? ''}`,
        next.secretName,
      );
    }
    if (ready?.status === 'False' && ready.reason === 'Failed') {
      return fail(
        certificate,
        'Failed',
        `The certificate request has failed to complete and will be retried: ${ready.message ?? ''}`,
        next.secretName,
      );
    }
    return undefined;
  }

  /**
   * Finishes an issuance whose certificate is in the Secret: the key Secret goes first (a crash
   * then leaves no private key behind), then the status records the revision.
   */
  async function completeIssuance(
    certificate: Certificate,
    revision: number,
    leafPem: string,
    keySecretName: string,
  ): Promise<number> {
    const info = parseCertificate(leafPem);
    const renewal = renewalTimeFor(certificate, info);
    const keySecret = await resources.get('Secret', certificate.metadata.namespace, keySecretName);
    if (keySecret !== undefined) await resources.remove(keySecret);
    nextKeys.delete(resourceKey('Secret', certificate.metadata.namespace, keySecretName));
    const { nextPrivateKeySecretName: _k, lastFailureTime: _l, ...rest } = certificate.status ?? {};
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
    ctx.emit('certificate:issued', {
      certificate: freezeSnapshot(certificate),
      revision,
      notAfter: rfc3339(info.notAfter.getTime()),
    });
    await pruneRequests(certificate);
    return Math.max(0, renewal.getTime() - ctx.clock.now());
  }

  /**
   * Whether the Secret already holds what the in-flight request issued: the process stopped
   * between writing the Secret and recording the revision. Returns the leaf to finish with.
   */
  async function issuedButNotRecorded(
    certificate: Certificate,
    secret: Secret | undefined,
  ): Promise<string | undefined> {
    const keySecretName = certificate.status?.nextPrivateKeySecretName;
    if (keySecretName === undefined || secret === undefined) return undefined;
    if (getCondition(certificate.status?.conditions, 'Issuing')?.status !== 'True')
      return undefined;
    const revision = (certificate.status?.revision ?? 0) + 1;
    const request = await resources.get(
      'CertificateRequest',
      certificate.metadata.namespace,
      `${certificate.metadata.name}-${revision}`,
    );
    if (getCondition(request?.status?.conditions, 'Ready')?.status !== 'True') return undefined;
    const issuedLeaf = splitPemChain(decodeBase64(request?.status?.certificate))[0];
    const secretLeaf = splitPemChain(secret.data?.['tls.crt'] ?? '')[0];
    return issuedLeaf !== undefined && issuedLeaf === secretLeaf ? issuedLeaf : undefined;
  }

  async function fail(
    certificate: Certificate,
    reason: string,
    message: string,
    keySecretName: string,
  ): Promise<number | undefined> {
    const attempts = (certificate.status?.failedIssuanceAttempts ?? 0) + 1;
    const now = ctx.clock.now();
    // The key Secret goes first: a crash after it costs a fresh key, never an orphaned one.
    const keySecret = await resources.get('Secret', certificate.metadata.namespace, keySecretName);
    if (keySecret !== undefined) await resources.remove(keySecret);
    nextKeys.delete(resourceKey('Secret', certificate.metadata.namespace, keySecretName));
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
    ctx.emit('certificate:failed', {
      certificate: freezeSnapshot(certificate),
      reason,
      message,
      failedIssuanceAttempts: attempts,
    });
    const wait = backoffRemaining(certificate, now);
    return Number.isFinite(wait) ? wait : undefined;
  }

  return { name: 'certificates', kind: 'Certificate', concurrency: 8, reconcile };
}
