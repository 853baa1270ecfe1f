import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FolderSyncs,
  syncDirectory,
  type SyncFolder,
} from '../../../src/stores/file-folder-sync.js';
import { folderPerTest } from './store-fixtures.js';

/** A SyncFolder whose syncs the test finishes by hand, in the order it chooses. */
function manualSyncs(): SyncFolder & {
  started: string[];
  finish(index: number, err?: Error): void;
} {
  const done: ((err: Error | null) => void)[] = [];
  const started: string[] = [];
  const sync: SyncFolder = (dir, callback) => {
    started.push(dir);
    done.push(callback);
  };
  return Object.assign(sync, {
    started,
    finish: (index: number, err?: Error) => done[index]?.(err ?? null),
  });
}

/** Lets pending promise reactions run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Tracks whether `promise` has settled, without letting it reject unhandled. */
function watch(promise: Promise<void>): { settled: () => string } {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    (err: Error) => (state = `rejected: ${err.message}`),
  );
  return { settled: () => state };
}

describe('file store: group commit of folder syncs', () => {
  it('a caller who asks while a sync runs waits for the next sync, not the running one', async () => {
    const fake = manualSyncs();
    const syncs = new FolderSyncs(fake);
    const first = watch(syncs.sync('/store/a'));
    expect(fake.started).toEqual(['/store/a']);
    // Asked after the first sync started: its change may not be in that sync.
    const second = watch(syncs.sync('/store/a'));
    expect(fake.started).toEqual(['/store/a']);

    fake.finish(0);
    await settle();
    expect(first.settled()).toBe('resolved');
    expect(second.settled()).toBe('pending');
    // The next sync started as soon as the first ended.
    expect(fake.started).toEqual(['/store/a', '/store/a']);

    fake.finish(1);
    await settle();
    expect(second.settled()).toBe('resolved');
  });

  it('every caller who asks while a sync runs shares the one next sync', async () => {
    const fake = manualSyncs();
    const syncs = new FolderSyncs(fake);
    const first = watch(syncs.sync('/store/a'));
    const waiting = Array.from({ length: 10 }, () => watch(syncs.sync('/store/a')));
    fake.finish(0);
    await settle();
    expect(first.settled()).toBe('resolved');
    expect(waiting.map((w) => w.settled())).toEqual(Array(10).fill('pending'));
    fake.finish(1);
    await settle();
    expect(waiting.map((w) => w.settled())).toEqual(Array(10).fill('resolved'));
    // Two syncs for eleven callers, and none left running.
    expect(fake.started).toHaveLength(2);
    const later = watch(syncs.sync('/store/a'));
    expect(fake.started).toHaveLength(3);
    fake.finish(2);
    await settle();
    expect(later.settled()).toBe('resolved');
  });

  it('folders are synced apart: a sync of one folder never releases a caller of another', async () => {
    const fake = manualSyncs();
    const syncs = new FolderSyncs(fake);
    const a = watch(syncs.sync('/store/a'));
    const b = watch(syncs.sync('/store/b'));
    expect(fake.started).toEqual(['/store/a', '/store/b']);
    fake.finish(1);
    await settle();
    expect([a.settled(), b.settled()]).toEqual(['pending', 'resolved']);
    fake.finish(0);
    await settle();
    expect(a.settled()).toBe('resolved');
  });

  it('a failed sync rejects every caller who shared it, and the next sync still runs', async () => {
    const fake = manualSyncs();
    const syncs = new FolderSyncs(fake);
    const first = watch(syncs.sync('/store/a'));
    const shared = [watch(syncs.sync('/store/a')), watch(syncs.sync('/store/a'))];
    fake.finish(0);
    await settle();
    expect(first.settled()).toBe('resolved');
    fake.finish(1, new Error('EIO'));
    await settle();
    expect(shared.map((w) => w.settled())).toEqual(['rejected: EIO', 'rejected: EIO']);
    const after = watch(syncs.sync('/store/a'));
    expect(fake.started).toHaveLength(3);
    fake.finish(2);
    await settle();
    expect(after.settled()).toBe('resolved');
  });
});

describe('file store: syncing a real folder', () => {
  const directory = folderPerTest();

  it.each([
    ['an existing folder succeeds', '', null],
    ['a missing folder fails with ENOENT', 'missing', 'ENOENT'],
  ])('syncing %s', async (_case, child, code) => {
    const err = await new Promise<Error | null>((resolve) =>
      syncDirectory(path.join(directory(), child), resolve),
    );
    expect(err === null ? null : (err as NodeJS.ErrnoException).code).toBe(code);
  });
});
