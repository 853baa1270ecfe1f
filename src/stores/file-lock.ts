/**
 * The per-key lock that makes the file store's compare-and-set hold across processes.
 *
 * @remarks
 * Each store instance has one owner file in the store's folder, `.owner-<token>`, holding its
 * pid, host name, creation time and a unique token. A lock is a hard link to the owner file,
 * made with `link(2)`, which fails with `EEXIST` when the lock is taken: as atomic as an
 * `O_CREAT | O_EXCL` create, and it holds on network file systems too. Taking and releasing a
 * lock only adds and removes a folder entry: no inode is allocated or freed per write. (With a
 * lock file of its own per write, inode allocation was over a third of a write's CPU; on ext4
 * without a journal, each allocation also steps over every inode freed in the last half minute.)
 *
 * A holder checks that a lock is still its own by its inode number: every link to its owner
 * file, and only those, has it. The link changes the owner file's ctime, as does every lock its
 * owner takes or releases, so the ctime read through a lock is its owner's last lock activity.
 *
 * A lock is stale when its owner is a process of this host that no longer exists, or when its
 * owner has taken or released no lock for the stale lease; an empty or unreadable lock (left by
 * a process that died between creating and writing a lock file, as earlier versions wrote them)
 * is stale once a few seconds old. A stale lock is broken only under a second exclusive link, the
 * guard, after reading the lock again: two processes that both saw the same stale lock cannot
 * both remove it, so the second cannot remove the lock the first one took in its place. The
 * guard is held for a few system calls; it is itself removed when its owner is dead or idle for
 * the stale lease.
 *
 * An owner file is removed when its store is closed; one left by a process of this host that
 * died is removed by the next store that takes a lock in the folder (a lock still linked to it
 * keeps its inode, so it can still be read and judged).
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
import {
  closeSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../clock.js';
import { StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import { uniqueId } from './file-ids.js';
import { errorCode } from './fs-errors.js';

/** How locks are waited for and when they are stale. */
export interface FileLockSettings {
  /** A lock older than this is stale, whoever holds it. */
  readonly staleMs: number;
  /** How long to wait for a lock before failing with a StoreError. */
  readonly timeoutMs: number;
  /** Where broken locks are reported. */
  readonly logger: Logger;
  /** The owner file this store instance links its locks to. */
  readonly owner: LockOwner;
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
  /** Tells this lock apart from the same path linked again, or its owner's later activity. */
  readonly id: string;
  readonly owner: Owner | undefined;
  /** Why the lock is stale, or undefined when it is live. */
  readonly staleBecause: string | undefined;
}

const MAX_BACKOFF_MS = 25;
/**
 * An owner file is written before any lock links to it, so a lock still empty (or unreadable)
 * after this long was left by a process that died in between (or by an earlier version that
 * wrote lock files of their own); it need not wait out the whole lease.
 */
const EMPTY_LOCK_GRACE_MS = 5_000;
const OWNER_PREFIX = '.owner-';

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

/** Whether `owner` is a process of this host that no longer exists. */
function isDeadLocalOwner(owner: Owner): boolean {
  return owner.host === thisHost() && !processExists(owner.pid);
}

/**
 * The owner file of one store instance: created on its first lock, removed by {@link close}.
 *
 * @remarks Its inode number is what tells this instance's locks from every other holder's.
 */
export class LockOwner {
  readonly #root: string;
  #file: { path: string; token: string; ino: number; dev: number } | undefined;

  /** @param root - the store's folder; the owner file and every lock are on its file system. */
  constructor(root: string) {
    this.#root = root;
  }

  /** The owner file's path, created (with its folder) if missing. */
  path(): string {
    return (this.#file ??= this.#create()).path;
  }

  /** The owner file's unique token (in its name), the file created if missing. */
  token(): string {
    return (this.#file ??= this.#create()).token;
  }

  /**
   * Whether `file` is a link to this owner file, that is a lock this instance holds.
   *
   * @remarks Should the owner file be removed behind the store's back, the locks taken before
   * are no longer recognised (their writes fail as if the locks had been broken): an inode
   * number, once freed, may come back as another owner's.
   */
  isHeldBy(file: string): boolean {
    const owned = this.#file;
    if (owned === undefined) return false;
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat !== undefined && stat.ino === owned.ino && stat.dev === owned.dev;
  }

  /** The owner file was removed behind the store's back: the next lock creates a new one. */
  forget(): void {
    this.#file = undefined;
  }

  /** Removes the owner file; locks still linked to it keep its inode. */
  close(): void {
    const owned = this.#file;
    this.#file = undefined;
    if (owned === undefined) return;
    try {
      unlinkSync(owned.path);
    } catch {
      // Already gone: nothing to clean up.
    }
  }

  #create(): { path: string; token: string; ino: number; dev: number } {
    removeDeadOwners(this.#root);
    // Unique among all owners, in any process: see file-ids.ts.
    const token = uniqueId();
    const file = path.join(this.#root, `${OWNER_PREFIX}${token}`);
    const owner: Owner = { pid: process.pid, host: thisHost(), time: systemClock.now(), token };
    const bytes = Buffer.from(JSON.stringify(owner));
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      mkdirSync(this.#root, { recursive: true, mode: 0o700 });
      fd = openSync(file, 'wx', 0o600);
    }
    try {
      for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
      const { ino, dev } = fstatSync(fd);
      return { path: file, token, ino, dev };
    } catch (err) {
      try {
        unlinkSync(file);
      } catch {
        // Never mind: an empty owner file is judged stale by its age.
      }
      throw err;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Whether the store instance with owner token `token` is gone: its owner file in `root` is
 * missing, or names a process of this host that no longer exists.
 */
export function ownerIsGone(root: string, token: string): boolean {
  let text: string;
  try {
    text = readFileSync(path.join(root, `${OWNER_PREFIX}${token}`), 'utf8');
  } catch (err) {
    return errorCode(err) === 'ENOENT';
  }
  const owner = parseOwner(text);
  return owner !== undefined && isDeadLocalOwner(owner);
}

/** Removes the owner files left in `root` by processes of this host that are gone. */
function removeDeadOwners(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(OWNER_PREFIX)) continue;
    const file = path.join(root, name);
    try {
      const owner = parseOwner(readFileSync(file, 'utf8'));
      if (owner !== undefined && isDeadLocalOwner(owner)) {
        unlinkSync(file);
      }
    } catch {
      // Removed meanwhile, or unreadable: left for its owner or a later look.
    }
  }
}

/**
 * Links `target` to this instance's owner file; `false` when `target` already exists.
 *
 * @throws the system error when the link cannot be made (`ENOENT`: its folder is missing).
 */
function tryLink(target: string, owner: LockOwner): boolean {
  for (let attempt = 0; ; attempt += 1) {
    const source = owner.path();
    try {
      linkSync(source, target);
      return true;
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST') return false;
      // ENOENT is the lock's folder missing, or the owner file removed behind the store's back:
      // in that second case a new owner file is made, once.
      if (code !== 'ENOENT' || attempt > 0 || statSync(source, { throwIfNoEntry: false })) {
        throw err;
      }
      owner.forget();
    }
  }
}

/** Reads the lock at `lockPath`; `undefined` when there is none. */
async function observe(lockPath: string, staleMs: number): Promise<Observed | undefined> {
  let handle;
  try {
    handle = await open(lockPath, 'r');
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
    } else if (isDeadLocalOwner(owner)) {
      staleBecause = `its owner, process ${owner.pid}, is gone`;
    } else if (now - stat.ctimeMs > staleMs) {
      // The ctime moves with every lock the owner takes or releases (see above).
      staleBecause = 'its owner has taken or released no lock for the stale lease';
    }
    return { id: `${owner?.token ?? ''}:${stat.ino}:${stat.ctimeMs}`, owner, staleBecause };
  } finally {
    await handle.close();
  }
}

/** Removes the lock at `lockPath` if it is still the stale one seen as `id`. */
async function removeIfStill(
  lockPath: string,
  id: string,
  staleMs: number,
): Promise<'removed' | 'gone' | 'kept'> {
  const again = await observe(lockPath, staleMs);
  if (again === undefined) return 'gone';
  if (again.staleBecause === undefined || again.id !== id) return 'kept';
  try {
    await unlink(lockPath);
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
  if (!tryLink(guardPath, settings.owner)) {
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
    if (settings.owner.isHeldBy(guardPath)) await unlink(guardPath).catch(() => undefined);
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
  const { owner } = settings;
  if (!tryLink(lockPath, owner)) return undefined;
  return {
    stillHeld: () => owner.isHeldBy(lockPath),
    release: () => {
      if (owner.isHeldBy(lockPath)) {
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
