/**
 * The file Store, certflow's embedded default: one folder, holding a log of every write
 * (file-log.ts) or, in the earlier layout, one file per key.
 *
 * @packageDocumentation
 */
import {
  closeSync,
  fchmodSync,
  fdatasync,
  ftruncateSync,
  linkSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { ConflictError, StoreError, ValidationError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { readIfVersion } from './cas-options.js';
import { ChangeFeed } from './change-feed.js';
import {
  ensureDirectory,
  FolderSyncs,
  syncDirectory,
  type SyncFolder,
} from './file-folder-sync.js';
import { nextVersion, uniqueId } from './file-ids.js';
import { createLogStore, LOG_FILE, syncLogData, type SyncLog } from './file-log.js';
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
import { errorCode, storeOperation } from './fs-errors.js';
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
  /**
   * How the folder holds the records: `log`, one append-only file indexed in memory, or `files`,
   * one file per key (the layout of certflow before the log).
   *
   * @remarks Omitted, the layout is the one the folder already holds, and `log` for a new or
   * empty folder. Given, it must match what the folder holds.
   * @defaultValue the folder's layout, else `'log'`
   */
  layout?: FileStoreLayout;
}

/** How a file store lays out its records: see {@link FileStoreOptions.layout}. */
export type FileStoreLayout = 'log' | 'files';

/** The layout the folder at `root` holds, if any: a log, or record files and folders. */
function layoutFound(root: string): FileStoreLayout | undefined {
  if (statSync(path.join(root, LOG_FILE), { throwIfNoEntry: false }) !== undefined) return 'log';
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  // Names starting with "." are the store's owner, lock, temp and spare files.
  return names.some((name) => !name.startsWith('.')) ? 'files' : undefined;
}

/**
 * The layout to open `root` with.
 *
 * @throws ValidationError (field `layout`) when `asked` is not a layout, or not the folder's.
 */
function chooseLayout(root: string, asked: unknown): FileStoreLayout {
  if (asked !== undefined && asked !== 'log' && asked !== 'files') {
    throw new ValidationError('layout', 'must be "log" or "files"');
  }
  const found = layoutFound(root);
  if (asked === undefined) return found ?? 'log';
  if (found !== undefined && found !== asked) {
    throw new ValidationError(
      'layout',
      found === 'log'
        ? `is "files", but the folder holds a log (${LOG_FILE})`
        : 'is "log", but the folder holds record files of the "files" layout',
    );
  }
  return asked;
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
 * Creates a Store that keeps every record under `options.directory` (created 0700 when missing).
 *
 * @remarks
 * **The `log` layout** (the default for a new folder) keeps every write as a line of one
 * append-only file, `records.log` (0600, as the records hold private keys): a put is
 * `{"version", "key", "sum", "value"}`, the sum a CRC-32 of version, key and value, and a delete
 * is the same without a value and with `"deleted": true`. Each store instance holds an index in
 * memory, key to where its last line is, not the values: a `get` reads one line, a `list` one
 * line per record. Before each operation an instance reads the lines other processes appended
 * since (an `fstat` when there are none).
 *
 * A write is durable when it resolves: writes queue in the instance, and each batch, under a
 * lock held only while it checks and appends (a hard link to the instance's owner file,
 * `.owner-<token>`, as below), appends its lines in one write; it then waits for an `fdatasync`
 * of the log that started after its append, shared by every batch appended meanwhile (a group
 * commit). A crash can only leave a torn last line: readers ignore it and the next writer cuts it
 * off. A line that fails its checksum with valid lines after it is damage, not a crash: every
 * operation then fails with a `StoreError` naming its offset. When the log is more than twice the
 * size of its live lines (and at least 8 MiB), the writer rewrites the live lines to a new file,
 * syncs it and renames it over the log; other instances then reopen it. Compaction holds the
 * lock while it copies, so a very large store pauses other processes' writes for that time.
 *
 * **The `files` layout** keeps one file per key: `resources/Certificate/default/web` is the file
 * `resources/Certificate/default/web.json`, holding a record of the same form; characters other
 * than `A-Z a-z 0-9 . _ -` are percent-escaped, so the mapping is injective and never leaves the
 * folder. Keys whose segments are longer than 250 bytes once escaped are rejected with a
 * `StoreKeyError` (records without key and sum, written by earlier versions, are read as they
 * are). Writes go to a file in the record's folder, which is synced and renamed over the record,
 * then the folder is synced: a reader sees the old record or the new one, never a half-written
 * one, and a completed write survives a crash. That file is a record an earlier write displaced,
 * once it has been out of use for a quarantine, or else a new temp file: no inode is allocated or
 * freed per write in steady state (see file-spares.ts for why and for the reader's side). Writes
 * renamed into one folder while a sync of it runs share the next sync of that folder; a write
 * never resolves on a sync that started before its rename. A file that is not a valid record
 * makes every operation on its key fail with a `StoreError` naming the key; remove the file to
 * repair it. `close` removes the instance's spare files; a killed process's are removed by a
 * later listing of their folder. The read-compare-write of a key runs under an exclusive lock per
 * key: a hard link, next to the record, to a small owner file that each store instance keeps in
 * the folder (`.owner-<token>`, removed by `close`), so that taking a lock allocates no file.
 *
 * In both layouts, compare-and-set holds across processes and across store instances on the
 * same folder, invalid keys (see `assertStoreKey`) are rejected with a `StoreKeyError`, and
 * versions are `<sequence>-<unique>`, never reused, not even after a delete. Reads, locks and
 * appends use synchronous system calls; only the syncs (and the `files` layout's listings) go
 * through libuv's thread pool: a read from the page cache costs a few microseconds, far less than
 * a thread pool round trip. Every operation still takes at least one turn of the event loop, and
 * `list` yields every 128 records; on a slow or network file system, though, each system call
 * blocks the event loop for its latency.
 *
 * `watch` reports the changes made through this store instance, asynchronously and in write order,
 * as the memory store does. It does not report changes made by other processes or instances: use
 * one instance per process, or a store with cross-process notifications when several engines
 * share records.
 *
 * @throws ValidationError naming the option (`directory`, `lockStaleMs`, `lockTimeoutMs`,
 *   `layout`) when it is invalid, or when `layout` is not the one the folder holds.
 *
 * @example
 * ```ts
 * const store = createFileStore({ directory: '.certflow' });
 * const engine = createEngine({ store });
 * ```
 */
export function createFileStore(options: FileStoreOptions): Store {
  return createFileStoreWith(options, syncDirectory, syncLogData);
}

/**
 * {@link createFileStore}, with its folder syncs made by `syncFolder` and the log's by `syncLog`.
 *
 * @internal Tests pass syncs that record when each starts and ends, to check that a write
 * resolves only after a sync that started after its rename or append. Not exported by the package.
 */
export function createFileStoreWith(
  options: FileStoreOptions,
  syncFolder: SyncFolder,
  syncLog: SyncLog = syncLogData,
): Store {
  if (typeof options?.directory !== 'string' || options.directory === '') {
    throw new ValidationError('directory', 'must be a non-empty path');
  }
  const root = path.resolve(options.directory);
  const logger = options.logger ?? silentLogger;
  const lockStaleMs = positive(options.lockStaleMs, 'lockStaleMs', 30_000);
  const lockTimeoutMs = positive(options.lockTimeoutMs, 'lockTimeoutMs', 60_000);
  if (chooseLayout(root, options.layout) === 'log') {
    return createLogStore({ root, logger, lockStaleMs, lockTimeoutMs, syncFolder, syncLog });
  }
  return createRecordFilesStore(root, logger, syncFolder, {
    staleMs: lockStaleMs,
    timeoutMs: lockTimeoutMs,
    logger,
    owner: new LockOwner(root),
  });
}

/** The `files` layout: see {@link createFileStore}. */
function createRecordFilesStore(
  root: string,
  logger: Logger,
  syncFolder: SyncFolder,
  lockSettings: FileLockSettings,
): Store {
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
      return storeOperation('get', key, async () => {
        const record = await readRecord(paths.file, key);
        return record === undefined
          ? undefined
          : { key, value: record.value as T, version: record.version };
      });
    },

    async list<T = unknown>(prefix: string): Promise<StoreRecord<T>[]> {
      ensureOpen();
      assertStorePrefix(prefix);
      return storeOperation('list', prefix, async () => {
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
      return storeOperation('put', key, () =>
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
      return storeOperation('delete', key, () =>
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
