/**
 * An HTTP-01 solver whose tokens live as files in a directory, and a server for that directory.
 *
 * The kill tests run the engine in a child process they SIGKILL: a token the child published must
 * outlive it, so the child writes files and the test process serves them to Pebble. After a
 * restart, whatever is still in the directory is a token the engine failed to clean up.
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Solver } from '../../src/solvers/index.js';

const PREFIX = '/.well-known/acme-challenge/';
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** An HTTP-01 solver that writes `<directory>/<token>` holding the key authorization. */
export function createTokenDirectorySolver(directory: string): Solver {
  const file = (token: string): string => {
    if (!TOKEN.test(token)) throw new Error(`not a token: ${JSON.stringify(token)}`);
    return path.join(directory, token);
  };
  return {
    types: ['HTTP-01'],
    async present(challenge) {
      // Write and rename: a reader never sees half a key authorization.
      const target = file(challenge.spec.token);
      const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, challenge.spec.key);
      await rename(temp, target);
    },
    async cleanUp(challenge) {
      const target = file(challenge.spec.token);
      const current = await readFile(target, 'utf8').catch(() => undefined);
      if (current === challenge.spec.key) await unlink(target).catch(() => undefined);
    },
  };
}

/** The tokens published in `directory` now. */
export async function publishedTokens(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => TOKEN.test(name));
}

/** Serves `directory` at `/.well-known/acme-challenge/<token>` on 127.0.0.1:`port`. */
export async function serveTokenDirectory(
  directory: string,
  port: number,
): Promise<{ close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const token = (req.url ?? '').startsWith(PREFIX) ? (req.url ?? '').slice(PREFIX.length) : '';
    const reply = (status: number, body: string): void => {
      res.writeHead(status, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (!TOKEN.test(token)) {
      reply(404, 'not found\n');
      return;
    }
    readFile(path.join(directory, token), 'utf8').then(
      (key) => reply(200, key),
      () => reply(404, 'not found\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
