import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { createRecordPathsMemo, recordPaths } from '../../../src/stores/file-paths.js';

const root = path.resolve('/srv/certflow-store');

describe('file store: memo of record paths', () => {
  it('gives the paths recordPaths gives, the same object for a key asked again', () => {
    const pathsOf = createRecordPathsMemo(root);
    const key = 'resources/Certificate/default/web';
    const first = pathsOf(key);
    expect(first).toEqual(recordPaths(root, key));
    expect(pathsOf(key)).toBe(first);
    expect(pathsOf('resources/Secret/default/web-tls')).toEqual(
      recordPaths(root, 'resources/Secret/default/web-tls'),
    );
  });

  it('forgets the oldest key once it holds `limit` keys', () => {
    const pathsOf = createRecordPathsMemo(root, 2);
    const a = pathsOf('k/a');
    const b = pathsOf('k/b');
    pathsOf('k/c');
    expect(pathsOf('k/b')).toBe(b);
    const again = pathsOf('k/a');
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });

  it('throws for an invalid key every time it is asked', () => {
    const pathsOf = createRecordPathsMemo(root);
    for (let i = 0; i < 2; i += 1) {
      let error: unknown;
      try {
        pathsOf('a/../b');
      } catch (err) {
        error = err;
      }
      expect(CertflowError.is(error, 'ERR_STORE_KEY')).toBe(true);
    }
  });
});
