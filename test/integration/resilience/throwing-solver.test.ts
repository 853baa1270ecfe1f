import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import type { EngineErrorEvent } from '../../../src/events.js';
import type { Logger } from '../../../src/logger.js';
import type { Solver } from '../../../src/solvers/index.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { certificate, startE2E, type E2E } from '../../helpers/e2e.js';

describe('a solver that throws', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const policy = {
    selfCheckIntervalMs: 500,
    pollIntervalMs: 250,
    backoffBaseMs: 100,
    backoffMaxMs: 400,
  };

  function recordingLogger(): { logger: Logger; warnings: string[] } {
    const warnings: string[] = [];
    const push = (message: string, fields?: Record<string, unknown>): void => {
      warnings.push(`${message} ${String(fields?.['step'] ?? '')}`.trim());
    };
    return {
      warnings,
      logger: { debug: () => undefined, info: () => undefined, warn: push, error: push },
    };
  }

  it('for a while: each failure is logged, evented and retried, and the certificate issues', async () => {
    const inner = e2e.http01;
    let presents = 0;
    let cleanUps = 0;
    const flaky: Solver = {
      types: inner.types,
      async present(challenge, ctx) {
        if (++presents <= 2) throw new Error('DNS provider answered 502');
        await inner.present(challenge, ctx);
      },
      async cleanUp(challenge, ctx) {
        if (++cleanUps === 1) throw new Error('DNS provider timed out');
        await inner.cleanUp(challenge, ctx);
      },
    };
    const { logger, warnings } = recordingLogger();
    const engine = createEngine({
      store: createMemoryStore(),
      solvers: { http01: flaky },
      logger,
      challengePolicy: policy,
      retry: { baseMs: 100, maxMs: 1_000 },
    });
    const errors: EngineErrorEvent[] = [];
    engine.on('error', (e) => errors.push(e));
    try {
      await engine.apply([
        e2e.issuer('pebble', [{ http01: {} }]),
        certificate('flaky', 'pebble', ['flaky.solver.test']),
      ]);
      await engine.start();
      await engine.waitFor('Certificate', 'flaky', 'Ready', { timeoutMs: 30_000 });
      await vi.waitFor(async () => {
        const [challenge] = await engine.list('Challenge');
        expect(challenge?.status?.cleanedUp).toBe(true);
      });
      const [challenge] = await engine.list('Challenge');
      expect(challenge?.status?.phase).toBe('Valid');
      expect(challenge?.status?.presented).toBe(false);
      expect(inner.tokens()).toBe(0);
      expect(cleanUps).toBe(2);
      const key = `resources/Challenge/default/${challenge!.metadata.name}`;
      expect(errors.map((e) => [e.controller, e.key, e.error.message])).toEqual([
        ['challenges', key, 'DNS provider answered 502'],
        ['challenges', key, 'DNS provider answered 502'],
        ['challenges', key, 'DNS provider timed out'],
      ]);
      expect(warnings).toEqual([
        'challenge step failed, retrying present',
        'challenge step failed, retrying present',
        'challenge step failed, retrying cleanUp',
      ]);
    } finally {
      await engine.stop();
    }
  });

  it('for one object for good: it is retried without end, and the others issue', async () => {
    const broken: Solver = {
      types: ['DNS-01'],
      present: () => Promise.reject(new Error('the provider rejects this zone')),
      cleanUp: () => Promise.resolve(),
    };
    const { logger } = recordingLogger();
    const engine = createEngine({
      store: createMemoryStore(),
      solvers: { http01: e2e.http01, broken },
      logger,
      challengePolicy: policy,
      retry: { baseMs: 100, maxMs: 1_000 },
    });
    const errors: EngineErrorEvent[] = [];
    engine.on('error', (e) => errors.push(e));
    try {
      await engine.apply([
        e2e.issuer('pebble', [
          { http01: {} },
          {
            selector: { dnsNames: ['bad.solver.test'] },
            dns01: { webhook: { groupName: 'acme.example.test', solverName: 'broken' } },
          },
        ]),
        certificate('bad', 'pebble', ['bad.solver.test']),
        ...['a', 'b', 'c'].map((n) => certificate(n, 'pebble', [`${n}.solver.test`])),
      ]);
      await engine.start();
      for (const n of ['a', 'b', 'c']) {
        await engine.waitFor('Certificate', n, 'Ready', { timeoutMs: 30_000 });
      }
      await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
      const bad = (await engine.list('Challenge')).find(
        (c) => c.spec.dnsName === 'bad.solver.test',
      );
      // Still trying: a transient failure never ends the challenge.
      expect(bad?.status?.phase).toBe('Presenting');
      expect(bad?.status?.attempts).toBeGreaterThanOrEqual(5);
      expect(bad?.status?.reason).toBe('the provider rejects this zone');
      expect(new Set(errors.map((e) => e.key))).toEqual(
        new Set([`resources/Challenge/default/${bad!.metadata.name}`]),
      );
      const cert = await engine.get('Certificate', 'bad');
      expect(cert?.status?.failedIssuanceAttempts ?? 0).toBe(0);
    } finally {
      await engine.stop();
    }
  });
});
