/**
 * What a Store key may look like, shared by the built-in stores so that a key accepted by the
 * memory store is accepted by the file store too.
 *
 * @packageDocumentation
 */
import { StoreKeyError } from '../errors.js';

/** The longest key the built-in stores accept, in UTF-8 bytes. */
export const MAX_STORE_KEY_BYTES = 1024;

// A lone surrogate has no UTF-8 form: two such keys would encode to the same bytes.
const LONE_SURROGATE = /\p{Cs}/u;

function assertText(subject: string, what: 'key' | 'prefix'): void {
  if (subject.includes('\0')) throw new StoreKeyError(subject, `a ${what} must not contain NUL`);
  if (subject.includes('\\')) {
    throw new StoreKeyError(subject, `a ${what} must not contain a backslash`);
  }
  if (subject.startsWith('/')) {
    throw new StoreKeyError(subject, `a ${what} must be relative (no leading "/")`);
  }
  if (LONE_SURROGATE.test(subject)) {
    throw new StoreKeyError(subject, `a ${what} must be well-formed Unicode (lone surrogate)`);
  }
  const bytes = Buffer.byteLength(subject, 'utf8');
  if (bytes > MAX_STORE_KEY_BYTES) {
    throw new StoreKeyError(
      subject,
      `a ${what} must not be longer than ${MAX_STORE_KEY_BYTES} bytes (it has ${bytes})`,
    );
  }
}

function assertSegment(subject: string, segment: string, index: number): void {
  if (segment === '') throw new StoreKeyError(subject, `segment ${index} is empty`);
  if (segment === '.' || segment === '..') {
    throw new StoreKeyError(subject, `segment ${index} must not be "${segment}"`);
  }
}

/**
 * Checks that `key` is a valid Store key.
 *
 * @remarks
 * A key is a non-empty, `/`-separated path of non-empty segments, at most
 * {@link MAX_STORE_KEY_BYTES} bytes of well-formed Unicode. It MUST NOT be absolute and MUST NOT
 * contain `.` or `..` segments, backslashes or NUL. Any other character (spaces, `%`, `:`,
 * non-ASCII) is allowed.
 *
 * @throws StoreKeyError naming the key and what is wrong with it.
 */
export function assertStoreKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new StoreKeyError(String(key), 'a key must be a string');
  if (key === '') throw new StoreKeyError(key, 'a key must not be empty');
  assertText(key, 'key');
  key.split('/').forEach((segment, index) => assertSegment(key, segment, index));
}

/**
 * Checks that `prefix` is a valid prefix for {@link Store.list} and {@link Store.watch}.
 *
 * @remarks
 * The empty prefix matches every key. A prefix may end mid-segment (`resources/Cert` matches
 * `resources/Certificate/default/web`); its complete segments follow the rules of
 * {@link assertStoreKey}.
 *
 * @throws StoreKeyError naming the prefix and what is wrong with it.
 */
export function assertStorePrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') {
    throw new StoreKeyError(String(prefix), 'a prefix must be a string');
  }
  assertText(prefix, 'prefix');
  const segments = prefix.split('/');
  // The last piece may be the start of a longer segment, such as "." of ".well-known".
  segments.slice(0, -1).forEach((segment, index) => assertSegment(prefix, segment, index));
}
