import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { createFileStore } from '../../../src/stores/file.js';
import type { Store } from '../../../src/stores/types.js';
import { rejection } from './store-fixtures.js';

const key = 'resources/Certificate/default/web';

describe('file store: a corrupt record', () => {
  let directory: string;
  let store: Store;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    store = createFileStore({ layout: 'files', directory });
    await mkdir(path.join(directory, 'resources/Certificate/default'), { recursive: true });
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it.each([
    ['truncated JSON', '{"version":"1-abc","value":{"spec":'],
    ['an empty file', ''],
    ['JSON without a version', '{"value":1}'],
    ['JSON without a value', '{"version":"1-abc"}'],
    ['a JSON array', '[1,2]'],
  ])('%s fails every operation with a StoreError naming the key', async (_case, text) => {
    await writeFile(path.join(directory, `${key}.json`), text);
    for (const operation of [
      () => store.get(key),
      () => store.list('resources/'),
      () => store.put(key, { n: 1 }),
      () => store.put(key, { n: 1 }, { ifVersion: '1-abc' }),
      () => store.delete(key),
    ]) {
      const error = await rejection(Promise.resolve().then((): Promise<unknown> => operation()));
      expect(CertflowError.is(error, 'ERR_STORE')).toBe(true);
      expect((error as Error).message).toContain(JSON.stringify(key));
    }
  });
});
