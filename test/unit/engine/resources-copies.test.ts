import { describe, expect, it } from 'vitest';
import type { Certificate } from '../../../src/domain/types.js';
import { Resources } from '../../../src/engine/resources.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store, StoreRecord } from '../../../src/stores/types.js';
import { createFakeClock } from '../../../src/testing/fake-clock.js';

const certificate = (): Certificate => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'web', namespace: 'default' },
  spec: { secretName: 'web-tls', dnsNames: ['a.example.com'], issuerRef: { name: 'le' } },
});

describe('Resources: what a read returns is the caller’s own', () => {
  it('create leaves its argument as it was and returns the defaults and the version', async () => {
    const resources = new Resources(createMemoryStore(), createFakeClock());
    const input = certificate();
    const created = await resources.create(input);
    expect(input).toEqual(certificate());
    expect(created.metadata).toMatchObject({
      name: 'web',
      namespace: 'default',
      generation: 1,
      creationTimestamp: '2025-01-01T00:00:00.000Z',
    });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.resourceVersion).toBe(
      (await resources.get('Certificate', 'default', 'web'))?.metadata.resourceVersion,
    );
  });

  it('get, getByKey and list return distinct objects carrying the Store version', async () => {
    const store = createMemoryStore();
    const resources = new Resources(store, createFakeClock());
    await resources.create(certificate());
    const record = await store.get('resources/Certificate/default/web');
    const reads = [
      await resources.get('Certificate', 'default', 'web'),
      await resources.getByKey<Certificate>('resources/Certificate/default/web'),
      (await resources.list('Certificate', 'default'))[0],
    ];
    for (const read of reads) expect(read?.metadata.resourceVersion).toBe(record?.version);
    expect(new Set(reads).size).toBe(3);
    expect(new Set(reads.map((r) => r?.metadata)).size).toBe(3);
    expect(new Set(reads.map((r) => r?.spec)).size).toBe(3);
  });

  it('the version goes into a new metadata, not into the value the Store returned', async () => {
    const memory = createMemoryStore();
    const handedOut: StoreRecord[] = [];
    // The memory store, keeping hold of what it returns, to see whether the reader changed it.
    const store: Store = {
      ...memory,
      get: async <T>(key: string) => {
        const record = await memory.get<T>(key);
        if (record !== undefined) handedOut.push(record);
        return record;
      },
    };
    const resources = new Resources(store, createFakeClock());
    await resources.create(certificate());
    const read = await resources.get('Certificate', 'default', 'web');
    expect(read?.metadata.resourceVersion).toBe(handedOut[0]?.version);
    expect(handedOut[0]?.value).toEqual({
      ...certificate(),
      metadata: expect.not.objectContaining({ resourceVersion: expect.anything() }),
    });
    expect(read?.metadata).not.toBe((handedOut[0]?.value as Certificate).metadata);
  });
});
