import { appendFileSync, fstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError, ValidationError } from '../../../src/errors.js';
import { createFileStore, createFileStoreWith } from '../../../src/stores/file.js';
import { syncDirectory } from '../../../src/stores/file-folder-sync.js';
import { COMPACT_MIN_BYTES, syncLogData, type SyncLog } from '../../../src/stores/file-log.js';
import { folderPerTest, rejection } from './store-fixtures.js';

/** The lines of the log in `dir`, parsed. */
function logLines(dir: string): Record<string, unknown>[] {
  const text = readFileSync(path.join(dir, 'records.log'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('file store, log layout', () => {
  const directory = folderPerTest();

  it('appends one line per write to records.log (0600, folder 0700), and nothing else stays', async () => {
    const dir = path.join(directory(), 'new', 'store');
    const store = createFileStore({ directory: dir });
    const v1 = await store.put('kind/ns/a', { n: 1 });
    const v2 = await store.put('kind/ns/a', { n: 2 }, { ifVersion: v1 });
    await store.put('kind/ns/b', { text: 'line\nbreak' });
    expect(await store.delete('kind/ns/b')).toBe(true);
    expect(await store.delete('kind/ns/b')).toBe(false);
    await store.close?.();

    expect(await readdir(dir)).toEqual(['records.log']);
    expect((await stat(path.join(dir, 'records.log'))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const lines = logLines(dir);
    expect(lines.map((l) => [l.key, l.version, l.value, l.deleted])).toEqual([
      ['kind/ns/a', v1, { n: 1 }, undefined],
      ['kind/ns/a', v2, { n: 2 }, undefined],
      ['kind/ns/b', expect.any(String), { text: 'line\nbreak' }, undefined],
      ['kind/ns/b', lines[2]?.version, undefined, true],
    ]);
    for (const line of lines) expect(line.sum).toMatch(/^[0-9a-f]{8}$/);

    // A new instance reads the state back from the log.
    const reader = createFileStore({ directory: dir });
    expect(await reader.get('kind/ns/a')).toEqual({
      key: 'kind/ns/a',
      value: { n: 2 },
      version: v2,
    });
    expect(await reader.get('kind/ns/b')).toBeUndefined();
    expect((await reader.list('kind/')).map((r) => r.key)).toEqual(['kind/ns/a']);
  });

  it('sees what other instances wrote before each operation, and compares against it', async () => {
    const a = createFileStore({ directory: directory() });
    const b = createFileStore({ directory: directory() });
    const v1 = await a.put('k/x', { n: 1 });
    expect((await b.get('k/x'))?.version).toBe(v1);
    const v2 = await b.put('k/x', { n: 2 }, { ifVersion: v1 });
    const err = await rejection(a.put('k/x', { n: 3 }, { ifVersion: v1 }));
    expect(err).toMatchObject({ code: 'ERR_CONFLICT' });
    expect(await b.delete('k/x', { ifVersion: v2 })).toBe(true);
    expect(await a.list('k/')).toEqual([]);
    expect(await a.delete('k/x')).toBe(false);
  });

  it('lists by prefix across folders and within one, in key order', async () => {
    const store = createFileStore({ directory: directory() });
    for (const key of ['r/b/2', 'r/a/1', 'r/b/10', 'r/ab/1', 'q/a/1', 'r/b/1']) {
      await store.put(key, { key });
    }
    expect((await store.list('r/')).map((r) => r.key)).toEqual([
      'r/a/1',
      'r/ab/1',
      'r/b/1',
      'r/b/10',
      'r/b/2',
    ]);
    expect((await store.list('r/a')).map((r) => r.key)).toEqual(['r/a/1', 'r/ab/1']);
    expect((await store.list('r/b/1')).map((r) => r.key)).toEqual(['r/b/1', 'r/b/10']);
    expect((await store.list('')).length).toBe(6);
  });

  it('compare-and-set holds between writes queued in one batch', async () => {
    const store = createFileStore({ directory: directory() });
    const results = await Promise.allSettled([
      store.put('c/k', { n: 1 }, { ifVersion: null }),
      store.put('c/k', { n: 2 }, { ifVersion: null }),
      store.delete('c/k'),
      store.put('c/k', { n: 3 }, { ifVersion: null }),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((results[2] as PromiseFulfilledResult<boolean>).value).toBe(true);
    expect((await store.get('c/k'))?.value).toEqual({ n: 3 });
    const versions = results.flatMap((r) =>
      r.status === 'fulfilled' && typeof r.value === 'string' ? [r.value] : [],
    );
    expect(new Set(versions).size).toBe(2);
  });

  it('reads values larger than its read buffer, and many records, back whole', async () => {
    const store = createFileStore({ directory: directory() });
    const big = { pad: 'é'.repeat(1_500_000), tail: 'x' };
    await store.put('big/one', big);
    for (let i = 0; i < 2_000; i += 1) await store.put(`many/r${i}`, { i, pad: 'y'.repeat(600) });
    await store.put('big/two', { ...big, tail: 'z' });
    const reader = createFileStore({ directory: directory() });
    expect((await reader.get('big/one'))?.value).toEqual(big);
    expect((await reader.get('big/two'))?.value).toEqual({ ...big, tail: 'z' });
    const many = await reader.list<{ i: number }>('many/');
    expect(many).toHaveLength(2_000);
    expect(many.map((r) => r.value.i).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 2_000 }, (_, i) => i),
    );
  });

  it('ignores a torn last line, which the next write cuts off', async () => {
    const store = createFileStore({ directory: directory() });
    const v1 = await store.put('t/a', { n: 1 });
    await store.close?.();
    const log = path.join(directory(), 'records.log');
    const whole = readFileSync(log, 'utf8');
    // A crash in the middle of appending: half of a line, with no newline.
    appendFileSync(log, whole.slice(0, Math.floor(whole.length / 2)));

    const reopened = createFileStore({ directory: directory() });
    expect(await reopened.get('t/a')).toEqual({ key: 't/a', value: { n: 1 }, version: v1 });
    const v2 = await reopened.put('t/a', { n: 2 }, { ifVersion: v1 });
    expect(logLines(directory()).map((l) => l.version)).toEqual([v1, v2]);

    // A torn line that ends in a newline (zeroed blocks) is cut off the same way.
    appendFileSync(log, '\0\0\0\0\n');
    const third = createFileStore({ directory: directory() });
    expect((await third.get('t/a'))?.version).toBe(v2);
    const v3 = await third.put('t/b', { n: 3 });
    expect(logLines(directory()).map((l) => l.version)).toEqual([v1, v2, v3]);
  });

  it('a damaged line with valid lines after it fails every operation, naming its offset, and changes nothing', async () => {
    const store = createFileStore({ directory: directory() });
    await store.put('d/a', { n: 1 });
    await store.put('d/b', { n: 2 });
    await store.close?.();
    const log = path.join(directory(), 'records.log');
    const text = readFileSync(log, 'utf8');
    // One flipped character inside the first value.
    writeFileSync(log, text.replace('{"n":1}', '{"n":7}'));
    const before = readFileSync(log);

    const damaged = createFileStore({ directory: directory() });
    for (const attempt of [
      () => damaged.get('d/b'),
      () => damaged.list('d/'),
      () => damaged.put('d/c', { n: 3 }),
      () => damaged.delete('d/b'),
    ]) {
      const err = await rejection(attempt());
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(/records\.log is damaged at byte 0 \(its checksum/);
    }
    expect(readFileSync(log).equals(before)).toBe(true);
  });

  it('compacts a log grown past twice its live lines; other instances follow the new log', async () => {
    const writer = createFileStore({ directory: directory() });
    // Opened and loaded before the compaction: it holds the old log open.
    const follower = createFileStore({ directory: directory() });
    await writer.put('keep/a', { n: 0 });
    expect((await follower.get('keep/a'))?.value).toEqual({ n: 0 });
    const log = path.join(directory(), 'records.log');
    const firstInode = statSync(log).ino;
    const pad = 'p'.repeat(64 * 1024);
    let version = '';
    let rounds = 0;
    while (statSync(log).ino === firstInode) {
      rounds += 1;
      version = await writer.put('churn/x', { rounds, pad });
      expect(rounds).toBeLessThan((3 * COMPACT_MIN_BYTES) / pad.length);
    }
    expect(rounds).toBeGreaterThan(COMPACT_MIN_BYTES / pad.length - 2);
    expect(statSync(log).size).toBeLessThan(4 * pad.length);
    expect((await readdir(directory())).filter((n) => !n.startsWith('.owner-'))).toEqual([
      'records.log',
    ]);

    // The follower's open log is no longer linked: it loads the new one.
    expect(await follower.get('churn/x')).toEqual({
      key: 'churn/x',
      value: { rounds, pad },
      version,
    });
    const next = await follower.put('churn/x', { rounds: 0 }, { ifVersion: version });
    expect((await writer.get('churn/x'))?.version).toBe(next);
    expect((await writer.list('keep/')).map((r) => r.value)).toEqual([{ n: 0 }]);
    expect(logLines(directory()).map((l) => l.key)).toEqual(['keep/a', 'churn/x', 'churn/x']);
  });

  it('each write resolves after an fdatasync that started after its append, shared by writes meanwhile', async () => {
    const syncs: { size: number; ended: boolean }[] = [];
    const recording: SyncLog = (fd, done) => {
      const sync = { size: fstatSync(fd).size, ended: false };
      syncs.push(sync);
      setTimeout(() => {
        syncLogData(fd, (err) => {
          sync.ended = true;
          done(err);
        });
      }, 3);
    };
    const store = createFileStoreWith({ directory: directory() }, syncDirectory, recording);
    const log = path.join(directory(), 'records.log');
    /** Where the line of `version` ends in the log. */
    const endOf = (version: string): number => {
      const text = readFileSync(log);
      const at = text.indexOf(`{"version":${JSON.stringify(version)},`);
      expect(at).toBeGreaterThanOrEqual(0);
      return text.indexOf('\n', at) + 1;
    };
    const writes = 60;
    await Promise.all(
      Array.from({ length: writes }, async (_, i) => {
        // Spread over a few turns of the event loop, so that batches overlap syncs.
        await new Promise((resolve) => setTimeout(resolve, i % 6));
        const version = await store.put(`s/k${i % 8}`, { i });
        const end = endOf(version);
        expect(syncs.some((s) => s.ended && s.size >= end)).toBe(true);
      }),
    );
    expect(syncs.length).toBeLessThan(writes / 2);
    const size = statSync(log).size;
    expect(await store.delete('s/k0')).toBe(true);
    expect(syncs.some((s) => s.ended && s.size > size)).toBe(true);
  });

  it('a folder removed behind its back is made again by the next write', async () => {
    const dir = path.join(directory(), 'gone');
    const store = createFileStore({ directory: dir });
    await store.put('g/a', { n: 1 });
    await rm(dir, { recursive: true });
    const version = await store.put('g/b', { n: 2 }, { ifVersion: null });
    expect(await store.list('g/')).toEqual([{ key: 'g/b', value: { n: 2 }, version }]);
    expect((await readdir(dir)).filter((n) => !n.startsWith('.owner-'))).toEqual(['records.log']);
  });

  it('opens a folder of the files layout as it is, and refuses a layout the folder does not hold', async () => {
    const old = path.join(directory(), 'old');
    const files = createFileStore({ directory: old, layout: 'files' });
    const v = await files.put('o/a', { n: 1 });
    await files.close?.();
    const before = await readdir(old);
    // No layout given: the folder's own.
    expect(await createFileStore({ directory: old }).get('o/a')).toEqual({
      key: 'o/a',
      value: { n: 1 },
      version: v,
    });
    const refused = (() => {
      try {
        createFileStore({ directory: old, layout: 'log' });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ field: 'layout' });
    expect(await readdir(old)).toEqual(before);

    const fresh = path.join(directory(), 'fresh');
    await createFileStore({ directory: fresh }).put('f/a', { n: 1 });
    expect(() => createFileStore({ directory: fresh, layout: 'files' })).toThrow(ValidationError);
    expect(() => createFileStore({ directory: fresh, layout: 'tree' as unknown as 'log' })).toThrow(
      /layout: must be "log" or "files"/,
    );
    // An empty folder, or one holding only the store's own dot files, is new: the log.
    const empty = path.join(directory(), 'empty');
    await mkdir(empty);
    await createFileStore({ directory: empty }).put('e/a', { n: 1 });
    expect(await readdir(empty)).toContain('records.log');
  });
});
