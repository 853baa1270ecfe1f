import { readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../../../src/stores/file.js';
import { folderPerTest } from './store-fixtures.js';

describe('file store: a folder removed behind its back', () => {
  const directory = folderPerTest();

  it.each([
    ['the record folder', 'kind/ns'],
    ['a folder above it', 'kind'],
  ])('removing %s: the next write creates it again', async (_case, removed) => {
    const store = createFileStore({ layout: 'files', directory: directory() });
    await store.put('kind/ns/a', { n: 1 });
    await rm(path.join(directory(), removed), { recursive: true });

    // The store knew the folder: its next write finds it gone, creates it and writes.
    const version = await store.put('kind/ns/a', { n: 2 });
    expect(await store.get('kind/ns/a')).toEqual({ key: 'kind/ns/a', value: { n: 2 }, version });
    await rm(path.join(directory(), removed), { recursive: true });
    await store.put('kind/ns/b', { n: 3 }, { ifVersion: null });
    expect((await store.list('kind/')).map((r) => [r.key, r.value])).toEqual([
      ['kind/ns/b', { n: 3 }],
    ]);
    // Nothing but the record is left in the folder: no lock, no temp file.
    expect(await readdir(path.join(directory(), 'kind/ns'))).toEqual(['b.json']);
  });
});
