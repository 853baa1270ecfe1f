#!/usr/bin/env node
// `npm run bench`: certflow's issuance against a local Pebble side by side with acme-client's own
// auto(), and the engine at 100,000 Certificates. Prints a table and writes docs/benchmarks.md.
// Every measured run is a worker process of its own (bench/*-worker.mjs), so that its CPU time
// and peak RSS belong to it alone. See docs/benchmarks.md for what is measured and how.
//
// Knobs (environment): BENCH_ONLY=issuance|scale, BENCH_FULL=1 (the scale run on one engine with
// its background check of every Secret at the default rate before the idle minute; far longer),
// BENCH_CPU_PROF=<dir> (workers run under --cpu-prof), BENCH_HEAP_SNAPSHOT=<dir> (a heap snapshot
// of each scale engine once started), BENCH_OUTPUT=<file> (default docs/benchmarks.md), the sizes
// below (BENCH_ISSUANCE_N, BENCH_ROUNDS, ...), and three variants for comparison runs:
// BENCH_BASELINE_KEEPALIVE=1, BENCH_CERTFLOW_STORE=memory, BENCH_SCALE_STORE=memory, and
// BENCH_FILE_LAYOUT=files (the file store's one-file-per-key layout instead of its log).
// The raw results go to <temp folder>/certflow-bench-results.json; `node bench/run.mjs --render
// <that file>` writes the document again from them (after an edit of bench/analysis.md).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { ensurePebble } from '../scripts/ensure-pebble.mjs';
import { renderReport } from './lib/report.mjs';
import { runWorker } from './lib/worker.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const env = process.env;
const int = (name, fallback) => (env[name] === undefined ? fallback : Number(env[name]));
const full = env.BENCH_FULL === '1';

const plan = {
  only: env.BENCH_ONLY,
  issuance: {
    count: int('BENCH_ISSUANCE_N', 200),
    rounds: int('BENCH_ROUNDS', 2),
    concurrency: int('BENCH_CONCURRENCY', 25),
    latencyCount: int('BENCH_LATENCY_N', 8),
    // Both clients poll a pending challenge or order about once a second (see the report).
    pollIntervalMs: int('BENCH_POLL_MS', 1_000),
    warmup: 1,
    // Variants for comparison runs only; the report says when one was used.
    baselineKeepAlive: env.BENCH_BASELINE_KEEPALIVE === '1',
    certflowStore: env.BENCH_CERTFLOW_STORE ?? 'file',
    fileLayout: env.BENCH_FILE_LAYOUT ?? 'log',
  },
  scale: {
    count: int('BENCH_SCALE_N', 100_000),
    templates: int('BENCH_TEMPLATES', 2_000),
    startupCapMs: full ? null : int('BENCH_STARTUP_CAP_S', 60) * 1_000,
    // Caps are in ms; null is none (the config crosses IPC as JSON, which has no Infinity).
    // The background check of every Secret is measured on an engine this size (see runScale).
    detailCount: int('BENCH_DETAIL_N', 2_000),
    dueCount: int('BENCH_DUE_N', 10_000),
    idleMs: int('BENCH_IDLE_S', 60) * 1_000,
    dueCapMs: full ? null : int('BENCH_DUE_CAP_S', 480) * 1_000,
    // Comparison runs only: the fixture is copied into a memory store before the engine starts.
    store: env.BENCH_SCALE_STORE ?? 'file',
    fileLayout: env.BENCH_FILE_LAYOUT ?? 'log',
  },
  full,
  profileDir: env.BENCH_CPU_PROF === undefined ? undefined : path.resolve(env.BENCH_CPU_PROF),
  output: path.resolve(root, env.BENCH_OUTPUT ?? 'docs/benchmarks.md'),
};

const worker = (name) => path.join(here, name);
const workerOptions = (extra = {}) => ({
  ...extra,
  ...(plan.profileDir === undefined ? {} : { profileDir: plan.profileDir }),
});
const log = (line) => process.stderr.write(`${line}\n`);

const started = Date.now();
const renderFrom = process.argv[2] === '--render' ? process.argv[3] : undefined;
let results;
if (renderFrom !== undefined) {
  results = JSON.parse(await readFile(renderFrom, 'utf8'));
} else {
  results = { plan, machine: machineInfo(), startedAt: new Date(started).toISOString() };
  if (plan.only !== 'scale') results.issuance = await runIssuance();
  if (plan.only !== 'issuance') results.scale = await runScale();
  results.wallMs = Date.now() - started;
  results.loadAtEnd = os.loadavg();
  const saved = path.join(os.tmpdir(), 'certflow-bench-results.json');
  await writeFile(saved, JSON.stringify(results));
  log(`raw results in ${saved}`);
}
const { text, markdown } = await renderReport(results, path.join(here, 'analysis.md'));
console.log(text);
await mkdir(path.dirname(plan.output), { recursive: true });
await writeFile(plan.output, markdown);
log(
  `\nwrote ${path.relative(process.cwd(), plan.output)} (${(results.wallMs / 1000).toFixed(0)} s)`,
);

/** Rounds of baseline and certflow, in alternating order, then one latency row each. */
async function runIssuance() {
  ensurePebble();
  const { startPebble } = await import('../dist/testing/index.js');
  // Pebble's defaults stay on (5% of nonces rejected, authorizations reused half the time), with
  // no validation sleep. Names are fresh per certificate, so no authorization is ever reused.
  const pebble = await startPebble();
  const { count, rounds, concurrency, latencyCount, pollIntervalMs, warmup } = plan.issuance;
  const { baselineKeepAlive, certflowStore, fileLayout } = plan.issuance;
  const namePrefix = `b${started.toString(36)}`;
  const base = {
    pebble: {
      directoryUrl: pebble.directoryUrl,
      caBundlePem: pebble.caBundlePem,
      httpPort: pebble.httpPort,
    },
    namePrefix,
    pollIntervalMs,
    warmup,
    baselineKeepAlive,
    certflowStore,
    fileLayout,
  };
  const runs = [];
  const runOne = async (client, round, n, c) => {
    const config = { ...base, client, round, count: n, concurrency: c };
    const result = await runWorker(worker('issuance-worker.mjs'), config, workerOptions());
    const rate = result.latenciesMs.length / (result.wallMs / 1000);
    log(
      `  ${client.padEnd(8)} round ${round}: ${n} certificates at concurrency ${c} in ` +
        `${(result.wallMs / 1000).toFixed(1)} s (${rate.toFixed(2)}/s, ` +
        `${(result.cpuMs.totalMs / n).toFixed(0)} ms CPU each, ${result.failures.length} failed)`,
    );
    runs.push({ ...result, round });
  };
  try {
    log(`issuance against Pebble ${pebble.directoryUrl} (load ${loadText()})`);
    for (let round = 1; round <= rounds; round++) {
      // ABBA order: a drift in machine load over the run hits both clients alike.
      const order = round % 2 === 1 ? ['baseline', 'certflow'] : ['certflow', 'baseline'];
      for (const client of order) await runOne(client, round, count / rounds, concurrency);
    }
    for (const client of ['baseline', 'certflow']) {
      await runOne(client, 'latency', latencyCount, 1);
    }
  } finally {
    await pebble.stop();
  }
  return { runs };
}

/**
 * The 100,000-Certificate start-up, its idle minute and 10,000 of them due at once, on one engine.
 * Its background check of every Secret (`startupVerificationRate`, 200 per second by default)
 * would take over eight minutes there, so that engine runs with the check off (rate 0) and the
 * check is measured on its own, at the default rate, on a 2,000-Certificate engine. BENCH_FULL
 * runs everything on the one engine, the check first.
 */
async function runScale() {
  const {
    count,
    templates,
    startupCapMs,
    detailCount,
    dueCount,
    idleMs,
    dueCapMs,
    store,
    fileLayout,
  } = plan.scale;
  const out = {};
  const withFixture = async (n, due, work) => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-bench-scale-'));
    try {
      log(
        `writing ${n.toLocaleString('en-US')} Certificates and their Secrets (load ${loadText()})`,
      );
      const fixture = await runWorker(worker('scale-fixture.mjs'), {
        count: n,
        templates,
        dueCount: due,
        directory,
        fileLayout,
        now: Date.now(),
      });
      log(`  written in ${((fixture.generatedMs + fixture.writtenMs) / 1000).toFixed(1)} s`);
      return { fixture: summariseFixture(fixture), run: await work(fixture, directory) };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  };
  const scaleRun = (fixture, directory, extra) =>
    runWorker(
      worker('scale-worker.mjs'),
      { fixture, directory, fileLayout, startupCapMs, idleMs, dueCapMs, store, ...extra },
      workerOptions({ execArgv: ['--expose-gc'] }),
    );

  if (plan.full) {
    out.large = await withFixture(count, dueCount, (fixture, directory) =>
      scaleRun(fixture, directory, {}),
    );
    return out;
  }
  out.large = await withFixture(count, dueCount, (fixture, directory) =>
    scaleRun(fixture, directory, { verificationRate: 0 }),
  );
  out.detail = await withFixture(
    detailCount,
    (dueCount * detailCount) / count,
    (fixture, directory) =>
      scaleRun(fixture, directory, { startupCapMs: null, verificationOnly: true }),
  );
  return out;
}

/** The fixture without its key material and templates, for the report. */
function summariseFixture(fixture) {
  const { caKeyPem: _key, caPem: _ca, renewed: _renewed, ...summary } = fixture;
  return summary;
}

function loadText() {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function machineInfo() {
  let fileSystem = 'unknown';
  try {
    fileSystem = execFileSync('stat', ['-f', '-c', '%T', os.tmpdir()], { encoding: 'utf8' }).trim();
  } catch {
    // Not Linux coreutils: leave it unknown.
  }
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    tmpdir: { fileSystem },
    commit: commitInfo(),
    loadAtStart: os.loadavg(),
    command: commandLine(),
  };
}

/** The commit measured, and whether src/ differs from it (BENCH_COMMIT when there is no .git). */
function commitInfo() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return env.BENCH_COMMIT ?? 'unknown';
  }
}

function commandLine() {
  const knobs = Object.keys(env)
    .filter((k) => k.startsWith('BENCH_') && k !== 'BENCH_COMMIT')
    .sort()
    .map((k) => `${k}=${env[k]}`);
  return [...knobs, 'npm run bench'].join(' ');
}
