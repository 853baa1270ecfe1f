/**
 * One fault-injection run: Pebble behind a {@link startFaultProxy} proxy, 20 Certificates issued
 * through it, and everything the run saw.
 */
import { expect } from 'vitest';
import type { Certificate, Challenge, Order } from '../../src/domain/types.js';
import type { EngineErrorEvent } from '../../src/events.js';
import { startFaultProxy, type FaultKind, type FaultProxyStats } from './fault-proxy.js';
import { certificate, startE2E } from './e2e.js';

/** What a fault run ended with. */
export interface FaultRun {
  fault: FaultKind;
  certificates: Certificate[];
  orders: Order[];
  challenges: Challenge[];
  /** Certificates that became Ready, with a Secret whose key matches. */
  issued: number;
  failedEvents: string[];
  errorEvents: EngineErrorEvent[];
  stats: FaultProxyStats;
  injected: number;
}

/** Options of {@link runFaultSuite}. */
export interface FaultRunOptions {
  fault: FaultKind;
  /** @defaultValue 0.2 */
  rate?: number;
  /** @defaultValue 20 */
  certificates?: number;
  pebbleEnv?: Record<string, string>;
  /** The engine's ACME request deadline. @defaultValue 5_000 */
  acmeRequestTimeoutMs?: number;
  slowMs?: number;
  retryAfterSeconds?: number;
  seed?: number;
}

/** Issues `certificates` Certificates through a proxy injecting `fault`, and reports. */
export async function runFaultSuite(options: FaultRunOptions): Promise<FaultRun> {
  const count = options.certificates ?? 20;
  const e2e = await startE2E({
    ...(options.pebbleEnv === undefined ? {} : { pebbleEnv: options.pebbleEnv }),
    acmeRequestTimeoutMs: options.acmeRequestTimeoutMs ?? 5_000,
  });
  const proxy = await startFaultProxy({
    upstreamOrigin: new URL(e2e.pebble.directoryUrl).origin,
    upstreamCaPem: e2e.pebble.caBundlePem,
    fault: options.fault,
    rate: options.rate ?? 0.2,
    seed: options.seed ?? 4,
    ...(options.slowMs === undefined ? {} : { slowMs: options.slowMs }),
    ...(options.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: options.retryAfterSeconds }),
  });
  try {
    const { engine } = e2e;
    const failedEvents: string[] = [];
    const errorEvents: EngineErrorEvent[] = [];
    engine.on('certificate:failed', (e) =>
      failedEvents.push(`${e.certificate.metadata.name}: ${e.message}`),
    );
    engine.on('error', (e) => errorEvents.push(e));
    const issuer = e2e.issuer('pebble', [{ http01: {} }]) as {
      spec: { acme: Record<string, unknown> };
    };
    issuer.spec.acme['server'] = proxy.directoryUrl;
    issuer.spec.acme['caBundle'] = proxy.caBundle;
    const names = Array.from({ length: count }, (_, i) => `c${i}`);
    await engine.apply([
      issuer,
      ...names.map((name) =>
        certificate(name, 'pebble', [`${name}.${options.fault}.example.test`]),
      ),
    ]);
    await engine.start();
    await Promise.all(
      names.map((name) => engine.waitFor('Certificate', name, 'Ready', { timeoutMs: 90_000 })),
    );
    let issued = 0;
    for (const name of names) {
      const secret = await engine.get('Secret', `${name}-tls`);
      if (secret?.data?.['tls.crt']?.includes('BEGIN CERTIFICATE') === true) issued += 1;
    }
    return {
      fault: options.fault,
      certificates: await engine.list('Certificate'),
      orders: await engine.list('Order'),
      challenges: await engine.list('Challenge'),
      issued,
      failedEvents,
      errorEvents,
      stats: structuredClone(proxy.stats),
      injected: proxy.injectedTotal(),
    };
  } finally {
    await e2e.stop();
    await proxy.stop();
  }
}

/** One line for the log: the numbers the fault runs are judged by. */
export function summary(run: FaultRun): string {
  return JSON.stringify({
    fault: run.fault,
    requests: run.stats.requests,
    injected: run.injected,
    byVariant: run.stats.injected,
    badNonce: run.stats.badNonce,
    issued: run.issued,
    orders: run.orders.length,
    errorEvents: run.errorEvents.length,
  });
}

/**
 * What every fault run must end with: each Certificate Ready with its Secret, no failed
 * issuance, and no Order, Challenge or CertificateRequest in a terminal state but success.
 */
export function expectNothingTerminal(run: FaultRun, certificates = 20): void {
  expect(run.issued).toBe(certificates);
  expect(run.failedEvents).toEqual([]);
  for (const cert of run.certificates) {
    expect(cert.status?.failedIssuanceAttempts ?? 0).toBe(0);
    expect(cert.status?.revision).toBe(1);
  }
  expect(run.orders.filter((o) => o.status?.state !== 'valid').map((o) => o.status)).toEqual([]);
  expect(run.challenges.filter((c) => c.status?.phase !== 'Valid').map((c) => c.status)).toEqual(
    [],
  );
  expect(run.challenges.filter((c) => c.status?.presented === true)).toEqual([]);
  // The engine saw the faults: each was logged, evented and retried.
  expect(run.errorEvents.length).toBeGreaterThan(0);
}
