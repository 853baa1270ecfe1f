import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp01Solver } from '../../../src/solvers/http01.js';
import { createTestChallenge } from '../../../src/testing/solver-contract.js';

const signal = new AbortController().signal;
const challenge = createTestChallenge({ type: 'HTTP-01', token: 'tok_EN-123' });
const key = challenge.spec.key;

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends a raw request target, untouched by URL normalisation. */
function send(port: number, method: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

describe('the HTTP-01 request handler', () => {
  const solver = createHttp01Solver();
  const standalone = createServer((req, res) => solver.handler(req, res));
  const withNext = createServer((req, res) =>
    solver.handler(req, res, () => {
      res.writeHead(299, { 'content-type': 'text/plain' });
      res.end('app');
    }),
  );
  let port = 0;
  let nextPort = 0;

  beforeAll(async () => {
    await solver.present(challenge, { signal });
    port = await listen(standalone);
    nextPort = await listen(withNext);
  });
  afterAll(async () => {
    await new Promise((r) => standalone.close(r));
    await new Promise((r) => withNext.close(r));
  });

  const P = '/.well-known/acme-challenge/';
  it.each([
    ['GET', `${P}tok_EN-123`, 200, key],
    ['GET', `${P}tok_EN-123?x=1`, 200, key],
    ['GET', `${P}tok_EN-123#frag`, 200, key],
    ['HEAD', `${P}tok_EN-123`, 200, ''],
    ['GET', `${P}tok_EN-12`, 404, 'not found\n'],
    ['GET', `${P}tok_EN-1234`, 404, 'not found\n'],
    ['GET', `${P}TOK_EN-123`, 404, 'not found\n'],
    ['GET', `${P}tok_EN-123/`, 404, 'not found\n'],
    ['GET', `${P}`, 404, 'not found\n'],
    ['GET', `${P}../tok_EN-123`, 404, 'not found\n'],
    ['GET', `${P}..%2ftok_EN-123`, 404, 'not found\n'],
    ['GET', `${P}%2e%2e/%2e%2e/etc/passwd`, 404, 'not found\n'],
    ['GET', `${P}tok_EN-123%00`, 404, 'not found\n'],
    ['GET', `/x/..${P}tok_EN-123`, 404, 'not found\n'],
    ['HEAD', `${P}unknown`, 404, ''],
    ['POST', `${P}tok_EN-123`, 405, 'method not allowed\n'],
    ['PUT', `${P}tok_EN-123`, 405, 'method not allowed\n'],
    ['DELETE', `${P}unknown`, 405, 'method not allowed\n'],
    ['GET', '/', 404, 'not found\n'],
    ['GET', '/.well-known/acme-challenge', 404, 'not found\n'],
    ['GET', '/index.html', 404, 'not found\n'],
  ])('%s %s answers %i', async (method, path, status, body) => {
    const res = await send(port, method, path);
    expect(res.status).toBe(status);
    expect(res.body).toBe(body);
    if (status === 405) expect(res.headers['allow']).toBe('GET, HEAD');
    if (status === 200) {
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(key));
    }
  });

  it.each([
    ['/', 299, 'app'],
    ['/index.html?q=1', 299, 'app'],
    ['/.well-known/other', 299, 'app'],
    [`${P}tok_EN-123`, 200, key],
    [`${P}unknown`, 404, 'not found\n'],
  ])('with next(), GET %s answers %i', async (path, status, body) => {
    const res = await send(nextPort, 'GET', path);
    expect([res.status, res.body]).toEqual([status, body]);
  });

  it('stops serving a token after cleanUp, and serves it again after present', async () => {
    const other = createTestChallenge({ type: 'HTTP-01' });
    await solver.present(other, { signal });
    expect((await send(port, 'GET', `${P}${other.spec.token}`)).body).toBe(other.spec.key);
    await solver.cleanUp(other, { signal });
    expect((await send(port, 'GET', `${P}${other.spec.token}`)).status).toBe(404);
    expect((await send(port, 'GET', `${P}tok_EN-123`)).status).toBe(200);
  });
});
