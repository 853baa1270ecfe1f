/**
 * How the file store maps a Store key to a path, and back.
 *
 * @remarks
 * Every segment but the last is a folder, the last is a file `<segment>.json`:
 * `resources/Certificate/default/web` is `resources/Certificate/default/web.json`. A segment is
 * written byte by byte as UTF-8: `A-Z a-z 0-9 _ -` and `.` (except as the first character) stay as
 * they are, every other byte becomes `%XX` (upper-case hex). So the encoding is injective and no
 * encoded name starts with `.`, which leaves those names to the store's own temp and lock files.
 * Folders and record files never share a name, so `a/b` and `a/b/c` can both exist: a folder name
 * that would end in `.json` has that dot escaped (`a.json/b` is the folder `a%2Ejson`).
 *
 * Letters keep their case. On a case-insensitive file system (the macOS and Windows defaults),
 * two keys that differ only in letter case would share a file; certflow's own keys never do.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { StoreKeyError } from '../errors.js';
import { assertStoreKey } from './keys.js';

/** The suffix of a record file. */
export const RECORD_SUFFIX = '.json';

/** The longest file or folder name most file systems accept, in bytes. */
export const MAX_NAME_BYTES = 255;

const HEX = '0123456789ABCDEF';
/** A name made of literal characters only, which encodes to itself. */
const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isLiteral(byte: number, index: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x5f || // _
    byte === 0x2d || // -
    (byte === 0x2e && index > 0) // . but not first
  );
}

/** Encodes one key segment as a folder (`dir`) or a record file (`file`) name. */
export function encodeSegment(segment: string, role: 'dir' | 'file'): string {
  let out = '';
  const bytes = Buffer.from(segment, 'utf8');
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number;
    out += isLiteral(byte, i)
      ? String.fromCharCode(byte)
      : `%${HEX[byte >> 4] as string}${HEX[byte & 15] as string}`;
  }
  if (role === 'file') return out + RECORD_SUFFIX;
  return out.endsWith(RECORD_SUFFIX) ? `${out.slice(0, -RECORD_SUFFIX.length)}%2Ejson` : out;
}

/**
 * Decodes a folder or record file name back to its key segment, or `undefined` when the name is
 * not one the store writes (a temp or lock file, a stray file, a non-canonical spelling).
 */
export function decodeSegment(name: string, role: 'dir' | 'file'): string | undefined {
  let body = name;
  if (role === 'file') {
    if (!name.endsWith(RECORD_SUFFIX)) return undefined;
    body = name.slice(0, -RECORD_SUFFIX.length);
  }
  if (body === '') return undefined;
  // Most names need no unescaping: then the name is canonical unless it is a folder named like a
  // record file (the encoder escapes that dot).
  if (PLAIN_NAME.test(body)) {
    return role === 'dir' && body.endsWith(RECORD_SUFFIX) ? undefined : body;
  }
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i += 1) {
    const char = body.charCodeAt(i);
    if (char === 0x25) {
      const hex = body.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (char < 0x80) {
      bytes.push(char);
    } else {
      return undefined;
    }
  }
  let segment: string;
  try {
    segment = UTF8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
  // An escaped "/" would split into other segments than the ones that name this file.
  if (segment.includes('/')) return undefined;
  // Only the canonical spelling maps back, so two names never decode to the same key.
  return encodeSegment(segment, role) === name ? segment : undefined;
}

/** Where one key lives on disk. */
export interface RecordPaths {
  /** The folder holding the record, its temp files and its lock. */
  readonly dir: string;
  /** The record file. */
  readonly file: string;
  /** The lock file serialising compare-and-set on this key. */
  readonly lock: string;
  /** The guard file taken while a stale lock is broken. */
  readonly guard: string;
}

/**
 * The paths of `key` under `root`.
 *
 * @throws StoreKeyError when the key is invalid or a segment is too long for a file name.
 */
export function recordPaths(root: string, key: string): RecordPaths {
  assertStoreKey(key);
  const segments = key.split('/');
  const names = segments.map((segment, index) => {
    const name = encodeSegment(segment, index === segments.length - 1 ? 'file' : 'dir');
    if (name.length > MAX_NAME_BYTES) {
      throw new StoreKeyError(
        key,
        `segment ${index} is too long for a file name once encoded (${name.length} > ${MAX_NAME_BYTES} bytes)`,
      );
    }
    return name;
  });
  const file = path.join(root, ...names);
  // Defence in depth: the encoding cannot produce a separator, "." or "..", but check anyway.
  const relative = path.relative(root, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new StoreKeyError(key, 'escapes the store folder');
  }
  const dir = path.dirname(file);
  // A fixed-length name, whatever the key's length; a hash collision would only share a lock.
  const id = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return {
    dir,
    file,
    lock: path.join(dir, `.${id}.lock`),
    guard: path.join(dir, `.${id}.guard`),
  };
}

/**
 * A bounded memo of {@link recordPaths} under one `root`.
 *
 * @remarks
 * Encoding a key, checking it and hashing it for the lock names costs more than reading a small
 * record from the page cache, and a running engine asks for the same few keys over and over. When
 * the memo is full the oldest entry goes first. An invalid key is not remembered: it throws each
 * time.
 *
 * @param limit - how many keys to remember.
 */
export function createRecordPathsMemo(root: string, limit = 4096): (key: string) => RecordPaths {
  const memo = new Map<string, RecordPaths>();
  return (key) => {
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const paths = recordPaths(root, key);
    if (memo.size >= limit) memo.delete(memo.keys().next().value as string);
    memo.set(key, paths);
    return paths;
  };
}

/**
 * The file `name` (one plain name) in the folder `dir` (a normalised path): what `path.join`
 * gives, without its normalising work, which a write or a listing would pay per file.
 */
export function inFolder(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
}

/**
 * The folder to walk for `prefix` (made of its complete segments) and the start of the segment
 * below it that keys must have (the prefix's last, possibly partial, segment).
 */
export function prefixBase(root: string, prefix: string): { dir: string; partial: string } {
  const segments = prefix.split('/');
  const partial = segments.pop() as string;
  return { dir: path.join(root, ...segments.map((s) => encodeSegment(s, 'dir'))), partial };
}
