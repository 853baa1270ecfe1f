/**
 * The per-key lock file that makes the file store's compare-and-set hold across processes.
 *
 * @remarks
 * The lock is a file created with `O_CREAT | O_EXCL` (`open(path, 'wx')`), holding the owner's
 * pid, host name, a timestamp and a unique token. A lock is stale when its owner is a process of
 * this host that no longer exists, or when it is older than the stale lease; an empty lock (its
 * owner died between creating and writing it) is stale once its modification time is a few
 * seconds old. A stale lock is broken only under a second exclusive file, the guard, after
 * reading the lock again: two processes that both saw the same stale lock cannot both remove it,
 * so the second cannot remove the lock the first one took in its place. The guard is held for a
 * few system calls; it is itself removed when its owner is dead or it is older than the stale
 * lease. A holder checks that the lock is still its own by comparing the lock file's bytes with
 * the owner record it wrote, whose token no other holder has.
 *
 * Lock times are compared across processes, so they are wall-clock times by nature: this module
 * uses the system clock, never an injected one, and waits with referenced Node timers.
 *
 * Taking, checking and releasing an uncontended lock use synchronous system calls: each is a few
 * microseconds on a local file system, against a round trip through the thread pool for each
 * asynchronous one, and a lock is taken for every write. The order of the calls, which is what
 * makes the protocol safe, is the same either way. Waiting and breaking stale locks stay
 * asynchronous.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../clock.js';
import { StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import { uniqueId } from './file-ids.js';

/** How locks are waited for and when they are stale. */
export interface FileLockSettings {
  /** A lock older than this is stale, whoever holds it. */
  readonly staleMs: number;
  /** How long to wait for a lock before failing with a StoreError. */
  readonly timeoutMs: number;
  /** Where broken locks are reported. */
  readonly logger: Logger;
}

/** A lock this process holds. */
export interface HeldLock {
  /** Whether the lock file is still this holder's (nobody broke it as stale). */
  stillHeld(): boolean;
  /** Removes the lock file if it is still this holder's. */
  release(): void;
}

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly time: number;
  readonly token: string;
}

interface Observed {
  /** Tells this lock apart from one created later at the same path. */
  readonly id: string;
  readonly owner: Owner | undefined;
  /** Why the lock is stale, or undefined when it is live. */
  readonly staleBecause: string | undefined;
}

const MAX_BACKOFF_MS = 25;
/**
 * An owner writes its lock right after creating it, so a lock still empty (or unreadable) after
 * this long was left by a process that died in between; it need not wait out the whole lease.
 */
const EMPTY_LOCK_GRACE_MS = 5_000;

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function parseOwner(text: string): Owner | undefined {
  try {
    const data: unknown = JSON.parse(text);
    if (typeof data !== 'object' || data === null) return undefined;
    const { pid, host, time, token } = data as Record<string, unknown>;
    if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
    if (typeof host !== 'string' || typeof time !== 'number' || typeof token !== 'string') {
      return undefined;
    }
    return { pid: pid as number, host, time, token };
  } catch {
    return undefined;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(err) !== 'ESRCH';
  }
}

let hostName: string | undefined;

/**
 * This host's name, asked once per process.
 *
 * @remarks Should the host be renamed while the process runs, its locks keep the old name: other
 * processes then take them for another host's, which only ever makes them wait for the lease
 * rather than break a lock early.
 */
function thisHost(): string {
  hostName ??= hostname();
  return hostName;
}

/**
 * Creates `path` exclusively with a fresh owner record; `undefined` when it already exists.
 *
 * @returns the bytes written, which no other lock holds (their token is unique): see
 * {@link holds}.
 */
function tryCreate(path: string): Buffer | undefined {
  // Unique among all holders of any lock, in any process: see file-ids.ts.
  const token = uniqueId();
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return undefined;
    throw err;
  }
  let written: Buffer;
  try {
    const owner: Owner = { pid: process.pid, host: thisHost(), time: systemClock.now(), token };
    written = Buffer.from(JSON.stringify(owner));
    for (let offset = 0; offset < written.length;) {
      offset += writeSync(fd, written, offset);
    }
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // Removed by a process that found it empty and stale: nothing left to clean up.
    }
    throw err;
  }
  closeSync(fd);
  return written;
}

/** A buffer for {@link holds}; it is only used between two synchronous calls. */
let holdsBuffer: Buffer | undefined;

/**
 * Whether the file at `path` holds exactly `written`, an owner record this process created:
 * then it is still this holder's lock, since every other holder's record has another token.
 *
 * @remarks Cheaper than parsing the record for its token: one `open`, one or two `read`s and a
 * `close`, and a byte comparison.
 */
function holds(path: string, written: Buffer): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
  try {
    // One byte more than expected, to tell a longer file apart.
    const want = written.length + 1;
    if (holdsBuffer === undefined || holdsBuffer.length < want) {
      holdsBuffer = Buffer.allocUnsafe(Math.max(want, 256));
    }
    let length = 0;
    for (;;) {
      const read = readSync(fd, holdsBuffer, length, want - length, length);
      if (read === 0) break;
      length += read;
      if (length === want) return false;
    }
    return length === written.length && holdsBuffer.compare(written, 0, length, 0, length) === 0;
  } finally {
    closeSync(fd);
  }
}

/** Reads the lock at `path`; `undefined` when there is none. */
async function observe(path: string, staleMs: number): Promise<Observed | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const [stat, text] = await Promise.all([handle.stat(), handle.readFile('utf8')]);
    const owner = parseOwner(text);
    const now = systemClock.now();
    let staleBecause: string | undefined;
    if (owner === undefined) {
      if (now - stat.mtimeMs > Math.min(staleMs, EMPTY_LOCK_GRACE_MS)) {
        staleBecause = 'it was left empty or unreadable';
      }
    } else if (owner.host === thisHost() && !processExists(owner.pid)) {
      staleBecause = `its owner, process ${owner.pid}, is gone`;
    } else if (now - owner.time > staleMs) {
      staleBecause = 'older than the stale lease';
    }
    return { id: owner?.token ?? `${stat.ino}:${stat.mtimeMs}`, owner, staleBecause };
  } finally {
    await handle.close();
  }
}

/** Removes the lock at `path` if it is still the stale one seen as `id`. */
async function removeIfStill(
  path: string,
  id: string,
  staleMs: number,
): Promise<'removed' | 'gone' | 'kept'> {
  const again = await observe(path, staleMs);
  if (again === undefined) return 'gone';
  if (again.staleBecause === undefined || again.id !== id) return 'kept';
  try {
    await unlink(path);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
    return 'gone';
  }
  return 'removed';
}

/** Removes the stale lock `seen` under the guard; whether the caller should retry at once. */
async function breakStale(
  lockPath: string,
  guardPath: string,
  seen: Observed,
  label: string,
  settings: FileLockSettings,
): Promise<boolean> {
  const guard = tryCreate(guardPath);
  if (guard === undefined) {
    // Another process is breaking the lock, or died doing so.
    const holder = await observe(guardPath, settings.staleMs);
    if (holder?.staleBecause !== undefined) {
      await removeIfStill(guardPath, holder.id, settings.staleMs);
    }
    return false;
  }
  try {
    const outcome = await removeIfStill(lockPath, seen.id, settings.staleMs);
    if (outcome === 'removed') {
      settings.logger.warn('broke a stale store lock', {
        key: label,
        reason: seen.staleBecause,
        ...(seen.owner === undefined ? {} : { pid: seen.owner.pid, host: seen.owner.host }),
      });
    }
    return outcome !== 'kept';
  } finally {
    if (holds(guardPath, guard)) await unlink(guardPath).catch(() => undefined);
  }
}

/**
 * Takes the lock at `lockPath` if nobody holds it, without waiting: the common case, with no
 * turn of the event loop.
 *
 * @param label - the Store key, for messages.
 * @returns `undefined` when the lock is held (perhaps stale): then call {@link acquireFileLock}.
 * @throws the system error when the lock cannot be created (`ENOENT`: its folder is missing).
 */
export function tryAcquireFileLock(
  lockPath: string,
  label: string,
  settings: FileLockSettings,
): HeldLock | undefined {
  const written = tryCreate(lockPath);
  if (written === undefined) return undefined;
  return {
    stillHeld: () => holds(lockPath, written),
    release: () => {
      if (holds(lockPath, written)) {
        try {
          unlinkSync(lockPath);
        } catch (err) {
          if (errorCode(err) !== 'ENOENT') throw err;
        }
      } else {
        settings.logger.warn('a store lock was broken while held', { key: label });
      }
    },
  };
}

/**
 * Takes the lock at `lockPath`, waiting with a short randomised backoff while another process
 * holds it and breaking it when it is stale.
 *
 * @param label - the Store key, for messages.
 * @throws StoreError when the lock is still held by a live owner after `timeoutMs`.
 */
export async function acquireFileLock(
  lockPath: string,
  guardPath: string,
  label: string,
  settings: FileLockSettings,
): Promise<HeldLock> {
  const deadline = systemClock.now() + settings.timeoutMs;
  let backoff = 1;
  for (;;) {
    const lock = tryAcquireFileLock(lockPath, label, settings);
    if (lock !== undefined) return lock;
    const seen = await observe(lockPath, settings.staleMs);
    if (seen === undefined) continue; // released in between: try again at once
    if (seen.staleBecause !== undefined) {
      if (await breakStale(lockPath, guardPath, seen, label, settings)) continue;
    }
    if (systemClock.now() >= deadline) {
      throw new StoreError(
        `timed out after ${settings.timeoutMs} ms waiting for the lock on store key ${JSON.stringify(label)}`,
      );
    }
    // A referenced timer, unlike the clock's: a write in progress keeps the process alive.
    await delay(backoff * (0.5 + Math.random()));
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}
