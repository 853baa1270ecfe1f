/**
 * The file Store, certflow's embedded default: one file per key under one folder.
 *
 * @packageDocumentation
 */
import {
  closeSync,
  fchmodSync,
  fdatasync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { CertflowError, ConflictError, StoreError, ValidationError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { readIfVersion } from './cas-options.js';
import { ChangeFeed } from './change-feed.js';
import { FolderSyncs, syncDirectory, type SyncFolder } from './file-folder-sync.js';
import { uniqueId } from './file-ids.js';
import {
  acquireFileLock,
  LockOwner,
  ownerIsGone,
  tryAcquireFileLock,
  type FileLockSettings,
  type HeldLock,
} from './file-lock.js';
import {
  createRecordPathsMemo,
  decodeSegment,
  inFolder,
  prefixBase,
  type RecordPaths,
} from './file-paths.js';
import {
  readRecord,
  readRecordNow,
  readRecords,
  recordText,
  type RecordFile,
  type StoredRecord,
} from './file-records.js';
import { removeQuietly, SparePool, spareOwnerToken } from './file-spares.js';
import { errorCode } from './fs-errors.js';
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
   * A key's lock whose owner (a store instance) has taken or released no lock for this long is
   * stale and is broken, even if its owner still runs. A lock whose owner is a dead process of
   * this host is broken at once.
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

/**
 * How many folders a store remembers as existing; past that it forgets them all and checks each
 * again on its next write (certflow's own keys use one folder per kind and namespace).
 */
const KNOWN_FOLDERS_LIMIT = 4096;

function positive(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ValidationError(field, 'must be a positive number of milliseconds');
  }
  return value;
}

/**
 * A version is `<sequence>-<unique>`: the sequence counts the writes since the key was created,
 * and the unique part, never returned twice by any process (see file-ids.ts), keeps a version
 * unique after the key is deleted and created again.
 */
function nextVersion(current: string | undefined): string {
  const sequence = current === undefined ? 0 : Number.parseInt(current, 36) || 0;
  return `${(sequence + 1).toString(36)}-${uniqueId()}`;
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

/**
 * Flushes the new temp file `fd` to disk, on the thread pool: the one slow call of a write.
 *
 * @remarks `fdatasync` is enough here: it leaves out only the metadata a later read does not
 * need (timestamps), and still flushes the size and the blocks of a file whose size changed, as
 * a new file's always has (fdatasync(2)). It measured about a tenth cheaper than `fsync`.
 */
function syncData(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (err) => (err === null ? resolve() : reject(err)));
  });
}

/** Creates `dir` and its missing parents (mode 0700) and makes their entries durable. */
async function ensureDirectory(dir: string, syncs: FolderSyncs): Promise<void> {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  const parents = new Set<string>();
  for (let created = dir; ; created = path.dirname(created)) {
    parents.add(path.dirname(created));
    if (created === first || path.dirname(created) === created) break;
  }
  for (const parent of parents) await syncs.sync(parent);
}

function isValidKey(key: string): boolean {
  try {
    assertStoreKey(key);
    return true;
  } catch {
    return false;
  }
}

/** A spare file met by a listing, with the owner token in its name. */
interface FoundSpare {
  readonly file: string;
  readonly token: string;
}

/**
 * Collects the record files under `dir` whose key starts with `keyPrefix` + `partial`, and the
 * spare files met on the way (see file-spares.ts).
 */
async function walk(
  dir: string,
  keyPrefix: string,
  partial: string,
  found: RecordFile[],
  spares: FoundSpare[],
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
    // Names starting with "." are the store's temp, spare, lock and guard files.
    if (entry.name.startsWith('.')) {
      const token = spareOwnerToken(entry.name);
      if (token !== undefined && entry.isFile()) {
        spares.push({ file: inFolder(dir, entry.name), token });
      }
      continue;
    }
    // Symbolic links and other special files are never records: they could point anywhere.
    const role = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : undefined;
    if (role === undefined) continue;
    const segment = decodeSegment(entry.name, role);
    if (segment === undefined || !segment.startsWith(partial)) continue;
    const key = keyPrefix + segment;
    const child = inFolder(dir, entry.name);
    if (role === 'dir') await walk(child, `${key}/`, '', found, spares);
    else if (isValidKey(key)) found.push({ key, file: child });
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
 * Layout of a record file: `{"version", "key", "sum", "value"}`, the key it belongs to and a
 * CRC-32 of version, key and value (records without the two, written by earlier versions, are
 * read as they are).
 *
 * Writes go to a file in the record's folder, which is synced and renamed over the record, then
 * the folder is synced: a reader sees the old record or the new one, never a half-written one,
 * and a completed write survives a crash. That file is a record an earlier write displaced, once
 * it has been out of use for a quarantine, or else a new temp file: no inode is allocated or
 * freed per write in steady state (see file-spares.ts for why and for the reader's side). Writes
 * renamed into one folder while a sync of it runs share the next sync of that folder (a group
 * commit); a write never resolves on a sync that started before its rename. A file that is not a
 * valid record makes every operation on its key fail with a `StoreError` naming the key; remove
 * the file to repair it. `close` removes the instance's spare files; a killed process's are
 * removed by a later listing of their folder.
 *
 * Compare-and-set holds across processes and across store instances on the same folder: the
 * read-compare-write of a key runs under an exclusive lock: a hard link, next to the record, to
 * a small owner file that each store instance keeps in the folder (`.owner-<token>`, removed by
 * `close`), so that taking a lock allocates no file (see `lockStaleMs`). Versions are
 * `<sequence>-<unique>` and never reused, not even after a delete. Deleting a key leaves its
 * folders in place; a folder removed behind the store's back is created again by the next write.
 *
 * Reads, locks and renames use synchronous system calls; only the syncs and folder listings
 * go through libuv's thread pool. A record is a small file, normally in the page cache: a blocking
 * read of one costs a few microseconds, an eighth of the CPU of an asynchronous read's thread pool
 * round trips (and a listing of 100,000 records is four times faster). Every operation still takes
 * at least one turn of the event loop, and `list` yields every 128 records; on a slow or network
 * file system, though, each system call blocks the event loop for its latency.
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
  return createFileStoreWith(options, syncDirectory);
}

/**
 * {@link createFileStore}, with its folder syncs made by `syncFolder`.
 *
 * @internal Tests pass a `syncFolder` that records when each sync starts and ends, to check that
 * a write resolves only after a sync that started after its rename. Not exported by the package.
 */
export function createFileStoreWith(options: FileStoreOptions, syncFolder: SyncFolder): Store {
  if (typeof options?.directory !== 'string' || options.directory === '') {
    throw new ValidationError('directory', 'must be a non-empty path');
  }
  const root = path.resolve(options.directory);
  const logger = options.logger ?? silentLogger;
  const lockSettings: FileLockSettings = {
    staleMs: positive(options.lockStaleMs, 'lockStaleMs', 30_000),
    timeoutMs: positive(options.lockTimeoutMs, 'lockTimeoutMs', 60_000),
    logger,
    owner: new LockOwner(root),
  };
  const pathsOf = createRecordPathsMemo(root);
  const feed = new ChangeFeed(logger);
  // One operation per key at a time in this process, so writers queue here instead of polling
  // the lock file; the lock file then only arbitrates between processes.
  const queue = new KeyedMutex();
  const syncs = new FolderSyncs(syncFolder);
  // Folders this store has created or found, so a write need not ask the file system each time.
  const knownFolders = new Set<string>();
  // Displaced records kept to be written again: see file-spares.ts.
  const spares = new SparePool();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new StoreError('the file store is closed');
  };

  /**
   * Takes the key's lock, creating its folder first if this store has not seen it: without a
   * turn of the event loop when the folder is known and the lock free, the common case.
   */
  const takeLock = (paths: RecordPaths, key: string): HeldLock | Promise<HeldLock> => {
    if (!knownFolders.has(paths.dir)) return takeLockInNewFolder(paths, key);
    try {
      return (
        tryAcquireFileLock(paths.lock, key, lockSettings) ??
        acquireFileLock(paths.lock, paths.guard, key, lockSettings)
      );
    } catch (err) {
      // The lock file is the first thing a write creates in the folder: if the folder was
      // removed behind the store's back, that fails with ENOENT. Create it again, once.
      if (errorCode(err) !== 'ENOENT') throw err;
      knownFolders.delete(paths.dir);
      return takeLockInNewFolder(paths, key);
    }
  };

  const takeLockInNewFolder = async (paths: RecordPaths, key: string): Promise<HeldLock> => {
    await ensureDirectory(paths.dir, syncs);
    const lock = await acquireFileLock(paths.lock, paths.guard, key, lockSettings);
    if (knownFolders.size >= KNOWN_FOLDERS_LIMIT) knownFolders.clear();
    knownFolders.add(paths.dir);
    return lock;
  };

  /** Runs `work` with the key's lock held; `work` re-reads the record under the lock. */
  const locked = async <T>(
    paths: RecordPaths,
    key: string,
    work: (lock: HeldLock) => Promise<T>,
  ) => {
    const taken = takeLock(paths, key);
    // Awaited only when there was waiting to do: an await costs turns of the microtask queue.
    const lock = taken instanceof Promise ? await taken : taken;
    try {
      return await work(lock);
    } finally {
      lock.release();
    }
  };

  /**
   * Writes `text` to a file in the record's folder and flushes it: into a spare when one is out of
   * quarantine (rewritten in place), else into a new temp file.
   *
   * @returns the file written, or `undefined` when the spare was gone (removed as an orphan).
   */
  const writeFile = async (
    paths: RecordPaths,
    bytes: Buffer,
    spare: string | undefined,
  ): Promise<string | undefined> => {
    let file: string;
    let fd: number;
    if (spare === undefined) {
      // Unique among concurrent writers in any process (see file-ids.ts); `wx` never reuses a file.
      file = inFolder(paths.dir, `.${uniqueId()}.tmp`);
      fd = openSync(file, 'wx', 0o600);
    } else {
      file = spare;
      try {
        fd = openSync(file, 'r+');
      } catch (err) {
        if (errorCode(err) === 'ENOENT') return undefined;
        throw err;
      }
    }
    try {
      for (let offset = 0; offset < bytes.length;) {
        offset += writeSync(fd, bytes, offset, bytes.length - offset, offset);
      }
      if (spare !== undefined) {
        ftruncateSync(fd, bytes.length);
        // A record made by someone else may have had other permissions.
        fchmodSync(fd, 0o600);
      }
      await syncData(fd);
    } catch (err) {
      closeSync(fd);
      removeQuietly(file);
      throw err;
    }
    closeSync(fd);
    return file;
  };

  /**
   * Links the record at `paths.file` under a new spare name, so that the rename over it does not
   * free it; `undefined` when there is no record (a new key).
   */
  const keepDisplaced = (paths: RecordPaths): string | undefined => {
    const spare = spares.name(paths.dir, lockSettings.owner.token());
    try {
      linkSync(paths.file, spare);
      return spare;
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  };

  /**
   * Waits for the folder sync that makes a rename in `dir` durable, then hands the file it
   * displaced (if any) to the spares: only then may it be written again.
   */
  const syncThenKeep = async (dir: string, displaced: string | undefined): Promise<void> => {
    try {
      // Shared with the other writes renamed into this folder meanwhile: see file-folder-sync.ts.
      await syncs.sync(dir);
    } catch (err) {
      if (displaced !== undefined) removeQuietly(displaced);
      throw err;
    }
    if (displaced !== undefined) spares.give(dir, displaced);
  };

  const writeRecord = async (paths: RecordPaths, key: string, text: string, lock: HeldLock) => {
    const bytes = Buffer.from(text);
    const spare = spares.take(paths.dir);
    const written =
      (spare === undefined ? undefined : await writeFile(paths, bytes, spare)) ??
      ((await writeFile(paths, bytes, undefined)) as string);
    let displaced: string | undefined;
    try {
      // Check again after the slow part: a lock broken as stale meanwhile means another writer
      // may have read the old record too, so this write must not land.
      if (!lock.stillHeld()) {
        throw new StoreError(
          `the lock on store key ${JSON.stringify(key)} was broken as stale while held`,
        );
      }
      displaced = keepDisplaced(paths);
      renameSync(written, paths.file);
    } catch (err) {
      if (displaced !== undefined) removeQuietly(displaced);
      removeQuietly(written);
      throw err;
    }
    await syncThenKeep(paths.dir, displaced);
  };

  /** Removes the spares met by a listing whose store instance is gone (a killed process's). */
  const removeOrphans = (found: readonly FoundSpare[]): void => {
    const gone = new Map<string, boolean>();
    for (const { file, token } of found) {
      let isGone = gone.get(token);
      if (isGone === undefined) {
        isGone = ownerIsGone(root, token);
        gone.set(token, isGone);
      }
      if (isGone) removeQuietly(file);
    }
  };

  return {
    async get<T = unknown>(key: string): Promise<StoreRecord<T> | undefined> {
      ensureOpen();
      const paths = pathsOf(key);
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
        const found: RecordFile[] = [];
        const foundSpares: FoundSpare[] = [];
        await walk(
          dir,
          prefix.slice(0, prefix.length - partial.length),
          partial,
          found,
          foundSpares,
        );
        removeOrphans(foundSpares);
        found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        return readRecords<T>(found);
      });
    },

    async put<T = unknown>(key: string, value: T, putOptions?: PutOptions): Promise<string> {
      ensureOpen();
      const paths = pathsOf(key);
      const ifVersion = readIfVersion(putOptions, true);
      const json = serialiseValue(value);
      const check = (current: StoredRecord | undefined): void => {
        const actual = current?.version ?? null;
        if (ifVersion !== undefined && ifVersion !== actual) {
          throw new ConflictError(key, ifVersion, actual);
        }
      };
      return operation('put', key, () =>
        queue.run(key, () =>
          // One read, under the lock. A read before taking it could answer a mismatch sooner,
          // but then every match, the common case, would read the record twice.
          locked(paths, key, async (lock) => {
            const current = readRecordNow(paths.file, key);
            check(current);
            const version = nextVersion(current?.version);
            const text = recordText(version, key, json);
            await writeRecord(paths, key, text, lock);
            feed.emit('put', key, version, json);
            return version;
          }),
        ),
      );
    },

    async delete(key: string, deleteOptions?: DeleteOptions): Promise<boolean> {
      ensureOpen();
      const paths = pathsOf(key);
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
          // A key that is not there is answered without creating its folders or a lock.
          if (!check(await readRecord(paths.file, key))) return false;
          return locked(paths, key, async () => {
            const current = readRecordNow(paths.file, key);
            if (!check(current)) return false;
            // Kept as a spare rather than freed (see file-spares.ts).
            const displaced = spares.name(paths.dir, lockSettings.owner.token());
            renameSync(paths.file, displaced);
            await syncThenKeep(paths.dir, displaced);
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
      spares.close();
      lockSettings.owner.close();
    },
  };
}
