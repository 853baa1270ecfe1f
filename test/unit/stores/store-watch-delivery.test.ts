import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger as silent, type LogFields, type Logger } from '../../../src/logger.js';
import { createFileStore } from '../../../src/stores/file.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store, StoreChange } from '../../../src/stores/types.js';

const stores: [string, (logger: Logger) => Promise<{ store: Store; cleanup(): Promise<void> }>][] =
  [
    [
      'memory',
      async (logger) => ({ store: createMemoryStore({ logger }), cleanup: async () => {} }),
    ],
    [
      'file',
      async (logger) => {
        const directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
        return {
          store: createFileStore({ directory, logger }),
          cleanup: () => rm(directory, { recursive: true, force: true }),
        };
      },
    ],
  ];

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe.each(stores)('%s store: watch delivery', (_name, create) => {
  it('delivers after the write call, never inside it, each watcher its own copy', async () => {
    const warnings: { message: string; fields?: LogFields }[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (message, fields) => void warnings.push(fields ? { message, fields } : { message }),
    };
    const { store, cleanup } = await create(logger);
    try {
      const first: StoreChange[] = [];
      const second: StoreChange[] = [];
      let inside = false;
      store.watch?.('w/', (change) => {
        expect(inside).toBe(false);
        first.push(change);
        (change.value as { list: string[] }).list.push('mutated');
      });
      store.watch?.('w/', () => {
        throw new Error('boom');
      });
      store.watch?.('w/', (change) => second.push(change));
      inside = true;
      const pending = store.put('w/a', { list: ['x'] });
      inside = false;
      await pending;
      await settle();
      expect(first).toHaveLength(1);
      expect(second.map((c) => c.value)).toEqual([{ list: ['x'] }]);
      expect((await store.get('w/a'))?.value).toEqual({ list: ['x'] });
      expect(warnings).toEqual([
        { message: 'store watch listener threw', fields: { key: 'w/a', error: 'boom' } },
      ]);
    } finally {
      await cleanup();
    }
  });

  it('keeps write order across keys and prefixes', async () => {
    const { store, cleanup } = await create(silent);
    try {
      const all: string[] = [];
      const under: string[] = [];
      store.watch?.('', (change) => all.push(`${change.type} ${change.key}`));
      store.watch?.('x/', (change) => under.push(`${change.type} ${change.key}`));
      await store.put('x/a', 1);
      await store.put('b', 2);
      await store.put('x/c', 3);
      await store.delete('x/a');
      await settle();
      expect(all).toEqual(['put x/a', 'put b', 'put x/c', 'delete x/a']);
      expect(under).toEqual(['put x/a', 'put x/c', 'delete x/a']);
    } finally {
      await cleanup();
    }
  });

  it('a watcher removed while a change is being delivered does not receive it', async () => {
    const { store, cleanup } = await create(silent);
    try {
      const later: StoreChange[] = [];
      store.watch?.('', () => unwatchLater?.());
      const unwatchLater = store.watch?.('', (change) => later.push(change));
      await store.put('k', 1);
      await settle();
      expect(later).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('a watch added after a write does not see it', async () => {
    const { store, cleanup } = await create(silent);
    try {
      const seen: StoreChange[] = [];
      await store.put('k', 1);
      store.watch?.('', (change) => seen.push(change));
      await settle();
      expect(seen).toEqual([]);
      const version = await store.put('k', 2);
      await settle();
      expect(seen).toEqual([{ type: 'put', key: 'k', version, value: 2 }]);
    } finally {
      await cleanup();
    }
  });
});
