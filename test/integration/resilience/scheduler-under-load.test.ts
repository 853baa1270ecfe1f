import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { isTerminalPhase } from '../../../src/machine/index.js';
import { certificate, startE2E, type E2E } from '../../helpers/e2e.js';

const CERTIFICATES = 50;
const LIMIT = 5;

/** What two challenges must not be solved for at once (as the scheduler compares names). */
const solvingKey = (c: Challenge): string => `${c.spec.type} ${c.spec.dnsName.toLowerCase()}`;

describe(`${CERTIFICATES} Certificates at once with overlapping names, maxConcurrentChallenges ${LIMIT}`, () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ maxConcurrentChallenges: LIMIT });
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('keeps the limits at every moment, schedules oldest first, and issues them all', async () => {
    const { engine } = e2e;
    const inFlight = new Map<string, Challenge>();
    let maxInFlight = 0;
    const sameNameOverlaps: string[] = [];
    const scheduled: string[] = [];
    engine.on('challenge:transition', ({ challenge, to }) => {
      const key = challenge.metadata.name;
      if (to === 'Scheduled') {
        for (const other of inFlight.values()) {
          if (solvingKey(other) === solvingKey(challenge)) {
            sameNameOverlaps.push(`${key} with ${other.metadata.name} (${solvingKey(challenge)})`);
          }
        }
        inFlight.set(key, challenge);
        scheduled.push(key);
        maxInFlight = Math.max(maxInFlight, inFlight.size);
      } else if (isTerminalPhase(to)) {
        inFlight.delete(key);
      }
    });

    // Every fifth Certificate shares a name with four others; each also has a name of its own.
    const names = Array.from({ length: CERTIFICATES }, (_, i) => `load${i}`);
    await engine.apply([
      e2e.issuer('pebble', [{ http01: {} }]),
      ...names.map((name, i) =>
        certificate(name, 'pebble', [`${name}.load.test`, `shared${i % 10}.load.test`]),
      ),
    ]);
    await engine.start();
    await Promise.all(
      names.map((name) => engine.waitFor('Certificate', name, 'Ready', { timeoutMs: 100_000 })),
    );

    expect(maxInFlight).toBe(LIMIT);
    expect(sameNameOverlaps).toEqual([]);

    const challenges = await engine.list('Challenge');
    expect(challenges.every((c) => c.status?.phase === 'Valid')).toBe(true);
    expect(new Set(scheduled).size).toBe(challenges.length);
    expect(challenges.length).toBeGreaterThan(CERTIFICATES);

    // Oldest first: a challenge that can never wait on a namesake (its name is its own) and that
    // was created before X (and long enough before X was scheduled to be seen by the scheduler)
    // is scheduled before X.
    const byName = new Map(challenges.map((c) => [c.metadata.name, c]));
    const perKey = new Map<string, number>();
    for (const c of challenges) perKey.set(solvingKey(c), (perKey.get(solvingKey(c)) ?? 0) + 1);
    const created = (c: Challenge): number => Date.parse(c.metadata.creationTimestamp ?? '');
    const position = new Map(scheduled.map((name, i) => [name, i]));
    const outOfOrder: string[] = [];
    for (const [i, name] of scheduled.entries()) {
      const x = byName.get(name)!;
      const scheduledAt = Date.parse(x.status?.scheduledAt ?? '');
      for (const y of challenges) {
        if (perKey.get(solvingKey(y)) !== 1) continue;
        if (!(created(y) < created(x) && created(y) + 250 <= scheduledAt)) continue;
        if (position.get(y.metadata.name)! > i) {
          outOfOrder.push(`${name} before the older ${y.metadata.name}`);
        }
      }
    }
    expect(outOfOrder).toEqual([]);
    // The check had something to check: scheduling waited on the limit for most challenges.
    const waited = challenges.filter(
      (c) => Date.parse(c.status?.scheduledAt ?? '') - created(c) > 250,
    );
    expect(waited.length).toBeGreaterThan(challenges.length / 2);
  }, 120_000);
});
