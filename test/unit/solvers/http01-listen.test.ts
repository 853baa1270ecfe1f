import { request } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SolverError } from '../../../src/errors.js';
import { createHttp01Solver } from '../../../src/solvers/http01.js';
import { findFreePort } from '../../../src/testing/pebble.js';
import { createTestChallenge } from '../../../src/testing/solver-contract.js';

const signal = new AbortController().signal;

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('the HTTP-01 listener', () => {
  it('listens on a free loopback port, serves tokens, and closes (idempotently)', async () => {
    const solver = createHttp01Solver();
    const challenge = createTestChallenge({ type: 'HTTP-01' });
    await solver.present(challenge, { signal });
    const address = await solver.listen();
    expect(address.host).toBe('127.0.0.1');
    expect(address.port).toBeGreaterThan(0);
    expect(await solver.listen()).toEqual(address);
    const res = await get(address.port, `/.well-known/acme-challenge/${challenge.spec.token}`);
    expect(res).toEqual({ status: 200, body: challenge.spec.key });
    await solver.close();
    await solver.close();
    expect(await portFree(address.port)).toBe(true);
    expect(solver.tokens()).toBe(1);
  });

  it('starts lazily on the first present when a port is configured', async () => {
    const port = await findFreePort();
    const solver = createHttp01Solver({ port });
    expect(await portFree(port)).toBe(true);
    const challenge = createTestChallenge({ type: 'HTTP-01' });
    await Promise.all([
      solver.present(challenge, { signal }),
      solver.present(challenge, { signal }),
    ]);
    const res = await get(port, `/.well-known/acme-challenge/${challenge.spec.token}`);
    expect(res).toEqual({ status: 200, body: challenge.spec.key });
    await solver.close();
    expect(await portFree(port)).toBe(true);
  });

  it('reports a taken port as a SolverError, and can listen once it is free', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const solver = createHttp01Solver({ port });
    const err = await solver
      .present(createTestChallenge({ type: 'HTTP-01' }), { signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SolverError);
    expect((err as SolverError).message).toContain(`127.0.0.1:${port}`);
    await new Promise((r) => blocker.close(r));
    expect((await solver.listen()).port).toBe(port);
    await solver.close();
  });

  it('closes while a keep-alive connection is open', async () => {
    const solver = createHttp01Solver();
    const { port } = await solver.listen();
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    await solver.close();
    agent.destroy();
    expect(await portFree(port)).toBe(true);
  });
});
