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
import { createCertificatesController } from '../controllers/certificates/certificates-controller.js';
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
  Challenge,
  ChallengePhase,
  ClusterIssuer,
  Condition,
  Issuer,
  Resource,
  ResourceKind,
  ResourceOf,
} from '../domain/types.js';
import { CertflowError, EngineError, TimeoutError, ValidationError } from '../errors.js';
import { freezeSnapshot, type EngineEventName, type EngineEvents } from '../events.js';
import { silentLogger, type Logger } from '../logger.js';
import {
  defaultChallengePolicy,
  isTerminalPhase,
  pickChallengesToSchedule,
  transitionChallenge,
  type ChallengePolicy,
} from '../machine/index.js';
import type { Solver } from '../solvers/index.js';
import { createFileStore } from '../stores/file.js';
import type { Store, StoreChange } from '../stores/types.js';
import { deleteWithDependents } from './garbage-collector.js';
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
   * How many challenges may be between Scheduled and a terminal state at once.
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
  private readonly issuerWaiters = new Map<string, Set<string>>();
  private readonly secretWatchers = new Map<string, Set<string>>();
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
      watchSecret: (secretKey, certificateKey) => {
        let set = this.secretWatchers.get(secretKey);
        if (set === undefined) this.secretWatchers.set(secretKey, (set = new Set()));
        set.add(certificateKey);
      },
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
    if (kind === 'Challenge') {
      if (change.type === 'delete') this.challengeIndex.delete(key);
      else if (value !== undefined) this.challengeIndex.set(key, value as Challenge);
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
      for (const certificateKey of this.secretWatchers.get(key) ?? []) {
        this.enqueue('Certificate', certificateKey);
      }
    }
    for (const owner of value?.metadata.ownerReferences ?? []) {
      if (!this.queues.has(owner.kind as ResourceKind)) continue;
      this.enqueue(
        owner.kind as ResourceKind,
        resourceKey(owner.kind as ResourceKind, ref.namespace, owner.name),
      );
    }
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
    // when it is seen terminal or deleted, so a late Store notification cannot free a slot twice.
    const candidates: Challenge[] = [];
    for (const [key, challenge] of this.challengeIndex) {
      const phase = challenge.status?.phase ?? 'Queued';
      if (this.inFlight.has(key)) {
        if (isTerminalPhase(phase)) this.inFlight.delete(key);
        else candidates.push(phase === 'Queued' ? withPhase(challenge, 'Scheduled') : challenge);
      } else if (phase === 'Queued') {
        candidates.push(challenge);
      }
    }
    for (const key of this.inFlight) if (!this.challengeIndex.has(key)) this.inFlight.delete(key);
    const picks = pickChallengesToSchedule(candidates, {
      maxConcurrentChallenges: this.options.maxConcurrentChallenges,
    });
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
    const secret = await this.resources.get('Secret', namespace, acme.privateKeySecretRef.name);
    const accountKeyPem = secret?.data?.[accountKeyField(issuer)];
    if (accountKeyPem === undefined) {
      throw new EngineError(
        `the ACME account key Secret ${namespace}/${acme.privateKeySecretRef.name} does not exist yet`,
      );
    }
    let eab: { keyId: string; hmacKeyBase64Url: string } | undefined;
    if (acme.externalAccountBinding !== undefined) {
      const ref = acme.externalAccountBinding.keySecretRef;
      const eabSecret = await this.resources.get('Secret', namespace, ref.name);
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
    for (const kind of this.queues.keys()) {
      for (const resource of await this.resources.list(kind)) {
        const key = keyOf(resource);
        if (kind === 'Challenge') {
          this.challengeIndex.set(key, resource as Challenge);
          if (isInFlight(resource as Challenge)) this.inFlight.add(key);
        }
        this.enqueue(kind, key);
      }
    }
    this.kickScheduler();
    this.resumeDeletions();
  }

  /**
   * Finishes deletions a stopped or killed process left half done: whatever is still marked with
   * a deletionTimestamp is deleted with its dependents (challenges finish their own).
   */
  private resumeDeletions(): void {
    const run = async (): Promise<void> => {
      for (const kind of ['Certificate', 'CertificateRequest', 'Order', 'Secret'] as const) {
        for (const resource of await this.resources.list(kind)) {
          if (resource.metadata.deletionTimestamp === undefined) continue;
          if (!this.started) return;
          await this.deleteCascade(resource);
        }
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

/** Whether a challenge is between Scheduled and a terminal state. */
export function isInFlight(challenge: Challenge): boolean {
  const phase = challenge.status?.phase ?? 'Queued';
  return phase !== 'Queued' && !isTerminalPhase(phase);
}

// Re-exported for the barrel.
export { getCondition };
export type { Approver, IssuanceBackoff };
