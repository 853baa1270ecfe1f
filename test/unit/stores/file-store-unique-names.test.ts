import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { createFileStore } from '../../../src/stores/file.js';
import { uniqueId } from '../../../src/stores/file-ids.js';
import type { Store } from '../../../src/stores/types.js';
import { folderPerTest } from './store-fixtures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

/** Adds one to the counter at `key` by compare-and-set, retrying on conflicts. */
async function increment(store: Store, key: string): Promise<string> {
  for (;;) {
    const current = await store.get<{ count: number }>(key);
    try {
      return await store.put(
        key,
        { count: (current?.value.count ?? 0) + 1 },
        { ifVersion: current?.version ?? null },
      );
    } catch (err) {
      if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
    }
  }
}

describe('file store: temp names, lock tokens and versions are unique', () => {
  const directory = folderPerTest();

  it.each(['log', 'files'] as const)(
    'two store instances on one folder (%s layout): no write collides, no version repeats',
    async (layout) => {
      const stores = [
        createFileStore({ directory: directory(), layout }),
        createFileStore({ directory: directory(), layout }),
      ];
      const versions: string[] = [];
      await Promise.all(
        stores.flatMap((store, s) => [
          // Temp files of both instances in one folder at once: a shared name would fail `wx`.
          ...Array.from({ length: 10 }, async (_, i) => {
            for (let round = 0; round < 5; round += 1) {
              versions.push(await store.put(`shared/s${s}-k${i}`, { round }));
            }
          }),
          // Both instances take the same lock over and over: no increment may be lost.
          (async () => {
            for (let i = 0; i < 25; i += 1) versions.push(await increment(store, 'shared/counter'));
          })(),
        ]),
      );
      expect((await stores[0]?.get<{ count: number }>('shared/counter'))?.value.count).toBe(50);
      // Deleted by one instance, created again by the other: still a version never seen.
      await stores[0]?.delete('shared/counter');
      versions.push(await (stores[1] as Store).put('shared/counter', { count: 0 }));
      expect(versions).toHaveLength(20 * 5 + 50 + 1);
      expect(new Set(versions).size).toBe(versions.length);
      for (const store of stores) await store.close?.();
      if (layout === 'log') {
        // The log alone: owner files go with their instance, no lock or temp file is left.
        expect(await readdir(directory())).toEqual(['records.log']);
        return;
      }
      // Spares (displaced records kept to be written again) go when their instance closes.
      expect(
        (await readdir(path.join(directory(), 'shared'))).every((n) => n.endsWith('.json')),
      ).toBe(true);
    },
  );

  it('names drawn in other processes never equal this process’s', async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    try {
      const bundle = path.join(workDir, 'file-ids.mjs');
      await build({
        entryPoints: [path.join(here, '../../../src/stores/file-ids.ts')],
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        outfile: bundle,
        logLevel: 'silent',
      });
      const script = `import { uniqueId } from ${JSON.stringify(bundle)};
        process.stdout.write(JSON.stringify(Array.from({ length: 1000 }, uniqueId)));`;
      const children = await Promise.all(
        [1, 2].map(() => run(process.execPath, ['--input-type=module', '-e', script])),
      );
      const ids = [
        ...Array.from({ length: 1000 }, uniqueId),
        ...children.flatMap((c) => JSON.parse(c.stdout) as string[]),
      ];
      expect(ids).toHaveLength(3000);
      expect(new Set(ids).size).toBe(3000);
      // Safe in file names, and never the name of a record, lock or guard file once dotted.
      expect(ids.every((id) => /^[A-Za-z0-9_-]+$/.test(id))).toBe(true);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
