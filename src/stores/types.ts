/**
 * The Store port: versioned records with compare-and-set.
 *
 * @packageDocumentation
 */

/** One record as the Store holds it. */
export interface StoreRecord<T = unknown> {
  /** The key, such as `resources/Certificate/default/web`. */
  readonly key: string;
  /** The value, a JSON-serialisable object. */
  readonly value: T;
  /**
   * An opaque version string. It changes on every write and is never reused for the same key,
   * not even after the key is deleted and written again.
   */
  readonly version: string;
}

/** Options of {@link Store.put}. */
export interface PutOptions {
  /**
   * Compare-and-set: the write succeeds only if the key's current version is this one; `null`
   * means the key MUST NOT exist. Omitted: the write is unconditional.
   */
  ifVersion?: string | null;
}

/** Options of {@link Store.delete}. */
export interface DeleteOptions {
  /** Compare-and-set: the delete succeeds only if the key's current version is this one. */
  ifVersion?: string;
}

/** A change seen by {@link Store.watch}. */
export interface StoreChange<T = unknown> {
  readonly type: 'put' | 'delete';
  readonly key: string;
  /** The new version (`put`), or the version that was deleted (`delete`). */
  readonly version: string;
  /** The new value, on `put`. */
  readonly value?: T;
}

/** Stops a watch. */
export type Unwatch = () => void;

/**
 * Where certflow keeps every resource.
 *
 * @remarks
 * An adapter MUST implement compare-and-set exactly: when `ifVersion` is given and does not match,
 * `put` and `delete` MUST throw a `ConflictError` (code `ERR_CONFLICT`) and change nothing.
 *
 * Values are JSON, and the Store owns nothing it hands out: `put` MUST keep its own copy of the
 * value (or its serialised form), and every `get`, `list` and `watch` MUST return values that no
 * other caller and not the Store itself holds, such as values parsed afresh from JSON. certflow
 * relies on this: it copies only the top level and `metadata` of a record it reads, so a Store
 * that returned a shared object would share it with the engine. Even so, callers MUST NOT mutate
 * what they get: certflow derives new resources with spreads, which share the unchanged parts.
 *
 * Locks and leases are built by certflow on top of compare-and-set, so an adapter needs nothing
 * more. `certflow/testing` has a contract suite every adapter SHOULD pass.
 */
export interface Store {
  /** The record at `key`, or `undefined`. */
  get<T = unknown>(key: string): Promise<StoreRecord<T> | undefined>;
  /** Every record whose key starts with `prefix`, ordered by key. */
  list<T = unknown>(prefix: string): Promise<StoreRecord<T>[]>;
  /** Writes `value` at `key` and returns the new version. */
  put<T = unknown>(key: string, value: T, options?: PutOptions): Promise<string>;
  /** Deletes `key`; returns whether it existed. */
  delete(key: string, options?: DeleteOptions): Promise<boolean>;
  /**
   * Optional: calls `listener` for every change under `prefix` (at least every change made
   * through this instance; a shared store SHOULD also report changes made by other processes).
   */
  watch?(prefix: string, listener: (change: StoreChange) => void): Unwatch;
  /** Optional: releases connections, handles and watchers. */
  close?(): Promise<void>;
}
