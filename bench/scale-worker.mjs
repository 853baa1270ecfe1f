// The scale run, in a process of its own: the engine starts on the fixture's file store (many
// Certificates, none due), then idles, then a clock jump makes `dueCount` of them due at once and
// the in-process ACME stand-in re-issues them. Measures start-up time and RSS, idle CPU, and the
// CPU and Store operations certflow spends per re-issued certificate.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import process from 'node:process';
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { createAcmeStandIn, noopHttp01Solver } from './lib/acme-stand-in.mjs';
import { countingStore, totalOf } from './lib/counting-store.mjs';
import { certificateTemplate, csrPublicPoint, spliceCertificate } from './lib/der-splice.mjs';
import { createSkewClock } from './lib/skew-clock.mjs';
import { cpuMsSince, progress, sampleRss, serveWorker } from './lib/worker.mjs';

serveWorker(async (config) => {
  const certflow = await import('../dist/index.js');
  const { fixture } = config;
  const templates = new Map();
  for (const { dnsNames, pem } of fixture.renewed) {
    templates.set([...dnsNames].sort().join(','), certificateTemplate(certflow.pemDecode(pem)));
  }
  await checkStandIn(certflow, templates, fixture);
  const standIn = createAcmeStandIn({
    templates,
    caKeyPem: fixture.caKeyPem,
    caPem: fixture.caPem,
  });
  const clock = createSkewClock();
  const files = certflow.createFileStore({
    directory: config.directory,
    layout: config.fileLayout,
  });
  // BENCH_SCALE_STORE=memory (comparison runs only): the same records in a memory store, copied
  // before anything is measured, to tell the engine's own cost from the file store's.
  const counting = countingStore(
    config.store === 'memory' ? await copiedToMemory(certflow, files) : files,
  );
  const engine = certflow.createEngine({
    store: counting.store,
    clock,
    acmePort: standIn.port,
    solvers: { http01: noopHttp01Solver },
    // The stand-in validates on accept: polling after it would only measure the poll interval.
    challengePolicy: { pollIntervalMs: 0 },
    // 0 turns the background check of every Secret off (see runScale in bench/run.mjs).
    ...(config.verificationRate === undefined
      ? {}
      : { startupVerificationRate: config.verificationRate }),
  });
  let issued = 0;
  let failed = 0;
  const errors = [];
  engine.on('certificate:issued', () => (issued += 1));
  engine.on('certificate:failed', () => (failed += 1));
  engine.on('error', ({ error }) => errors.push(error.message));
  const probe = engineProbe(engine);
  // process.uptime() at each phase start: about the time since a --cpu-prof profile started.
  const marks = {};
  const result = { probe: probe.method, marks, verificationRate: config.verificationRate ?? 200 };

  // -- start-up ---------------------------------------------------------------------------------
  // With --expose-gc: the heap before start, to tell what the engine keeps per Certificate.
  globalThis.gc?.();
  const heapUsedBefore = process.memoryUsage().heapUsed;
  marks.startup = process.uptime();
  const rssBefore = process.memoryUsage.rss();
  const startupRss = sampleRss(250);
  // Progress once a second, to extrapolate a start-up cut short by the time cap.
  const samples = [];
  let cpu = process.cpuUsage();
  let t0 = performance.now();
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    samples.push({ ms: performance.now() - t0, scheduled: probe.scheduled(), rss, heapUsed });
  };
  const sampler = setInterval(sample, 1_000);
  await engine.start();
  result.startReturnedMs = performance.now() - t0;
  const startup = await waitUntil(probe.synced, config.startupCapMs, 5);
  clearInterval(sampler);
  sample();
  result.startup = {
    // From the call to start(): the listing it awaits is part of the start-up.
    ms: result.startReturnedMs + startup.ms,
    completed: startup.done,
    cpuMs: cpuMsSince(cpu).totalMs,
    scheduled: probe.scheduled(),
    samples,
    storeOps: counting.counts(),
    rssBeforeBytes: rssBefore,
    heapUsedBeforeGcBytes: heapUsedBefore,
    peakRssBytes: startupRss.stop(),
    rssAfterBytes: process.memoryUsage.rss(),
    heapUsedAfterBytes: process.memoryUsage().heapUsed,
  };
  // With --expose-gc: what the engine keeps once the start-up garbage is collected.
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    result.startup.rssAfterGcBytes = process.memoryUsage.rss();
    result.startup.heapUsedAfterGcBytes = process.memoryUsage().heapUsed;
  }
  // BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot once start-up is done, to see what the engine keeps.
  if (process.env.BENCH_HEAP_SNAPSHOT) {
    const { writeHeapSnapshot } = await import('node:v8');
    const file = `${process.env.BENCH_HEAP_SNAPSHOT}/startup-${fixture.count}.heapsnapshot`;
    progress(`heap snapshot: ${writeHeapSnapshot(file)}`);
  }
  progress(
    `start-up${startup.done ? '' : ` (cut at ${config.startupCapMs / 1000} s)`}: ` +
      `${(result.startup.ms / 1000).toFixed(1)} s, ${result.startup.scheduled} of ${fixture.count} ` +
      `renewals scheduled, RSS ${(result.startup.rssAfterBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  /** Waits for the background check of every Secret (startupVerificationRate) to end. */
  async function verify() {
    // The checks began during start-up (the first is due 1/rate s after start()): the Secret reads
    // are counted from start(), the time and CPU from here, when start-up ended.
    marks.verification = process.uptime();
    cpu = process.cpuUsage();
    t0 = performance.now();
    const secretReads = () => counting.counts().get?.Secret ?? 0;
    const verification = await waitUntil(
      () => secretReads() >= fixture.count && probe.idle(),
      config.verifyCapMs ?? 600_000,
      100,
    );
    result.verification = {
      ms: verification.ms + result.startup.ms,
      completed: verification.done,
      cpuMs: cpuMsSince(cpu).totalMs + result.startup.cpuMs,
      secretsRead: secretReads(),
      storeOps: counting.counts(),
    };
    progress(
      `background check: ${result.verification.secretsRead} Secrets in ` +
        `${(verification.ms / 1000).toFixed(1)} s, ${(result.verification.cpuMs / 1000).toFixed(1)} s CPU`,
    );
  }

  const finish = async () => {
    marks.end = process.uptime();
    await engine.stop();
    result.maxRssBytes = process.resourceUsage().maxRSS * 1024;
    return result;
  };
  if (!startup.done) return finish();
  if (config.verificationRate !== 0) await verify();
  if (config.verificationOnly === true) return finish();

  // -- idle -------------------------------------------------------------------------------------
  marks.idle = process.uptime();
  counting.reset();
  // The garbage collections in the window, to tell the runtime's work from certflow's.
  const collections = [];
  const gcObserver = new PerformanceObserver((list) => collections.push(...list.getEntries()));
  gcObserver.observe({ entryTypes: ['gc'] });
  cpu = process.cpuUsage();
  t0 = performance.now();
  await delay(config.idleMs);
  const idleWallMs = performance.now() - t0;
  const idleCpu = cpuMsSince(cpu);
  gcObserver.disconnect();
  result.idle = {
    wallMs: idleWallMs,
    cpuMs: idleCpu.totalMs,
    cpuPercent: (100 * idleCpu.totalMs) / idleWallMs,
    storeOps: counting.counts(),
    rssAfterBytes: process.memoryUsage.rss(),
    heapTotalAfterBytes: process.memoryUsage().heapTotal,
    gc: {
      // NODE_PERFORMANCE_GC_MAJOR is 4: a mark-compact of the old generation.
      major: collections.filter((entry) => entry.detail?.kind === 4).length,
      count: collections.length,
      pauseMs: collections.reduce((sum, entry) => sum + entry.duration, 0),
    },
  };
  progress(`idle: ${result.idle.cpuPercent.toFixed(2)}% of one core over ${idleWallMs / 1000} s`);

  // -- due at once ------------------------------------------------------------------------------
  result.standInUsPerCertificate = calibrateStandIn(templates, fixture);
  marks.due = process.uptime();
  counting.reset();
  const dueRss = sampleRss(250);
  cpu = process.cpuUsage();
  t0 = performance.now();
  clock.jump(fixture.jumpMs);
  let issuedAtMs;
  const due = await waitUntil(
    () => {
      if (issuedAtMs === undefined && issued + failed >= fixture.dueCount) {
        issuedAtMs = performance.now() - t0;
      }
      return issuedAtMs !== undefined && probe.idle();
    },
    config.dueCapMs,
    100,
  );
  const dueCpu = cpuMsSince(cpu);
  result.due = {
    dueCount: fixture.dueCount,
    issued,
    failed,
    errors: errors.length,
    firstErrors: errors.slice(0, 3),
    completed: due.done,
    issuedMs: issuedAtMs ?? due.ms,
    idleMs: due.ms,
    cpuMs: dueCpu.totalMs,
    cpuUserMs: dueCpu.userMs,
    cpuSystemMs: dueCpu.systemMs,
    standInCpuMs: (standIn.stats.issued * result.standInUsPerCertificate) / 1000,
    standIn: { ...standIn.stats },
    storeOps: counting.counts(),
    puts: totalOf(counting.counts(), 'put'),
    gets: totalOf(counting.counts(), 'get'),
    deletes: totalOf(counting.counts(), 'delete'),
    peakRssBytes: dueRss.stop(),
  };
  progress(
    `due: ${issued} re-issued in ${((issuedAtMs ?? due.ms) / 1000).toFixed(1)} s, ` +
      `${((1000 * (dueCpu.totalMs - result.due.standInCpuMs)) / Math.max(1, issued)).toFixed(0)} µs CPU each`,
  );
  return finish();
});

/** A memory store holding every record of `files`. */
async function copiedToMemory(certflow, files) {
  const memory = certflow.createMemoryStore();
  const records = await files.list('');
  for (const { key, value } of records) await memory.put(key, value, { ifVersion: null });
  progress(`copied ${records.length} records into a memory store (BENCH_SCALE_STORE=memory)`);
  return memory;
}

/** How the bench knows where the engine is: `engine.synced()` and `engine.stats()`. */
function engineProbe(engine) {
  let synced = false;
  engine.synced().then(() => (synced = true));
  const stats = () => engine.stats();
  return {
    method: '`engine.synced()`, and `engine.stats()` for the counts',
    synced: () => synced,
    idle: () => Object.values(stats().controllers).every((c) => c.queued + c.active === 0),
    scheduled: () => stats().controllers.Certificate?.scheduled ?? 0,
  };
}

/** Polls `done` every `everyMs` until it holds or `capMs` passes (`null`: no cap). */
async function waitUntil(done, capMs, everyMs) {
  const t0 = performance.now();
  for (;;) {
    if (done()) return { done: true, ms: performance.now() - t0 };
    if (capMs !== null && performance.now() - t0 > capMs) {
      return { done: false, ms: performance.now() - t0 };
    }
    await delay(everyMs);
  }
}

/** One stand-in certificate is checked with certflow itself before anything is measured. */
async function checkStandIn(certflow, templates, fixture) {
  const key = await certflow.generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const [first] = fixture.renewed;
  const csr = await certflow.createCsr({ dnsNames: first.dnsNames }, key);
  const der = spliceCertificate(
    templates.get([...first.dnsNames].sort().join(',')),
    csrPublicPoint(csr.der),
    createPrivateKey(fixture.caKeyPem),
  );
  const info = certflow.parseCertificate(der);
  if (!(await certflow.keyMatchesCertificate(key, der))) {
    throw new Error('the stand-in issued a certificate that does not match the CSR key');
  }
  if (info.dnsNames.join(',') !== first.dnsNames.join(',')) {
    throw new Error('the stand-in issued a certificate for other names');
  }
}

/** CPU microseconds the stand-in spends issuing one certificate (subtracted from certflow's). */
function calibrateStandIn(templates, fixture) {
  const template = templates.values().next().value;
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // A SubjectPublicKeyInfo is all csrPublicPoint() looks for in a CSR.
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const caKey = createPrivateKey(fixture.caKeyPem);
  const rounds = 2_000;
  const cpu = process.cpuUsage();
  for (let i = 0; i < rounds; i++) spliceCertificate(template, csrPublicPoint(spki), caKey);
  return (cpuMsSince(cpu).totalMs * 1000) / rounds;
}
