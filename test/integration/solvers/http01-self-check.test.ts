import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp01Solver, type Http01Solver } from '../../../src/solvers/http01.js';
import { findFreePort, startChallTestSrv, type ChallTestSrv } from '../../../src/testing/pebble.js';
import { createTestChallenge } from '../../../src/testing/solver-contract.js';

const live = () => ({ signal: new AbortController().signal });

describe('the HTTP-01 self-check (names resolved by challtestsrv to 127.0.0.1)', () => {
  let srv: ChallTestSrv;
  let solver: Http01Solver;
  let port: number;

  beforeAll(async () => {
    srv = await startChallTestSrv();
    const serving = createHttp01Solver();
    port = (await serving.listen()).port;
    solver = serving;
  });
  afterAll(async () => {
    await solver.close();
    await srv.stop();
  });

  const checker = (p: number, timeoutMs?: number) =>
    createHttp01Solver({
      selfCheck: {
        nameservers: [srv.dnsAddress],
        port: p,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      },
    });

  it('passes when the token is served with the key authorization', async () => {
    const challenge = createTestChallenge({ type: 'HTTP-01', dnsName: 'pass.example.test' });
    await solver.present(challenge, live());
    expect(await checker(port).selfCheck?.(challenge, live())).toEqual({ ok: true });
    await solver.cleanUp(challenge, live());
  });

  it('fails, naming the 404, when the token is not presented', async () => {
    const challenge = createTestChallenge({ type: 'HTTP-01', dnsName: 'absent.example.test' });
    const result = await checker(port).selfCheck?.(challenge, live());
    expect(result?.ok).toBe(false);
    expect(result?.reason).toContain(
      `http://127.0.0.1:${port}/.well-known/acme-challenge/${challenge.spec.token} answered 404`,
    );
    expect(result?.reason).toContain(`Host absent.example.test:${port}`);
  });

  describe('against a server that answers wrongly', () => {
    let wrong: Server;
    let wrongPort: number;
    const seen: string[] = [];
    beforeAll(async () => {
      wrong = createServer((req, res) => {
        seen.push(String(req.headers.host));
        if (req.url?.endsWith('redirect')) {
          res.writeHead(302, { location: 'https://elsewhere.example.test/' });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('  wrong-content  \n');
      });
      wrongPort = await new Promise((resolve) =>
        wrong.listen(0, '127.0.0.1', () => resolve((wrong.address() as AddressInfo).port)),
      );
    });
    afterAll(() => new Promise<void>((r) => wrong.close(() => r())));

    it('fails and names the body it saw, having sent the Host header', async () => {
      const challenge = createTestChallenge({ type: 'HTTP-01', dnsName: 'wrong.example.test' });
      const result = await checker(wrongPort).selfCheck?.(challenge, live());
      expect(result).toEqual({
        ok: false,
        reason: expect.stringContaining(
          'answered 200 with "wrong-content", not the key authorization',
        ),
      });
      expect(seen).toContain(`wrong.example.test:${wrongPort}`);
    });

    it('reports a redirect without following it', async () => {
      const challenge = createTestChallenge({
        type: 'HTTP-01',
        dnsName: 'moved.example.test',
        token: 'redirect',
      });
      const result = await checker(wrongPort).selfCheck?.(challenge, live());
      expect(result?.ok).toBe(false);
      expect(result?.reason).toContain('answered 302 to https://elsewhere.example.test/');
    });

    it('passes when the body equals the key once trimmed', async () => {
      const challenge = createTestChallenge({
        type: 'HTTP-01',
        dnsName: 'trim.example.test',
        key: 'wrong-content',
      });
      expect(await checker(wrongPort).selfCheck?.(challenge, live())).toEqual({ ok: true });
    });
  });

  it('fails, naming the connection error, when nothing listens', async () => {
    const closed = await findFreePort();
    const challenge = createTestChallenge({ type: 'HTTP-01', dnsName: 'down.example.test' });
    const result = await checker(closed).selfCheck?.(challenge, live());
    expect(result?.ok).toBe(false);
    expect(result?.reason).toContain(`http://127.0.0.1:${closed}/`);
    expect(result?.reason).toContain('ECONNREFUSED');
  });

  it('fails with a timeout when the server never answers', async () => {
    const hang = createServer(() => {
      /* never answers */
    });
    const hangPort = await new Promise<number>((resolve) =>
      hang.listen(0, '127.0.0.1', () => resolve((hang.address() as AddressInfo).port)),
    );
    try {
      const challenge = createTestChallenge({ type: 'HTTP-01', dnsName: 'slow.example.test' });
      const result = await checker(hangPort, 300).selfCheck?.(challenge, live());
      expect(result).toEqual({
        ok: false,
        reason: 'self-check of slow.example.test timed out after 300 ms',
      });
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });

  it('rejects when the caller aborts, rather than reporting a failure', async () => {
    const hang = createServer(() => {
      /* never answers */
    });
    const hangPort = await new Promise<number>((resolve) =>
      hang.listen(0, '127.0.0.1', () => resolve((hang.address() as AddressInfo).port)),
    );
    try {
      const controller = new AbortController();
      const challenge = createTestChallenge({ type: 'HTTP-01', dnsName: 'abort.example.test' });
      const pending = checker(hangPort).selfCheck?.(challenge, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('engine stopping')), 100);
      await expect(pending).rejects.toThrow('engine stopping');
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });
});
