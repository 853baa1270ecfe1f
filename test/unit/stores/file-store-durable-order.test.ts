import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStoreWith } from '../../../src/stores/file.js';
import { syncDirectory, type SyncFolder } from '../../../src/stores/file-folder-sync.js';
import { folderPerTest } from './store-fixtures.js';

interface SyncSeen {
  readonly dir: string;
  /** The version of each record file in the folder when the sync started. */
  readonly versions: Map<string, string>;
  ended: boolean;
}

/** The versions of the record files in `dir`, by file name. */
function versionsIn(dir: string): Map<string, string> {
  const versions = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const record = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { version: string };
    versions.set(name, record.version);
  }
  return versions;
}

describe('file store: a write is durable when it resolves', () => {
  const directory = folderPerTest();

  it('each put and delete resolves after a folder sync that started after its rename', async () => {
    const seen: SyncSeen[] = [];
    // Real syncs, each a few milliseconds late, so that writes pile up behind a running one.
    const recording: SyncFolder = (dir, done) => {
      const sync: SyncSeen = { dir, versions: versionsIn(dir), ended: false };
      seen.push(sync);
      setTimeout(() => {
        syncDirectory(dir, (err) => {
          sync.ended = true;
          done(err);
        });
      }, 3);
    };
    const store = createFileStoreWith({ layout: 'files', directory: directory() }, recording);
    const folder = path.join(directory(), 'shared');
    const writes = 40;
    await Promise.all(
      Array.from({ length: writes }, async (_, i) => {
        const name = `k${i % 8}`;
        const version = await store.put(`shared/${name}`, { i });
        // A sync that saw this very version (so it started after the rename) has ended.
        const covering = seen.filter((s) => s.dir === folder && s.ended);
        expect(covering.some((s) => s.versions.get(`${name}.json`) === version)).toBe(true);
      }),
    );
    const folderSyncs = seen.filter((s) => s.dir === folder).length;
    // Writes that landed while a sync ran shared the next one.
    expect(folderSyncs).toBeGreaterThanOrEqual(writes / 8);
    expect(folderSyncs).toBeLessThan(writes);

    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        expect(await store.delete(`shared/k${i}`)).toBe(true);
        const covering = seen.filter((s) => s.dir === folder && s.ended);
        expect(covering.some((s) => !s.versions.has(`k${i}.json`))).toBe(true);
      }),
    );
  });
});
