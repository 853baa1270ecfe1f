// External account binding (RFC 8555 §7.3.4): sent only when the account is created, as an HS256
// JWS over the account key, under the CA's key id.
import { createHmac, createPublicKey } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort } from '../../../src/acme/index.js';
import { CertflowError, type AcmeError } from '../../../src/errors.js';
import { startPebble } from '../../../src/testing/pebble.js';
import { newAccountKeyPem } from './steps.js';

const HMAC_KEY = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';
const KEY_ID = 'kid-1';

interface Jws {
  protected: string;
  payload: string;
  signature: string;
}

const decode = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

let server: http.Server;
let base: string;
const newAccountBodies: Jws[] = [];

beforeAll(async () => {
  // A newAccount endpoint that records what it gets; the EAB itself is checked by the test.
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const nonce = { 'replay-nonce': `n${Math.random()}` };
      if (req.url === '/dir') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ newNonce: `${base}/nonce`, newAccount: `${base}/acct` }));
      } else if (req.url === '/nonce') {
        res.writeHead(200, nonce);
        res.end();
      } else if (req.url === '/acct') {
        const jws = JSON.parse(body) as Jws;
        newAccountBodies.push(jws);
        if (decode(jws.payload)['onlyReturnExisting'] === true) {
          res.writeHead(400, { 'content-type': 'application/problem+json', ...nonce });
          res.end(JSON.stringify({ type: 'urn:ietf:params:acme:error:accountDoesNotExist' }));
        } else {
          res.writeHead(201, {
            'content-type': 'application/json',
            location: `${base}/acct/7`,
            ...nonce,
          });
          res.end(JSON.stringify({ status: 'valid' }));
        }
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('external account binding', () => {
  it('is an HS256 JWS over the account JWK, sent with newAccount only', async () => {
    const accountKeyPem = newAccountKeyPem();
    const client = createAcmeClientPort().client({
      directoryUrl: `${base}/dir`,
      accountKeyPem,
      externalAccountBinding: { keyId: KEY_ID, hmacKeyBase64Url: HMAC_KEY },
    });
    expect(await client.registerAccount()).toEqual({ accountUrl: `${base}/acct/7` });

    const [lookup, creation] = newAccountBodies;
    expect(newAccountBodies).toHaveLength(2);
    // The lookup binds nothing: an EAB key may be good for one account creation only.
    expect(decode((lookup as Jws).payload)).toEqual({ onlyReturnExisting: true });

    const payload = decode((creation as Jws).payload);
    expect(payload['termsOfServiceAgreed']).toBe(true);
    const eab = payload['externalAccountBinding'] as Jws;
    expect(decode(eab.protected)).toEqual({ alg: 'HS256', kid: KEY_ID, url: `${base}/acct` });
    const jwk = createPublicKey(accountKeyPem).export({ format: 'jwk' });
    expect(decode(eab.payload)).toEqual({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
    const expected = createHmac('sha256', Buffer.from(HMAC_KEY, 'base64url'))
      .update(`${eab.protected}.${eab.payload}`)
      .digest('base64url');
    expect(eab.signature).toBe(expected);
  });

  it('reaches Pebble, which refuses a key id it does not know, terminally', async () => {
    const pebble = await startPebble();
    try {
      const client = createAcmeClientPort().client({
        directoryUrl: pebble.directoryUrl,
        accountKeyPem: newAccountKeyPem(),
        caBundlePem: pebble.caBundlePem,
        externalAccountBinding: { keyId: 'unknown-kid', hmacKeyBase64Url: HMAC_KEY },
      });
      let err: unknown;
      for (let attempt = 0; attempt < 5; attempt++) {
        err = await client.registerAccount().catch((e: unknown) => e);
        if (!(CertflowError.is(err, 'ERR_ACME') && (err as AcmeError).transient)) break;
      }
      expect(CertflowError.is(err, 'ERR_ACME')).toBe(true);
      expect((err as AcmeError).transient).toBe(false);
      expect((err as AcmeError).status).toBe(403);
      expect((err as AcmeError).message).toMatch(/kid/);
      expect((err as AcmeError).message).not.toContain(HMAC_KEY);
    } finally {
      await pebble.stop();
    }
  });
});
