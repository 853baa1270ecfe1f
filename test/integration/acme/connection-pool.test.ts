// A burst of steps on one client shares a bounded pool of kept-alive connections instead of
// opening one connection (and, over TLS, one handshake) per request.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort } from '../../../src/acme/index.js';
import { newAccountKeyPem } from './steps.js';

let server: http.Server;
let base: string;
let connections = 0;
let inFlight = 0;
let mostInFlight = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    req.resume();
    req.on('end', () => {
      // Answers come a little later, so that a burst really overlaps.
      setTimeout(() => {
        inFlight--;
        const headers = { 'content-type': 'application/json', 'replay-nonce': `n${Math.random()}` };
        if (req.url === '/dir') {
          res.writeHead(200, headers);
          res.end(JSON.stringify({ newNonce: `${base}/nonce`, newAccount: `${base}/acct` }));
        } else if (req.url === '/nonce') {
          // As Pebble answers: HEAD with 200 and no length (after which node's client cannot keep
          // the connection), GET with 204.
          if (req.method === 'HEAD') {
            res.removeHeader('content-length');
            res.writeHead(200, headers);
          } else res.writeHead(204, headers);
          res.end();
        } else if (req.url === '/order/1') {
          res.writeHead(200, headers);
          res.end(
            JSON.stringify({
              status: 'processing',
              authorizations: [`${base}/authz/1`],
              finalize: `${base}/order/1/finalize`,
            }),
          );
        } else {
          res.writeHead(404);
          res.end();
        }
      }, 20);
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

describe('the connection pool of one client', () => {
  it('serves a burst of 60 steps over at most 16 connections, all of which succeed', async () => {
    const client = createAcmeClientPort().client({
      directoryUrl: `${base}/dir`,
      accountKeyPem: newAccountKeyPem(),
      accountUrl: `${base}/acct/1`,
    });
    const before = connections;
    const orders = await Promise.all(
      Array.from({ length: 60 }, () => client.getOrder(`${base}/order/1`)),
    );
    expect(orders.every((o) => o.status === 'processing')).toBe(true);
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(16);
    expect(connections - before).toBeLessThanOrEqual(16);
  });
});
