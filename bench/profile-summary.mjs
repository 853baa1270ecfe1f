#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, and
// the share of time spent under each module (certflow, pkijs, acme-client, node internals, ...).
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top=25] [--under=<function name>]
//        [--window=<from s>,<to s>]  (seconds since the profile started, about process.uptime())
// It also splits the samples into the cost centres below: each sample goes to the innermost
// frame on its stack that names one, with the certflow step that called it ("via").
import { readFile } from 'node:fs/promises';
import process from 'node:process';

const [file, topArg = '25', ...flags] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top] [--under=name]');
  process.exit(2);
}
const top = Number(topArg);
const under = flags.find((f) => f.startsWith('--under='))?.slice('--under='.length);
const windowFlag = flags.find((f) => f.startsWith('--window='))?.slice('--window='.length);
const [fromS, toS] = (windowFlag ?? '0,Infinity').split(',').map(Number);
const profile = JSON.parse(await readFile(file, 'utf8'));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

// Self time per node: the sampling interval attributed to the node each sample landed in.
const selfUs = new Map();
// Samples outside the window are dropped (time since the first sample, in seconds).
const samples = [];
const deltas = [];
{
  let t = 0;
  const all = profile.samples ?? [];
  const allDeltas = profile.timeDeltas ?? [];
  for (let i = 0; i < all.length; i++) {
    t += allDeltas[i] ?? 0;
    if (t / 1e6 < fromS || t / 1e6 > toS) continue;
    samples.push(all[i]);
    deltas.push(allDeltas[i] ?? 0);
  }
}
for (let i = 0; i < samples.length; i++) {
  const dt = deltas[i] ?? 0;
  selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function moduleOf(url) {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/')) return 'certflow (dist)';
  return url.replace(/^file:\/\/.*\/(bench\/)/, '$1');
}

function label(node) {
  const f = node.callFrame;
  const name = f.functionName === '' ? '(anonymous)' : f.functionName;
  const where =
    f.url === ''
      ? ''
      : ` ${f.url.replace(/^file:\/\/.*\/(dist|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  return `${name}${where}`;
}

function isUnder(id, name) {
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    if (byId.get(cur)?.callFrame.functionName === name) return true;
  }
  return false;
}

// Inclusive time: each sample counts once for every distinct function on its stack.
const totalByLabel = new Map();
for (let i = 0; i < samples.length; i++) {
  const dt = deltas[i] ?? 0;
  if (under !== undefined && !isUnder(samples[i], under)) continue;
  const seen = new Set();
  for (let cur = samples[i]; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur);
    if (node === undefined || node.callFrame.url === '') continue;
    seen.add(label(node));
  }
  for (const key of seen) totalByLabel.set(key, (totalByLabel.get(key) ?? 0) + dt);
}

const selfByLabel = new Map();
const byModule = new Map();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined || (under !== undefined && !isUnder(id, under))) continue;
  const key = label(node);
  selfByLabel.set(key, (selfByLabel.get(key) ?? 0) + us);
  const mod = moduleOf(node.callFrame.url);
  byModule.set(mod, (byModule.get(mod) ?? 0) + us);
}

const pct = (us) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(
  `${file}: ${(totalUs / 1000).toFixed(0)} ms sampled` +
    (under ? `, under ${under}` : '') +
    (windowFlag ? `, from ${fromS} s to ${toS} s` : ''),
);
console.log('\nself time by module');
for (const [mod, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`${ms(us)} ${pct(us)}  ${mod}`);
}
console.log(`\ntop ${top} functions by inclusive time (self + callees)`);
for (const [name, us] of [...totalByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)} ${pct(us)}  ${name}`);
}
console.log(`\ntop ${top} functions by self time`);
for (const [name, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)} ${pct(us)}  ${name}`);
}

// Cost centres, matched by function name from the innermost frame outwards.
const centres = [
  ['parse certificate (pkijs)', ['parseCertificate', 'decodeCertificate', 'describeCertificate']],
  ['import private key PEM', ['importPrivateKeyPem']],
  ['key matches certificate', ['keyMatchesCertificate', 'keyMatchesSpki']],
  ['create CSR', ['createCsr']],
  ['parse CSR', ['parseCsr']],
  ['generate key', ['generatePrivateKey']],
  ['export key PEM', ['exportPrivateKeyPem']],
  ['sign certificate (bench stand-in)', ['spliceCertificate']],
  ['file store: read record', ['readRecord', 'walk']],
  [
    'file store: write record (lock, fsync, rename)',
    ['writeRecord', 'acquireFileLock', 'syncDirectory', 'ensureDirectory', 'release'],
  ],
  ['file store: key to path', ['recordPaths']],
  ['copy resources (structuredClone)', ['withVersion', 'freezeSnapshot']],
  ['compare by JSON.stringify', ['updateIfChanged']],
  ['ACME JWS signing (acme-client)', ['createSignedBody']],
  ['HTTPS client', ['request', 'addRequest', 'createConnection', 'getName']],
  ['acme-client other', []],
];
const via = [
  'evaluateSecret',
  'nextPrivateKey',
  'writeSecret',
  'createRequest',
  'signAcme',
  'ensureChallenges',
  'step',
  'acmeStep',
  'schedule',
  'route',
  'apply',
  'start',
  'list',
];
const leafCentres = new Map([
  ...[
    'openFileHandle',
    'close',
    'fstat',
    'read',
    'readFileHandle',
    'open',
    'writeBuffer',
    'write',
  ].map((fn) => [fn, 'file I/O, caller lost (async continuation)']),
  ['fsync', 'file store: write record (lock, fsync, rename)'],
  ['rename', 'file store: write record (lock, fsync, rename)'],
  ['unlink', 'file store: write record (lock, fsync, rename)'],
  ['ecImportKey', 'import private key PEM'],
  ['createPrivateKey', 'import private key PEM'],
]);
const centreOf = new Map();
for (const [name, fns] of centres) for (const fn of fns) centreOf.set(fn, name);
const byCentre = new Map();
const rest = new Map();
for (let i = 0; i < samples.length; i++) {
  const dt = deltas[i] ?? 0;
  let centre;
  let through;
  let first = byId.get(samples[i]);
  const fname = first?.callFrame.functionName;
  if (fname === '(idle)' || fname === '(garbage collector)' || fname === '(program)')
    centre = fname;
  for (let cur = samples[i]; centre === undefined && cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur);
    const hit = centreOf.get(node.callFrame.functionName);
    if (
      hit !== undefined &&
      (hit !== 'HTTPS client' ||
        node.callFrame.url.startsWith('node:') ||
        node.callFrame.url.includes('/dist/'))
    ) {
      centre = hit;
      for (let up = parent.get(cur); up !== undefined; up = parent.get(up)) {
        const name = byId.get(up).callFrame.functionName;
        if (via.includes(name) && byId.get(up).callFrame.url.includes('/dist/')) {
          through = name;
          break;
        }
      }
    } else if (node.callFrame.url.includes('acme-client')) {
      centre = 'acme-client other';
    }
  }
  // Async continuations often lose their caller: name them by the leaf frame alone.
  centre ??= leafCentres.get(fname);
  if (centre === undefined) {
    centre = 'everything else';
    const key = label(first);
    rest.set(key, (rest.get(key) ?? 0) + dt);
  }
  const key = through === undefined ? centre : `${centre}  (via ${through})`;
  byCentre.set(key, (byCentre.get(key) ?? 0) + dt);
}
console.log('\ncost centres (innermost match; "via" = the certflow step above it)');
for (const [name, us] of [...byCentre].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)} ${pct(us)}  ${name}`);
}
console.log('\n"everything else", by self time');
for (const [name, us] of [...rest].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(us)} ${pct(us)}  ${name}`);
}
