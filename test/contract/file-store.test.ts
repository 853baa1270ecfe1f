import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'vitest';
import { createFileStore } from '../../src/stores/file.js';
import { storeContract } from '../../src/testing/store-contract.js';

describe.each(['log', 'files'] as const)('file store (%s layout): Store contract', (layout) => {
  const cases = storeContract(async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    return {
      store: createFileStore({ directory, layout }),
      cleanup: () => rm(directory, { recursive: true, force: true }),
    };
  });
  for (const c of cases) it(c.name, c.run);
});
