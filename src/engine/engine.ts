import { EventEmitter } from 'eventemitter3';
import { createAcmeClientPort, type AcmeClient, type AcmePort } from '../acme/index.js';
import { systemClock, type Clock, type Timer } from '../clock.js';
import {
  errorMessage,
  exponentialBackoff,
  issuerSecretNamespace,
  shortHash,
  type Approver,
  type Controller,
  type ControllerContext,
  type IssuanceBackoff,
  type ResolvedOptions,
  type Signer,
} from '../controllers/context.js';
import { createCertificateRequestsController } from '../controllers/certificaterequests/certificaterequests-controller.js';
import {
  createCertificatesController,
  renewalDelayFromStatus,
  watchedSecrets,
} from '../controllers/certificates/certificates-controller.js';
import { createChallengesController } from '../controllers/challenges/challenges-controller.js';
import {
  accountKeyField,
  createIssuersController,
} from '../controllers/issuers/issuers-controller.js';
import { createOrdersController } from '../controllers/orders/orders-controller.js';
import { createCaSigner } from '../controllers/signers/ca-signer.js';
import { createSelfSignedSigner } from '../controllers/signers/self-signed-signer.js';
import { getCondition } from '../domain/conditions.js';
import { isNamespaced, parseResourceKey, resourceKey } from '../domain/keys.js';
import { parseManifests } from '../domain/parse.js';
import type {
  Certificate,
  Challenge,
  ChallengePhase,
  ClusterIssuer,
  Condition,
  Issuer,
  Resource,
  ResourceKind,
  ResourceOf,
  Secret,
} from '../domain/types.js';
import { CertflowError, EngineError, TimeoutError, ValidationError } from '../errors.js';
import { freezeSnapshot, type EngineEventName, type EngineEvents } from '../events.js';
import { silentLogger, type Logger } from '../logger.js';
import {
  defaultChallengePolicy,
  isChallengeInFlight,
  pickChallengesToSchedule,
  transitionChallenge,
  type ChallengePolicy,
} from '../machine/index.js';
import type { Solver } from '../solvers/index.js';
import { createFileStore } from '../stores/file.js';
import type { Store, StoreChange } from '../stores/types.js';
import { deleteWithDependents } from './garbage-collector.js';
import { KeyMultimap } from './key-multimap.js';
import { ownerShouldSee } from './owner-notice.js';
import { QueuedChallenges } from './queued-challenges.js';
import { keyOf, Resources } from './resources.js';
import { WorkQueue } from './work-queue.js';

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /**
   * Where every resource is kept.
   * @defaultValue a file store in `./.certflow`
   */
  store?: Store;
  /**
   * Solvers by name: `http01` serves issuers' `http01` entries, a `dns01.webhook.solverName`
   * names any other, and `rfc2136` serves `dns01.rfc2136` entries.
   */
  solvers?: Record<string, Solver>;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** @defaultValue a logger that drops everything */
  logger?: Logger;
  /**
   * How many challenges may be in flight at once: scheduled, and not yet both terminal and cleaned up.
   * @defaultValue 60
   */
  maxConcurrentChallenges?: number;
  /** Decides on CertificateRequests. @defaultValue approve everything */
  approver?: Approver;
  /** Timing of the challenge state machine. */
  challengePolicy?: Partial<ChallengePolicy>;
  /** Backoff between failed issuance attempts. */
  issuanceBackoff?: Partial<IssuanceBackoff>;
  /**
   * Where ClusterIssuers keep their Secrets (account keys, CA key pairs).
   * @defaultValue `cert-manager`
   */
  clusterResourceNamespace?: string;
  /**
   * Gives each Certificate's Secret an owner reference to the Certificate, so that deleting the
   * Certificate deletes its Secret too (cert-manager's `--enable-certificate-owner-ref`). Without
   * it the Secret outlives its Certificate, and an owner reference certflow set earlier is removed.
   * @defaultValue false
   */
  enableCertificateOwnerRef?: boolean;
  /**
   * The ACME protocol port. Tests swap it; the default speaks ACME through acme-client.
   * @internal
   */
  acmePort?: AcmePort;
  /** Retry delays for transient failures outside the challenge machine. */
  retry?: { baseMs?: number; maxMs?: number };
  /**
   * Deadline of one HTTP request to an ACME server, connection included, in milliseconds. A
   * request past it fails as a transient error and its step is retried.
   *
   * @defaultValue 30_000
   */
  acmeRequestTimeoutMs?: number;
  /**
   * How many Certificates per second are checked against their Secrets after a start.
   *
   * @remarks
   * At {@link Engine.start}, a Certificate whose stored status says it is Ready for its current
   * spec (and not issuing) is scheduled from its `status.renewalTime` without reading its Secret:
   * certflow wrote that status when it last checked the Secret, so a restart with many
   * Certificates takes seconds rather than a parse of every Secret. Each such Certificate is then
   * checked in full in the background, this many per second, which finds a Secret that was
   * changed or deleted while the engine was stopped (one changed while it runs is seen at once).
   * `Infinity` checks every Certificate at start, as cert-manager does after a restart; `0` checks
   * each at its renewal time only.
   *
   * @defaultValue 200
   */
  startupVerificationRate?: number;
}

/** What one controller's work queue holds. */
export interface ControllerStats {
  /** Objects waiting to be reconciled now. */
  queued: number;
  /** Objects being reconciled. */
  active: number;
  /** Objects due again later (renewals, polls, retries), kept in the requeue heap. */
  scheduled: number;
  /** When the earliest scheduled object is due, as an RFC 3339 time. */
  nextDueAt?: string;
}

/** A snapshot of the engine's work, from {@link Engine.stats}. */
export interface EngineStats {
  /** Whether every object listed at start has been reconciled (or scheduled) once. */
  synced: boolean;
  /** Per controller, by the kind it reconciles. */
  controllers: Partial<Record<ResourceKind, ControllerStats>>;
  /** Challenges in flight: scheduled, and not yet both terminal and cleaned up. */
  challengesInFlight: number;
}

/** Options of {@link Engine.waitFor}. */
export interface WaitForOptions {
  /** @defaultValue `default` */
  namespace?: string;
  /** @defaultValue 60_000 */
  timeoutMs?: number;
  /** The condition status to wait for. @defaultValue `True` */
  status?: 'True' | 'False' | 'Unknown';
}

/** A listener of the engine event `E`. */
export type EngineListener<E extends EngineEventName> = EngineEvents[E];

/** The certflow engine: the controllers, their queues and the scheduler over one Store. */
export interface Engine {
  /** Validates and writes one resource, an array, or multi-document YAML/JSON text. */
  apply(input: string | object | object[]): Promise<Resource[]>;
  /** One resource, or undefined. */
  get<K extends ResourceKind>(
    kind: K,
    name: string,
    namespace?: string,
  ): Promise<ResourceOf<K> | undefined>;
  /** Every resource of a kind, in one namespace or all. */
  list<K extends ResourceKind>(kind: K, namespace?: string): Promise<ResourceOf<K>[]>;
  /** Deletes a resource and what it owns; presented challenges are cleaned up first. */
  delete(kind: ResourceKind, name: string, namespace?: string): Promise<boolean>;
  /** Starts the controllers. */
  start(): Promise<void>;
  /** Stops the controllers and waits for in-flight work. */
  stop(): Promise<void>;
  /**
   * Resolves once every object found at {@link Engine.start} has been reconciled once, or, for a
   * Ready Certificate, scheduled from its stored status (Kubernetes informers call this
   * `HasSynced`). Rejects when the engine stops first.
   */
  synced(): Promise<void>;
  /** What the controllers' queues hold now; cheap enough to call often. */
  stats(): EngineStats;
  /** Resolves with the resource once its condition has the status; rejects with TimeoutError. */
  waitFor<K extends ResourceKind>(
    kind: K,
    name: string,
    conditionType: string,
    options?: WaitForOptions,
  ): Promise<ResourceOf<K>>;
  on<E extends EngineEventName>(event: E, listener: EngineListener<E>): this;
  once<E extends EngineEventName>(event: E, listener: EngineListener<E>): this;
  off<E extends EngineEventName>(event: E, listener: EngineListener<E>): this;
}

const userKinds: ReadonlySet<ResourceKind> = new Set([
  'Issuer',
  'ClusterIssuer',
  'Certificate',
  'CertificateRequest',
  'Secret',
]);

/**
 * Creates an this.
 *
 * @example
 * ```ts
 * const http01 = createHttp01Solver({ port: 80 });
 * const engine = createEngine({ store: createFileStore({ directory: '.certflow' }), solvers: { http01 } });
 * await this.apply(yamlText);
 * await this.start();
 * await this.waitFor('Certificate', 'web', 'Ready', { timeoutMs: 60_000 });
 * ```
 */
export function createEngine(options: EngineOptions = {}): Engine {
  return new CertflowEngine(options);
}

class CertflowEngine implements Engine {
  private readonly emitter = new EventEmitter();
  private readonly wrapped = new WeakMap<
    (...args: never[]) => void,
    (...args: unknown[]) => void
  >();
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly resources: Resources;
  private readonly options: ResolvedOptions;
  private readonly queues = new Map<ResourceKind, { controller: Controller; queue: WorkQueue }>();
  private readonly challengeIndex = new Map<string, Challenge>();
  private readonly inFlight = new Set<string>();
  /** Challenges in phase Queued, so that a round of the scheduler need not look at the others. */
  private readonly queuedChallenges = new QueuedChallenges();
  private readonly issuerWaiters = new Map<string, Set<string>>();
  private readonly secretWatchers = new KeyMultimap();
  /** The Secrets each Certificate watches, to drop its entries when it is deleted. */
  private readonly watchedBy = new KeyMultimap();
  /** Issuers and their Secrets, frozen, as last read; a change drops the entry. */
  private readonly shared = new Map<string, Resource>();
  /** Per key read through the shared cache: how many times it changed (guards racing reads). */
  private readonly sharedChanges = new Map<string, number>();
  /** Keys listed at start and not reconciled once yet (a Store key names its kind). */
  private readonly unsynced = new Set<string>();
  private listed = false;
  private syncWaiters: (() => void)[] = [];
  private readonly changeListeners = new Set<(key: string) => void>();
  private readonly acmeClients = new Map<string, AcmeClient>();
  private readonly abort = new AbortController();
  private readonly ctx: ControllerContext;
  private unwatch: (() => void) | undefined;
  private started = false;
  private schedulerPending = false;
  private schedulerRunning: Promise<void> | undefined;
  /** Consecutive scheduler failures, and the timer that runs it again after one. */
  private schedulerFailures = 0;
  private schedulerRetry: Timer | undefined;
  private readonly acmeRequestTimeoutMs: number | undefined;
  private readonly startupVerificationRate: number;

  constructor(options: EngineOptions) {
    this.store = options.store ?? createFileStore({ directory: '.certflow' });
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.resources = new Resources(this.store, this.clock);
    this.options = {
      maxConcurrentChallenges: options.maxConcurrentChallenges ?? 60,
      clusterResourceNamespace: options.clusterResourceNamespace ?? 'cert-manager',
      challengePolicy: { ...defaultChallengePolicy, ...options.challengePolicy },
      issuanceBackoff: {
        initialMs: options.issuanceBackoff?.initialMs ?? 3_600_000,
        maxMs: options.issuanceBackoff?.maxMs ?? 32 * 3_600_000,
      },
      retryBaseMs: options.retry?.baseMs ?? 500,
      retryMaxMs: options.retry?.maxMs ?? 60_000,
      enableCertificateOwnerRef: options.enableCertificateOwnerRef ?? false,
    };
    if (
      !Number.isInteger(this.options.maxConcurrentChallenges) ||
      this.options.maxConcurrentChallenges < 1
    ) {
      throw new ValidationError('maxConcurrentChallenges', 'must be a positive integer');
    }
    const timeout = options.acmeRequestTimeoutMs;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 600_000)) {
      throw new ValidationError('acmeRequestTimeoutMs', 'must be an integer between 1 and 600000');
    }
    this.acmeRequestTimeoutMs = timeout;
    const rate = options.startupVerificationRate ?? 200;
    if (Number.isNaN(rate) || rate < 0) {
      throw new ValidationError('startupVerificationRate', 'must be a number of at least 0');
    }
    this.startupVerificationRate = rate;
    const acmePort = options.acmePort ?? createAcmeClientPort();
    const solvers = { ...options.solvers };
    const signerContext = { resources: this.resources, clock: this.clock, options: this.options };
    const signers: Partial<Record<'CA' | 'SelfSigned', Signer>> = {
      CA: createCaSigner(signerContext),
      SelfSigned: createSelfSignedSigner(signerContext),
    };
    this.ctx = {
      resources: this.resources,
      clock: this.clock,
      logger: this.logger,
      solvers,
      signers,
      approver: options.approver ?? (() => ({ approved: true })),
      acmePort,
      options: this.options,
      signal: this.abort.signal,
      emit: (name, payload) => this.emitSafely(name, payload),
      enqueue: (kind, key, delayMs) => this.enqueue(kind, key, delayMs),
      waitForIssuer: (issuerKey, kind, key) => {
        let set = this.issuerWaiters.get(issuerKey);
        if (set === undefined) this.issuerWaiters.set(issuerKey, (set = new Set()));
        set.add(`${kind}\u0000${key}`);
      },
      watchSecret: (secretKey, certificateKey) => this.watchSecret(secretKey, certificateKey),
      readShared: <T extends Resource>(key: string) => this.readShared<T>(key),
      acmeClient: (issuer) => this.acmeClientFor(issuer),
      kickScheduler: () => this.kickScheduler(),
      deleteResource: (resource) => this.deleteCascade(resource),
    };
    const controllers: Controller[] = [
      createIssuersController(this.ctx, 'Issuer'),
      createIssuersController(this.ctx, 'ClusterIssuer'),
      createCertificatesController(this.ctx),
      createCertificateRequestsController(this.ctx),
      createOrdersController(this.ctx),
      createChallengesController(this.ctx, this.challengeIndex),
    ];
    for (const controller of controllers) {
      const queue = new WorkQueue({
        name: controller.name,
        clock: this.clock,
        concurrency: controller.concurrency,
        reconcile: (key) => controller.reconcile(key),
        onReconciled: (key) => this.reconciled(key),
        onError: (key, err, failures) => {
          if (!CertflowError.is(err, 'ERR_CONFLICT')) {
            this.logger.error('reconcile failed', {
              controller: controller.name,
              key,
              error: errorMessage(err),
            });
            this.emitSafely('error', {
              error: err instanceof Error ? err : new Error(String(err)),
              controller: controller.name,
              key,
            });
          }
          return CertflowError.is(err, 'ERR_CONFLICT')
            ? 0
            : exponentialBackoff(failures, this.options.retryBaseMs, this.options.retryMaxMs);
        },
      });
      this.queues.set(controller.kind, { controller, queue });
    }
  }

  // -- events ---------------------------------------------------------------------------------

  on<E extends EngineEventName>(event: E, listener: EngineListener<E>): this {
    this.emitter.on(event, this.wrap(listener as (...args: never[]) => void));
    return this;
  }

  once<E extends EngineEventName>(event: E, listener: EngineListener<E>): this {
    this.emitter.once(event, this.wrap(listener as (...args: never[]) => void));
    return this;
  }

  off<E extends EngineEventName>(event: E, listener: EngineListener<E>): this {
    const w = this.wrapped.get(listener as (...args: never[]) => void);
    if (w !== undefined) this.emitter.off(event, w);
    return this;
  }

  /** Listeners are notified; one that throws is logged and never changes what the engine does. */
  private wrap(listener: (...args: never[]) => void): (...args: unknown[]) => void {
    let w = this.wrapped.get(listener);
    if (w === undefined) {
      w = (...args: unknown[]) => {
        try {
          (listener as (...a: unknown[]) => void)(...args);
        } catch (err) {
          this.logger.warn('an event listener threw', { error: errorMessage(err) });
        }
      };
      this.wrapped.set(listener, w);
    }
    return w;
  }

  private emitSafely<E extends EngineEventName>(
    name: E,
    payload: Parameters<EngineEvents[E]>[0],
  ): void {
    this.emitter.emit(name, payload);
  }

  // -- queues and routing -----------------------------------------------------------------------

  private enqueue(kind: ResourceKind, key: string, delayMs?: number): void {
    const entry = this.queues.get(kind);
    if (entry === undefined) return;
    if (delayMs === undefined || delayMs <= 0) entry.queue.add(key);
    else entry.queue.addAfter(key, delayMs);
  }

  /** Routes one Store change to the controllers that care about it. */
  private route(change: Pick<StoreChange, 'key' | 'type' | 'value'>): void {
    const key = change.key;
    for (const listener of this.changeListeners) listener(key);
    let ref;
    try {
      ref = parseResourceKey(key);
    } catch {
      return;
    }
    const kind = ref.kind as ResourceKind;
    const value = change.value as Resource | undefined;
    const changes = this.sharedChanges.get(key);
    if (changes !== undefined) {
      this.sharedChanges.set(key, changes + 1);
      this.shared.delete(key);
    }
    if (change.type === 'delete') this.forgotten(kind, key);
    if (kind === 'Challenge') {
      if (change.type === 'delete') {
        this.challengeIndex.delete(key);
        this.queuedChallenges.delete(key);
      } else if (value !== undefined) {
        this.challengeIndex.set(key, value as Challenge);
        this.noteQueued(key, value as Challenge);
      }
      this.kickScheduler();
    }
    if (change.type === 'delete') this.queues.get(kind)?.queue.forget(key);
    if (kind !== 'Secret') this.enqueue(kind, key);
    if (kind === 'Issuer' || kind === 'ClusterIssuer') {
      const waiters = this.issuerWaiters.get(key);
      if (waiters !== undefined) {
        this.issuerWaiters.delete(key);
        for (const w of waiters) {
          const [k, dependent] = w.split('\u0000') as [ResourceKind, string];
          this.enqueue(k, dependent);
        }
      }
    }
    if (kind === 'Secret') {
      for (const certificateKey of this.secretWatchers.get(key)) {
        this.enqueue('Certificate', certificateKey);
      }
    }
    if (value === undefined || !ownerShouldSee(value)) return;
    for (const owner of value.metadata.ownerReferences ?? []) {
      if (!this.queues.has(owner.kind as ResourceKind)) continue;
      this.enqueue(
        owner.kind as ResourceKind,
        resourceKey(owner.kind as ResourceKind, ref.namespace, owner.name),
      );
    }
  }

  private noteQueued(key: string, challenge: Challenge): void {
    if ((challenge.status?.phase ?? 'Queued') === 'Queued')
      this.queuedChallenges.set(key, challenge);
    else this.queuedChallenges.delete(key);
  }

  private watchSecret(secretKey: string, certificateKey: string): void {
    this.secretWatchers.add(secretKey, certificateKey);
    this.watchedBy.add(certificateKey, secretKey);
  }

  /** Drops what the engine keeps for a deleted object, so its maps do not only grow. */
  private forgotten(kind: ResourceKind, key: string): void {
    if (this.unsynced.delete(key)) this.checkSynced();
    if (kind === 'Certificate') {
      for (const secretKey of this.watchedBy.take(key)) this.secretWatchers.delete(secretKey, key);
    }
    const waiter = `${kind}\u0000${key}`;
    for (const [issuerKey, set] of this.issuerWaiters) {
      if (set.delete(waiter) && set.size === 0) this.issuerWaiters.delete(issuerKey);
    }
  }

  private async readShared<T extends Resource>(key: string): Promise<T | undefined> {
    const hit = this.shared.get(key);
    if (hit !== undefined) return hit as T;
    const changes = this.sharedChanges.get(key) ?? 0;
    const value = await this.resources.getByKey<T>(key);
    // Kept only while change notifications arrive (started) and when nothing changed the object
    // during the read: a notification that overtook the read would otherwise be lost.
    if (!this.started) return value;
    if (value === undefined) {
      this.sharedChanges.set(key, changes);
      return undefined;
    }
    if ((this.sharedChanges.get(key) ?? 0) !== changes) return value;
    const frozen = freezeSnapshot(value);
    this.sharedChanges.set(key, changes);
    this.shared.set(key, frozen);
    return frozen;
  }

  private reconciled(key: string): void {
    if (this.unsynced.delete(key)) this.checkSynced();
  }

  private checkSynced(): void {
    if (!this.listed || this.unsynced.size > 0) return;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w();
  }

  synced(): Promise<void> {
    if (this.listed && this.unsynced.size === 0) return Promise.resolve();
    if (this.abort.signal.aborted) {
      return Promise.reject(new EngineError('the engine stopped before it synced'));
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(new EngineError('the engine stopped before it synced'));
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  stats(): EngineStats {
    const controllers: Partial<Record<ResourceKind, ControllerStats>> = {};
    for (const [kind, { queue }] of this.queues) {
      const { queued, active, scheduled, nextDueAt } = queue.stats();
      controllers[kind] = {
        queued,
        active,
        scheduled,
        ...(nextDueAt === undefined ? {} : { nextDueAt: new Date(nextDueAt).toISOString() }),
      };
    }
    return {
      synced: this.listed && this.unsynced.size === 0,
      controllers,
      challengesInFlight: this.inFlight.size,
    };
  }

  // -- scheduler ------------------------------------------------------------------------------

  private kickScheduler(): void {
    if (!this.started || this.schedulerPending) return;
    this.schedulerPending = true;
    queueMicrotask(() => {
      const run = async (): Promise<void> => {
        await this.schedulerRunning;
        this.schedulerPending = false;
        await this.schedule();
      };
      this.schedulerRunning = run().then(
        () => {
          this.schedulerFailures = 0;
        },
        (err: unknown) => this.schedulerFailed(err),
      );
    });
  }

  /**
   * A failed round (the Store threw) is logged, evented and run again after a backoff: Queued
   * challenges would otherwise wait for an unrelated change to kick the scheduler.
   */
  private schedulerFailed(err: unknown): void {
    this.schedulerFailures += 1;
    this.logger.error('scheduler failed, retrying', { error: errorMessage(err) });
    this.emitSafely('error', {
      error: err instanceof Error ? err : new Error(String(err)),
      controller: 'scheduler',
      key: '',
    });
    if (!this.started) return;
    this.schedulerRetry?.cancel();
    this.schedulerRetry = this.clock.setTimer(
      () => {
        this.schedulerRetry = undefined;
        this.kickScheduler();
      },
      exponentialBackoff(this.schedulerFailures, this.options.retryBaseMs, this.options.retryMaxMs),
    );
  }

  /** Moves Queued challenges to Scheduled, oldest first, within the concurrency limits. */
  private async schedule(): Promise<void> {
    if (!this.started) return;
    // The in-flight set is authoritative: only the scheduler adds to it, and a challenge leaves it
    // when it is seen terminal and cleaned up, or deleted, so a late Store notification cannot free
    // a slot twice.
    // Only the in-flight and the Queued challenges matter, and nothing can start while every slot
    // is taken: with thousands waiting, a round then costs as little as the slots it checks.
    const inFlight: Challenge[] = [];
    for (const key of this.inFlight) {
      const challenge = this.challengeIndex.get(key);
      const phase = challenge?.status?.phase ?? 'Queued';
      // One the scheduler has just moved may still read Queued here: it keeps its slot.
      if (challenge === undefined || (phase !== 'Queued' && !isChallengeInFlight(challenge))) {
        this.inFlight.delete(key);
      } else inFlight.push(phase === 'Queued' ? withPhase(challenge, 'Scheduled') : challenge);
    }
    if (
      this.inFlight.size >= this.options.maxConcurrentChallenges ||
      this.queuedChallenges.size === 0
    ) {
      return;
    }
    // The rule picks oldest first and stops when the slots are full, so the oldest few Queued
    // challenges decide the round: it reads twice as many as there are free slots, and more only
    // when too many of those wait for a name already being solved.
    const free = this.options.maxConcurrentChallenges - this.inFlight.size;
    let picks: Challenge[] = [];
    for (let wanted = 2 * free; ; wanted *= 4) {
      const candidates = [...inFlight];
      let more = false;
      for (const { key } of this.queuedChallenges.oldestFirst()) {
        if (this.inFlight.has(key)) continue;
        const challenge = this.challengeIndex.get(key);
        if (challenge === undefined) continue;
        if (candidates.length - inFlight.length === wanted) {
          more = true;
          break;
        }
        candidates.push(challenge);
      }
      picks = pickChallengesToSchedule(candidates, {
        maxConcurrentChallenges: this.options.maxConcurrentChallenges,
      });
      if (picks.length >= free || !more) break;
    }
    for (const pick of picks) {
      const key = keyOf(pick);
      const current = await this.resources.getByKey<Challenge>(key);
      if (current === undefined || (current.status?.phase ?? 'Queued') !== 'Queued') continue;
      const { next } = transitionChallenge(
        current,
        { type: 'schedule' },
        {
          now: this.clock.now(),
          policy: this.options.challengePolicy,
        },
      );
      try {
        const written = await this.resources.update(next);
        this.inFlight.add(key);
        this.challengeIndex.set(key, written);
        this.queuedChallenges.delete(key);
        this.emitSafely('challenge:transition', {
          challenge: freezeSnapshot(written),
          from: 'Queued',
          to: 'Scheduled',
          event: 'schedule',
        });
        this.enqueue('Challenge', key);
      } catch (err) {
        if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
      }
    }
  }

  // -- ACME clients ---------------------------------------------------------------------------

  private async acmeClientFor(issuer: Issuer | ClusterIssuer): Promise<AcmeClient> {
    const acme = issuer.spec.acme;
    if (acme === undefined)
      throw new EngineError(`${issuer.kind} ${issuer.metadata.name} is not an ACME issuer`);
    const namespace = issuerSecretNamespace(this.ctx, issuer);
    const secret = await this.readShared<Secret>(
      resourceKey('Secret', namespace, acme.privateKeySecretRef.name),
    );
    const accountKeyPem = secret?.data?.[accountKeyField(issuer)];
    if (accountKeyPem === undefined) {
      throw new EngineError(
        `the ACME account key Secret ${namespace}/${acme.privateKeySecretRef.name} does not exist yet`,
      );
    }
    let eab: { keyId: string; hmacKeyBase64Url: string } | undefined;
    if (acme.externalAccountBinding !== undefined) {
      const ref = acme.externalAccountBinding.keySecretRef;
      const eabSecret = await this.readShared<Secret>(resourceKey('Secret', namespace, ref.name));
      const hmac = eabSecret?.data?.[ref.key ?? 'secret'];
      if (hmac === undefined) {
        throw new EngineError(
          `the external account binding Secret ${namespace}/${ref.name} has no key ${ref.key ?? 'secret'}`,
        );
      }
      eab = { keyId: acme.externalAccountBinding.keyID, hmacKeyBase64Url: hmac.trim() };
    }
    const accountUrl = issuer.status?.acme?.uri;
    const cacheKey = [
      keyOf(issuer),
      acme.server,
      shortHash(accountKeyPem),
      shortHash(acme.caBundle ?? ''),
      String(acme.skipTLSVerify === true),
      accountUrl ?? '',
      eab?.keyId ?? '',
    ].join('|');
    let client = this.acmeClients.get(cacheKey);
    if (client === undefined) {
      client = this.ctx.acmePort.client({
        directoryUrl: acme.server,
        accountKeyPem,
        ...(accountUrl === undefined ? {} : { accountUrl }),
        ...(acme.caBundle === undefined
          ? {}
          : { caBundlePem: Buffer.from(acme.caBundle, 'base64').toString('utf8') }),
        ...(acme.skipTLSVerify === true ? { skipTLSVerify: true } : {}),
        ...(acme.email === undefined ? {} : { email: acme.email }),
        ...(eab === undefined ? {} : { externalAccountBinding: eab }),
        ...(this.acmeRequestTimeoutMs === undefined
          ? {}
          : { requestTimeoutMs: this.acmeRequestTimeoutMs }),
      });
      this.acmeClients.set(cacheKey, client);
    }
    return client;
  }

  // -- lifecycle ------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.started) return;
    if (this.abort.signal.aborted)
      throw new EngineError('a stopped engine cannot be started again');
    this.started = true;
    if (this.store.watch !== undefined) {
      this.unwatch = this.store.watch('resources/', (change) => this.route(change));
    } else {
      this.resources.onWrite = (key) => {
        this.store.get(key).then(
          (record) =>
            this.route(
              record === undefined
                ? { key, type: 'delete' }
                : { key, type: 'put', value: record.value },
            ),
          (err: unknown) => {
            // The object's own controller still hears of it and reads it again when it runs.
            this.logger.warn('could not read a changed resource', {
              key,
              error: errorMessage(err),
            });
            this.emitSafely('error', {
              error: err instanceof Error ? err : new Error(String(err)),
              controller: 'engine',
              key,
            });
            this.route({ key, type: 'put' });
          },
        );
      };
    }
    for (const { queue } of this.queues.values()) queue.start();
    const halfDeleted: Resource[] = [];
    const now = this.clock.now();
    const rate = this.startupVerificationRate;
    let trusted = 0;
    for (const kind of this.queues.keys()) {
      for (const resource of await this.resources.list(kind)) {
        const key = keyOf(resource);
        if (resource.metadata.deletionTimestamp !== undefined && kind !== 'Challenge') {
          halfDeleted.push(resource);
          continue;
        }
        if (kind === 'Challenge') {
          this.challengeIndex.set(key, resource as Challenge);
          this.noteQueued(key, resource as Challenge);
          if (isInFlight(resource as Challenge)) this.inFlight.add(key);
        }
        const renewal =
          kind === 'Certificate' && rate !== Infinity
            ? renewalDelayFromStatus(resource as Certificate, now)
            : undefined;
        if (renewal === undefined) {
          this.unsynced.add(key);
          this.enqueue(kind, key);
          continue;
        }
        // Ready for its current spec when last checked: scheduled from its status, its Secret
        // watched, and checked in full in the background (rate per second) or when due.
        const certificate = resource as Certificate;
        for (const secretKey of watchedSecrets(certificate)) this.watchSecret(secretKey, key);
        trusted += 1;
        const verifyIn = rate === 0 ? Infinity : (trusted * 1000) / rate;
        this.enqueue(kind, key, Math.min(renewal, verifyIn));
      }
    }
    this.listed = true;
    this.checkSynced();
    this.kickScheduler();
    this.resumeDeletions(halfDeleted);
  }

  /**
   * Finishes deletions a stopped or killed process left half done: whatever was still marked with
   * a deletionTimestamp is deleted with its dependents (challenges finish their own). Secrets are
   * removed without a mark, so none is left half deleted.
   */
  private resumeDeletions(halfDeleted: readonly Resource[]): void {
    if (halfDeleted.length === 0) return;
    const run = async (): Promise<void> => {
      for (const resource of halfDeleted) {
        if (!this.started) return;
        await this.deleteCascade(resource);
      }
    };
    run().catch((err: unknown) => {
      this.logger.warn('could not finish an interrupted deletion', { error: errorMessage(err) });
      this.emitSafely('error', {
        error: err instanceof Error ? err : new Error(String(err)),
        controller: 'garbage-collector',
        key: 'resources/',
      });
    });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.abort.abort(new EngineError('the engine is stopping'));
    this.schedulerRetry?.cancel();
    this.schedulerRetry = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    this.resources.onWrite = undefined;
    await Promise.all([...this.queues.values()].map(({ queue }) => queue.stop()));
    await this.schedulerRunning;
  }

  // -- resources ------------------------------------------------------------------------------

  async apply(input: string | object | object[]): Promise<Resource[]> {
    // Everything is validated before anything is written: bad input changes nothing.
    const parsed = parseManifests(input);
    parsed.forEach((resource, i) => {
      if (!userKinds.has(resource.kind)) {
        throw new ValidationError(
          parsed.length > 1 ? `[${i}].kind` : 'kind',
          `${resource.kind} objects are written by certflow's controllers, not applied`,
        );
      }
    });
    const applied: Resource[] = [];
    for (const resource of parsed) applied.push(await this.applyOne(resource));
    return applied;
  }

  private async applyOne(resource: Resource): Promise<Resource> {
    for (let attempt = 0; ; attempt++) {
      const existing = await this.resources.getByKey<Resource>(keyOf(resource));
      try {
        if (existing === undefined) {
          const { status: _status, ...fresh } = resource as Resource & { status?: unknown };
          const created = await this.resources.create({
            ...fresh,
            metadata: { ...resource.metadata },
          } as Resource);
          if (!this.started) return created;
          return created;
        }
        const specOf = (r: Resource): string =>
          JSON.stringify('spec' in r ? r.spec : 'data' in r ? [r.data, r.type] : null);
        const changed = specOf(existing) !== specOf(resource);
        const next = {
          ...existing,
          ...('spec' in resource ? { spec: resource.spec } : {}),
          ...(resource.kind === 'Secret' ? { data: resource.data, type: resource.type } : {}),
          metadata: {
            ...existing.metadata,
            labels: resource.metadata.labels,
            annotations: resource.metadata.annotations,
            generation: (existing.metadata.generation ?? 1) + (changed ? 1 : 0),
          },
        } as Resource;
        if (next.metadata.labels === undefined) delete next.metadata.labels;
        if (next.metadata.annotations === undefined) delete next.metadata.annotations;
        return await this.resources.updateIfChanged(existing, next);
      } catch (err) {
        if (!CertflowError.is(err, 'ERR_CONFLICT') || attempt >= 10) throw err;
      }
    }
  }

  get<K extends ResourceKind>(
    kind: K,
    name: string,
    namespace?: string,
  ): Promise<ResourceOf<K> | undefined> {
    return this.resources.get(
      kind,
      isNamespaced(kind) ? (namespace ?? 'default') : undefined,
      name,
    );
  }

  list<K extends ResourceKind>(kind: K, namespace?: string): Promise<ResourceOf<K>[]> {
    return this.resources.list(kind, namespace);
  }

  async delete(kind: ResourceKind, name: string, namespace?: string): Promise<boolean> {
    const resource = await this.get(kind, name, namespace);
    if (resource === undefined) return false;
    await this.deleteCascade(resource);
    return true;
  }

  private async deleteCascade(resource: Resource): Promise<void> {
    // The Store's delete notifications keep the challenge index and the queues in step.
    await deleteWithDependents(this.ctx, resource);
  }

  async waitFor<K extends ResourceKind>(
    kind: K,
    name: string,
    conditionType: string,
    options: WaitForOptions = {},
  ): Promise<ResourceOf<K>> {
    const namespace = isNamespaced(kind) ? (options.namespace ?? 'default') : undefined;
    const key = resourceKey(kind, namespace, name);
    const wanted = options.status ?? 'True';
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise<ResourceOf<K>>((resolve, reject) => {
      let last: ResourceOf<K> | undefined;
      let lastError: unknown;
      let done = false;
      const finish = (err: Error | undefined, value?: ResourceOf<K>): void => {
        if (done) return;
        done = true;
        timer.cancel();
        this.changeListeners.delete(onChange);
        if (err !== undefined) reject(err);
        else resolve(value!);
      };
      const check = async (): Promise<void> => {
        const resource = await this.resources.getByKey<ResourceOf<K>>(key);
        last = resource;
        const conditions = conditionsOf(resource);
        if (getCondition(conditions, conditionType)?.status === wanted) finish(undefined, resource);
      };
      // A Store that fails a read now may answer the next one: keep waiting until the deadline.
      const checkSoon = (): void => {
        check().then(
          () => (lastError = undefined),
          (err: unknown) => (lastError = err),
        );
      };
      const onChange = (changed: string): void => {
        if (changed === key) checkSoon();
      };
      const timer = this.clock.setTimer(() => {
        const conditions = conditionsOf(last);
        const current = getCondition(conditions, conditionType);
        finish(
          new TimeoutError(
            `timed out after ${timeoutMs} ms waiting for ${kind} ${namespace === undefined ? '' : `${namespace}/`}${name} to have ${conditionType}=${wanted}` +
              (current === undefined
                ? ''
                : ` (now ${current.status}: ${current.reason ?? ''}: ${current.message ?? ''})`) +
              (lastError === undefined ? '' : `; last read failed: ${errorMessage(lastError)}`),
          ),
        );
      }, timeoutMs);
      this.changeListeners.add(onChange);
      checkSoon();
    });
  }
}

function conditionsOf(resource: Resource | undefined): Condition[] | undefined {
  const status = resource !== undefined && 'status' in resource ? resource.status : undefined;
  return status !== undefined && 'conditions' in status ? status.conditions : undefined;
}

function withPhase(challenge: Challenge, phase: ChallengePhase): Challenge {
  return { ...challenge, status: { ...challenge.status, phase } };
}

/** Whether a challenge holds a scheduler slot: scheduled, and not terminal and cleaned up. */
export function isInFlight(challenge: Challenge): boolean {
  return isChallengeInFlight(challenge);
}

// Re-exported for the barrel.
export { getCondition };
export type { Approver, IssuanceBackoff };
