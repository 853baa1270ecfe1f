import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../../../src/stores/file.js';

/** The JSON text of a record whose file is exactly `bytes` long. */
function recordOfSize(bytes: number): { text: string; value: { pad: string } } {
  const empty = '{"version":"1-abc","value":{"pad":""}}';
  const value = { pad: 'é'.repeat(Math.floor((bytes - empty.length) / 2)) };
  if (empty.length + value.pad.length * 2 < bytes) value.pad += 'x';
  const text = `{"version":"1-abc","value":${JSON.stringify(value)}}`;
  return { text, value };
}

describe('file store: records of every size read whole', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    await mkdir(path.join(directory, 'sizes'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  // Around the 64 KiB read buffer, with two-byte characters that may straddle its end.
  it.each([100, 65_535, 65_536, 65_537, 131_073, 300_001])(
    'a record file of %i bytes',
    async (bytes) => {
      const key = `sizes/r${bytes}`;
      const { text, value } = recordOfSize(bytes);
      const file = path.join(directory, `${key}.json`);
      await writeFile(file, text);
      expect((await stat(file)).size).toBe(bytes);
      const store = createFileStore({ layout: 'files', directory });
      expect(await store.get(key)).toEqual({ key, value, version: '1-abc' });
      const listed = await store.list(key);
      expect(listed).toEqual([{ key, value, version: '1-abc' }]);
    },
  );
});
