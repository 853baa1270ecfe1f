// The scheduler's waiting list: read oldest first (creation time, then name, then namespace, as
// pickChallengesToSchedule orders), without being consumed, after any mix of adds, replacements
// and removals.
import { describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { QueuedChallenges } from '../../../src/engine/queued-challenges.js';
import { pickChallengesToSchedule } from '../../../src/machine/index.js';

function challenge(name: string, createdAt: number | undefined, namespace = 'default'): Challenge {
  return {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Challenge',
    metadata: {
      name,
      namespace,
      ...(createdAt === undefined ? {} : { creationTimestamp: new Date(createdAt).toISOString() }),
    },
    spec: {
      url: `https://acme.test/chall/${name}`,
      authorizationURL: `https://acme.test/authz/${name}`,
      dnsName: `${name}.${namespace}.example.test`,
      type: 'HTTP-01',
      token: name,
      key: name,
      solver: { http01: {} },
      issuerRef: { name: 'acme' },
    },
    status: { phase: 'Queued', processing: false, presented: false },
  };
}

const keyOf = (c: Challenge): string => `${c.metadata.namespace}/${c.metadata.name}`;

function names(queue: QueuedChallenges, limit = Infinity): string[] {
  const out: string[] = [];
  for (const { challenge } of queue.oldestFirst()) {
    if (out.length === limit) break;
    out.push(keyOf(challenge));
  }
  return out;
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

describe('QueuedChallenges', () => {
  it('reads in the order pickChallengesToSchedule picks, ties by name then namespace', () => {
    const queue = new QueuedChallenges();
    const all = [
      challenge('b', 2_000),
      challenge('a', 2_000, 'other'),
      challenge('a', 2_000),
      challenge('z', 1_000),
      challenge('no-time', undefined),
      challenge('c', 3_000),
    ];
    for (const c of all) queue.set(keyOf(c), c);
    const picked = pickChallengesToSchedule(all, { maxConcurrentChallenges: all.length });
    expect(names(queue)).toEqual(picked.map(keyOf));
    expect(names(queue)).toEqual([
      'default/z',
      'default/a',
      'other/a',
      'default/b',
      'default/c',
      'default/no-time',
    ]);
  });

  it('stays sorted, and unconsumed, through random adds, replacements and removals', () => {
    const next = random(7);
    const queue = new QueuedChallenges();
    const expected = new Map<string, Challenge>();
    for (let round = 0; round < 2_000; round++) {
      const name = `c${Math.floor(next() * 300)}`;
      const c = challenge(name, Math.floor(next() * 50) * 1_000);
      if (next() < 0.4) {
        queue.delete(keyOf(c));
        expected.delete(keyOf(c));
      } else {
        queue.set(keyOf(c), c);
        expected.set(keyOf(c), c);
      }
      if (round % 97 === 0) {
        const want = pickChallengesToSchedule([...expected.values()], {
          maxConcurrentChallenges: expected.size + 1,
        }).map(keyOf);
        expect(names(queue, 10)).toEqual(want.slice(0, 10));
        // Reading did not consume: a second full read sees everything.
        expect(names(queue)).toEqual(want);
        expect(queue.size).toBe(expected.size);
      }
    }
  });

  it('answers has() and size for what is waiting, not for what was removed', () => {
    const queue = new QueuedChallenges();
    const a = challenge('a', 1_000);
    queue.set(keyOf(a), a);
    queue.set(keyOf(a), challenge('a', 500));
    expect(queue.size).toBe(1);
    expect(names(queue)).toEqual(['default/a']);
    queue.delete(keyOf(a));
    queue.delete(keyOf(a));
    expect(queue.has(keyOf(a))).toBe(false);
    expect(queue.size).toBe(0);
    expect(names(queue)).toEqual([]);
  });

  it('reads the oldest few of 20,000 after most of the oldest were scheduled away', () => {
    const queue = new QueuedChallenges();
    for (let i = 0; i < 20_000; i++) {
      const c = challenge(`c${String(i).padStart(5, '0')}`, 1_000 + i);
      queue.set(keyOf(c), c);
    }
    for (let i = 0; i < 19_990; i++) queue.delete(`default/c${String(i).padStart(5, '0')}`);
    expect(names(queue, 3)).toEqual(['default/c19990', 'default/c19991', 'default/c19992']);
    expect(queue.size).toBe(10);
  });
});
