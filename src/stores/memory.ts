/**
 * The in-memory Store: for tests and for a single process that need not survive a restart.
 *
 * @packageDocumentation
 */
import { ConflictError, StoreError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { readIfVersion } from './cas-options.js';
import { ChangeFeed } from './change-feed.js';
import { copyJson, parseValue, serialiseValue } from './json-value.js';
import { assertStoreKey, assertStorePrefix } from './keys.js';
import type {
  DeleteOptions,
  PutOptions,
  Store,
  StoreChange,
  StoreRecord,
  Unwatch,
} from './types.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Where a watch listener that throws is reported.
   *
   * @defaultValue `silentLogger`
   */
  logger?: Logger;
}

interface Entry {
  readonly version: string;
  /** The value's JSON form, until the first read parses it. */
  json: string | undefined;
  /** The parsed value, once read; never handed out, only copies of it. */
  parsed: unknown;
}

/** The entry's value, parsed on its first read: a value overwritten unread is never parsed. */
function parsedValue(entry: Entry): unknown {
  if (entry.json !== undefined) {
    entry.parsed = parseValue(entry.json);
    entry.json = undefined;
  }
  return entry.parsed;
}

/**
 * Creates a Store that keeps every record in memory.
 *
 * @remarks
 * Versions come from a counter of this store, so they are never reused for a key, not even after
 * it is deleted and written again. `put` keeps the value's JSON form, the first read parses it
 * (so what is stored is exactly what a JSON store would return) and every `get` or `list` returns
 * a fresh deep copy of that, so callers cannot change stored data by mutating objects. Every
 * operation is atomic. `watch` reports the changes made through this store, asynchronously and in
 * write order.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const version = await store.put('resources/Certificate/default/web', certificate, {
 *   ifVersion: null,
 * });
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const entries = new Map<string, Entry>();
  const feed = new ChangeFeed(options.logger ?? silentLogger);
  let lastVersion = 0;
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new StoreError('the memory store is closed');
  };
  const toRecord = <T>(key: string, entry: Entry): StoreRecord<T> => ({
    key,
    value: copyJson(parsedValue(entry) as T),
    version: entry.version,
  });

  return {
    async get<T = unknown>(key: string): Promise<StoreRecord<T> | undefined> {
      ensureOpen();
      assertStoreKey(key);
      const entry = entries.get(key);
      return entry === undefined ? undefined : toRecord<T>(key, entry);
    },

    async list<T = unknown>(prefix: string): Promise<StoreRecord<T>[]> {
      ensureOpen();
      assertStorePrefix(prefix);
      const keys = [...entries.keys()].filter((key) => key.startsWith(prefix)).sort();
      return keys.map((key) => toRecord<T>(key, entries.get(key) as Entry));
    },

    async put<T = unknown>(key: string, value: T, putOptions?: PutOptions): Promise<string> {
      ensureOpen();
      assertStoreKey(key);
      const ifVersion = readIfVersion(putOptions, true);
      const json = serialiseValue(value);
      const actual = entries.get(key)?.version ?? null;
      if (ifVersion !== undefined && ifVersion !== actual) {
        throw new ConflictError(key, ifVersion, actual);
      }
      lastVersion += 1;
      const version = String(lastVersion);
      entries.set(key, { version, json, parsed: undefined });
      feed.emit('put', key, version, json);
      return version;
    },

    async delete(key: string, deleteOptions?: DeleteOptions): Promise<boolean> {
      ensureOpen();
      assertStoreKey(key);
      const ifVersion = readIfVersion(deleteOptions, false);
      const entry = entries.get(key);
      if (ifVersion !== undefined && ifVersion !== entry?.version) {
        throw new ConflictError(key, ifVersion, entry?.version ?? null);
      }
      if (entry === undefined) return false;
      entries.delete(key);
      feed.emit('delete', key, entry.version);
      return true;
    },

    watch(prefix: string, listener: (change: StoreChange) => void): Unwatch {
      ensureOpen();
      return feed.subscribe(prefix, listener);
    },

    async close(): Promise<void> {
      closed = true;
      feed.clear();
    },
  };
}
