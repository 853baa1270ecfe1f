import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);

// Runs a script in a plain Node process (not through the test runner's transform), so the built
// package is loaded exactly as a user's program loads it, by its own name through `exports`.
async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: root });
  return stdout.trim();
}

const script = (load: string): string => `
${load}
(async () => {
  const store = certflow.createMemoryStore();
  const v1 = await store.put('resources/x', { n: 1 }, { ifVersion: null });
  let conflict = '';
  try { await store.put('resources/x', { n: 2 }, { ifVersion: null }); } catch (e) { conflict = e.code + ':' + certflow.CertflowError.is(e, 'ERR_CONFLICT'); }
  const key = await certflow.generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const csr = await certflow.createCsr({ dnsNames: ['pkg.example.test'] }, key);
  const info = await certflow.parseCsr(csr.pem);
  const { next } = certflow.transitionChallenge({ apiVersion: 'acme.cert-manager.io/v1', kind: 'Challenge', metadata: { name: 'c' }, spec: {}, status: { phase: 'Queued' } }, { type: 'schedule' }, { now: 0 });
  const clock = testing.createFakeClock(0);
  const parsed = certflow.parseManifests('apiVersion: cert-manager.io/v1\\nkind: Issuer\\nmetadata: {name: x}\\nspec: {selfSigned: {}}');
  console.log(JSON.stringify({ v1: typeof v1, conflict, san: info.dnsNames[0], phase: next.status.phase, now: clock.now(), ns: parsed[0].metadata.namespace, engine: typeof certflow.createEngine }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('the built package', () => {
  it('has been built', () => {
    expect(existsSync(new URL('dist/index.js', root))).toBe(true);
    expect(existsSync(new URL('dist/index.cjs', root))).toBe(true);
  });

  const expected = {
    v1: 'string',
    conflict: 'ERR_CONFLICT:true',
    san: 'pkg.example.test',
    phase: 'Scheduled',
    now: 0,
    ns: 'default',
    engine: 'function',
  };

  it('works from ESM (import)', async () => {
    const out = await node([
      '--input-type=module',
      '-e',
      script("import * as certflow from 'certflow'; import * as testing from 'certflow/testing';"),
    ]);
    expect(JSON.parse(out)).toEqual(expected);
  });

  it('works from CommonJS (require)', async () => {
    const out = await node([
      '--input-type=commonjs',
      '-e',
      script("const certflow = require('certflow'); const testing = require('certflow/testing');"),
    ]);
    expect(JSON.parse(out)).toEqual(expected);
  });

  it('recognises its errors across the ESM and CJS copies', async () => {
    const out = await node([
      '--input-type=module',
      '-e',
      `import * as esm from 'certflow'; import { createRequire } from 'node:module';
       const cjs = createRequire(process.cwd() + '/package.json')('certflow');
       const err = new cjs.ValidationError('spec.dnsNames[0]', 'bad');
       console.log(JSON.stringify([err instanceof esm.CertflowError, esm.CertflowError.is(err, 'ERR_VALIDATION')]));`,
    ]);
    expect(JSON.parse(out)).toEqual([false, true]);
  });
});
