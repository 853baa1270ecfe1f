import { mkdtemp, readdir, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore } from '../../../src/stores/file.js';

describe('file store: a folder removed behind its back', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it.each([
    ['the record folder', 'kind/ns'],
    ['a folder above it', 'kind'],
  ])('removing %s: the next write creates it again', async (_case, removed) => {
    const store = createFileStore({ directory });
    await store.put('kind/ns/a', { n: 1 });
    await rm(path.join(directory, removed), { recursive: true });

    // The store knew the folder: its next write finds it gone, creates it and writes.
    const version = await store.put('kind/ns/a', { n: 2 });
    expect(await store.get('kind/ns/a')).toEqual({ key: 'kind/ns/a', value: { n: 2 }, version });
    await rm(path.join(directory, removed), { recursive: true });
    await store.put('kind/ns/b', { n: 3 }, { ifVersion: null });
    expect((await store.list('kind/')).map((r) => [r.key, r.value])).toEqual([
      ['kind/ns/b', { n: 3 }],
    ]);
    // Nothing but the record is left in the folder: no lock, no temp file.
    expect(await readdir(path.join(directory, 'kind/ns'))).toEqual(['b.json']);
  });
});
