#!/usr/bin/env node
// Measures the time from engine.apply() to Certificate Ready for a one-name certificate over HTTP-01
// against a local Pebble (PEBBLE_VA_NOSLEEP=1), N times (default 20), each on a fresh file store and
// a fresh name, and prints the median. Usage: npm run build && node scripts/measure-latency.mjs [N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { ensurePebble } from './ensure-pebble.mjs';

ensurePebble();
const { createEngine, createFileStore, createHttp01Solver } = await import('../dist/index.js');
const { startPebble } = await import('../dist/testing/index.js');

const runs = Number(process.argv[2] ?? 20);
const pebble = await startPebble();
const http01 = createHttp01Solver({
  selfCheck: { nameservers: [pebble.challtestsrv.dnsAddress], port: pebble.httpPort },
});
await http01.listen({ host: '127.0.0.1', port: pebble.httpPort });

const times = [];
try {
  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(path.join(tmpdir(), 'certflow-latency-'));
    const engine = createEngine({
      store: createFileStore({ directory: dir }),
      solvers: { http01 },
    });
    await engine.start();
    // The account is registered before the clock starts: the measure is one certificate's issuance.
    await engine.apply({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: { name: 'pebble' },
      spec: {
        acme: {
          server: pebble.directoryUrl,
          caBundle: pebble.caBundle,
          privateKeySecretRef: { name: 'pebble-account' },
          solvers: [{ http01: {} }],
        },
      },
    });
    await engine.waitFor('Issuer', 'pebble', 'Ready', { timeoutMs: 30_000 });
    const t0 = performance.now();
    await engine.apply({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'one' },
      spec: {
        secretName: 'one-tls',
        dnsNames: [`run${i}-${Date.now()}.latency.test`],
        privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { name: 'pebble' },
      },
    });
    await engine.waitFor('Certificate', 'one', 'Ready', { timeoutMs: 60_000 });
    times.push(performance.now() - t0);
    await engine.stop();
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  await http01.close();
  await pebble.stop();
}
const sorted = [...times].sort((a, b) => a - b);
const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const median =
  sorted.length % 2 === 1
    ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
console.log(`runs: ${runs}`);
console.log(
  `apply -> Ready, one name, HTTP-01, file store: median ${median.toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms`,
);
