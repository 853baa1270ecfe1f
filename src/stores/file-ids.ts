/**
 * Unique names for the file store's temp files, lock owner tokens and version suffixes.
 *
 * @remarks
 * What these names need is uniqueness, not secrecy: a temp file name must not collide with
 * another writer's in the same folder, an owner token must tell this store instance apart from
 * any other in any process, and a version suffix must never repeat for a key,
 * even after the key is deleted and created again by another process. None of them guards
 * anything: the store's folder is 0700, files are created with `O_EXCL` (so a name guessed in
 * advance cannot redirect a write) and a version is compared, never trusted.
 *
 * So a process draws 72 random bits once, on first use, and appends a counter: names are unique
 * within the process by the counter and across processes by the random part (two processes
 * drawing the same 72 bits is a one in 2^36 event even among 2^18 processes). Drawing random
 * bytes for every name cost about 14 µs of CPU each, three times per write.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';

let processPart: string | undefined;
let counter = 0;

/**
 * A name never returned before by any process: 12 characters of `[A-Za-z0-9_-]` drawn once per
 * process, then a base-36 counter.
 *
 * @remarks The random part has a fixed length, so the counter that follows it cannot make two
 * names equal.
 */
export function uniqueId(): string {
  // Drawn on first use rather than at import, so that importing the store does nothing.
  processPart ??= randomBytes(9).toString('base64url');
  counter += 1;
  return processPart + counter.toString(36);
}

/**
 * The version after `current` (none: a new key): `<sequence>-<unique>`, where the sequence counts
 * the writes since the key was created and the unique part, never returned twice by any process,
 * keeps a version unique after the key is deleted and created again.
 */
export function nextVersion(current: string | undefined): string {
  const sequence = current === undefined ? 0 : Number.parseInt(current, 36) || 0;
  return `${(sequence + 1).toString(36)}-${uniqueId()}`;
}
