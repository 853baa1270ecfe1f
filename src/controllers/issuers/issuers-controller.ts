import { createHash } from 'node:crypto';
import { AcmeError, CertflowError } from '../../errors.js';
import { getCondition, setCondition } from '../../domain/conditions.js';
import { parseResourceKey } from '../../domain/keys.js';
import type { ClusterIssuer, Condition, Issuer, Secret } from '../../domain/types.js';
import {
  exportPrivateKeyPem,
  generatePrivateKey,
  importPrivateKeyPem,
  keyMatchesCertificate,
  parseCertificate,
  type CertificateInfo,
  type PrivateKey,
} from '../../crypto/index.js';
import {
  errorMessage,
  exponentialBackoff,
  issuerSecretNamespace,
  type Controller,
  type ControllerContext,
} from '../context.js';

type AnyIssuer = Issuer | ClusterIssuer;

/** The key in the account Secret that holds the ACME account key. */
export function accountKeyField(issuer: AnyIssuer): string {
  return issuer.spec.acme?.privateKeySecretRef.key ?? 'tls.key';
}

/** A hash identifying an account key without revealing it. */
export function accountKeyHash(pem: string): string {
  return createHash('sha256').update(pem).digest('hex').slice(0, 32);
}

/**
 * The issuers controller: registers ACME accounts (account key generated once and kept as a
 * Secret), and keeps each issuer's Ready condition.
 */
export function createIssuersController(
  ctx: ControllerContext,
  kind: 'Issuer' | 'ClusterIssuer',
): Controller {
  const failures = new Map<string, number>();
  /** When a failed registration may be tried again, and for which generation of the issuer. */
  const notBefore = new Map<string, number>();
  const notBeforeGeneration = new Map<string, number | undefined>();

  async function setReady(
    issuer: AnyIssuer,
    condition: Omit<Condition, 'type'>,
    acme?: NonNullable<AnyIssuer['status']>['acme'],
  ): Promise<void> {
    const now = new Date(ctx.clock.now());
    const next = structuredClone(issuer);
    next.status ??= {};
    next.status.conditions = setCondition(
      next.status.conditions,
      { type: 'Ready', ...condition },
      now,
      issuer.metadata.generation,
    );
    if (acme !== undefined) next.status.acme = acme;
    await ctx.resources.updateIfChanged(issuer, next);
  }

  async function accountKeyPem(issuer: AnyIssuer): Promise<string> {
    const acme = issuer.spec.acme!;
    const namespace = issuerSecretNamespace(ctx, issuer);
    const field = accountKeyField(issuer);
    const existing = await ctx.resources.get('Secret', namespace, acme.privateKeySecretRef.name);
    const pem = existing?.data?.[field];
    if (pem !== undefined && pem !== '') return pem;
    if (acme.disableAccountKeyGeneration === true) {
      throw new CertflowError(
        'ERR_NOT_FOUND',
        `account key Secret ${namespace}/${acme.privateKeySecretRef.name} has no ${field} and key generation is disabled`,
      );
    }
    // ECDSA P-256: as certmagic does; RSA account keys cost far more to make and to sign with.
    const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    const generated = await exportPrivateKeyPem(key, 'PKCS8');
    if (existing === undefined) {
      const secret: Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: acme.privateKeySecretRef.name, namespace },
        type: 'Opaque',
        data: { [field]: generated },
      };
      // Compare-and-set create: of two engines racing, one key wins and both use it.
      try {
        await ctx.resources.create(secret);
      } catch (err) {
        if (CertflowError.is(err, 'ERR_CONFLICT')) return accountKeyPem(issuer);
        throw err;
      }
    } else {
      await ctx.resources.update({ ...existing, data: { ...existing.data, [field]: generated } });
    }
    return generated;
  }

  async function reconcileAcme(issuer: AnyIssuer, key: string): Promise<number | undefined> {
    const acme = issuer.spec.acme!;
    const wait = (notBefore.get(key) ?? 0) - ctx.clock.now();
    if (wait > 0 && notBeforeGeneration.get(key) === issuer.metadata.generation) return wait;
    const pem = await accountKeyPem(issuer);
    const hash = accountKeyHash(pem);
    const status = issuer.status?.acme;
    const ready = getCondition(issuer.status?.conditions, 'Ready');
    if (
      status?.uri !== undefined &&
      status.lastPrivateKeyHash === hash &&
      (status.lastRegisteredEmail ?? '') === (acme.email ?? '') &&
      ready?.status === 'True' &&
      ready.observedGeneration === issuer.metadata.generation
    ) {
      failures.delete(key);
      return undefined;
    }
    try {
      // An account URL belongs to the key it was registered with: a new key registers afresh.
      const sameKey = status?.lastPrivateKeyHash === hash;
      const client = await ctx.acmeClient({
        ...issuer,
        status: { ...issuer.status, acme: sameKey ? { ...status } : {} },
      });
      const { accountUrl } = await client.registerAccount();
      failures.delete(key);
      notBefore.delete(key);
      await setReady(
        issuer,
        {
          status: 'True',
          reason: 'ACMEAccountRegistered',
          message: 'The ACME account was registered with the ACME server',
        },
        {
          uri: accountUrl,
          ...(acme.email === undefined ? {} : { lastRegisteredEmail: acme.email }),
          lastPrivateKeyHash: hash,
        },
      );
      return undefined;
    } catch (err) {
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      const transient = err instanceof AcmeError ? err.transient : !CertflowError.is(err);
      await setReady(issuer, {
        status: 'False',
        reason: 'ErrRegisterACMEAccount',
        message: `Failed to register ACME account: ${errorMessage(err)}`,
      });
      ctx.logger.warn('ACME account registration failed', {
        issuer: key,
        error: errorMessage(err),
      });
      ctx.emit('error', {
        error: err instanceof Error ? err : new Error(String(err)),
        controller: kind === 'Issuer' ? 'issuers' : 'clusterissuers',
        key,
      });
      const { retryBaseMs, retryMaxMs } = ctx.options;
      const backoff = exponentialBackoff(n, retryBaseMs, transient ? retryMaxMs : retryMaxMs * 10);
      // The server's Retry-After is a floor, as everywhere else.
      const delay = Math.max(backoff, err instanceof AcmeError ? (err.retryAfterMs ?? 0) : 0);
      // The status write above queues this issuer again at once; the next attempt must still wait.
      notBefore.set(key, ctx.clock.now() + delay);
      notBeforeGeneration.set(key, issuer.metadata.generation);
      return delay;
    }
  }

  async function reconcileCA(issuer: AnyIssuer): Promise<number | undefined> {
    const namespace = issuerSecretNamespace(ctx, issuer);
    const secretName = issuer.spec.ca!.secretName;
    const secret = await ctx.resources.get('Secret', namespace, secretName);
    const notReady = async (reason: string, detail: string): Promise<number> => {
      await setReady(issuer, {
        status: 'False',
        reason,
        message: `Error getting keypair for CA issuer: ${detail}`,
      });
      // The Secret may be written later (by a Certificate, for a CA chain): look again.
      return ctx.options.retryMaxMs;
    };
    if (secret === undefined) {
      return notReady('ErrGetKeyPair', `secret ${namespace}/${secretName} not found`);
    }
    let certificate: CertificateInfo;
    let key: PrivateKey;
    try {
      certificate = parseCertificate(secret.data?.['tls.crt'] ?? '');
      key = await importPrivateKeyPem(secret.data?.['tls.key'] ?? '');
    } catch (err) {
      return notReady(
        'ErrGetKeyPair',
        `secret ${namespace}/${secretName} does not hold a certificate and private key: ${errorMessage(err)}`,
      );
    }
    if (!certificate.isCA) return notReady('ErrInvalidKeyPair', 'certificate is not a CA');
    if (!(await keyMatchesCertificate(key, certificate.der))) {
      return notReady('ErrInvalidKeyPair', 'the private key does not match the certificate');
    }
    await setReady(issuer, {
      status: 'True',
      reason: 'KeyPairVerified',
      message: 'Signing CA verified',
    });
    return undefined;
  }

  return {
    name: kind === 'Issuer' ? 'issuers' : 'clusterissuers',
    kind,
    concurrency: 4,
    async reconcile(key) {
      const ref = parseResourceKey(key);
      const issuer = await ctx.resources.get(kind, ref.namespace, ref.name);
      if (issuer === undefined) return undefined;
      if (issuer.spec.acme !== undefined) return reconcileAcme(issuer, key);
      if (issuer.spec.ca !== undefined) return reconcileCA(issuer);
      await setReady(issuer, { status: 'True', reason: 'IsReady', message: '' });
      return undefined;
    },
  };
}
