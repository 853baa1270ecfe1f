import { describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { resourceKey } from '../../../src/domain/keys.js';

describe('a deletion interrupted by a stopped process', () => {
  it('is finished on start: the marked Certificate and what it owns are removed', async () => {
    const store = createMemoryStore();
    const owner = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      name: 'gone',
      uid: 'u-1',
    };
    await store.put(resourceKey('Certificate', 'default', 'gone'), {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: {
        name: 'gone',
        namespace: 'default',
        uid: 'u-1',
        deletionTimestamp: '2026-01-01T00:00:00Z',
      },
      spec: { secretName: 'gone-tls', dnsNames: ['gone.example.test'], issuerRef: { name: 'x' } },
    });
    await store.put(resourceKey('Secret', 'default', 'gone-abc123'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'gone-abc123', namespace: 'default', uid: 'u-2', ownerReferences: [owner] },
      data: {},
    });
    await store.put(resourceKey('Secret', 'default', 'unrelated'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'unrelated', namespace: 'default', uid: 'u-3' },
      data: {},
    });
    const engine = createEngine({ store });
    await engine.start();
    try {
      await vi.waitFor(async () => {
        expect(await engine.get('Certificate', 'gone')).toBeUndefined();
        expect(await engine.get('Secret', 'gone-abc123')).toBeUndefined();
      });
      expect(await engine.get('Secret', 'unrelated')).toBeDefined();
    } finally {
      await engine.stop();
    }
  });
});
