import { describe, it } from 'vitest';
import { createMemoryStore } from '../../src/stores/memory.js';
import { storeContract } from '../../src/testing/store-contract.js';

describe('memory store: Store contract', () => {
  for (const c of storeContract(async () => ({ store: createMemoryStore() }))) it(c.name, c.run);
});
