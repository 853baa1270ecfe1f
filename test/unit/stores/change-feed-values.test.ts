import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { ChangeFeed } from '../../../src/stores/change-feed.js';
import type { StoreChange } from '../../../src/stores/types.js';

describe('change feed: values of watched changes', () => {
  it('each watcher gets its own value, the same object on every read, equal to what was put', async () => {
    const feed = new ChangeFeed(silentLogger);
    const seen: StoreChange[][] = [[], []];
    feed.subscribe('a/', (change) => seen[0]?.push(change));
    feed.subscribe('a/', (change) => seen[1]?.push(change));
    const value = { spec: { names: ['x', 'y'] }, n: 1 };
    feed.emit('put', 'a/k', 'v1', JSON.stringify(value));
    feed.emit('delete', 'a/k', 'v1');
    await Promise.resolve();
    const [first, second] = seen as [StoreChange[], StoreChange[]];
    expect(first).toEqual([
      { type: 'put', key: 'a/k', version: 'v1', value },
      { type: 'delete', key: 'a/k', version: 'v1' },
    ]);
    expect(Object.keys(first[0] as StoreChange)).toEqual(['type', 'key', 'version', 'value']);
    expect('value' in (first[1] as StoreChange)).toBe(false);
    const mine = first[0]?.value as typeof value;
    expect(first[0]?.value).toBe(mine);
    mine.spec.names.push('changed');
    expect(second[0]?.value).toEqual(value);
    expect(JSON.parse(JSON.stringify(first[0]))).toEqual({
      type: 'put',
      key: 'a/k',
      version: 'v1',
      value: { ...value, spec: { names: ['x', 'y', 'changed'] } },
    });
  });
});
