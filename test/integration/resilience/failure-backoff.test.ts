import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Challenge } from '../../../src/domain/types.js';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/engine.js';
import type { CertificateFailedEvent, CertificateIssuingEvent } from '../../../src/events.js';
import type { Solver } from '../../../src/solvers/index.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';
import { certificate, startE2E, type E2E } from '../../helpers/e2e.js';

const HOUR = 3_600_000;

/**
 * An engine on a fake clock whose HTTP-01 solver publishes a wrong key, so that Pebble fails every
 * validation. Time runs (10 ms of it every real millisecond) only while `runUntil` waits.
 */
function failingEngine(
  e2e: E2E,
  options: Partial<EngineOptions> = {},
): {
  engine: Engine;
  clock: FakeClock;
  failed: CertificateFailedEvent[];
  issuing: CertificateIssuingEvent[];
  runUntil(done: () => boolean): Promise<void>;
} {
  const inner = e2e.http01;
  const corrupt = (c: Challenge): Challenge => ({
    ...c,
    spec: { ...c.spec, key: `${c.spec.key}-wrong` },
  });
  const wrong: Solver = {
    types: inner.types,
    present: (c, ctx) => inner.present(corrupt(c), ctx),
    cleanUp: (c, ctx) => inner.cleanUp(corrupt(c), ctx),
  };
  const clock = createFakeClock(Date.now());
  const engine = createEngine({
    store: createMemoryStore(),
    clock,
    solvers: { http01: wrong },
    challengePolicy: {
      selfCheckIntervalMs: 500,
      pollIntervalMs: 250,
      backoffBaseMs: 200,
      backoffMaxMs: 2_000,
    },
    retry: { baseMs: 100, maxMs: 2_000 },
    ...options,
  });
  const failed: CertificateFailedEvent[] = [];
  const issuing: CertificateIssuingEvent[] = [];
  engine.on('certificate:failed', (e) => failed.push(e));
  engine.on('certificate:issuing', (e) => issuing.push(e));
  return {
    engine,
    clock,
    failed,
    issuing,
    async runUntil(done) {
      const deadline = Date.now() + 30_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error('timed out while the fake clock ran');
        await clock.advance(100);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** Lets the engine run on the real clock for a moment, with the fake one standing still. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));

describe('a Certificate whose validation fails', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  it('is Ready=False naming the identifier and the ACME problem, and backs off 1h, 2h, 4h', async () => {
    const { engine, clock, failed, issuing, runUntil } = failingEngine(e2e);
    try {
      await engine.apply([
        e2e.issuer('pebble', [{ http01: {} }]),
        certificate('bad', 'pebble', ['bad.backoff.test']),
      ]);
      await engine.start();
      for (const [attempt, backoff] of [
        [1, HOUR],
        [2, 2 * HOUR],
        [3, 4 * HOUR],
      ] as const) {
        await runUntil(() => failed.length === attempt);
        const cert = (await engine.get('Certificate', 'bad'))!;
        expect(cert.status?.failedIssuanceAttempts).toBe(attempt);
        const ready = cert.status?.conditions?.find((c) => c.type === 'Ready');
        expect(ready?.status).toBe('False');
        expect(ready?.reason).toBe('Failed');
        expect(ready?.message).toMatch(/bad\.backoff\.test/);
        expect(ready?.message).toMatch(/urn:ietf:params:acme:error:unauthorized/);
        const failedAt = Date.parse(cert.status!.lastFailureTime!);

        // Just before the backoff is over nothing happens, however long the real wait.
        await clock.advance(failedAt + backoff - 1_000 - clock.now());
        await settle();
        expect(issuing).toHaveLength(attempt);
        expect((await engine.get('Certificate', 'bad'))?.status?.failedIssuanceAttempts).toBe(
          attempt,
        );
        // Once it is over, the next attempt starts.
        await clock.advance(2_000);
        await runUntil(() => issuing.length === attempt + 1);
      }
    } finally {
      await engine.stop();
    }
  }, 90_000);

  it('backs off as configured, up to its cap, and retries at once when the spec changes', async () => {
    const { engine, clock, failed, issuing, runUntil } = failingEngine(e2e, {
      issuanceBackoff: { initialMs: 60_000, maxMs: 120_000 },
    });
    try {
      await engine.apply([
        e2e.issuer('pebble', [{ http01: {} }]),
        certificate('capped', 'pebble', ['capped.backoff.test']),
      ]);
      await engine.start();
      for (const [attempt, backoff] of [
        [1, 60_000],
        [2, 120_000],
        [3, 120_000],
      ] as const) {
        await runUntil(() => failed.length === attempt);
        const cert = (await engine.get('Certificate', 'capped'))!;
        const failedAt = Date.parse(cert.status!.lastFailureTime!);
        await clock.advance(failedAt + backoff - 1_000 - clock.now());
        await settle();
        expect(issuing).toHaveLength(attempt);
        await clock.advance(2_000);
        await runUntil(() => issuing.length === attempt + 1);
      }
      await runUntil(() => failed.length === 4);
      expect((await engine.get('Certificate', 'capped'))?.status?.failedIssuanceAttempts).toBe(4);

      // A new spec is a new attempt now, not after the backoff.
      await engine.apply(
        certificate('capped', 'pebble', ['capped.backoff.test', 'www.capped.backoff.test']),
      );
      await settle();
      expect(issuing).toHaveLength(5);
    } finally {
      await engine.stop();
    }
  }, 90_000);
});
