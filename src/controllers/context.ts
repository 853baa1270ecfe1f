import type { AcmeClient, AcmePort } from '../acme/index.js';
import type { Clock } from '../clock.js';
import type {
  CertificateRequest,
  ClusterIssuer,
  Issuer,
  IssuerRef,
  Resource,
  ResourceKind,
} from '../domain/types.js';
import { resourceKey } from '../domain/keys.js';
import type { EngineEventName, EngineEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { ChallengePolicy } from '../machine/index.js';
import type { Solver } from '../solvers/index.js';
import type { Resources } from '../engine/resources.js';

/** The host's decision on a CertificateRequest. */
export type ApprovalDecision =
  { approved: true; reason?: string } | { approved: false; reason: string };

/**
 * Decides whether a CertificateRequest may be signed, as cert-manager's approver does.
 *
 * @remarks The default approves everything. A throwing approver is retried.
 */
export type Approver = (
  request: CertificateRequest,
) => ApprovalDecision | Promise<ApprovalDecision>;

/** Backoff between failed issuance attempts of one Certificate. */
export interface IssuanceBackoff {
  /** @defaultValue 3_600_000 (1 hour, as cert-manager) */
  initialMs: number;
  /** @defaultValue 115_200_000 (32 hours, as cert-manager) */
  maxMs: number;
}

/** Engine options after defaults. */
export interface ResolvedOptions {
  maxConcurrentChallenges: number;
  clusterResourceNamespace: string;
  challengePolicy: ChallengePolicy;
  issuanceBackoff: IssuanceBackoff;
  /** Retry delay for transient failures outside the challenge machine. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Whether Secrets get an owner reference to their Certificate (deleted with it). */
  enableCertificateOwnerRef: boolean;
}

/**
 * What a {@link Signer} did: issued (the chain, leaf first, and the CA), failed for good (the
 * request ends Failed), or could not sign yet (the request stays Pending and is tried again).
 */
export type SignerResult =
  { chainPem: string; caPem?: string } | { error: string } | { pending: string };

/** Signs a CertificateRequest with a non-ACME issuer (CA, SelfSigned). */
export type Signer = (
  request: CertificateRequest,
  issuer: Issuer | ClusterIssuer,
) => Promise<SignerResult>;

/** What every controller gets: the only way controllers meet is through `resources`. */
export interface ControllerContext {
  /** Aborted when the engine stops. */
  readonly signal: AbortSignal;
  /** Signers of the non-ACME issuer types, by type. */
  readonly signers: Partial<Record<'CA' | 'SelfSigned', Signer>>;
  readonly resources: Resources;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly solvers: Readonly<Record<string, Solver>>;
  readonly approver: Approver;
  readonly acmePort: AcmePort;
  readonly options: ResolvedOptions;
  emit<E extends EngineEventName>(name: E, payload: Parameters<EngineEvents[E]>[0]): void;
  /** Queues an object of `kind` for its controller, now or after `delayMs`. */
  enqueue(kind: ResourceKind, key: string, delayMs?: number): void;
  /** Asks for `dependentKey` (of `kind`) to be queued again when `issuerKey` changes. */
  waitForIssuer(issuerKey: string, kind: ResourceKind, dependentKey: string): void;
  /** An ACME client for a Ready ACME issuer (cached per issuer and account key). */
  acmeClient(issuer: Issuer | ClusterIssuer): Promise<AcmeClient>;
  /** Runs the challenge scheduler soon. */
  kickScheduler(): void;
  /** Asks for Certificate `certificateKey` to be queued again when Secret `secretKey` changes. */
  watchSecret(secretKey: string, certificateKey: string): void;
  /**
   * Reads an object that is read often and written rarely (issuers and their Secrets), from
   * memory when it has not changed since it was last read. What it returns is frozen and shared:
   * never a base for a compare-and-set write (read through `resources` for that).
   */
  readShared<T extends Resource>(key: string): Promise<T | undefined>;
  /** Deletes a resource and everything it owns (cleaning up presented challenges first). */
  deleteResource(resource: Resource): Promise<void>;
}

/** A level-triggered reconciler of one kind. */
export interface Controller {
  readonly name: string;
  readonly kind: ResourceKind;
  readonly concurrency: number;
  /** Reconciles one object; returns a delay after which it is due again. */
  reconcile(key: string): Promise<number | undefined>;
}

/** The issuer an object refers to, or undefined. */
export async function findIssuer(
  ctx: ControllerContext,
  namespace: string | undefined,
  ref: IssuerRef,
): Promise<Issuer | ClusterIssuer | undefined> {
  return ref.kind === 'ClusterIssuer'
    ? ctx.readShared<ClusterIssuer>(resourceKey('ClusterIssuer', undefined, ref.name))
    : ctx.readShared<Issuer>(resourceKey('Issuer', namespace ?? 'default', ref.name));
}

/** The namespace where an issuer's Secrets live. */
export function issuerSecretNamespace(
  ctx: Pick<ControllerContext, 'options'>,
  issuer: Issuer | ClusterIssuer,
): string {
  return issuer.kind === 'ClusterIssuer'
    ? ctx.options.clusterResourceNamespace
    : (issuer.metadata.namespace ?? 'default');
}

/** An RFC 3339 timestamp for `ms`. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** Exponential backoff: base × 2^(failures − 1), capped. */
export function exponentialBackoff(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** A message for an error that never includes key material (errors are built without it). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A stable short hash (FNV-1a, 32 bits, hex) for naming owned objects deterministically. */
export function shortHash(...parts: string[]): string {
  let h = 0x811c9dc5;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      h ^= part.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
