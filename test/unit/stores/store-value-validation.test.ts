import { afterEach, describe, expect, it } from 'vitest';
import { CertflowError, type ValidationError } from '../../../src/errors.js';
import { builtInStores, rejection, type BuiltInStore } from './store-fixtures.js';

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

const invalidValues: [string, unknown][] = [
  ['undefined', undefined],
  ['a function', () => undefined],
  ['a symbol', Symbol('x')],
  ['a BigInt', { n: 1n }],
  ['a cycle', cyclic],
];

describe.each(builtInStores)('%s store: value and option validation', (_name, create) => {
  let current: BuiltInStore | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  it.each(invalidValues)('rejects %s as a value and stores nothing', async (_case, value) => {
    current = await create();
    const error = await rejection(current.store.put('k', value));
    expect(CertflowError.is(error, 'ERR_VALIDATION')).toBe(true);
    expect((error as ValidationError).field).toBe('value');
    expect(await current.store.get('k')).toBeUndefined();
  });

  it.each([
    ['put', 'a number', (s: BuiltInStore['store']) => s.put('k', 1, { ifVersion: 1 as never })],
    ['delete', 'null', (s: BuiltInStore['store']) => s.delete('k', { ifVersion: null as never })],
  ])('%s rejects an ifVersion that is %s', async (_op, _case, operation) => {
    current = await create();
    const error = await rejection(operation(current.store));
    expect(CertflowError.is(error, 'ERR_VALIDATION')).toBe(true);
    expect((error as ValidationError).field).toBe('options.ifVersion');
  });

  it('drops what JSON drops: undefined properties disappear, like on every JSON store', async () => {
    current = await create();
    await current.store.put('k', { a: 1, gone: undefined, list: [undefined] });
    expect((await current.store.get('k'))?.value).toEqual({ a: 1, list: [null] });
  });

  it('fails every operation with ERR_STORE once closed', async () => {
    current = await create();
    const { store } = current;
    await store.put('k', 1);
    await store.close?.();
    for (const operation of [
      () => store.get('k'),
      () => store.list(''),
      () => store.put('k', 2),
      () => store.delete('k'),
    ]) {
      expect(
        CertflowError.is(
          await rejection(Promise.resolve().then((): Promise<unknown> => operation())),
          'ERR_STORE',
        ),
      ).toBe(true);
    }
  });
});
