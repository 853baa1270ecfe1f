import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore } from '../../../src/stores/file.js';

describe('file store on disk', () => {
  let parent: string;
  let directory: string;
  beforeEach(async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    directory = path.join(parent, 'store');
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('writes one {version, key, sum, value} file per key, files 0600 and folders 0700', async () => {
    const store = createFileStore({ layout: 'files', directory });
    const key = 'resources/Secret/default/web-tls';
    const version = await store.put(key, { data: { 'tls.key': 'secret' } });
    const file = path.join(directory, 'resources/Secret/default/web-tls.json');
    const text = await readFile(file, 'utf8');
    const json = '{"data":{"tls.key":"secret"}}';
    // The checksum is CRC-32 of the version, the key and the value's JSON text, chained.
    const sum = crc32(json, crc32(key, crc32(version)))
      .toString(16)
      .padStart(8, '0');
    expect(text).toBe(
      `{"version":${JSON.stringify(version)},"key":${JSON.stringify(key)},"sum":"${sum}","value":${json}}`,
    );
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    for (const dir of ['', 'resources', 'resources/Secret', 'resources/Secret/default']) {
      expect((await stat(path.join(directory, dir))).mode & 0o777).toBe(0o700);
    }
  });

  it('list ignores temp, lock and stray files, symbolic links and non-canonical names', async () => {
    const store = createFileStore({ layout: 'files', directory });
    await store.put('ns/a', { n: 1 });
    const folder = path.join(directory, 'ns');
    await writeFile(path.join(folder, '.0123abcd.tmp'), '{"version":"x","value":');
    await writeFile(path.join(folder, '.0123abcd.lock'), '{}');
    await writeFile(path.join(folder, 'README'), 'not a record');
    await writeFile(path.join(folder, 'a%2Db.json'), '{"version":"1-x","value":1}');
    await mkdir(path.join(folder, '.hidden-dir'));
    await writeFile(path.join(folder, '.hidden-dir', 'x.json'), '{"version":"1-x","value":1}');
    const outside = path.join(parent, 'outside.json');
    await writeFile(outside, '{"version":"1-x","value":"outside"}');
    await symlink(outside, path.join(folder, 'link.json'));
    expect((await store.list('')).map((r) => r.key)).toEqual(['ns/a']);
    expect((await store.list('ns/')).map((r) => r.key)).toEqual(['ns/a']);
  });

  it('reads records written by another instance on the same folder', async () => {
    const writer = createFileStore({ layout: 'files', directory });
    const reader = createFileStore({ layout: 'files', directory: path.join(parent, '.', 'store') });
    const version = await writer.put('shared/key', { n: 1 });
    expect(await reader.get('shared/key')).toEqual({ key: 'shared/key', value: { n: 1 }, version });
    await reader.put('shared/key', { n: 2 }, { ifVersion: version });
    expect((await writer.get('shared/key'))?.value).toEqual({ n: 2 });
  });

  it('rejects an empty directory option', () => {
    expect(() => createFileStore({ layout: 'files', directory: '' })).toThrow(/directory/);
  });
});
