// One issuance run against the Pebble the parent started, in a process of its own so that its CPU
// time and peak RSS belong to one client: acme-client's auto() under a plain promise pool (the
// baseline), or certflow's engine on a file store. Both serve HTTP-01 tokens from this process.
import { mkdtemp, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { countingStore } from './lib/counting-store.mjs';
import { countHttpClientTraffic, cpuMsSince, pool, sampleRss, serveWorker } from './lib/worker.mjs';

const TOKEN_PATH = '/.well-known/acme-challenge/';
const READY_TIMEOUT_MS = 120_000;

serveWorker(async (config) => {
  const traffic = countHttpClientTraffic();
  const client = config.client === 'baseline' ? await baseline(config) : await certflow(config);
  try {
    for (let i = 0; i < config.warmup; i++) await client.issue(`w${i}`);
    traffic.reset();
    client.resetCounts?.();
    const rss = sampleRss();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const outcomes = await pool(config.count, config.concurrency, async (i) => {
      const t0 = performance.now();
      await client.issue(String(i));
      return performance.now() - t0;
    });
    const wallMs = performance.now() - started;
    const cpuMs = cpuMsSince(cpu);
    const peakRssBytes = rss.stop();
    const failures = outcomes.filter((o) => typeof o !== 'number');
    return {
      client: config.client,
      count: config.count,
      concurrency: config.concurrency,
      wallMs,
      latenciesMs: outcomes.filter((o) => typeof o === 'number'),
      failures: failures.map((f) => f.error),
      cpuMs,
      peakRssBytes,
      http: traffic.read(),
      storeOps: client.storeCounts?.(),
      // ru_maxrss is in kilobytes on Linux: the peak over the whole worker process.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await client.close();
  }
});

/** Two fresh names per certificate: Pebble never has a valid authorization to reuse for them. */
function namesFor(config, id) {
  const base = `${config.namePrefix}-${config.client}-${config.round}-${id}`;
  return [`${base}-a.bench.test`, `${base}-b.bench.test`];
}

/** acme-client 5.4 `auto()`, as its README shows it, with ECDSA P-256 keys. */
async function baseline(config) {
  const { default: acme } = await import('acme-client');
  // acme-client sends everything through one module-wide axios instance: the bench trusts
  // Pebble's listener certificate there, as a user of a private ACME CA would have to.
  // (BENCH_BASELINE_KEEPALIVE=1 keeps connections alive, for comparison; not the default.)
  acme.axios.defaults.httpsAgent = new https.Agent({
    ca: config.pebble.caBundlePem,
    ...(config.baselineKeepAlive === true ? { keepAlive: true } : {}),
  });
  // acme-client sets no timeout: a request Pebble never answers (seen once, with 29 requests
  // left hanging) would stall the whole run. It fails the certificate instead, as certflow's own
  // request timeout would.
  acme.axios.defaults.timeout = 30_000;
  const tokens = new Map();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const body = url.startsWith(TOKEN_PATH) ? tokens.get(url.slice(TOKEN_PATH.length)) : undefined;
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.pebble.httpPort, '127.0.0.1', resolve);
  });
  const client = new acme.Client({
    directoryUrl: config.pebble.directoryUrl,
    accountKey: await acme.crypto.createPrivateEcdsaKey('P-256'),
    ...(config.pollIntervalMs === undefined ? {} : { backoffMin: config.pollIntervalMs }),
  });
  await client.createAccount({
    termsOfServiceAgreed: true,
    contact: ['mailto:bench@example.test'],
  });
  return {
    async issue(id) {
      const key = await acme.crypto.createPrivateEcdsaKey('P-256');
      const [, csr] = await acme.crypto.createCsr({ altNames: namesFor(config, id) }, key);
      const pem = await client.auto({
        csr,
        termsOfServiceAgreed: true,
        challengePriority: ['http-01'],
        // Pebble resolves every name to 127.0.0.1 through its own DNS, which the system resolver
        // acme-client's check uses cannot see; certflow's self-check is off too, for parity.
        skipChallengeVerification: true,
        challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
          tokens.set(challenge.token, keyAuthorization);
        },
        challengeRemoveFn: async (_authz, challenge) => {
          tokens.delete(challenge.token);
        },
      });
      if (!String(pem).includes('BEGIN CERTIFICATE')) throw new Error('no certificate');
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** certflow's engine on a file store in a temp folder, with the built-in HTTP-01 solver. */
async function certflow(config) {
  const { createEngine, createFileStore, createHttp01Solver, createMemoryStore } =
    await import('../dist/index.js');
  const directory = await mkdtemp(path.join(tmpdir(), 'certflow-bench-'));
  // The self-check is off, as acme-client's is in the baseline (see above).
  const http01 = createHttp01Solver({ selfCheck: false });
  await http01.listen({ host: '127.0.0.1', port: config.pebble.httpPort });
  // (BENCH_CERTFLOW_STORE=memory swaps in the memory store, for comparison; not the default.)
  const counting = countingStore(
    config.certflowStore === 'memory'
      ? createMemoryStore()
      : createFileStore({ directory, layout: config.fileLayout }),
  );
  const engine = createEngine({
    store: counting.store,
    solvers: { http01 },
    ...(config.pollIntervalMs === undefined
      ? {}
      : { challengePolicy: { pollIntervalMs: config.pollIntervalMs } }),
  });
  await engine.start();
  await engine.apply({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'pebble', namespace: 'default' },
    spec: {
      acme: {
        server: config.pebble.directoryUrl,
        email: 'bench@example.test',
        caBundle: Buffer.from(config.pebble.caBundlePem).toString('base64'),
        privateKeySecretRef: { name: 'pebble-account-key' },
        solvers: [{ http01: {} }],
      },
    },
  });
  await engine.waitFor('Issuer', 'pebble', 'Ready', { timeoutMs: 30_000 });
  return {
    async issue(id) {
      const name = `c-${id}`;
      await engine.apply({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name, namespace: 'default' },
        spec: {
          secretName: `${name}-tls`,
          issuerRef: { name: 'pebble', kind: 'Issuer' },
          dnsNames: namesFor(config, id),
          privateKey: { algorithm: 'ECDSA', size: 256 },
        },
      });
      await engine.waitFor('Certificate', name, 'Ready', { timeoutMs: READY_TIMEOUT_MS });
    },
    resetCounts: () => counting.reset(),
    storeCounts: () => counting.counts(),
    async close() {
      await engine.stop();
      await http01.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
