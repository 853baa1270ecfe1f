import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../../../src/stores/file.js';
import { LIST_SLICE, readRecords } from '../../../src/stores/file-records.js';
import { folderPerTest } from './store-fixtures.js';

describe('file store: reads take turns of the event loop', () => {
  const directory = folderPerTest();

  it.each(['log', 'files'] as const)(
    'a loop of gets lets a timer fire (%s layout)',
    async (layout) => {
      const store = createFileStore({ layout, directory: directory() });
      await store.put('polled/record', { n: 1 });
      let fired = false;
      setTimeout(() => {
        fired = true;
      }, 20);
      let reads = 0;
      // Without a turn of the loop per get, this loop would never end.
      while (!fired) {
        expect((await store.get('polled/record'))?.value).toEqual({ n: 1 });
        reads += 1;
      }
      expect(reads).toBeGreaterThan(0);
    },
  );

  it.each(['log', 'files'] as const)(
    'a loop of gets of a missing key and deletes of it lets a timer fire (%s layout)',
    async (layout) => {
      const store = createFileStore({ layout, directory: directory() });
      let fired = false;
      setTimeout(() => {
        fired = true;
      }, 20);
      while (!fired) {
        expect(await store.get('missing/record')).toBeUndefined();
        expect(await store.delete('missing/record')).toBe(false);
      }
      expect(fired).toBe(true);
    },
  );

  it('a long listing yields to the event loop between slices, and keeps the order given', async () => {
    const count = 1_000;
    const name = (i: number) => `r${String(i).padStart(4, '0')}`;
    const files = Array.from({ length: count }, (_, i) => ({
      key: `many/${name(i)}`,
      file: path.join(directory(), `${name(i)}.json`),
    }));
    for (const [i, { file }] of files.entries()) {
      await writeFile(file, JSON.stringify({ version: `1-v${i}`, value: { i } }));
    }
    await rm(files[500]?.file as string);
    let turns = 0;
    let reading = true;
    const tick = (): void => {
      turns += 1;
      if (reading) setImmediate(tick);
    };
    setImmediate(tick);
    const records = await readRecords(files);
    reading = false;
    // The file removed after it was found is left out, the others come in the order given.
    expect(records.map((r) => r.key)).toEqual(files.filter((_, i) => i !== 500).map((f) => f.key));
    expect(records.at(-1)).toEqual({ key: 'many/r0999', value: { i: 999 }, version: '1-v999' });
    // 1,000 records are read in 8 slices of 128 or fewer: the loop turned between them.
    expect(LIST_SLICE).toBe(128);
    expect(turns).toBeGreaterThanOrEqual(7);
  });
});
