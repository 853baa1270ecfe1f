import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/engine.js';
import type { EngineErrorEvent } from '../../../src/events.js';
import type { Logger } from '../../../src/logger.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { certificate, startE2E, type E2E } from '../../helpers/e2e.js';
import { createFlakyStore, type StoreFault } from '../../helpers/flaky-store.js';

describe('a Store that throws on some objects for a while', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  function engineOn(faults: StoreFault[]): {
    engine: Engine;
    errors: EngineErrorEvent[];
    logged: string[];
  } {
    const logged: string[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message) => logged.push(message),
      error: (message) => logged.push(message),
    };
    const engine = createEngine({
      store: createFlakyStore(createMemoryStore(), faults),
      solvers: { http01: e2e.http01 },
      logger,
      challengePolicy: {
        selfCheckIntervalMs: 500,
        pollIntervalMs: 250,
        backoffBaseMs: 200,
        backoffMaxMs: 2_000,
      },
      retry: { baseMs: 100, maxMs: 1_000 },
    });
    const errors: EngineErrorEvent[] = [];
    engine.on('error', (e) => errors.push(e));
    return { engine, errors, logged };
  }

  it('failing one Certificate: logged, evented and retried, the other one unharmed', async () => {
    const faults: StoreFault[] = [
      // The certificates controller cannot write the Certificate's status.
      {
        op: 'put',
        match: (key, value) =>
          key === 'resources/Certificate/default/flaky' &&
          (value as { status?: unknown }).status !== undefined,
        times: 4,
      },
      // Nor read its request.
      {
        op: 'get',
        match: (key) => key.startsWith('resources/CertificateRequest/default/flaky-'),
        times: 3,
      },
    ];
    const { engine, errors, logged } = engineOn(faults);
    try {
      await engine.apply([
        e2e.issuer('pebble', [{ http01: {} }]),
        certificate('flaky', 'pebble', ['flaky.store.test']),
        certificate('steady', 'pebble', ['steady.store.test']),
      ]);
      await engine.start();
      await engine.waitFor('Certificate', 'flaky', 'Ready', { timeoutMs: 60_000 });
      const steady = await engine.waitFor('Certificate', 'steady', 'Ready', { timeoutMs: 60_000 });
      expect(faults.map((f) => f.failed)).toEqual([4, 3]);
      // Reported against the flaky objects only, among them the Certificate itself.
      expect(errors.map((e) => `${e.controller} ${e.key}`)).toContain(
        'certificates resources/Certificate/default/flaky',
      );
      expect(errors.filter((e) => !e.key.includes('/flaky'))).toEqual([]);
      expect(errors.every((e) => e.error.message.startsWith('injected '))).toBe(true);
      expect(logged).toContain('reconcile failed');
      expect(steady.status?.failedIssuanceAttempts ?? 0).toBe(0);
    } finally {
      await engine.stop();
    }
  });

  it("failing the scheduler's writes: it retries on its own, with nothing else to wake it", async () => {
    const faults: StoreFault[] = [
      {
        op: 'put',
        match: (key, value) =>
          key.startsWith('resources/Challenge/') &&
          (value as { status?: { phase?: string } }).status?.phase === 'Scheduled',
        times: 3,
      },
    ];
    const { engine, errors, logged } = engineOn(faults);
    try {
      await engine.apply([
        e2e.issuer('pebble', [{ http01: {} }]),
        certificate('alone', 'pebble', ['alone.store.test']),
      ]);
      await engine.start();
      await engine.waitFor('Certificate', 'alone', 'Ready', { timeoutMs: 30_000 });
      expect(faults[0]?.failed).toBe(3);
      // With the messages, so that an unexpected error says what it was.
      expect(errors.map((e) => `${e.controller}: ${e.error.message.split(' on ')[0]}`)).toEqual([
        'scheduler: injected put failure',
        'scheduler: injected put failure',
        'scheduler: injected put failure',
      ]);
      expect(logged.filter((m) => m === 'scheduler failed, retrying')).toHaveLength(3);
    } finally {
      await engine.stop();
    }
  });
});
