import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileStore } from '../../../src/stores/file.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store } from '../../../src/stores/types.js';
import { afterEach, beforeEach } from 'vitest';

/** A built-in store to run a unit test against, with what removes it afterwards. */
export interface BuiltInStore {
  store: Store;
  cleanup(): Promise<void>;
}

/** The built-in stores by name, for tests that hold for both. */
export const builtInStores: [string, () => Promise<BuiltInStore>][] = [
  ['memory', async () => ({ store: createMemoryStore(), cleanup: async () => undefined })],
  ...(['log', 'files'] as const).map((layout): [string, () => Promise<BuiltInStore>] => [
    `file (${layout} layout)`,
    async () => {
      const directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
      return {
        store: createFileStore({ directory, layout }),
        cleanup: () => rm(directory, { recursive: true, force: true }),
      };
    },
  ]),
];

/** Resolves the error `promise` rejects with (and fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/**
 * A fresh temp folder for each test of the calling `describe` block, removed after the test.
 *
 * @returns the current test's folder.
 */
export function folderPerTest(): () => string {
  let directory: string | undefined;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
  });
  afterEach(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    directory = undefined;
  });
  return () => {
    if (directory === undefined) throw new Error('folderPerTest() is only set inside a test');
    return directory;
  };
}
