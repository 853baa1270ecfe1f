/**
 * The Store contract as an executable suite, runnable by any test runner against any adapter.
 *
 * @packageDocumentation
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { CertflowError, type ConflictError } from '../errors.js';
import type { Store, StoreChange } from '../stores/types.js';

/** One case of the contract suite: `run` resolves when the store passes, and throws if not. */
export interface StoreContractCase {
  /** What the case checks, usable as a test name. */
  readonly name: string;
  /** Creates a store with the factory, checks it, and cleans up. */
  run(): Promise<void>;
}

/** What the suite's factory returns for each case. */
export interface StoreContractFixture {
  /** A store for this case alone (or one whose other keys do not matter: see the remarks). */
  store: Store;
  /** Called after the case, once `store.close()` (when present) has resolved. */
  cleanup?: () => Promise<void>;
}

const WATCH_WAIT_MS = 5_000;
const RACE_ROUNDS = 20;
const RACE_WRITERS = 16;
const COUNTER_LOOPS = 200;

/** Expects `promise` to reject with a ConflictError carrying these fields. */
async function expectConflict(
  promise: Promise<unknown>,
  expected: { key: string; expected: string | null; actual: string | null },
): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  assert.ok(error !== undefined, `expected a ConflictError on ${expected.key}, but it succeeded`);
  assert.ok(CertflowError.is(error, 'ERR_CONFLICT'), `expected ERR_CONFLICT, got ${String(error)}`);
  const conflict = error as ConflictError;
  assert.equal(conflict.key, expected.key, 'ConflictError.key');
  assert.equal(conflict.expected, expected.expected, 'ConflictError.expected');
  assert.equal(conflict.actual, expected.actual, 'ConflictError.actual');
}

/** Waits until `done()` holds, polling in real time, or fails after `timeoutMs`. */
async function eventually(
  done: () => boolean,
  what: string,
  timeoutMs = WATCH_WAIT_MS,
): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited >= timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(5);
  }
}

/** One CAS increment loop: read, write on the version read, start again on a conflict. */
async function increment(store: Store, key: string): Promise<{ version: string; count: number }> {
  for (;;) {
    const current = await store.get<{ count: number }>(key);
    const count = (current?.value.count ?? 0) + 1;
    try {
      const version = await store.put(key, { count }, { ifVersion: current?.version ?? null });
      return { version, count };
    } catch (err) {
      if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
    }
  }
}

/**
 * The Store contract suite.
 *
 * @remarks
 * Every case calls `factory` for its own store, runs, then closes the store and calls `cleanup`.
 * Each case writes only under a fresh random prefix (`contract-<random>/`), so a factory may hand
 * out stores that share one backing database. The cases check what the `Store` port promises and
 * what certflow relies on: compare-and-set that changes nothing on a conflict and carries the
 * conflict's key, expected and actual versions; versions never reused, even after a delete; values
 * returned as copies; `list` by prefix in key order; one winner per compare-and-set race and no
 * lost update under concurrency; `watch` (when the store has it) reporting puts and deletes in
 * order; unusual but valid keys.
 *
 * Runner-agnostic: a case throws (an `AssertionError`) on failure.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { storeContract } from 'certflow/testing';
 *
 * describe('my store', () => {
 *   for (const c of storeContract(async () => ({ store: createMyStore() }))) it(c.name, c.run);
 * });
 * ```
 */
export function storeContract(factory: () => Promise<StoreContractFixture>): StoreContractCase[] {
  const define = (name: string, body: (store: Store, ns: string) => Promise<void>) => ({
    name,
    run: async (): Promise<void> => {
      const { store, cleanup } = await factory();
      try {
        await body(store, `contract-${randomBytes(6).toString('hex')}/`);
      } finally {
        try {
          await store.close?.();
        } finally {
          await cleanup?.();
        }
      }
    },
  });

  return [
    define('get of a missing key resolves undefined', async (store, ns) => {
      assert.equal(await store.get(`${ns}missing`), undefined);
      assert.equal(await store.get(`${ns}missing/deeper`), undefined);
    }),

    define('put then get round-trips the value, the key and the version', async (store, ns) => {
      const key = `${ns}resources/Certificate/default/web`;
      const value = {
        apiVersion: 'cert-manager.io/v1',
        spec: { dnsNames: ['a.example.com', 'b.example.com'], duration: '2160h', isCA: false },
        status: { conditions: [{ type: 'Ready', status: 'True' }], revision: 3 },
        none: null,
        text: 'ünïcödé ✓ "quoted" \n newline',
      };
      const version = await store.put(key, value);
      assert.equal(typeof version, 'string');
      assert.notEqual(version, '');
      const record = await store.get(key);
      assert.deepEqual(record, { key, value, version });
      const scalar = `${ns}scalar`;
      await store.put(scalar, 42);
      assert.equal((await store.get(scalar))?.value, 42);
    }),

    define(
      'values are copies: mutating what was put or got changes nothing stored',
      async (store, ns) => {
        const key = `${ns}copy`;
        const value = { spec: { dnsNames: ['a.example.com'] } };
        await store.put(key, value);
        value.spec.dnsNames.push('mutated-after-put.example.com');
        const first = await store.get<typeof value>(key);
        assert.deepEqual(first?.value, { spec: { dnsNames: ['a.example.com'] } });
        first?.value.spec.dnsNames.push('mutated-after-get.example.com');
        const listed = await store.list<typeof value>(ns);
        listed[0]?.value.spec.dnsNames.push('mutated-after-list.example.com');
        const second = await store.get<typeof value>(key);
        assert.deepEqual(second?.value, { spec: { dnsNames: ['a.example.com'] } });
      },
    ),

    define(
      'put with ifVersion null on an existing key conflicts and changes nothing',
      async (store, ns) => {
        const key = `${ns}create-only`;
        const version = await store.put(key, { n: 1 }, { ifVersion: null });
        await expectConflict(store.put(key, { n: 2 }, { ifVersion: null }), {
          key,
          expected: null,
          actual: version,
        });
        assert.deepEqual(await store.get(key), { key, value: { n: 1 }, version });
      },
    ),

    define(
      'put with a stale or unknown ifVersion conflicts and changes nothing',
      async (store, ns) => {
        const key = `${ns}stale`;
        const v1 = await store.put(key, { n: 1 });
        const v2 = await store.put(key, { n: 2 }, { ifVersion: v1 });
        assert.notEqual(v2, v1);
        await expectConflict(store.put(key, { n: 3 }, { ifVersion: v1 }), {
          key,
          expected: v1,
          actual: v2,
        });
        assert.deepEqual(await store.get(key), { key, value: { n: 2 }, version: v2 });
        const missing = `${ns}never-written`;
        await expectConflict(store.put(missing, { n: 1 }, { ifVersion: v2 }), {
          key: missing,
          expected: v2,
          actual: null,
        });
        assert.equal(await store.get(missing), undefined);
      },
    ),

    define('delete with a stale version conflicts and keeps the record', async (store, ns) => {
      const key = `${ns}delete`;
      const v1 = await store.put(key, { n: 1 });
      const v2 = await store.put(key, { n: 2 });
      await expectConflict(store.delete(key, { ifVersion: v1 }), { key, expected: v1, actual: v2 });
      assert.deepEqual(await store.get(key), { key, value: { n: 2 }, version: v2 });
      assert.equal(await store.delete(key, { ifVersion: v2 }), true);
      assert.equal(await store.get(key), undefined);
      assert.equal(await store.delete(key), false);
      await expectConflict(store.delete(key, { ifVersion: v2 }), {
        key,
        expected: v2,
        actual: null,
      });
      const other = `${ns}unconditional`;
      await store.put(other, { n: 1 });
      assert.equal(await store.delete(other), true);
      assert.equal(await store.get(other), undefined);
    }),

    define(
      'versions change on every write and are never reused across delete and re-create',
      async (store, ns) => {
        const key = `${ns}versions`;
        const seen: string[] = [];
        for (let round = 0; round < 5; round += 1) {
          const created = await store.put(key, { round }, { ifVersion: null });
          const updated = await store.put(key, { round, updated: true }, { ifVersion: created });
          seen.push(created, updated);
          assert.equal(await store.delete(key, { ifVersion: updated }), true);
        }
        assert.equal(new Set(seen).size, seen.length, `versions reused: ${seen.join(', ')}`);
        const stale = seen[0] as string;
        const current = await store.put(key, { round: 'last' });
        await expectConflict(store.put(key, {}, { ifVersion: stale }), {
          key,
          expected: stale,
          actual: current,
        });
      },
    ),

    define(
      'list returns the records under a prefix, ordered by key, and no siblings',
      async (store, ns) => {
        const keys = [
          `${ns}resources/Certificate/default/web`,
          `${ns}resources/Certificate/default/api`,
          `${ns}resources/Certificate/prod/api`,
          `${ns}resources/CertificateRequest/default/web-1`,
          `${ns}resources/Certificates/default/x`,
          `${ns}resources/Challenge/default/web-1-2-3`,
          `${ns}resources/Cert`,
          `${ns}resources-other/Certificate/default/web`,
          `${ns}leases/scheduler`,
        ];
        const versions = new Map<string, string>();
        // Written out of order, so a store that lists in insertion order fails.
        for (const key of [...keys].reverse()) versions.set(key, await store.put(key, { key }));
        const check = async (prefix: string, expected: string[]) => {
          const records = await store.list<{ key: string }>(prefix);
          assert.deepEqual(
            records.map((r) => r.key),
            expected,
            `list(${JSON.stringify(prefix)})`,
          );
          for (const record of records) {
            assert.deepEqual(record.value, { key: record.key });
            assert.equal(record.version, versions.get(record.key));
          }
        };
        await check(`${ns}resources/Certificate/`, [
          `${ns}resources/Certificate/default/api`,
          `${ns}resources/Certificate/default/web`,
          `${ns}resources/Certificate/prod/api`,
        ]);
        await check(`${ns}resources/Certificate/default/`, [
          `${ns}resources/Certificate/default/api`,
          `${ns}resources/Certificate/default/web`,
        ]);
        await check(`${ns}resources/Cert`, [
          `${ns}resources/Cert`,
          `${ns}resources/Certificate/default/api`,
          `${ns}resources/Certificate/default/web`,
          `${ns}resources/Certificate/prod/api`,
          `${ns}resources/CertificateRequest/default/web-1`,
          `${ns}resources/Certificates/default/x`,
        ]);
        await check(`${ns}resources/Certificate/default/w`, [
          `${ns}resources/Certificate/default/web`,
        ]);
        await check(`${ns}resources/Issuer/`, []);
        await check(`${ns}nothing-here/`, []);
        await check(ns, [...keys].sort());
        await store.delete(`${ns}resources/Certificate/default/api`);
        await check(`${ns}resources/Certificate/default/`, [
          `${ns}resources/Certificate/default/web`,
        ]);
      },
    ),

    define(
      `exactly one of ${RACE_WRITERS} writers racing on one version wins, in each of ${RACE_ROUNDS} rounds`,
      async (store, ns) => {
        const key = `${ns}race`;
        await store.put(key, { wins: [] as string[] }, { ifVersion: null });
        for (let round = 0; round < RACE_ROUNDS; round += 1) {
          // Every writer reads before any writes, so all of them race on the same version.
          const reads = await Promise.all(
            Array.from({ length: RACE_WRITERS }, () => store.get<{ wins: string[] }>(key)),
          );
          const outcomes = await Promise.allSettled(
            reads.map((read, writer) => {
              assert.ok(read !== undefined);
              const value = { wins: [...read.value.wins, `${round}:${writer}`] };
              return store.put(key, value, { ifVersion: read.version });
            }),
          );
          const winners = outcomes.flatMap((o, writer) =>
            o.status === 'fulfilled' ? [writer] : [],
          );
          assert.equal(winners.length, 1, `round ${round}: ${winners.length} writers won`);
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected') {
              assert.ok(
                CertflowError.is(outcome.reason, 'ERR_CONFLICT'),
                `a losing writer failed with ${String(outcome.reason)}, not a conflict`,
              );
            }
          }
          const after = await store.get<{ wins: string[] }>(key);
          const won = outcomes[winners[0] as number] as PromiseFulfilledResult<string>;
          assert.equal(after?.version, won.value);
          assert.equal(after?.value.wins.at(-1), `${round}:${winners[0] as number}`);
        }
        const final = await store.get<{ wins: string[] }>(key);
        assert.equal(final?.value.wins.length, RACE_ROUNDS);
      },
    ),

    define(
      `a counter incremented by ${COUNTER_LOOPS} concurrent CAS loops ends at ${COUNTER_LOOPS}`,
      async (store, ns) => {
        const key = `${ns}counter`;
        const results = await Promise.all(
          Array.from({ length: COUNTER_LOOPS }, () => increment(store, key)),
        );
        const final = await store.get<{ count: number }>(key);
        assert.equal(final?.value.count, COUNTER_LOOPS);
        const counts = results.map((r) => r.count).sort((a, b) => a - b);
        assert.deepEqual(
          counts,
          Array.from({ length: COUNTER_LOOPS }, (_, i) => i + 1),
          'every increment saw a distinct count',
        );
        assert.equal(new Set(results.map((r) => r.version)).size, COUNTER_LOOPS);
      },
    ),

    define('watch reports puts and deletes under its prefix, in write order', async (store, ns) => {
      if (store.watch === undefined) return;
      const prefix = `${ns}watched/`;
      const changes: StoreChange[] = [];
      const unwatch = store.watch(prefix, (change) => {
        changes.push(change);
      });
      // A listener that throws must not break the store or the other listeners.
      const unwatchThrowing = store.watch(prefix, () => {
        throw new Error('listener failure');
      });
      const a = `${prefix}a`;
      const b = `${prefix}b`;
      const v1 = await store.put(a, { n: 1 });
      await store.put(`${ns}not-watched`, { n: 1 });
      const v2 = await store.put(a, { n: 2 }, { ifVersion: v1 });
      const v3 = await store.put(b, { n: 3 });
      assert.equal(await store.delete(a, { ifVersion: v2 }), true);
      await eventually(() => changes.length >= 4, 'four changes');
      assert.deepEqual(
        changes.map((c) => ({ type: c.type, key: c.key, version: c.version, value: c.value })),
        [
          { type: 'put', key: a, version: v1, value: { n: 1 } },
          { type: 'put', key: a, version: v2, value: { n: 2 } },
          { type: 'put', key: b, version: v3, value: { n: 3 } },
          { type: 'delete', key: a, version: v2, value: undefined },
        ],
      );
      unwatch();
      unwatchThrowing();
      await store.put(b, { n: 4 });
      await delay(50);
      assert.equal(changes.length, 4, 'a change arrived after unwatch');
      assert.deepEqual((await store.get(b))?.value, { n: 4 });
    }),

    define('keys with unusual but valid characters round-trip and list', async (store, ns) => {
      const keys = [
        `${ns}spaces and\ttabs/x`,
        `${ns}ünïcödé/名前/emoji-😀`,
        `${ns}percent%2Fslash`,
        `${ns}percent`,
        `${ns}percent/2Fslash`,
        `${ns}punctuation/:*?"<>|!#$&'()+,;=@[]^\`{}~`,
        `${ns}.hidden/.file`,
        `${ns}trailing-dot./x.`,
        `${ns}nested`,
        `${ns}nested/child`,
        `${ns}nested.json/child`,
        `${ns}nested.json`,
        `${ns}dots/...`,
        `${ns}dots/..x`,
        `${ns}-dash/_under`,
        `${ns}control/\u0001\u007f`,
      ];
      for (const [index, key] of keys.entries()) await store.put(key, { index });
      for (const [index, key] of keys.entries()) {
        const record = await store.get(key);
        assert.deepEqual(record?.value, { index }, `get(${JSON.stringify(key)})`);
        assert.equal(record?.key, key);
      }
      const listed = await store.list(ns);
      assert.deepEqual(
        listed.map((r) => r.key),
        [...keys].sort(),
      );
      for (const key of keys)
        assert.equal(await store.delete(key), true, `delete(${JSON.stringify(key)})`);
      assert.deepEqual(await store.list(ns), []);
    }),
  ];
}
