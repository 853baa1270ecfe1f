/**
 * Spare files: record files a write displaced, kept to be written again instead of creating a
 * new file for the next write.
 *
 * @remarks
 * A write used to create a temp file (an inode allocated) and rename it over the record (the old
 * record's inode freed). On ext4 without a journal, each allocation steps over every inode freed
 * in the last half minute, so under a steady write load the allocation, not the data, was most of
 * a write's cost; file systems in general pay something to allocate and free. So before the
 * rename, the record being replaced is linked under a spare name, and a later write into the same
 * folder rewrites that file in place and renames it over its own record: no inode is allocated or
 * freed. (Write-ahead logs recycle their files for the same reason.)
 *
 * Rewriting a file in place is only safe when nobody is reading it, and a reader in another
 * process may have opened the old record just before it was displaced. Three things make that
 * harmless:
 *
 * - A spare is rewritten only {@link SPARE_QUARANTINE_MS} after it was displaced, and only once
 *   the folder sync that made its displacement durable has finished. A reader's open, read and
 *   close are one synchronous burst of a few microseconds.
 * - Every record carries its key and a checksum of its version, key and value (see
 *   file-records.ts). A reader that still catches a spare being rewritten (its process stalled
 *   for longer than the quarantine between open and read) sees a checksum or a key that does not
 *   match, and reads the record again from its name.
 * - Spares are named after their store instance's owner token (`.<token>.<n>.spare`), so the
 *   spares a killed process left behind can be told apart and removed (by a later listing).
 *
 * What remains: a reader in another process that stalls for longer than the quarantine between
 * opening a record and reading it may read the next version of that same key while it is being
 * written, a moment before the rename commits it (or, if the writer then dies, a version that
 * is never committed; a compare-and-set on it fails).
 *
 * @packageDocumentation
 */
import { unlinkSync } from 'node:fs';
import { inFolder } from './file-paths.js';

/**
 * How long a displaced record waits before it may be written again: far longer than a reader's
 * open-read-close burst, short enough that the spares of a busy folder stay few.
 */
export const SPARE_QUARANTINE_MS = 250;

/**
 * The most spares kept per folder, a few kilobytes each: a quarantine's worth of writes at 4,000
 * writes per second into one folder. Beyond it the oldest spare is removed.
 */
export const SPARES_PER_FOLDER = 1_024;

const SPARE_SUFFIX = '.spare';

/** The spare name `.<token>.<n>.spare`'s owner token, or `undefined` for another name. */
export function spareOwnerToken(name: string): string | undefined {
  if (!name.startsWith('.') || !name.endsWith(SPARE_SUFFIX)) return undefined;
  const inner = name.slice(1, -SPARE_SUFFIX.length);
  const dot = inner.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const token = inner.slice(0, dot);
  return /^[A-Za-z0-9_-]+$/.test(token) && /^[0-9a-z]+$/.test(inner.slice(dot + 1))
    ? token
    : undefined;
}

/** Removes `file`, if it is there: a spare, or a temp file a failed write leaves. */
export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Never created, or already renamed or removed: nothing to remove.
  }
}

interface Spare {
  readonly file: string;
  /** When it may be written again, in `performance.now()` milliseconds. */
  readonly readyAt: number;
}

/**
 * The spare files of one store instance, per folder, oldest first.
 *
 * @remarks Times are `performance.now()`: a quarantine is an interval within this process, and a
 * monotonic clock cannot shorten it by jumping.
 */
export class SparePool {
  readonly #folders = new Map<string, Spare[]>();
  #counter = 0;
  #closed = false;

  /** A new spare name in `dir` for the owner `token`; the file is not made here. */
  name(dir: string, token: string): string {
    this.#counter += 1;
    return inFolder(dir, `.${token}.${this.#counter.toString(36)}${SPARE_SUFFIX}`);
  }

  /** The oldest spare of `dir` out of quarantine, taken out of the pool. */
  take(dir: string): string | undefined {
    const spares = this.#folders.get(dir);
    const oldest = spares?.[0];
    if (oldest === undefined || oldest.readyAt > performance.now()) return undefined;
    spares?.shift();
    return oldest.file;
  }

  /**
   * Adds `file`, a record just displaced in `dir` whose displacement is durable; removes the
   * oldest spare past {@link SPARES_PER_FOLDER}, and `file` itself once the pool is closed.
   */
  give(dir: string, file: string): void {
    if (this.#closed) {
      removeQuietly(file);
      return;
    }
    let spares = this.#folders.get(dir);
    if (spares === undefined) {
      spares = [];
      this.#folders.set(dir, spares);
    }
    spares.push({ file, readyAt: performance.now() + SPARE_QUARANTINE_MS });
    if (spares.length > SPARES_PER_FOLDER) removeQuietly((spares.shift() as Spare).file);
  }

  /** Removes every spare; spares given afterwards are removed at once. */
  close(): void {
    this.#closed = true;
    for (const spares of this.#folders.values()) {
      for (const { file } of spares) removeQuietly(file);
    }
    this.#folders.clear();
  }
}
