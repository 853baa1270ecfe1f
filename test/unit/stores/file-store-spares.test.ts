import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { createFileStore } from '../../../src/stores/file.js';
import { readRecordNow, recordText } from '../../../src/stores/file-records.js';
import { SPARE_QUARANTINE_MS, spareOwnerToken } from '../../../src/stores/file-spares.js';
import { folderPerTest, rejection } from './store-fixtures.js';

const afterQuarantine = () => delay(SPARE_QUARANTINE_MS + 50);

describe('file store: displaced records are written again instead of new files', () => {
  const directory = folderPerTest();
  const fileOf = (name: string) => path.join(directory(), 'things', `${name}.json`);
  const inode = async (name: string) => (await stat(fileOf(name))).ino;

  it('a record displaced by a write becomes the file of a later write into the folder', async () => {
    const store = createFileStore({ layout: 'files', directory: directory() });
    const first = await store.put('things/a', { n: 1 });
    const displaced = await inode('a');
    await store.put('things/a', { n: 2 }, { ifVersion: first });
    expect(await inode('a')).not.toBe(displaced);
    await afterQuarantine();
    await store.put('things/b', { n: 1 });
    expect(await inode('b')).toBe(displaced);
    expect((await store.get('things/b'))?.value).toEqual({ n: 1 });
    expect((await store.get('things/a'))?.value).toEqual({ n: 2 });
  });

  it('a displaced record is not written again within the quarantine', async () => {
    const store = createFileStore({ layout: 'files', directory: directory() });
    const first = await store.put('things/a', { n: 1 });
    const displaced = await inode('a');
    await store.put('things/a', { n: 2 }, { ifVersion: first });
    await store.put('things/b', { n: 1 });
    expect(await inode('b')).not.toBe(displaced);
    const spares = (await readdir(path.join(directory(), 'things'))).filter(
      (name) => spareOwnerToken(name) !== undefined,
    );
    expect(spares).toHaveLength(1);
  });

  it('a deleted record is kept as a spare too', async () => {
    const store = createFileStore({ layout: 'files', directory: directory() });
    await store.put('things/a', { n: 1 });
    const deleted = await inode('a');
    expect(await store.delete('things/a')).toBe(true);
    expect(await store.get('things/a')).toBeUndefined();
    await afterQuarantine();
    await store.put('things/c', { n: 3 });
    expect(await inode('c')).toBe(deleted);
    expect((await store.list('things/')).map((r) => r.key)).toEqual(['things/c']);
  });

  it('a record file made by someone else with wider permissions is written again as 0600', async () => {
    await mkdir(path.join(directory(), 'things'), { recursive: true });
    await writeFile(fileOf('a'), '{"version":"1-x","value":{"n":1}}');
    await chmod(fileOf('a'), 0o644);
    const foreign = await inode('a');
    const store = createFileStore({ layout: 'files', directory: directory() });
    await store.put('things/a', { n: 2 }, { ifVersion: '1-x' });
    await afterQuarantine();
    await store.put('things/b', { n: 1 });
    expect(await inode('b')).toBe(foreign);
    expect((await stat(fileOf('b'))).mode & 0o777).toBe(0o600);
  });
});

describe('file store: a record names its key and carries a checksum', () => {
  const directory = folderPerTest();
  const file = () => path.join(directory(), 'r.json');

  it.each([
    [
      'a record of another key (a file being rewritten for another key)',
      () => recordText('1-a', 'things/other', '{"n":1}'),
      /names another key/,
    ],
    [
      'a checksum that does not match (a file caught while being rewritten)',
      () => recordText('1-a', 'things/a', '{"n":1}').replace('{"n":1}', '{"n":2}'),
      /checksum does not match/,
    ],
    [
      'a version that does not match its checksum',
      () => recordText('1-a', 'things/a', '{"n":1}').replace('"1-a"', '"1-b"'),
      /checksum does not match/,
    ],
  ])('%s is read again, then reported as corrupt', async (_case, text, message) => {
    await mkdir(directory(), { recursive: true });
    await writeFile(file(), text());
    const error = (() => {
      try {
        readRecordNow(file(), 'things/a');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(CertflowError.is(error, 'ERR_STORE')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('"things/a"');
  });

  it('a record written before keys and checksums were added is read as it is', async () => {
    await mkdir(directory(), { recursive: true });
    await writeFile(file(), '{"version":"1-a","value":{"n":1}}');
    expect(readRecordNow(file(), 'things/a')).toEqual({ version: '1-a', value: { n: 1 } });
  });

  it('a store reports such a file as a corrupt record of the key, naming it', async () => {
    const store = createFileStore({ layout: 'files', directory: directory() });
    await store.put('things/a', { n: 1 });
    await writeFile(
      path.join(directory(), 'things', 'a.json'),
      recordText('1-a', 'things/b', '{"n":1}'),
    );
    const error = await rejection(store.get('things/a'));
    expect(CertflowError.is(error, 'ERR_STORE')).toBe(true);
    expect((error as Error).message).toMatch(/corrupt record for store key "things\/a"/);
  });
});
