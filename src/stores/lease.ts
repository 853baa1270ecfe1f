/**
 * A lease (a lock with an expiry) built on the Store's compare-and-set, so that several engines
 * sharing one store can agree on who does a piece of work.
 *
 * @packageDocumentation
 */
import type { Clock } from '../clock.js';
import { CertflowError, StoreError, ValidationError } from '../errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { Store } from './types.js';

/** Options of {@link createLease}. */
export interface LeaseOptions {
  /** The Store key of the lease record, such as `leases/challenges-scheduler`. */
  key: string;
  /**
   * Who takes the lease. It MUST be unique among the contenders: two lease objects with the same
   * holder are the same holder.
   */
  holder: string;
  /** How long the lease lasts after it is taken or renewed, in milliseconds. */
  ttlMs: number;
  /** The clock that dates and expires the lease. */
  clock: Clock;
}

/** The record a lease keeps at its key, in the spirit of Kubernetes' `coordination.k8s.io` Lease. */
export interface LeaseRecord {
  /** The holder; empty once released. */
  holder: string;
  /** When the holder took the lease, in milliseconds since the epoch. */
  acquiredAt: number;
  /** When the holder last took or renewed it. */
  renewedAt: number;
  /** How long it lasts after `renewedAt`; 0 once released. */
  ttlMs: number;
  /** How many times the lease changed hands. */
  transitions: number;
}

/** A lease on one Store key; see {@link createLease}. */
export interface Lease {
  /**
   * Takes the lease if it is free, expired or released, or renews it if this holder has it.
   * Resolves `false` when another holder has it (or took it first).
   */
  tryAcquire(): Promise<boolean>;
  /**
   * Extends the lease by `ttlMs` from now. Resolves `false`, and stops holding, when this holder
   * does not have it or another holder has taken it.
   */
  renew(): Promise<boolean>;
  /** Gives the lease up so another holder can take it at once; a no-op when not held. */
  release(): Promise<void>;
  /** Whether this holder has the lease now: taken or renewed less than `ttlMs` ago. */
  isHeld(): boolean;
}

function isLeaseRecord(value: unknown): value is LeaseRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.holder === 'string' &&
    typeof record.acquiredAt === 'number' &&
    typeof record.renewedAt === 'number' &&
    typeof record.ttlMs === 'number' &&
    typeof record.transitions === 'number'
  );
}

const isConflict = (err: unknown): boolean => CertflowError.is(err, 'ERR_CONFLICT');

/**
 * Creates a lease on `options.key` of `store`.
 *
 * @remarks
 * Built only on `get` and `put` with `ifVersion`, so it works on any Store. Every change of the
 * record is a compare-and-set on the version this holder last saw, and a holder reads the record
 * again after taking it: two holders never both believe they hold the lease. A holder's belief
 * ends `ttlMs` after the time it read *before* writing, and another holder takes over only once
 * `now >= renewedAt + ttlMs` on its clock, so with clocks that agree the two never overlap; across
 * hosts, keep clock skew well below `ttlMs`. A lease held by this same holder name but not taken
 * through this object (a previous run) is waited out like any other. Calls on one lease object run
 * one after the other.
 *
 * @throws ValidationError when `holder` is empty or `ttlMs` is not a positive number.
 *
 * @example
 * ```ts
 * const lease = createLease(store, { key: 'leases/scheduler', holder: engineId, ttlMs: 15_000, clock });
 * if (await lease.tryAcquire()) {
 *   // do the work, calling lease.renew() well within ttlMs and checking lease.isHeld()
 *   await lease.release();
 * }
 * ```
 */
export function createLease(store: Store, options: LeaseOptions): Lease {
  const { key, holder, ttlMs, clock } = options;
  if (typeof holder !== 'string' || holder === '') {
    throw new ValidationError('holder', 'must be a non-empty string');
  }
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new ValidationError('ttlMs', 'must be a positive number of milliseconds');
  }

  /** The version and record this holder wrote last, while it believes it holds the lease. */
  let mine: { version: string; record: LeaseRecord } | undefined;
  let heldUntil = Number.NEGATIVE_INFINITY;
  const queue = new KeyedMutex();
  const serial = <T>(work: () => Promise<T>): Promise<T> => queue.run(key, work);

  const read = async (): Promise<{ version: string; value: LeaseRecord } | undefined> => {
    const record = await store.get(key);
    if (record === undefined) return undefined;
    if (!isLeaseRecord(record.value)) {
      throw new StoreError(`the record at ${JSON.stringify(key)} is not a lease`);
    }
    return { version: record.version, value: record.value };
  };

  /** Writes `record` if the key is still at `ifVersion`; the new version, or undefined. */
  const write = async (
    record: LeaseRecord,
    ifVersion: string | null,
  ): Promise<string | undefined> => {
    try {
      return await store.put(key, record, { ifVersion });
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  };

  /** Takes `record` as held, dated by `now` as read before writing it. */
  const hold = (version: string, record: LeaseRecord, now: number): void => {
    mine = { version, record };
    heldUntil = now + ttlMs;
  };

  const forget = (): void => {
    mine = undefined;
    heldUntil = Number.NEGATIVE_INFINITY;
  };

  const renew = async (): Promise<boolean> => {
    if (mine === undefined) return false;
    const now = clock.now();
    // Even past its expiry, a write on the version this holder wrote proves nobody took over.
    const record: LeaseRecord = { ...mine.record, renewedAt: now, ttlMs };
    const version = await write(record, mine.version);
    if (version === undefined) {
      forget();
      return false;
    }
    hold(version, record, now);
    return true;
  };

  const acquire = async (): Promise<boolean> => {
    if (mine !== undefined) return renew();
    const now = clock.now();
    const current = await read();
    if (current !== undefined && now < current.value.renewedAt + current.value.ttlMs) return false;
    const transitions =
      current === undefined
        ? 0
        : current.value.transitions + (current.value.holder === holder ? 0 : 1);
    const record: LeaseRecord = { holder, acquiredAt: now, renewedAt: now, ttlMs, transitions };
    const version = await write(record, current?.version ?? null);
    if (version === undefined) return false;
    // Check again after taking: whoever read the record before this write fails its
    // compare-and-set, so another version here means the lease is already lost.
    const after = await read();
    if (after?.version !== version) return false;
    hold(version, record, now);
    return true;
  };

  const release = async (): Promise<void> => {
    const held = mine;
    forget();
    if (held === undefined) return;
    // A released lease stays as a record (it keeps `transitions`) that anyone may take at once;
    // a conflict means another holder took it after it expired, and it is theirs to keep.
    await write({ ...held.record, holder: '', ttlMs: 0 }, held.version);
  };

  return {
    tryAcquire: () => serial(acquire),
    renew: () => serial(renew),
    release: () => serial(release),
    isHeld: () => mine !== undefined && clock.now() < heldUntil,
  };
}
