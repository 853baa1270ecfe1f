import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import type { LogFields, Logger } from '../../../src/logger.js';
import { createFileStore } from '../../../src/stores/file.js';
import { recordPaths } from '../../../src/stores/file-paths.js';
import { rejection } from './store-fixtures.js';

const key = 'counters/locked';

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid as number;
}

function recordingLogger(): Logger & { warnings: { message: string; fields?: LogFields }[] } {
  const warnings: { message: string; fields?: LogFields }[] = [];
  const drop = () => undefined;
  return {
    warnings,
    debug: drop,
    info: drop,
    error: drop,
    warn: (message, fields) => void warnings.push(fields ? { message, fields } : { message }),
  };
}

describe('file store: lock files', () => {
  let directory: string;
  let lockPath: string;
  let guardPath: string;
  /** A lock file of its own at `target` (as another owner's link reads, or an older version). */
  const writeLock = async (target: string, owner: { pid: number; host?: string } | 'empty') => {
    await mkdir(path.dirname(target), { recursive: true });
    const text =
      owner === 'empty'
        ? ''
        : JSON.stringify({
            pid: owner.pid,
            host: owner.host ?? os.hostname(),
            time: Date.now(),
            token: 'left-behind',
          });
    await writeFile(target, text);
  };

  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
    ({ lock: lockPath, guard: guardPath } = recordPaths(directory, key));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it.each([
    ['its owner process is gone', async () => ({ pid: await deadPid() })],
    ['its owner has been idle for the stale lease', async () => ({ pid: process.pid })],
    [
      'it is from another host whose owner has been idle for the stale lease',
      async () => ({ pid: 1, host: 'elsewhere.invalid' }),
    ],
  ])('a lock is broken when %s', async (_case, owner) => {
    const logger = recordingLogger();
    const store = createFileStore({
      layout: 'files',
      directory,
      lockStaleMs: 300,
      lockTimeoutMs: 5_000,
      logger,
    });
    await writeLock(lockPath, await owner());
    const version = await store.put(key, { n: 1 }, { ifVersion: null });
    expect(await store.get(key)).toEqual({ key, value: { n: 1 }, version });
    await expect(stat(lockPath)).rejects.toThrow(/ENOENT/);
    expect(logger.warnings.map((w) => w.message)).toEqual(['broke a stale store lock']);
  });

  it('an empty lock a few seconds old is broken, well within the stale lease', async () => {
    const store = createFileStore({
      layout: 'files',
      directory,
      lockStaleMs: 600_000,
      lockTimeoutMs: 5_000,
    });
    await writeLock(lockPath, 'empty');
    const old = new Date(Date.now() - 6_000);
    await utimes(lockPath, old, old);
    await store.put(key, { n: 1 });
    expect((await store.get(key))?.value).toEqual({ n: 1 });
  });

  it.each([
    ['a live process of this host', { pid: process.pid } as const],
    ['another host', { pid: 1, host: 'elsewhere.invalid' } as const],
    ['a process that has not written it yet (empty)', 'empty' as const],
  ])('a fresh lock held by %s is waited for, then the write fails', async (_case, owner) => {
    const store = createFileStore({
      layout: 'files',
      directory,
      lockStaleMs: 60_000,
      lockTimeoutMs: 150,
    });
    const version = await store.put(key, { n: 1 });
    await writeLock(lockPath, owner);
    const before = await readFile(lockPath, 'utf8');
    const started = Date.now();
    const error = await rejection(store.put(key, { n: 2 }, { ifVersion: version }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(CertflowError.is(error, 'ERR_STORE')).toBe(true);
    expect((error as Error).message).toMatch(/timed out after 150 ms waiting for the lock/);
    expect((error as Error).message).toContain(JSON.stringify(key));
    expect(await store.get(key)).toEqual({ key, value: { n: 1 }, version });
    expect(await readFile(lockPath, 'utf8')).toBe(before);
    // Reads never wait for the lock.
    expect((await store.list('counters/')).length).toBe(1);
  });

  it('many instances meeting one dead lock break it once and lose no write', async () => {
    const logger = recordingLogger();
    const stores = Array.from({ length: 8 }, () =>
      createFileStore({ layout: 'files', directory, lockStaleMs: 600_000, logger }),
    );
    await stores[0]?.put(key, { count: 0 });
    await writeLock(lockPath, { pid: await deadPid() });
    await Promise.all(
      stores.map(async (store) => {
        for (let i = 0; i < 5; i += 1) {
          for (;;) {
            const current = await store.get<{ count: number }>(key);
            try {
              await store.put(
                key,
                { count: (current?.value.count ?? 0) + 1 },
                { ifVersion: current?.version ?? null },
              );
              break;
            } catch (err) {
              if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
            }
          }
        }
      }),
    );
    expect((await stores[0]?.get<{ count: number }>(key))?.value.count).toBe(40);
    expect(logger.warnings.filter((w) => w.message === 'broke a stale store lock')).toHaveLength(1);
  });

  it('a guard left by a process that died while breaking a lock is removed too', async () => {
    const store = createFileStore({
      layout: 'files',
      directory,
      lockStaleMs: 600_000,
      lockTimeoutMs: 5_000,
    });
    await writeLock(lockPath, { pid: await deadPid() });
    await writeLock(guardPath, { pid: await deadPid() });
    await store.put(key, { n: 1 });
    expect((await store.get(key))?.value).toEqual({ n: 1 });
    await expect(stat(guardPath)).rejects.toThrow(/ENOENT/);
  });
});
