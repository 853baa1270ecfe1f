import { afterEach, describe, expect, it } from 'vitest';
import { CertflowError, StoreKeyError } from '../../../src/errors.js';
import { builtInStores, rejection, type BuiltInStore } from './store-fixtures.js';

const invalidKeys: [string, unknown, string][] = [
  ['empty', '', 'must not be empty'],
  ['absolute', '/etc/passwd', 'relative'],
  ['a leading empty segment', '/a', 'relative'],
  ['a trailing slash', 'a/', 'segment 1 is empty'],
  ['a double slash', 'a//b', 'segment 1 is empty'],
  ['a "." segment', 'a/./b', 'segment 1 must not be "."'],
  ['a ".." segment', 'a/../b', 'segment 1 must not be ".."'],
  ['only ".."', '..', 'segment 0 must not be ".."'],
  ['traversal to the parent', '../outside', 'segment 0 must not be ".."'],
  ['a backslash', 'a\\..\\b', 'backslash'],
  ['NUL', 'a\0b', 'NUL'],
  ['a lone surrogate', 'a\ud800b', 'lone surrogate'],
  ['over 1024 bytes', 'k'.repeat(1025), 'longer than 1024 bytes'],
  ['over 1024 bytes in UTF-8', 'é'.repeat(513), 'longer than 1024 bytes'],
  ['not a string', 42, 'must be a string'],
];

const invalidPrefixes: [string, string, string][] = [
  ['absolute', '/a', 'relative'],
  ['traversal', '../', 'segment 0 must not be ".."'],
  ['an empty middle segment', 'a//', 'segment 1 is empty'],
  ['a backslash', 'a\\', 'backslash'],
  ['NUL', 'a\0', 'NUL'],
];

describe.each(builtInStores)('%s store: key validation', (_name, create) => {
  let current: BuiltInStore | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  it.each(invalidKeys)(
    'rejects a key that is %s on every operation',
    async (_case, key, reason) => {
      current = await create();
      const { store } = current;
      const operations = [
        () => store.get(key as string),
        () => store.put(key as string, { n: 1 }),
        () => store.delete(key as string),
      ];
      for (const operation of operations) {
        const error = await rejection(Promise.resolve().then((): Promise<unknown> => operation()));
        expect(CertflowError.is(error, 'ERR_STORE_KEY')).toBe(true);
        expect((error as StoreKeyError).message).toContain(reason);
        expect((error as StoreKeyError).key).toBe(String(key));
      }
      expect(await store.list('')).toEqual([]);
    },
  );

  it.each(invalidPrefixes)('rejects a prefix that is %s', async (_case, prefix, reason) => {
    current = await create();
    const { store } = current;
    const error = await rejection(store.list(prefix));
    expect(CertflowError.is(error, 'ERR_STORE_KEY')).toBe(true);
    expect((error as Error).message).toContain(reason);
    expect(() => store.watch?.(prefix, () => undefined)).toThrow(StoreKeyError);
  });

  it('accepts a prefix ending mid-segment, even in a dot', async () => {
    current = await create();
    const { store } = current;
    await store.put('a/..x', { n: 1 });
    await store.put('a/.well-known', { n: 2 });
    expect((await store.list('a/.')).map((r) => r.key)).toEqual(['a/..x', 'a/.well-known']);
    expect((await store.list('a/..')).map((r) => r.key)).toEqual(['a/..x']);
  });
});
