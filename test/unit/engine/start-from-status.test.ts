// A restart schedules Ready Certificates from their stored status without reading their Secrets,
// then checks each Secret in the background at startupVerificationRate; synced() and stats()
// report where the engine is.
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/engine.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import type { Store } from '../../../src/stores/types.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';
import {
  certificate,
  day,
  eventually,
  selfSignedIssuer,
  settle,
  waitForRevision,
} from '../controllers/engine-fixture.js';

/** A Store that counts reads per key prefix (kind). */
function countingStore(inner: Store): Store & { reads: (kind: string) => number; reset(): void } {
  const reads = new Map<string, number>();
  const kindOf = (key: string): string => key.split('/')[1] ?? '';
  return {
    get: (key) => {
      reads.set(kindOf(key), (reads.get(kindOf(key)) ?? 0) + 1);
      return inner.get(key);
    },
    list: (prefix) => inner.list(prefix),
    put: (key, value, options) => inner.put(key, value, options),
    delete: (key, options) => inner.delete(key, options),
    watch: (prefix, listener) => inner.watch!(prefix, listener),
    reads: (kind) => reads.get(kind) ?? 0,
    reset: () => reads.clear(),
  };
}

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

async function engineOn(
  store: Store,
  clock: FakeClock,
  options: Partial<EngineOptions> = {},
): Promise<Engine> {
  const engine = createEngine({ store, clock, retry: { baseMs: 100, maxMs: 1_000 }, ...options });
  engines.push(engine);
  await engine.start();
  return engine;
}

/** Three Ready Certificates issued by a first engine, which is then stopped. */
async function issuedStore(): Promise<{
  store: ReturnType<typeof countingStore>;
  clock: FakeClock;
}> {
  const store = countingStore(createMemoryStore());
  const clock = createFakeClock(Math.floor(Date.now() / 1000) * 1000);
  const first = await engineOn(store, clock);
  await first.apply([
    selfSignedIssuer('selfsigned'),
    certificate('a', 'selfsigned'),
    certificate('b', 'selfsigned'),
    certificate('c', 'selfsigned'),
  ]);
  for (const name of ['a', 'b', 'c']) await waitForRevision(first, name, 1);
  await first.stop();
  store.reset();
  return { store, clock };
}

describe('start from stored status', () => {
  it('schedules Ready Certificates without reading their Secrets, then checks them at the rate', async () => {
    const { store, clock } = await issuedStore();
    const engine = await engineOn(store, clock, { startupVerificationRate: 2 });
    await engine.synced();
    await settle(100);
    const stats = engine.stats();
    expect(stats.synced).toBe(true);
    expect(stats.controllers.Certificate).toMatchObject({ queued: 0, active: 0, scheduled: 3 });
    // The first check is due after 1/rate seconds.
    expect(Date.parse(stats.controllers.Certificate?.nextDueAt ?? '')).toBe(clock.now() + 500);
    expect(store.reads('Secret')).toBe(0);

    await clock.advance(500);
    await eventually(() => expect(store.reads('Secret')).toBeGreaterThanOrEqual(1));
    await settle(100);
    const afterOne = store.reads('Secret');
    await clock.advance(1_000);
    await eventually(() => expect(store.reads('Secret')).toBeGreaterThan(afterOne));
    await settle(100);
    // All three checked: each is back in the heap, due at its renewal time (60 days away).
    const after = engine.stats().controllers.Certificate;
    expect(after?.scheduled).toBe(3);
    expect(Date.parse(after?.nextDueAt ?? '')).toBeGreaterThan(clock.now() + 50 * day);
  });

  it('finds a Secret deleted while the engine was stopped, and issues it again', async () => {
    const { store, clock } = await issuedStore();
    await store.delete('resources/Secret/default/b-tls');
    const engine = await engineOn(store, clock);
    await engine.synced();
    expect(await engine.get('Secret', 'b-tls')).toBeUndefined();
    await clock.advance(1_000);
    const reissued = await waitForRevision(engine, 'b', 2);
    expect(reissued.status?.revision).toBe(2);
    expect(await engine.get('Secret', 'b-tls')).toBeDefined();
  });

  it('reads every Secret at start with startupVerificationRate Infinity', async () => {
    const { store, clock } = await issuedStore();
    const engine = await engineOn(store, clock, { startupVerificationRate: Infinity });
    await engine.synced();
    expect(store.reads('Secret')).toBeGreaterThanOrEqual(3);
  });

  it('checks only at the renewal time with startupVerificationRate 0', async () => {
    const { store, clock } = await issuedStore();
    const engine = await engineOn(store, clock, { startupVerificationRate: 0 });
    await engine.synced();
    await clock.advance(10 * day);
    await settle(200);
    expect(store.reads('Secret')).toBe(0);
    expect(engine.stats().controllers.Certificate?.scheduled).toBe(3);
  });

  it('reconciles a Certificate whose spec changed while stopped at once', async () => {
    const { store, clock } = await issuedStore();
    const engine = await engineOn(store, clock, { startupVerificationRate: 0 });
    // A new generation: the stored Ready condition no longer speaks for the spec.
    const record = await store.get<{ metadata: { generation: number } }>(
      'resources/Certificate/default/a',
    );
    await engine.stop();
    await store.put(
      'resources/Certificate/default/a',
      { ...record!.value, metadata: { ...record!.value.metadata, generation: 2 } },
      { ifVersion: record!.version },
    );
    store.reset();
    const second = await engineOn(store, clock, { startupVerificationRate: 0 });
    await second.synced();
    expect(store.reads('Secret')).toBeGreaterThanOrEqual(1);
    await eventually(async () => {
      const a = await second.get('Certificate', 'a');
      expect(a?.status?.conditions?.find((c) => c.type === 'Ready')?.observedGeneration).toBe(2);
    });
  });

  it('rejects a negative or NaN rate, naming the option', () => {
    for (const rate of [-1, Number.NaN]) {
      expect(() =>
        createEngine({ store: createMemoryStore(), startupVerificationRate: rate }),
      ).toThrow(
        expect.objectContaining({ code: 'ERR_VALIDATION', field: 'startupVerificationRate' }),
      );
    }
  });

  it('synced() rejects when the engine stops before it has listed the Store', async () => {
    const inner = createMemoryStore();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const store: Store = {
      ...inner,
      get: (key) => inner.get(key),
      put: (key, value, options) => inner.put(key, value, options),
      delete: (key, options) => inner.delete(key, options),
      watch: (prefix, listener) => inner.watch!(prefix, listener),
      list: async (prefix) => {
        await held;
        return inner.list(prefix);
      },
    };
    const engine = createEngine({ store, clock: createFakeClock(Date.now()) });
    const starting = engine.start();
    const synced = engine.synced();
    expect(engine.stats().synced).toBe(false);
    await engine.stop();
    await expect(synced).rejects.toMatchObject({ code: 'ERR_ENGINE' });
    release();
    await starting;
  });

  it('synced() waits for the first reconcile of what is not Ready yet', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(Math.floor(Date.now() / 1000) * 1000);
    // Applied while no engine runs: nothing has reconciled the Issuer yet.
    await createEngine({ store, clock }).apply([selfSignedIssuer('selfsigned')]);
    expect(
      (await store.get<{ status?: unknown }>('resources/Issuer/default/selfsigned'))?.value.status,
    ).toBeUndefined();
    const engine = await engineOn(store, clock);
    await engine.synced();
    const issuer = await engine.get('Issuer', 'selfsigned');
    expect(issuer?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});
