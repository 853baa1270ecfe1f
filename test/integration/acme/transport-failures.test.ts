// Failures Pebble cannot be made to produce (5xx, 429, hangs, dropped sockets, refused
// connections), served by a small ACME-shaped HTTP server on 127.0.0.1, through the real port.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort, type AcmeClient } from '../../../src/acme/index.js';
import { systemClock, type Clock } from '../../../src/clock.js';
import type { AcmeError } from '../../../src/errors.js';
import { CertflowError } from '../../../src/errors.js';
import { newAccountKeyPem } from './steps.js';

type Mode = (res: http.ServerResponse, req: http.IncomingMessage) => void;

/** A fixed "now" (whole seconds, so an HTTP date round-trips exactly); timers stay real. */
const NOW = Date.UTC(2030, 0, 2, 3, 4, 5);
const clock: Clock = { now: () => NOW, setTimer: systemClock.setTimer };

let server: http.Server;
let base: string;
let accountMode: Mode;
let connections = 0;
const userAgents: string[] = [];
let nonceCounter = 0;

function problem(
  res: http.ServerResponse,
  status: number,
  type: string,
  detail: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'replay-nonce': `n${++nonceCounter}`,
    ...headers,
  });
  res.end(JSON.stringify({ type: `urn:ietf:params:acme:error:${type}`, detail, status }));
}

const existingAccount: Mode = (res) => {
  res.writeHead(200, {
    'content-type': 'application/json',
    'replay-nonce': `n${++nonceCounter}`,
    location: `${base}/acct/1`,
  });
  res.end(JSON.stringify({ status: 'valid', contact: [] }));
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    userAgents.push(req.headers['user-agent'] ?? '');
    req.resume();
    req.on('end', () => {
      if (req.url === '/dir') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            newNonce: `${base}/nonce`,
            newAccount: `${base}/acct`,
            newOrder: `${base}/order`,
          }),
        );
      } else if (req.url === '/nonce') {
        res.writeHead(200, { 'replay-nonce': `n${++nonceCounter}` });
        res.end();
      } else if (req.url === '/acct') {
        accountMode(res, req);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function newClient(extra: { requestTimeoutMs?: number; userAgent?: string } = {}): AcmeClient {
  return createAcmeClientPort({ clock }).client({
    directoryUrl: `${base}/dir`,
    accountKeyPem: newAccountKeyPem(),
    ...extra,
  });
}

async function failure(mode: Mode, extra: { requestTimeoutMs?: number } = {}): Promise<AcmeError> {
  accountMode = mode;
  const err: unknown = await newClient(extra)
    .registerAccount()
    .catch((e: unknown) => e);
  expect(CertflowError.is(err, 'ERR_ACME')).toBe(true);
  return err as AcmeError;
}

describe('transport failures are classified', () => {
  it.each([
    {
      name: '503 with Retry-After seconds',
      mode: ((res) =>
        problem(res, 503, 'serverInternal', 'maintenance', { 'retry-after': '7' })) as Mode,
      expected: {
        transient: true,
        status: 503,
        retryAfterMs: 7_000,
        problemType: 'urn:ietf:params:acme:error:serverInternal',
      },
    },
    {
      name: '429 rateLimited with an HTTP-date Retry-After',
      mode: ((res) =>
        problem(res, 429, 'rateLimited', 'too many new orders', {
          'retry-after': new Date(NOW + 120_000).toUTCString(),
        })) as Mode,
      expected: {
        transient: true,
        status: 429,
        retryAfterMs: 120_000,
        problemType: 'urn:ietf:params:acme:error:rateLimited',
      },
    },
    {
      name: '502 from a proxy, HTML body',
      mode: ((res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>bad gateway</html>');
      }) as Mode,
      expected: { transient: true, status: 502, retryAfterMs: undefined, problemType: undefined },
    },
    {
      name: '403 unauthorized',
      mode: ((res) => problem(res, 403, 'unauthorized', 'account is deactivated')) as Mode,
      expected: {
        transient: false,
        status: 403,
        retryAfterMs: undefined,
        problemType: 'urn:ietf:params:acme:error:unauthorized',
      },
    },
    {
      name: 'a redirect (ACME needs none)',
      mode: ((res) => {
        res.writeHead(301, { location: '/elsewhere' });
        res.end();
      }) as Mode,
      expected: { transient: false, status: 301, retryAfterMs: undefined, problemType: undefined },
    },
  ])('$name', async ({ mode, expected }) => {
    const err = await failure(mode);
    expect({
      transient: err.transient,
      status: err.status,
      retryAfterMs: err.retryAfterMs,
      problemType: err.problemType,
    }).toEqual(expected);
    expect(err.message).toContain(`HTTP ${expected.status}`);
    expect(err.message).toContain(`POST ${base}/acct`);
  });

  it('puts the server detail in the message', async () => {
    const err = await failure((res) => problem(res, 403, 'unauthorized', 'account is deactivated'));
    expect(err.message).toContain(
      'urn:ietf:params:acme:error:unauthorized: account is deactivated',
    );
  });

  it('a dropped connection is transient', async () => {
    const err = await failure((_res, req) => req.socket.destroy());
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/socket hang up|ECONNRESET/);
  });

  it('a server that never answers times out after requestTimeoutMs, transiently', async () => {
    const started = Date.now();
    const err = await failure(() => {}, { requestTimeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/timed out after 300 ms/);
  });

  it('a refused connection is transient', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createAcmeClientPort().client({
      directoryUrl: `http://127.0.0.1:${port}/dir`,
      accountKeyPem: newAccountKeyPem(),
    });
    const err = (await client.registerAccount().catch((e: unknown) => e)) as AcmeError;
    expect(CertflowError.is(err, 'ERR_ACME')).toBe(true);
    expect(err.transient).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('the transport', () => {
  it('sends the User-Agent and keeps connections alive across steps', async () => {
    accountMode = existingAccount;
    const client = newClient({ userAgent: 'certflow-test/1.0' });
    const beforeConnections = connections;
    const beforeAgents = userAgents.length;
    const first = await client.registerAccount();
    const second = await client.registerAccount();
    await client.registerAccount();
    expect(first.accountUrl).toBe(`${base}/acct/1`);
    expect(second).toEqual(first);
    const sent = userAgents.slice(beforeAgents);
    // GET directory, HEAD newNonce, then one POST per registerAccount (nonces are reused).
    expect(sent).toHaveLength(5);
    expect(new Set(sent)).toEqual(new Set(['certflow-test/1.0']));
    // Node frees a socket a tick after a HEAD answer ends, so the next step may open a second one.
    expect(connections - beforeConnections).toBeLessThanOrEqual(2);
  });
});
