import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../../../src/stores/file.js';
import { folderPerTest } from './store-fixtures.js';

describe('file store: atomic writes', () => {
  const directory = folderPerTest();

  it('a reader never sees a half-written record while large values are rewritten', async () => {
    const writer = createFileStore({ layout: 'files', directory: directory() });
    // A second instance, so reads do not queue behind the writer's in-process lock.
    const reader = createFileStore({ layout: 'files', directory: directory() });
    const key = 'big/record';
    const valueOf = (round: number) => ({ round, blob: String(round % 10).repeat(500_000) });
    await writer.put(key, valueOf(0));
    let writing = true;
    const reads: number[] = [];
    const readLoop = (async () => {
      while (writing) {
        const record = await reader.get<{ round: number; blob: string }>(key);
        expect(record?.value.blob).toBe(valueOf(record?.value.round ?? -1).blob);
        reads.push(record?.value.round ?? -1);
      }
    })();
    for (let round = 1; round <= 15; round += 1) await writer.put(key, valueOf(round));
    writing = false;
    await readLoop;
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((round) => round >= 0 && round <= 15)).toBe(true);
    // Displaced records are kept as spares to be written again; closing removes them.
    await writer.close?.();
    await reader.close?.();
    expect(await readdir(path.join(directory(), 'big'))).toEqual(['record.json']);
  });
});
