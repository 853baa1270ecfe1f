/**
 * The file store's log layout: every record in one append-only file, indexed in memory.
 *
 * @remarks
 * The folder holds `records.log`, one line per write: a put is the record text of
 * file-records.ts (`{"version", "key", "sum", "value"}`, the sum a CRC-32 of version, key and
 * value), a delete is `{"version", "key", "sum", "deleted": true}`. The last line of a key is
 * its state. Each store instance keeps an index in memory, key to the version, offset and length
 * of its last line (not the value: a read reads its line again), and catches up with the lines
 * other processes appended before every operation: an `fstat` of the open log, and a read of
 * what is new.
 *
 * Writes queue per instance. A batch takes the store's lock (the hard-link lock of file-lock.ts,
 * `.records.log.lock`), catches up, checks each compare-and-set against the index, appends its
 * lines with one positional write and releases the lock: the lock is held for microseconds.
 * Then the batch waits for an `fdatasync` of the log that started after its write, shared with
 * every batch appended while the previous one ran (group commit): a write resolves once it is on
 * disk.
 *
 * A crash can leave a torn last line. Readers stop at the first line that is cut short or fails
 * its checksum, and the next writer, which holds the lock and so knows nobody else is appending,
 * cuts it off before appending. A line that fails its checksum with a valid line after it is not
 * a torn write but damage: every operation then fails with a `StoreError` naming its offset.
 *
 * When the log holds more than twice its live lines and at least {@link COMPACT_MIN_BYTES}, the
 * writer holding the lock copies the live lines to a new file, syncs it, renames it over the log
 * and syncs the folder. Other instances see their open log's link count drop to zero and load the
 * new one; reads already under way finish on the old file, which stays readable while open.
 *
 * @packageDocumentation
 */
import {
  closeSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { ConflictError, StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import { readIfVersion } from './cas-options.js';
import { ChangeFeed } from './change-feed.js';
import { ensureDirectory, FolderSyncs, type SyncFolder } from './file-folder-sync.js';
import { nextVersion, uniqueId } from './file-ids.js';
import {
  acquireFileLock,
  LockOwner,
  tryAcquireFileLock,
  type FileLockSettings,
  type HeldLock,
} from './file-lock.js';
import {
  LIST_SLICE,
  parseRecord,
  recordSum,
  recordText,
  yieldToEventLoop,
} from './file-records.js';
import { errorCode, storeOperation } from './fs-errors.js';
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

/** The log's file name in the store's folder. */
export const LOG_FILE = 'records.log';

/** A log smaller than this is never compacted. */
export const COMPACT_MIN_BYTES = 8 * 1024 * 1024;

/** How much of the log a catch-up reads at a time (a longer line grows the buffer). */
const SCAN_CHUNK_BYTES = 1024 * 1024;

/** How many bytes compaction copies between two turns of the event loop. */
const COMPACT_SLICE_BYTES = 4 * 1024 * 1024;

const NEWLINE = 0x0a;
const VALUE_MARKER = Buffer.from(',"value":');

/** Flushes the log's data to disk, then calls `done` once, with the error if any. */
export type SyncLog = (fd: number, done: (err: Error | null) => void) => void;

/** `fdatasync` on the thread pool: the size and blocks of the appended lines, not timestamps. */
export const syncLogData: SyncLog = (fd, done) => fdatasync(fd, done);

/** What the log layout is made with. */
export interface LogStoreSettings {
  readonly root: string;
  readonly logger: Logger;
  readonly lockStaleMs: number;
  readonly lockTimeoutMs: number;
  readonly syncFolder: SyncFolder;
  readonly syncLog: SyncLog;
}

/** Where a key's last line is. */
interface Entry {
  readonly version: string;
  readonly offset: number;
  /** Without the newline. */
  readonly length: number;
}

/** One open log file. */
interface LogFile {
  readonly fd: number;
  /** Reads and syncs under way on it: it is closed once retired and no longer in use. */
  uses: number;
  retired: boolean;
}

/** The index: keys by folder (the key up to its last `/`), so a listing walks one folder. */
type Folders = Map<string, Map<string, Entry>>;

function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/** The line of a delete. */
function tombstoneText(version: string, key: string): string {
  return (
    `{"version":${JSON.stringify(version)},"key":${JSON.stringify(key)},` +
    `"sum":"${recordSum(version, key, '')}","deleted":true}`
  );
}

/** A line's header, or why it is not a line of this log. */
type LineHeader =
  | { readonly key: string; readonly version: string; readonly deleted: boolean }
  | { readonly invalid: string };

function header(data: unknown): { key: string; version: string; sum: string } | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { key, version, sum } = data as Record<string, unknown>;
  if (typeof key !== 'string' || typeof version !== 'string' || typeof sum !== 'string') {
    return undefined;
  }
  return { key, version, sum };
}

/**
 * Reads the header of the line `buffer[start, end)` and checks its checksum, without parsing the
 * value: the value comes last, after the first `,"value":` (JSON strings escape `"`, so no key,
 * version or sum contains it).
 */
function readHeader(buffer: Buffer, start: number, end: number): LineHeader {
  const marker = buffer.indexOf(VALUE_MARKER, start);
  let text: string;
  let valueStart = -1;
  if (marker !== -1 && marker < end) {
    if (buffer[end - 1] !== 0x7d) return { invalid: 'it does not end its record' };
    text = `${buffer.toString('utf8', start, marker)}}`;
    valueStart = marker + VALUE_MARKER.length;
  } else {
    text = buffer.toString('utf8', start, end);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { invalid: 'it is not JSON' };
  }
  const found = header(data);
  if (found === undefined) return { invalid: 'it is not a record' };
  const { key, version, sum } = found;
  if (valueStart === -1) {
    if ((data as { deleted?: unknown }).deleted !== true) return { invalid: 'it has no value' };
    if (recordSum(version, key, '') !== sum) return { invalid: 'its checksum does not match' };
    return { key, version, deleted: true };
  }
  const actual = crc32(buffer.subarray(valueStart, end - 1), crc32(key, crc32(version)));
  if (actual.toString(16).padStart(8, '0') !== sum) {
    return { invalid: 'its checksum does not match' };
  }
  return { key, version, deleted: false };
}

let scratch: Buffer | undefined;

/** A buffer of at least `bytes`, shared by every synchronous read of this module. */
function scratchBuffer(bytes: number): Buffer {
  if (scratch === undefined || scratch.length < bytes) {
    scratch = Buffer.allocUnsafe(Math.max(bytes, SCAN_CHUNK_BYTES));
  }
  return scratch;
}

/** Reads `length` bytes at `position` of `fd` into `buffer`; fewer only at the end of the file. */
function readAt(fd: number, buffer: Buffer, length: number, position: number): number {
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}

function writeAt(fd: number, bytes: Buffer, position: number): void {
  for (let written = 0; written < bytes.length;) {
    written += writeSync(fd, bytes, written, bytes.length - written, position + written);
  }
}

/** How many bytes of value text {@link RecentValues} keeps per store instance. */
const RECENT_VALUE_BYTES = 8 * 1024 * 1024;

interface Recent {
  /** The index entry the value is of: another entry for the key means another value. */
  readonly entry: object;
  /** The value's JSON text, until the first read parses it. */
  json: string | undefined;
  readonly bytes: number;
  /** The parsed value, once read; never handed out, only copies of it. */
  parsed: unknown;
}

/**
 * The values this instance wrote lately, so that reading one back (certflow reads most records
 * soon after writing them) copies it instead of reading and parsing its line.
 *
 * @remarks Least recently used first out, bounded by the bytes of their JSON text. A value is
 * served only for the index entry it was written as: a later write, by any process, or a
 * compaction makes a new entry, and the line is read again.
 */
class RecentValues {
  readonly #limit: number;
  readonly #values = new Map<string, Recent>();
  #bytes = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  set(key: string, entry: object, json: string): void {
    this.forget(key);
    if (json.length > this.#limit / 8) return;
    this.#values.set(key, { entry, json, bytes: json.length, parsed: undefined });
    this.#bytes += json.length;
    for (const [oldest, recent] of this.#values) {
      if (this.#bytes <= this.#limit) break;
      this.#values.delete(oldest);
      this.#bytes -= recent.bytes;
    }
  }

  /** A fresh copy of the value of `key` written as `entry`; `undefined` when not kept. */
  get(key: string, entry: object): unknown {
    const recent = this.#values.get(key);
    if (recent === undefined || recent.entry !== entry) return undefined;
    // Most recently used last.
    this.#values.delete(key);
    this.#values.set(key, recent);
    if (recent.json !== undefined) {
      recent.parsed = parseValue(recent.json);
      recent.json = undefined;
    }
    return copyJson(recent.parsed);
  }

  forget(key: string): void {
    const recent = this.#values.get(key);
    if (recent === undefined) return;
    this.#values.delete(key);
    this.#bytes -= recent.bytes;
  }

  clear(): void {
    this.#values.clear();
    this.#bytes = 0;
  }
}

/** A log line that is damaged rather than torn. */
class DamagedLog extends StoreError {
  constructor(offset: number, why: string) {
    super(
      `the file store's ${LOG_FILE} is damaged at byte ${offset} (${why}), with valid lines ` +
        'after it: restore the folder from a backup',
    );
  }
}

/**
 * Creates the log layout's Store on `settings.root`. See the module comment and
 * `createFileStore`.
 */
export function createLogStore(settings: LogStoreSettings): Store {
  const { root, logger } = settings;
  const logPath = path.join(root, LOG_FILE);
  const lockSettings: FileLockSettings = {
    staleMs: settings.lockStaleMs,
    timeoutMs: settings.lockTimeoutMs,
    logger,
    owner: new LockOwner(root),
  };
  const lockPath = path.join(root, `.${LOG_FILE}.lock`);
  const guardPath = path.join(root, `.${LOG_FILE}.guard`);
  const feed = new ChangeFeed(logger);
  const folderSyncs = new FolderSyncs(settings.syncFolder);

  let file: LogFile | undefined;
  let folders: Folders = new Map();
  /** The end of the last line applied to the index. */
  let applied = 0;
  /** The bytes of the lines the index points at, newlines included. */
  let liveBytes = 0;
  let closed = false;

  /** Calls `done` once the data of the current log is on disk, shared as FolderSyncs shares. */
  const logSyncs = new FolderSyncs((_, done) => {
    const target = file as LogFile;
    target.uses += 1;
    settings.syncLog(target.fd, (err) => {
      release(target);
      done(err);
    });
  });

  const release = (target: LogFile): void => {
    target.uses -= 1;
    if (target.retired && target.uses === 0) closeSync(target.fd);
  };

  const retire = (target: LogFile): void => {
    target.retired = true;
    if (target.uses === 0) closeSync(target.fd);
  };

  const ensureOpen = (): void => {
    if (closed) throw new StoreError('the file store is closed');
  };

  const setEntry = (index: Folders, key: string, entry: Entry | undefined): void => {
    const dir = folderOf(key);
    let keys = index.get(dir);
    const previous = keys?.get(key);
    if (previous !== undefined) liveBytes -= previous.length + 1;
    if (entry === undefined) {
      if (keys === undefined) return;
      keys.delete(key);
      if (keys.size === 0) index.delete(dir);
      return;
    }
    if (keys === undefined) {
      keys = new Map();
      index.set(dir, keys);
    }
    keys.set(key, entry);
    liveBytes += entry.length + 1;
  };

  const lookup = (key: string): Entry | undefined => folders.get(folderOf(key))?.get(key);

  // The values this instance wrote lately, served for as long as their entry is the key's.
  const recent = new RecentValues(RECENT_VALUE_BYTES);

  /**
   * Applies the lines of the log from `applied` to `size`. Stops before a line cut short or
   * failing its checksum (a torn tail, or lines still being written).
   *
   * @throws DamagedLog when such a line has a valid line after it.
   */
  const scan = (target: LogFile, size: number): void => {
    let position = applied;
    let invalid: { offset: number; why: string } | undefined;
    while (position < size) {
      let buffer = scratchBuffer(SCAN_CHUNK_BYTES);
      const read = readAt(target.fd, buffer, Math.min(buffer.length, size - position), position);
      if (read === 0) break;
      let start = 0;
      for (;;) {
        const end = buffer.indexOf(NEWLINE, start);
        if (end === -1 || end >= read) break;
        const line = readHeader(buffer, start, end);
        const offset = position + start;
        if ('invalid' in line) {
          invalid ??= { offset, why: line.invalid };
        } else if (invalid !== undefined) {
          throw new DamagedLog(invalid.offset, invalid.why);
        } else {
          setEntry(
            folders,
            line.key,
            line.deleted ? undefined : { version: line.version, offset, length: end - start },
          );
          applied = offset + end - start + 1;
        }
        start = end + 1;
      }
      if (start === 0) {
        // A line longer than the buffer: read it whole, or stop at a tail cut short.
        if (position + read >= size) break;
        buffer = scratchBuffer(buffer.length * 2);
        continue;
      }
      position += start;
    }
  };

  /** Opens the log at `logPath` and loads its index, creating it when there is none. */
  const load = async (): Promise<void> => {
    let fd: number;
    try {
      fd = openSync(logPath, 'r+');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      await ensureDirectory(root, folderSyncs);
      try {
        fd = openSync(logPath, 'wx+', 0o600);
        // The new log's name is durable before any write in it resolves.
        await folderSyncs.sync(root);
      } catch (createErr) {
        if (errorCode(createErr) !== 'EEXIST') throw createErr;
        fd = openSync(logPath, 'r+');
      }
    }
    if (file !== undefined) retire(file);
    file = { fd, uses: 0, retired: false };
    reindex();
  };

  /** Reads the whole current log into a new index. */
  const reindex = (): void => {
    folders = new Map();
    applied = 0;
    liveBytes = 0;
    recent.clear();
    scanWithRetry(file as LogFile);
  };

  /**
   * {@link scan}, once more from where it stopped when it found damage: a writer may have cut
   * a torn tail and appended between two of its reads.
   */
  const scanWithRetry = (target: LogFile): void => {
    try {
      scan(target, fstatSync(target.fd).size);
    } catch (err) {
      if (!(err instanceof DamagedLog)) throw err;
      scan(target, fstatSync(target.fd).size);
    }
  };

  /**
   * Brings the index up to date with the log on disk: the lines other processes appended, or a
   * new log that a compaction renamed over the one open.
   *
   * @param writer - the caller holds the lock: a torn tail is cut off.
   */
  const catchUp = (writer: boolean): Promise<void> | undefined => {
    if (file === undefined) return load().then(() => cutTornTail(writer));
    const stat = fstatSync(file.fd);
    if (stat.nlink === 0) return load().then(() => cutTornTail(writer));
    if (stat.size < applied) reindex();
    else if (stat.size > applied) scanWithRetry(file);
    // Under the lock nobody else appends: what is left past the last line applied is torn.
    if (writer && stat.size > applied) ftruncateSync(file.fd, applied);
    return undefined;
  };

  const cutTornTail = (writer: boolean): void => {
    const target = file as LogFile;
    if (writer && fstatSync(target.fd).size > applied) ftruncateSync(target.fd, applied);
  };

  /**
   * Whether a read caught up in the current check phase of the event loop. Every read first
   * yields with `setImmediate`, so the reads resuming in one check phase were all made before it
   * began: one catch-up there, after they were made, serves them all, and each still sees every
   * write completed before it was made. The flag is cleared by an immediate queued at that first
   * catch-up, which runs in the next check phase ahead of every read made after this one.
   */
  let caughtUpThisTurn = false;
  const endTurn = (): void => {
    caughtUpThisTurn = false;
  };

  /** {@link catchUp} for a read that has just yielded to the event loop (see above). */
  const readerCatchUp = async (): Promise<void> => {
    if (caughtUpThisTurn && file !== undefined) return;
    const loading = catchUp(false);
    if (loading !== undefined) await loading;
    if (!caughtUpThisTurn) {
      caughtUpThisTurn = true;
      setImmediate(endTurn);
    }
  };

  /** Reads the line of `entry` and parses it as the record of `key`. */
  const readEntry = <T>(target: LogFile, key: string, entry: Entry): StoreRecord<T> => {
    const buffer = scratchBuffer(entry.length);
    const read = readAt(target.fd, buffer, entry.length, entry.offset);
    const record = parseRecord(buffer.toString('utf8', 0, read), key);
    if (record.version !== entry.version) {
      throw new StoreError(`corrupt record for store key ${JSON.stringify(key)}: not its line`);
    }
    return { key, value: record.value as T, version: record.version };
  };

  // ---- writes -------------------------------------------------------------------------------

  interface Write {
    readonly type: 'put' | 'delete';
    readonly key: string;
    readonly json: string | undefined;
    readonly ifVersion: string | null | undefined;
    readonly resolve: (result: string | boolean) => void;
    readonly reject: (err: unknown) => void;
  }

  /** A write the batch appended, with what it resolves with once synced. */
  interface Landed {
    readonly write: Write;
    readonly version: string;
    readonly result: string | boolean;
  }

  let queued: Write[] = [];
  let flushing = false;
  /** Batches appended and waiting for their sync: `close` waits for them. */
  const syncing = new Set<Promise<void>>();

  const enqueue = (write: Write): void => {
    queued.push(write);
    if (!flushing) {
      flushing = true;
      // After a turn of the event loop: the batch takes every write made meanwhile, and a loop
      // of writes lets timers and I/O run.
      setImmediate(() => void flush());
    }
  };

  const flush = async (): Promise<void> => {
    try {
      while (queued.length > 0) {
        const batch = queued;
        queued = [];
        await commit(batch);
      }
    } finally {
      flushing = false;
    }
  };

  const takeLock = async (): Promise<HeldLock> => {
    try {
      return (
        tryAcquireFileLock(lockPath, LOG_FILE, lockSettings) ??
        (await acquireFileLock(lockPath, guardPath, LOG_FILE, lockSettings))
      );
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      // The folder is missing (new, or removed behind the store's back).
      await ensureDirectory(root, folderSyncs);
      return acquireFileLock(lockPath, guardPath, LOG_FILE, lockSettings);
    }
  };

  /**
   * Checks each write of `batch` against the index (and the writes before it in the batch),
   * answers those that fail or change nothing, and appends the others: what landed.
   */
  const appendBatch = (lock: HeldLock, batch: Write[]): Landed[] => {
    const landed: Landed[] = [];
    const changed = new Map<string, string | null>();
    const lines: string[] = [];
    for (const write of batch) {
      const { key, ifVersion } = write;
      const current = changed.has(key)
        ? (changed.get(key) as string | null)
        : (lookup(key)?.version ?? null);
      if (ifVersion !== undefined && ifVersion !== current) {
        write.reject(new ConflictError(key, ifVersion, current));
      } else if (write.type === 'delete') {
        if (current === null) {
          write.resolve(false);
          continue;
        }
        lines.push(tombstoneText(current, key));
        changed.set(key, null);
        landed.push({ write, version: current, result: true });
      } else {
        const version = nextVersion(current ?? undefined);
        lines.push(recordText(version, key, write.json as string));
        changed.set(key, version);
        landed.push({ write, version, result: version });
      }
    }
    if (landed.length > 0) append(lock, lines, landed);
    return landed;
  };

  /** Lands `batch` under the lock, then resolves its writes once a sync covers them. */
  const commit = async (batch: Write[]): Promise<void> => {
    let landed: Landed[];
    let lock: HeldLock | undefined;
    try {
      lock = await takeLock();
      const loading = catchUp(true);
      if (loading !== undefined) await loading;
      landed = appendBatch(lock, batch);
    } catch (err) {
      lock?.release();
      // Writes already answered (conflicts, deletes of nothing) keep their answer.
      const failure = storeFailure('write', err);
      for (const write of batch) write.reject(failure);
      return;
    }
    try {
      if (applied >= COMPACT_MIN_BYTES && applied > 2 * liveBytes) await compact(lock);
    } catch (err) {
      // The batch has landed: a failed compaction leaves the log as it was, to be tried again.
      logger.warn('file store log compaction failed', {
        error: errorCode(err) ?? (err instanceof Error ? err.message : String(err)),
      });
    } finally {
      lock.release();
    }
    if (landed.length === 0) return;
    const synced = logSyncs.sync(LOG_FILE).then(
      () => {
        for (const { write, version, result } of landed) {
          feed.emit(write.type, write.key, version, write.json);
          write.resolve(result);
        }
      },
      (err: unknown) => {
        const failure = storeFailure('sync', err);
        for (const { write } of landed) write.reject(failure);
      },
    );
    syncing.add(synced);
    void synced.finally(() => syncing.delete(synced));
  };

  /** Appends the lines of `landed` at the end of the log and points the index at them. */
  const append = (lock: HeldLock, lines: string[], landed: Landed[]): void => {
    const target = file as LogFile;
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    // A lock broken as stale while held means another writer may have appended meanwhile.
    if (!lock.stillHeld()) {
      throw new StoreError(`the lock on the file store's ${LOG_FILE} was broken as stale`);
    }
    try {
      writeAt(target.fd, bytes, applied);
    } catch (err) {
      // A short write (a full disk) must not leave a torn line before the next writer's.
      try {
        ftruncateSync(target.fd, applied);
      } catch {
        // The next writer cuts it, under the lock.
      }
      throw err;
    }
    let offset = applied;
    for (const [index, line] of lines.entries()) {
      const length = Buffer.byteLength(line);
      const { write, version } = landed[index] as Landed;
      if (write.type === 'put') {
        const entry: Entry = { version, offset, length };
        setEntry(folders, write.key, entry);
        recent.set(write.key, entry, write.json as string);
      } else {
        setEntry(folders, write.key, undefined);
        recent.forget(write.key);
      }
      offset += length + 1;
    }
    applied = offset;
  };

  /** Writes the live lines to a new log, syncs it and renames it over the log, under the lock. */
  const compact = async (lock: HeldLock): Promise<void> => {
    const source = file as LogFile;
    const temp = path.join(root, `.${LOG_FILE}.${uniqueId()}.tmp`);
    const fd = openSync(temp, 'wx+', 0o600);
    const index: Folders = new Map();
    let position = 0;
    try {
      source.uses += 1;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const writePending = (): void => {
        writeAt(fd, Buffer.concat(pending, pendingBytes), position - pendingBytes);
        pending = [];
        pendingBytes = 0;
      };
      for (const [dir, keys] of folders) {
        const copy = new Map<string, Entry>();
        index.set(dir, copy);
        for (const [key, entry] of keys) {
          const line = Buffer.allocUnsafe(entry.length + 1);
          readAt(source.fd, line, entry.length + 1, entry.offset);
          pending.push(line);
          pendingBytes += line.length;
          copy.set(key, { version: entry.version, offset: position, length: entry.length });
          position += line.length;
          if (pendingBytes >= COMPACT_SLICE_BYTES) {
            writePending();
            await yieldToEventLoop();
          }
        }
      }
      writePending();
      await new Promise<void>((resolve, reject) =>
        settings.syncLog(fd, (err) => (err === null ? resolve() : reject(err))),
      );
      if (!lock.stillHeld()) {
        throw new StoreError(`the lock on the file store's ${LOG_FILE} was broken as stale`);
      }
      renameSync(temp, logPath);
    } catch (err) {
      closeSync(fd);
      try {
        renameSync(temp, `${temp}.failed`);
      } catch {
        // Never mind: a leftover temp file is not read.
      }
      throw err;
    } finally {
      release(source);
    }
    const before = applied;
    retire(source);
    file = { fd, uses: 0, retired: false };
    folders = index;
    recent.clear();
    applied = position;
    liveBytes = position;
    logger.debug('compacted the file store log', { before, after: position });
    // The rename is durable before any later write resolves: its sync comes after this one.
    await folderSyncs.sync(root);
  };

  const storeFailure = (name: string, err: unknown): unknown =>
    err instanceof StoreError || err instanceof ConflictError
      ? err
      : new StoreError(
          `file store ${name} of ${LOG_FILE} failed (${errorCode(err) ?? String(err)})`,
          { cause: err },
        );

  const write = (
    type: 'put' | 'delete',
    key: string,
    json: string | undefined,
    ifVersion: string | null | undefined,
  ): Promise<string | boolean> =>
    new Promise((resolve, reject) => enqueue({ type, key, json, ifVersion, resolve, reject }));

  return {
    async get<T = unknown>(key: string): Promise<StoreRecord<T> | undefined> {
      ensureOpen();
      assertStoreKey(key);
      // A loop of gets must let timers and I/O run, as a loop of reads of files does.
      await yieldToEventLoop();
      return storeOperation('get', key, async () => {
        await readerCatchUp();
        const entry = lookup(key);
        if (entry === undefined) return undefined;
        const value = recent.get(key, entry);
        return value === undefined
          ? readEntry<T>(file as LogFile, key, entry)
          : { key, value: value as T, version: entry.version };
      });
    },

    async list<T = unknown>(prefix: string): Promise<StoreRecord<T>[]> {
      ensureOpen();
      assertStorePrefix(prefix);
      await yieldToEventLoop();
      return storeOperation('list', prefix, async () => {
        await readerCatchUp();
        const found: [string, Entry][] = [];
        for (const [dir, keys] of folders) {
          if (dir.startsWith(prefix)) {
            for (const pair of keys) found.push(pair);
          } else if (prefix.startsWith(dir)) {
            for (const pair of keys) if (pair[0].startsWith(prefix)) found.push(pair);
          }
        }
        found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        // Read from the log open now, even if a compaction replaces it meanwhile.
        const target = file as LogFile;
        target.uses += 1;
        try {
          const records: StoreRecord<T>[] = [];
          for (const [index, [key, entry]] of found.entries()) {
            if (index > 0 && index % LIST_SLICE === 0) await yieldToEventLoop();
            records.push(readEntry<T>(target, key, entry));
          }
          return records;
        } finally {
          release(target);
        }
      });
    },

    async put<T = unknown>(key: string, value: T, putOptions?: PutOptions): Promise<string> {
      ensureOpen();
      assertStoreKey(key);
      const ifVersion = readIfVersion(putOptions, true);
      const json = serialiseValue(value);
      return (await write('put', key, json, ifVersion)) as string;
    },

    async delete(key: string, deleteOptions?: DeleteOptions): Promise<boolean> {
      ensureOpen();
      assertStoreKey(key);
      const ifVersion = readIfVersion(deleteOptions, false);
      return (await write('delete', key, undefined, ifVersion)) as boolean;
    },

    watch(prefix: string, listener: (change: StoreChange) => void): Unwatch {
      ensureOpen();
      return feed.subscribe(prefix, listener);
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      feed.clear();
      // Writes already queued still land: wait for them, then close the log.
      while (flushing || syncing.size > 0) {
        await Promise.allSettled([...syncing, yieldToEventLoop()]);
      }
      if (file !== undefined) retire(file);
      file = undefined;
      recent.clear();
      lockSettings.owner.close();
    },
  };
}
