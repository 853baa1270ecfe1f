import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { decodeSegment, encodeSegment, recordPaths } from '../../../src/stores/file-paths.js';

const root = path.resolve('/srv/certflow-store');

describe('file store key-to-path mapping', () => {
  it.each([
    ['resources/Certificate/default/web', 'resources/Certificate/default/web.json'],
    ['a.b-c_d', 'a.b-c_d.json'],
    ['.hidden', '%2Ehidden.json'],
    ['a/.b/c', 'a/%2Eb/c.json'],
    ['spaces here', 'spaces%20here.json'],
    ['percent%2F', 'percent%252F.json'],
    ['ü', '%C3%BC.json'],
    ['colon:star*', 'colon%3Astar%2A.json'],
    ['a.json/b', 'a%2Ejson/b.json'],
    ['a.json', 'a.json.json'],
    ['x/y.JSON/z', 'x/y.JSON/z.json'],
  ])('maps %j to %j', (key, relative) => {
    expect(path.relative(root, recordPaths(root, key).file)).toBe(relative);
  });

  it('maps distinct keys to distinct files, never one inside another', () => {
    const keys = [
      'a',
      'a/b',
      'a/b/c',
      'a.json',
      'a.json/b',
      'a%2Fb',
      'a%2Eb',
      'a.b',
      '%2Eb',
      '.b',
      'a b',
      'a+b',
      'a%20b',
      'r\u00e9sum\u00e9', // composed
      're\u0301sume\u0301', // decomposed: a different key, so a different file
    ];
    const files = keys.map((key) => recordPaths(root, key).file);
    expect(new Set(files).size).toBe(keys.length);
    const dirs = new Set(keys.map((key) => recordPaths(root, key).dir));
    for (const file of files) expect(dirs.has(file)).toBe(false);
  });

  it('keeps every path, lock and guard inside the folder, with fixed-length lock names', () => {
    const paths = recordPaths(root, `x/${'y'.repeat(240)}`);
    for (const p of [paths.file, paths.lock, paths.guard, paths.dir]) {
      expect(p.startsWith(root + path.sep)).toBe(true);
    }
    expect(path.basename(paths.lock)).toMatch(/^\.[0-9a-f]{32}\.lock$/);
    expect(path.basename(paths.guard)).toMatch(/^\.[0-9a-f]{32}\.guard$/);
    expect(path.dirname(paths.lock)).toBe(paths.dir);
  });

  it('rejects a segment too long for a file name once encoded', () => {
    const tooLong = 'é'.repeat(50); // 100 bytes, 300 characters escaped
    let error: unknown;
    try {
      recordPaths(root, `x/${tooLong}`);
    } catch (err) {
      error = err;
    }
    expect(CertflowError.is(error, 'ERR_STORE_KEY')).toBe(true);
    expect((error as Error).message).toContain('segment 1 is too long');
    expect(() => recordPaths(root, `x/${'a'.repeat(250)}`)).not.toThrow();
    expect(() => recordPaths(root, `x/${'a'.repeat(251)}`)).toThrow(/too long/);
  });

  it.each([
    ['web.json', 'file', 'web'],
    ['%2Ehidden.json', 'file', '.hidden'],
    ['a%2Ejson', 'dir', 'a.json'],
    ['%C3%BC', 'dir', 'ü'],
    ['Certificate', 'dir', 'Certificate'],
    ['a.json.json', 'file', 'a.json'],
    ['v1.2_x-y', 'dir', 'v1.2_x-y'],
  ] as const)('decodes %j (%s) back to %j', (name, role, segment) => {
    expect(decodeSegment(name, role)).toBe(segment);
    expect(encodeSegment(segment, role)).toBe(name);
  });

  it.each<[string, 'dir' | 'file', string]>([
    ['.abc.tmp', 'file', 'a temp file'],
    ['.0123.lock', 'file', 'a lock file'],
    ['README', 'file', 'a file without the record suffix'],
    ['.json', 'file', 'an empty segment'],
    ['a%2db.json', 'file', 'lower-case hex'],
    ['a%2Db.json', 'file', 'an escape of a literal character'],
    ['a%2Fb.json', 'file', 'an escaped slash'],
    ['a%ZZ.json', 'file', 'a bad escape'],
    ['%FF.json', 'file', 'bytes that are not UTF-8'],
    ['a b.json', 'file', 'an unescaped space'],
    ['a.json', 'dir', 'a folder name ending in .json'],
    ['v1.2.json', 'dir', 'a plain folder name ending in .json'],
    ['.hidden', 'dir', 'a folder name starting with a dot'],
    ['ü', 'dir', 'an unescaped non-ASCII character'],
  ])('does not decode %j (%s): %s', (name, role) => {
    expect(decodeSegment(name, role)).toBeUndefined();
  });
});
