/**
 * The file Store, certflow's embedded default: one file per key under one folder.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { CertflowError, ConflictError, StoreError, ValidationError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { readIfVersion } from './cas-options.js';
import { ChangeFeed } from './change-feed.js';
import { acquireFileLock, type FileLockSettings, type HeldLock } from './file-lock.js';
import { decodeSegment, prefixBase, recordPaths, type RecordPaths } from './file-paths.js';
import { serialiseValue } from './json-value.js';
import { KeyedMutex } from './keyed-mutex.js';
import { assertStoreKey, assertStorePrefix } from './keys.js';
import type {
  DeleteOptions,
  PutOptions,
  Store,
  StoreChange,
  StoreRecord,
  Unwatch,
} from './types.js';

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** The folder holding the records; created (mode 0700) when missing. */
  directory: string;
  /**
   * A key's lock older than this is stale and is broken, even if its owner still runs. A lock
   * whose owner is a dead process of this host is broken at once.
   *
   * @remarks A lock is held for one read-compare-write, normally milliseconds; the lease is
   * generous so that a slow disk or a paused process is not mistaken for a dead one.
   * @defaultValue `30_000`
   */
  lockStaleMs?: number;
  /**
   * How long a write waits for a key's lock held by a live process before it fails with a
   * `StoreError`.
   *
   * @defaultValue `60_000`
   */
  lockTimeoutMs?: number;
  /**
   * Where broken stale locks and throwing watch listeners are reported.
   *
   * @defaultValue `silentLogger`
   */
  logger?: Logger;
}

interface StoredRecord {
  readonly version: string;
  /** The value, parsed afresh from the file: the caller's own copy. */
  readonly value: unknown;
}

const READ_CONCURRENCY = 16;
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP']);

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function positive(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ValidationError(field, 'must be a positive number of milliseconds');
  }
  return value;
}

/**
 * A version is `<sequence>-<random>`: the sequence counts the writes since the key was created,
 * and the 72 random bits keep a version unique after the key is deleted and created again.
 */
function nextVersion(current: string | undefined): string {
  const sequence = current === undefined ? 0 : Number.parseInt(current, 36) || 0;
  return `${(sequence + 1).toString(36)}-${randomBytes(9).toString('base64url')}`;
}

function parseRecord(text: string, key: string): StoredRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StoreError(`corrupt record for store key ${JSON.stringify(key)}: not JSON`, {
      cause: err,
    });
  }
  if (
    typeof data !== 'object' ||
    data === null ||
    typeof (data as { version?: unknown }).version !== 'string' ||
    !('value' in data)
  ) {
    throw new StoreError(
      `corrupt record for store key ${JSON.stringify(key)}: not a {version, value} record`,
    );
  }
  const { version, value } = data as { version: string; value: unknown };
  return { version, value };
}

async function readRecord(file: string, key: string): Promise<StoredRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  return parseRecord(text, key);
}

/**
 * Runs one store operation, turning an I/O failure into a StoreError naming the operation and
 * the key; certflow's own errors (conflicts, bad keys, corrupt records) pass through.
 */
async function operation<T>(name: string, subject: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (CertflowError.is(err)) throw err;
    throw new StoreError(
      `file store ${name} of ${JSON.stringify(subject)} failed (${errorCode(err) ?? String(err)})`,
      { cause: err },
    );
  }
}

/** Makes a directory change (a rename, an unlink, a new entry) durable. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Some platforms (Windows) and file systems cannot sync a folder: the rename is still atomic.
    if (!DIRECTORY_SYNC_UNSUPPORTED.has(errorCode(err) ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}

/** Creates `dir` and its missing parents (mode 0700) and makes their entries durable. */
async function ensureDirectory(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  const parents = new Set<string>();
  for (let created = dir; ; created = path.dirname(created)) {
    parents.add(path.dirname(created));
    if (created === first || path.dirname(created) === created) break;
  }
  for (const parent of parents) await syncDirectory(parent);
}

async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function isValidKey(key: string): boolean {
  try {
    assertStoreKey(key);
    return true;
  } catch {
    return false;
  }
}

/** Collects the record files under `dir` whose key starts with `keyPrefix` + `partial`. */
async function walk(
  dir: string,
  keyPrefix: string,
  partial: string,
  found: { key: string; file: string }[],
): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw err;
  }
  for (const entry of entries) {
    // Names starting with "." are the store's temp, lock and guard files.
    if (entry.name.startsWith('.')) continue;
    // Symbolic links and other special files are never records: they could point anywhere.
    const role = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : undefined;
    if (role === undefined) continue;
    const segment = decodeSegment(entry.name, role);
    if (segment === undefined || !segment.startsWith(partial)) continue;
    const key = keyPrefix + segment;
    if (role === 'dir') await walk(path.join(dir, entry.name), `${key}/`, '', found);
    else if (isValidKey(key)) found.push({ key, file: path.join(dir, entry.name) });
  }
}

/**
 * Creates a Store that keeps one file per key under `options.directory`.
 *
 * @remarks
 * Layout: the key `resources/Certificate/default/web` is the file
 * `resources/Certificate/default/web.json`, holding `{"version": ..., "value": ...}`; characters
 * other than `A-Z a-z 0-9 . _ -` are percent-escaped, so the mapping is injective and never
 * leaves the folder. Keys that are invalid (see `assertStoreKey`) or whose segments are longer
 * than 250 bytes once escaped are rejected with a `StoreKeyError`. Files are created 0600 and
 * folders 0700, as the records hold private keys.
 *
 * Writes go to a temp file in the record's folder, which is synced and renamed over the record,
 * then the folder is synced: a reader sees the old record or the new one, never a half-written
 * one, and a completed write survives a crash. A file that is not a valid record makes every
 * operation on its key fail with a `StoreError` naming the key; remove the file to repair it.
 *
 * Compare-and-set holds across processes and across store instances on the same folder: the
 * read-compare-write of a key runs under an exclusive lock file (see `lockStaleMs`). Versions are
 * `<sequence>-<random>` and never reused, not even after a delete. Deleting a key leaves its
 * folders in place.
 *
 * `watch` reports the changes made through this store instance, asynchronously and in write order,
 * as the memory store does. It does not report changes made by other processes or instances: use
 * one instance per process, or a store with cross-process notifications (PostgreSQL) when several
 * engines share records.
 *
 * @example
 * ```ts
 * const store = createFileStore({ directory: '.certflow' });
 * const engine = createEngine({ store });
 * ```
 */
export function createFileStore(options: FileStoreOptions): Store {
  if (typeof options?.directory !== 'string' || options.directory === '') {
    throw new ValidationError('directory', 'must be a non-empty path');
  }
  const root = path.resolve(options.directory);
  const logger = options.logger ?? silentLogger;
  const lockSettings: FileLockSettings = {
    staleMs: positive(options.lockStaleMs, 'lockStaleMs', 30_000),
    timeoutMs: positive(options.lockTimeoutMs, 'lockTimeoutMs', 60_000),
    logger,
  };
  const feed = new ChangeFeed(logger);
  // One operation per key at a time in this process, so writers queue here instead of polling
  // the lock file; the lock file then only arbitrates between processes.
  const queue = new KeyedMutex();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new StoreError('the file store is closed');
  };

  /** Runs `work` with the key's lock held; `work` re-reads the record under the lock. */
  const locked = async <T>(
    paths: RecordPaths,
    key: string,
    work: (lock: HeldLock) => Promise<T>,
  ) => {
    await ensureDirectory(paths.dir);
    const lock = await acquireFileLock(paths.lock, paths.guard, key, lockSettings);
    try {
      return await work(lock);
    } finally {
      await lock.release();
    }
  };

  const writeRecord = async (paths: RecordPaths, key: string, text: string, lock: HeldLock) => {
    const temp = path.join(paths.dir, `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Check again after the slow part: a lock broken as stale meanwhile means another writer
      // may have read the old record too, so this write must not land.
      if (!(await lock.stillHeld())) {
        throw new StoreError(
          `the lock on store key ${JSON.stringify(key)} was broken as stale while held`,
        );
      }
      await rename(temp, paths.file);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await syncDirectory(paths.dir);
  };

  return {
    async get<T = unknown>(key: string): Promise<StoreRecord<T> | undefined> {
      ensureOpen();
      const paths = recordPaths(root, key);
      return operation('get', key, async () => {
        const record = await readRecord(paths.file, key);
        return record === undefined
          ? undefined
          : { key, value: record.value as T, version: record.version };
      });
    },

    async list<T = unknown>(prefix: string): Promise<StoreRecord<T>[]> {
      ensureOpen();
      assertStorePrefix(prefix);
      return operation('list', prefix, async () => {
        const { dir, partial } = prefixBase(root, prefix);
        const found: { key: string; file: string }[] = [];
        await walk(dir, prefix.slice(0, prefix.length - partial.length), partial, found);
        const records = await mapLimit(found, READ_CONCURRENCY, async ({ key, file }) => {
          const record = await readRecord(file, key);
          return record === undefined
            ? undefined
            : { key, value: record.value as T, version: record.version };
        });
        return records
          .filter((record): record is StoreRecord<T> => record !== undefined)
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      });
    },

    async put<T = unknown>(key: string, value: T, putOptions?: PutOptions): Promise<string> {
      ensureOpen();
      const paths = recordPaths(root, key);
      const ifVersion = readIfVersion(putOptions, true);
      const json = serialiseValue(value);
      const check = (current: StoredRecord | undefined): void => {
        const actual = current?.version ?? null;
        if (ifVersion !== undefined && ifVersion !== actual) {
          throw new ConflictError(key, ifVersion, actual);
        }
      };
      return operation('put', key, () =>
        queue.run(key, async () => {
          // A mismatch seen without the lock is already a valid answer (versions are never
          // reused), and costs one read instead of a lock round trip.
          if (ifVersion !== undefined) check(await readRecord(paths.file, key));
          return locked(paths, key, async (lock) => {
            const current = await readRecord(paths.file, key);
            check(current);
            const version = nextVersion(current?.version);
            const text = `{"version":${JSON.stringify(version)},"value":${json}}`;
            await writeRecord(paths, key, text, lock);
            feed.emit('put', key, version, json);
            return version;
          });
        }),
      );
    },

    async delete(key: string, deleteOptions?: DeleteOptions): Promise<boolean> {
      ensureOpen();
      const paths = recordPaths(root, key);
      const ifVersion = readIfVersion(deleteOptions, false);
      /** Throws on a version mismatch; whether there is a record to delete. */
      const check = (current: StoredRecord | undefined): current is StoredRecord => {
        if (ifVersion !== undefined && ifVersion !== current?.version) {
          throw new ConflictError(key, ifVersion, current?.version ?? null);
        }
        return current !== undefined;
      };
      return operation('delete', key, () =>
        queue.run(key, async () => {
          if (!check(await readRecord(paths.file, key))) return false;
          return locked(paths, key, async () => {
            const current = await readRecord(paths.file, key);
            if (!check(current)) return false;
            await unlink(paths.file);
            await syncDirectory(paths.dir);
            feed.emit('delete', key, current.version);
            return true;
          });
        }),
      );
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
