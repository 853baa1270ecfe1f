/**
 * How the file store reads its record files.
 *
 * @remarks
 * Reads use synchronous system calls on purpose. A record is a small file, normally in the page
 * cache: `open`, `read` and `close` cost a few microseconds, while `fs.promises.readFile` makes
 * four or five round trips through libuv's thread pool for the same file, about eight times the
 * CPU, and a listing waits on the pool's four threads. So that a caller reading in a loop cannot
 * starve timers and I/O, each read takes a turn of the event loop, and a listing yields every
 * {@link LIST_SLICE} records. The price: on a slow or network file system each read blocks the
 * event loop for its latency.
 *
 * @packageDocumentation
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { StoreError } from '../errors.js';
import { errorCode } from './fs-errors.js';
import type { StoreRecord } from './types.js';

/** A record file's content. */
export interface StoredRecord {
  readonly version: string;
  /** The value, parsed afresh from the file: the caller's own copy. */
  readonly value: unknown;
}

/** A record file found by a listing. */
export interface RecordFile {
  readonly key: string;
  readonly file: string;
}

/**
 * How many records a listing reads between two turns of the event loop: about a millisecond of
 * reading and parsing when the files are in the page cache.
 */
export const LIST_SLICE = 128;

/** Records up to this size are read with one buffer and no `fstat`; larger ones cost a second read. */
const READ_BUFFER_BYTES = 64 * 1024;

let readBuffer: Buffer | undefined;

/** Reads the whole file at `file`; `undefined` when there is none. */
function readText(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  try {
    // One buffer serves every read: the reads are synchronous, so they never overlap.
    readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
    let length = 0;
    while (length < readBuffer.length) {
      const read = readSync(fd, readBuffer, length, readBuffer.length - length, null);
      if (read === 0) return readBuffer.toString('utf8', 0, length);
      length += read;
    }
    // A large record: the rest, from the same open file, so both parts are of one version.
    return Buffer.concat([readBuffer, readFileSync(fd)]).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The checksum a record carries: CRC-32 of its version, key and value text, in hex. */
export function recordSum(version: string, key: string, json: string): string {
  return crc32(json, crc32(key, crc32(version)))
    .toString(16)
    .padStart(8, '0');
}

/**
 * The text of the record file of `key`: `{"version", "key", "sum", "value"}`, where `json` is the
 * value already serialised.
 *
 * @remarks The key and the checksum let a reader tell a record from a file being rewritten in
 * place (see file-spares.ts): the value comes last, so the checksummed text is the end of the file.
 */
export function recordText(version: string, key: string, json: string): string {
  return (
    `{"version":${JSON.stringify(version)},"key":${JSON.stringify(key)},` +
    `"sum":"${recordSum(version, key, json)}","value":${json}}`
  );
}

const VALUE_MEMBER = ',"value":';

/** A record, or why the text read is not one: `changed` when it may be one being rewritten. */
type Parsed = StoredRecord | { readonly changed: string } | { readonly corrupt: string };

function parseText(text: string, key: string): Parsed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // A record being rewritten in place reads as cut short or mixed: read it again.
    return { changed: 'not JSON' };
  }
  if (
    typeof data !== 'object' ||
    data === null ||
    typeof (data as { version?: unknown }).version !== 'string' ||
    !('value' in data)
  ) {
    return { corrupt: 'not a {version, value} record' };
  }
  const {
    version,
    value,
    key: named,
    sum,
  } = data as {
    version: string;
    value: unknown;
    key?: unknown;
    sum?: unknown;
  };
  // Records written before keys and checksums were added have neither; they are taken as read.
  if (named !== undefined && named !== key) return { changed: 'it names another key' };
  if (sum !== undefined) {
    const start = text.indexOf(VALUE_MEMBER);
    const json = text.slice(start + VALUE_MEMBER.length, text.length - 1);
    if (typeof named !== 'string' || start < 0 || recordSum(version, named, json) !== sum) {
      return { changed: 'its checksum does not match' };
    }
  }
  return { version, value };
}

function corrupt(key: string, why: string): StoreError {
  return new StoreError(`corrupt record for store key ${JSON.stringify(key)}: ${why}`);
}

/**
 * Parses a record file's text.
 *
 * @throws StoreError naming `key` when the text is not a `{version, value}` record of `key` with
 *   a matching checksum.
 */
export function parseRecord(text: string, key: string): StoredRecord {
  const parsed = parseText(text, key);
  if ('changed' in parsed) throw corrupt(key, parsed.changed);
  if ('corrupt' in parsed) throw corrupt(key, parsed.corrupt);
  return parsed;
}

/**
 * Reads the record of `key` at `file` now, without a turn of the event loop: for a read that
 * follows other asynchronous I/O, such as the read under a key's lock.
 *
 * @remarks A text that may be a file caught while being rewritten in place (see file-spares.ts)
 * is read once more from the record's name, which by then names a whole record.
 * @returns `undefined` when there is no such file.
 * @throws StoreError when the file is not a valid record.
 */
export function readRecordNow(file: string, key: string): StoredRecord | undefined {
  for (let attempt = 0; ; attempt += 1) {
    const text = readText(file);
    if (text === undefined) return undefined;
    const parsed = parseText(text, key);
    if ('corrupt' in parsed) throw corrupt(key, parsed.corrupt);
    if (!('changed' in parsed)) return parsed;
    if (attempt > 0) throw corrupt(key, parsed.changed);
  }
}

/** Lets the event loop run (timers, I/O) before the caller goes on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Reads the record of `key` at `file` after a turn of the event loop.
 *
 * @returns `undefined` when there is no such file.
 * @throws StoreError when the file is not a valid record.
 */
export async function readRecord(file: string, key: string): Promise<StoredRecord | undefined> {
  await yieldToEventLoop();
  return readRecordNow(file, key);
}

/**
 * Reads the records of `files`, in their order, yielding to the event loop every
 * {@link LIST_SLICE} records; a file deleted since it was found is left out.
 *
 * @throws StoreError when a file is not a valid record.
 */
export async function readRecords<T>(files: readonly RecordFile[]): Promise<StoreRecord<T>[]> {
  const records: StoreRecord<T>[] = [];
  for (let index = 0; index < files.length; index += 1) {
    if (index > 0 && index % LIST_SLICE === 0) await yieldToEventLoop();
    const { key, file } = files[index] as RecordFile;
    const record = readRecordNow(file, key);
    if (record !== undefined) {
      records.push({ key, value: record.value as T, version: record.version });
    }
  }
  return records;
}
