import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/stores/file.js';

// The workers run the real file store, bundled from source, in separate Node processes.
const WORKER = `
import { createFileStore } from './file-store.mjs';

const [mode, layout, directory, key, times] = process.argv.slice(2);
const store = createFileStore({ directory, layout });

async function increment() {
  for (;;) {
    const current = await store.get(key);
    const count = (current?.value.count ?? 0) + 1;
    try {
      const version = await store.put(key, { count }, { ifVersion: current?.version ?? null });
      return { version, count };
    } catch (err) {
      if (err.code !== 'ERR_CONFLICT') throw err;
    }
  }
}

if (mode === 'count') {
  const writes = [];
  for (let i = 0; i < Number(times); i += 1) writes.push(await increment());
  process.stdout.write(JSON.stringify(writes));
} else {
  await increment();
  process.stdout.write('ready\\n');
  for (;;) await increment();
}
`;

const here = path.dirname(fileURLToPath(import.meta.url));
let workDir: string;
let worker: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
  await build({
    entryPoints: [path.join(here, '../../src/stores/file.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: path.join(workDir, 'file-store.mjs'),
    logLevel: 'silent',
  });
  worker = path.join(workDir, 'worker.mjs');
  await writeFile(worker, WORKER);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function startWorker(args: string[]): ChildProcess {
  return spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function finish(child: ChildProcess): Promise<string> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout;
}

/** The owner of the lock file in `folder`, once it has been written. */
async function readLock(folder: string): Promise<{ pid: number } | undefined> {
  const name = (await readdir(folder)).find((n) => n.endsWith('.lock'));
  if (name === undefined) return undefined;
  const text = await readFile(path.join(folder, name), 'utf8').catch(() => '');
  return text === '' ? undefined : (JSON.parse(text) as { pid: number });
}

describe.each(['log', 'files'] as const)('file store across processes (%s layout)', (layout) => {
  it('4 processes CAS-incrementing one counter 100 times each end at exactly 400', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    try {
      const key = 'counters/shared';
      const outputs = await Promise.all(
        Array.from({ length: 4 }, () =>
          finish(startWorker(['count', layout, directory, key, '100'])),
        ),
      );
      const writes = outputs.flatMap((o) => JSON.parse(o) as { version: string; count: number }[]);
      expect(writes).toHaveLength(400);
      expect(new Set(writes.map((w) => w.version)).size).toBe(400);
      expect(writes.map((w) => w.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 400 }, (_, i) => i + 1),
      );
      const store = createFileStore({ directory, layout });
      expect((await store.get<{ count: number }>(key))?.value.count).toBe(400);
      if (layout === 'log') {
        // One log; no lock, guard or temp file is left, only the workers' owner files.
        const names = await readdir(directory);
        expect(names.filter((name) => !name.startsWith('.owner-'))).toEqual(['records.log']);
        expect((await store.list('counters/')).map((r) => r.key)).toEqual([key]);
        return;
      }
      // No lock, guard or temp file is left behind; the workers exited without closing their
      // stores, so their spares are there until a listing finds their owners gone.
      const left = await readdir(path.join(directory, 'counters'));
      expect(left.filter((name) => !name.endsWith('.spare'))).toEqual(['shared.json']);
      expect(left.length).toBeGreaterThan(1);
      expect((await store.list('counters/')).map((r) => r.key)).toEqual([key]);
      expect(await readdir(path.join(directory, 'counters'))).toEqual(['shared.json']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('a lock left by a SIGKILLed process is broken and writes continue', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    try {
      const key = 'counters/killed';
      const folder = path.join(directory, 'counters');
      // The log layout has one lock for the store, in its folder; the files layout one per key.
      const lockFolder = layout === 'log' ? directory : folder;
      const child = startWorker(['loop', layout, directory, key]);
      const exited = once(child, 'exit');
      const [ready] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
      expect(ready.toString()).toBe('ready\n');

      // Freeze the writer until it is caught holding its lock (written, not just created), then
      // kill it there.
      let owner: { pid: number } | undefined;
      for (let attempt = 0; attempt < 5_000 && owner === undefined; attempt += 1) {
        child.kill('SIGSTOP');
        owner = await readLock(lockFolder);
        if (owner === undefined) {
          child.kill('SIGCONT');
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
      child.kill('SIGKILL');
      await exited;
      expect(owner?.pid).toBe(child.pid);

      // A lease far longer than the test: only the dead owner can make the lock stale.
      const store = createFileStore({
        directory,
        layout,
        lockStaleMs: 600_000,
        lockTimeoutMs: 10_000,
      });
      const before = await store.get<{ count: number }>(key);
      expect(before).toBeDefined();
      const version = await store.put(
        key,
        { count: (before?.value.count ?? 0) + 1 },
        { ifVersion: before?.version ?? null },
      );
      const after = await store.get<{ count: number }>(key);
      expect(after).toEqual({ key, version, value: { count: (before?.value.count ?? 0) + 1 } });
      await store.put(key, { count: 0 }, { ifVersion: version });
      const names = await readdir(lockFolder);
      expect(names.filter((name) => name.endsWith('.lock') || name.endsWith('.guard'))).toEqual([]);
      // A temp file the killed writer may have left is not a record.
      expect((await store.list('counters/')).map((r) => r.key)).toEqual([key]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
