import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { link, mkdir, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { createFileStore, createFileStoreWith } from '../../../src/stores/file.js';
import { syncDirectory } from '../../../src/stores/file-folder-sync.js';
import { recordPaths } from '../../../src/stores/file-paths.js';
import { folderPerTest, rejection } from './store-fixtures.js';

const key = 'counters/locked';

async function ownerFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.startsWith('.owner-')).sort();
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid as number;
}

function ownerRecord(pid: number, token: string): string {
  return JSON.stringify({ pid, host: os.hostname(), time: Date.now(), token });
}

describe('file store: locks are links to an owner file', () => {
  const directory = folderPerTest();

  it('the lock held during a write is a hard link to the instance owner file, removed by close', async () => {
    const seen: { lockIno?: number; ownerIno?: number; links?: number }[] = [];
    const { lock } = recordPaths(directory(), key);
    // The folder sync runs while the write still holds its lock.
    const store = createFileStoreWith({ layout: 'files', directory: directory() }, (dir, done) => {
      void (async () => {
        const [owner] = await ownerFiles(directory());
        const lockStat = await stat(lock).catch(() => undefined);
        const ownerStat =
          owner === undefined ? undefined : await stat(path.join(directory(), owner));
        seen.push({
          ...(lockStat === undefined ? {} : { lockIno: lockStat.ino, links: lockStat.nlink }),
          ...(ownerStat === undefined ? {} : { ownerIno: ownerStat.ino }),
        });
        syncDirectory(dir, done);
      })();
    });
    await store.put(key, { n: 1 });
    const during = seen.find((s) => s.lockIno !== undefined);
    expect(during?.lockIno).toBeDefined();
    expect(during?.lockIno).toBe(during?.ownerIno);
    expect(during?.links).toBe(2);
    // Released: the lock name is gone, the owner file stays until close.
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
    expect(await ownerFiles(directory())).toHaveLength(1);
    await store.close?.();
    expect(await ownerFiles(directory())).toEqual([]);
  });

  it('each instance has its own owner, so one instance cannot release another one lock', async () => {
    const a = createFileStore({ layout: 'files', directory: directory(), lockTimeoutMs: 200 });
    const b = createFileStore({ layout: 'files', directory: directory(), lockTimeoutMs: 200 });
    await a.put(key, { n: 1 });
    await b.put('counters/other', { n: 1 });
    expect(await ownerFiles(directory())).toHaveLength(2);
    // A lock linked to a's owner (as if a were mid-write) makes b wait, then time out.
    const { lock } = recordPaths(directory(), key);
    const [first] = await ownerFiles(directory());
    await link(path.join(directory(), first as string), lock);
    const error = await rejection(b.put(key, { n: 2 }));
    expect(CertflowError.is(error, 'ERR_STORE')).toBe(true);
    expect((await b.get(key))?.value).toEqual({ n: 1 });
  });

  it('owner files of dead processes of this host are removed by the next store that locks', async () => {
    await mkdir(directory(), { recursive: true });
    const dead = path.join(directory(), '.owner-deadowner0');
    const live = path.join(directory(), '.owner-liveowner0');
    await writeFile(dead, ownerRecord(await deadPid(), 'deadowner0'));
    await writeFile(live, ownerRecord(process.pid, 'liveowner0'));
    const store = createFileStore({ layout: 'files', directory: directory() });
    await store.put(key, { n: 1 });
    const left = await ownerFiles(directory());
    expect(left).toContain('.owner-liveowner0');
    expect(left).not.toContain('.owner-deadowner0');
    expect(left).toHaveLength(2);
    await store.close?.();
  });

  it('a lock whose owner keeps taking other locks is not stale, however long it is held', async () => {
    await mkdir(directory(), { recursive: true });
    const owner = path.join(directory(), '.owner-busyowner0');
    await writeFile(owner, ownerRecord(process.pid, 'busyowner0'));
    const { lock } = recordPaths(directory(), key);
    await mkdir(path.dirname(lock), { recursive: true });
    await link(owner, lock);
    // The owner's other locks come and go: each link and unlink moves the owner file's ctime.
    let busy = true;
    const activity = (async () => {
      for (let i = 0; busy; i += 1) {
        const other = path.join(directory(), `.busy-${i}.lock`);
        await link(owner, other);
        await unlink(other);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const store = createFileStore({
      layout: 'files',
      directory: directory(),
      lockStaleMs: 200,
      lockTimeoutMs: 800,
    });
    const error = await rejection(store.put(key, { n: 1 }));
    busy = false;
    await activity;
    expect((error as Error).message).toMatch(/timed out after 800 ms waiting for the lock/);
    expect((await stat(lock)).ino).toBe((await stat(owner)).ino);
    // Once its owner goes idle for the lease, the same lock is broken.
    await new Promise((resolve) => setTimeout(resolve, 250));
    await store.put(key, { n: 1 });
    expect((await store.get(key))?.value).toEqual({ n: 1 });
  });

  it('an owner file removed behind the store is made again by the next write', async () => {
    const store = createFileStore({ layout: 'files', directory: directory() });
    await store.put(key, { n: 1 });
    const [first] = await ownerFiles(directory());
    await unlink(path.join(directory(), first as string));
    const current = await store.get(key);
    await store.put(key, { n: 2 }, { ifVersion: current?.version ?? null });
    expect((await store.get(key))?.value).toEqual({ n: 2 });
    const now = await ownerFiles(directory());
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(first);
  });
});
