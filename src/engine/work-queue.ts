import type { Clock, Timer } from '../clock.js';
import { RequeueHeap } from './requeue-heap.js';

/** Reconciles one key; resolves with an optional delay after which the key is due again. */
export type Reconcile = (key: string) => Promise<number | undefined | void>;

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  name: string;
  clock: Clock;
  reconcile: Reconcile;
  /** How many keys are reconciled at once; one key is never reconciled twice at once. */
  concurrency: number;
  /** Called when a reconcile throws; the key is retried after the returned delay. */
  onError: (key: string, err: unknown, failures: number) => number;
  /** Called after each reconcile of `key`, whether it succeeded or threw. */
  onReconciled?: (key: string) => void;
}

/** What a {@link WorkQueue} holds at one moment. */
export interface WorkQueueStats {
  /** Keys waiting to be reconciled now. */
  queued: number;
  /** Keys being reconciled. */
  active: number;
  /** Keys waiting in the requeue heap for a later time. */
  scheduled: number;
  /** The clock time (ms) at which the earliest scheduled key is due, if any. */
  nextDueAt: number | undefined;
}

/**
 * A controller's work queue: keys deduplicated while waiting, never processed concurrently with
 * themselves, re-run once when changed during processing, and delayed through a requeue heap
 * driven by a single timer of the injected clock.
 */
export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly heap = new RequeueHeap();
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: WorkQueueOptions) {}

  /** Starts processing. Keys added before start wait. */
  start(): void {
    this.running = true;
    this.pump();
    this.armTimer();
  }

  /** Stops taking new work and resolves when in-flight reconciles finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.active.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Queues `key` now. */
  add(key: string): void {
    this.heap.remove(key);
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.pump();
  }

  /** Queues `key` after `delayMs` of the clock's time (the earlier request wins). */
  addAfter(key: string, delayMs: number): void {
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.heap.add(key, this.options.clock.now() + delayMs);
    this.armTimer();
  }

  /** Forgets `key` (deleted objects). */
  forget(key: string): void {
    this.heap.remove(key);
    this.failures.delete(key);
  }

  /** Keys waiting in the requeue heap. */
  get scheduled(): number {
    return this.heap.size;
  }

  /** Keys ready or being processed. */
  get busy(): number {
    return this.queued.size + this.active.size;
  }

  /** Counts of what the queue holds now. */
  stats(): WorkQueueStats {
    return {
      queued: this.queued.size,
      active: this.active.size,
      scheduled: this.heap.size,
      nextDueAt: this.heap.peekTime(),
    };
  }

  private armTimer(): void {
    if (!this.running) return;
    const at = this.heap.peekTime();
    if (at === undefined || at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.options.clock.setTimer(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      for (const key of this.heap.popDue(this.options.clock.now())) this.add(key);
      this.armTimer();
    }, at - this.options.clock.now());
  }

  private pump(): void {
    while (this.running && this.active.size < this.options.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    let delay: number | undefined;
    try {
      const result = await this.options.reconcile(key);
      this.failures.delete(key);
      if (typeof result === 'number') delay = result;
    } catch (err) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      delay = this.options.onError(key, err, failures);
    }
    this.active.delete(key);
    this.options.onReconciled?.(key);
    if (this.dirty.delete(key)) this.add(key);
    else if (delay !== undefined && this.running) this.addAfter(key, delay);
    if (this.active.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
    this.pump();
  }
}
