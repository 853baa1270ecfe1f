/**
 * Group commit of the file store's folder syncs.
 *
 * @remarks
 * A write is durable once its rename is: the folder holding the record must be synced after the
 * rename and before the write resolves. One folder sync covers every change made in the folder
 * before it started, so writes whose renames land in the same folder while a sync of it is in
 * flight share the next one instead of each paying for its own (an `open`, an `fsync` on the
 * thread pool and a `close`). certflow writes the challenges, orders and requests of many
 * certificates into a few folders, so under load most writes share.
 *
 * The one rule: a caller is only released by a sync that started after it asked, never by one
 * already in flight when it asked, since that one may have flushed the folder before its rename.
 *
 * @packageDocumentation
 */
import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import * as path from 'node:path';
import { errorCode } from './fs-errors.js';

/** Flushes the entries of the folder `dir` to disk, then calls `done` once, with the error if any. */
export type SyncFolder = (dir: string, done: (err: Error | null) => void) => void;

/** Some platforms (Windows) and file systems cannot sync a folder; a rename is still atomic there. */
const FOLDER_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP']);

function unsupported(err: unknown): boolean {
  return FOLDER_SYNC_UNSUPPORTED.has(errorCode(err) ?? '');
}

/** Opens `dir`, fsyncs it on the thread pool and closes it. */
export const syncDirectory: SyncFolder = (dir, done) => {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    done(unsupported(err) ? null : (err as Error));
    return;
  }
  fsync(fd, (err) => {
    let failure = err === null || unsupported(err) ? null : err;
    try {
      closeSync(fd);
    } catch (closeErr) {
      failure ??= closeErr as Error;
    }
    done(failure);
  });
};

type Waiter = (err: Error | null) => void;

/**
 * Syncs folders on request, one sync per folder at a time, sharing each among the callers that
 * asked while the previous one ran.
 */
export class FolderSyncs {
  readonly #syncFolder: SyncFolder;
  /**
   * The folders with a sync in flight, each with the callers waiting for its next sync: they
   * asked after the one in flight had started.
   */
  readonly #next = new Map<string, Waiter[]>();

  /** @param syncFolder - how one folder is synced: {@link syncDirectory}, or one tests watch. */
  constructor(syncFolder: SyncFolder) {
    this.#syncFolder = syncFolder;
  }

  /**
   * Resolves once a sync of `dir` that started after this call has completed: every change made
   * in `dir` before the call is then on disk.
   *
   * @throws the sync's error, for every caller that shared it.
   */
  sync(dir: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const done: Waiter = (err) => (err === null ? resolve() : reject(err));
      const waiting = this.#next.get(dir);
      if (waiting !== undefined) {
        waiting.push(done);
        return;
      }
      this.#next.set(dir, []);
      this.#run(dir, [done]);
    });
  }

  #run(dir: string, batch: Waiter[]): void {
    this.#syncFolder(dir, (err) => {
      const waiting = this.#next.get(dir) ?? [];
      if (waiting.length === 0) {
        this.#next.delete(dir);
      } else {
        // Started now, so after every waiter asked: it covers their changes.
        this.#next.set(dir, []);
        this.#run(dir, waiting);
      }
      for (const waiter of batch) waiter(err);
    });
  }
}

/** Creates `dir` and its missing parents (mode 0700) and makes their entries durable. */
export async function ensureDirectory(dir: string, syncs: FolderSyncs): Promise<void> {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  const parents = new Set<string>();
  for (let created = dir; ; created = path.dirname(created)) {
    parents.add(path.dirname(created));
    if (created === first || path.dirname(created) === created) break;
  }
  for (const parent of parents) await syncs.sync(parent);
}
