// Every signed request is signed with the account key (held as a KeyObject, decoded once per
// client), whatever encoding and algorithm the key came in: the JWS verifies against the key's
// public half, its JWK is the key's, and the JWK thumbprint is the one in key authorizations.
// A small recording server reads the JWS; Pebble checks the signatures for real.
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  verify,
  type KeyObject,
} from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort } from '../../../src/acme/index.js';
import { startPebble, type PebbleServer } from '../../../src/testing/pebble.js';
import { step, uniqueName } from './steps.js';

interface Jws {
  protected: string;
  payload: string;
  signature: string;
}

const decode = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';

/** Account keys of each supported algorithm, in the encodings an Issuer's Secret may hold. */
const keys = [
  { name: 'ECDSA P-256 (PKCS#8)', alg: 'ES256', hash: 'sha256', make: () => ec('P-256', 'pkcs8') },
  { name: 'ECDSA P-384 (SEC1)', alg: 'ES384', hash: 'sha384', make: () => ec('P-384', 'sec1') },
  { name: 'ECDSA P-521 (PKCS#8)', alg: 'ES512', hash: 'sha512', make: () => ec('P-521', 'pkcs8') },
  { name: 'RSA 2048 (PKCS#1)', alg: 'RS256', hash: 'sha256', make: () => rsa() },
];

function ec(namedCurve: string, type: 'pkcs8' | 'sec1'): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve });
  return privateKey.export({ type, format: 'pem' }).toString();
}

function rsa(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** RFC 7638: SHA-256 over the required members, in lexicographic order. */
function thumbprint(jwk: Record<string, unknown>): string {
  const members =
    jwk['kty'] === 'EC'
      ? { crv: jwk['crv'], kty: jwk['kty'], x: jwk['x'], y: jwk['y'] }
      : { e: jwk['e'], kty: jwk['kty'], n: jwk['n'] };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function signatureVerifies(jws: Jws, hash: string, publicKey: KeyObject): boolean {
  return verify(
    hash,
    Buffer.from(`${jws.protected}.${jws.payload}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(jws.signature, 'base64url'),
  );
}

let server: http.Server;
let base: string;
const received: Jws[] = [];

beforeAll(async () => {
  // newAccount finds an existing account; the order URL answers a POST-as-GET.
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const nonce = { 'replay-nonce': `n${Math.random()}` };
      if (req.url === '/dir') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ newNonce: `${base}/nonce`, newAccount: `${base}/acct` }));
        return;
      }
      if (req.url === '/nonce') {
        res.writeHead(200, nonce);
        res.end();
        return;
      }
      if (req.method === 'POST') received.push(JSON.parse(body) as Jws);
      if (req.url === '/acct') {
        res.writeHead(200, {
          'content-type': 'application/json',
          location: `${base}/acct/1`,
          ...nonce,
        });
        res.end(JSON.stringify({ status: 'valid' }));
      } else if (req.url === '/order/1') {
        res.writeHead(200, { 'content-type': 'application/json', ...nonce });
        res.end(
          JSON.stringify({
            status: 'pending',
            authorizations: [`${base}/authz/1`],
            finalize: `${base}/order/1/finalize`,
          }),
        );
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

describe('signed requests', () => {
  it.each(keys)('$name: $alg over the account key, JWK and thumbprint of that key', async (key) => {
    const accountKeyPem = key.make();
    const publicKey = createPublicKey(accountKeyPem);
    const client = createAcmeClientPort().client({ directoryUrl: `${base}/dir`, accountKeyPem });
    const before = received.length;
    await client.registerAccount();
    await client.getOrder(`${base}/order/1`);
    await client.getOrder(`${base}/order/1`);
    const sent = received.slice(before);
    expect(sent).toHaveLength(3);

    const [lookup, ...polls] = sent as [Jws, ...Jws[]];
    const header = decode(lookup.protected);
    expect(header['alg']).toBe(key.alg);
    // The JWK is the key's public half, nothing more.
    const jwk = header['jwk'] as Record<string, unknown>;
    expect(jwk).toEqual(publicKey.export({ format: 'jwk' }));
    expect(jwk).not.toHaveProperty('d');
    expect(`${TOKEN}.${thumbprint(jwk)}`).toBe(await client.keyAuthorization(TOKEN));

    for (const jws of sent) {
      expect(signatureVerifies(jws, key.hash, publicKey)).toBe(true);
    }
    for (const jws of polls) {
      expect(decode(jws.protected)).toMatchObject({ alg: key.alg, kid: `${base}/acct/1` });
    }
    // A signature by another key of the same kind does not verify: the check can fail.
    const other = createPublicKey(key.make());
    expect(signatureVerifies(lookup, key.hash, other)).toBe(false);
  });
});

describe('against Pebble', () => {
  let pebble: PebbleServer;

  beforeAll(async () => {
    pebble = await startPebble();
  });

  afterAll(async () => {
    await pebble?.stop();
  });

  it.each(keys)('$name: Pebble accepts the account and its signed requests', async (key) => {
    const client = createAcmeClientPort().client({
      directoryUrl: pebble.directoryUrl,
      accountKeyPem: key.make(),
      caBundlePem: pebble.caBundlePem,
    });
    const { accountUrl } = await step(() => client.registerAccount());
    expect(accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    const order = await step(() => client.createOrder([{ type: 'dns', value: uniqueName('sig') }]));
    expect(order.status).toBe('pending');
    const fetched = await step(() => client.getOrder(order.url));
    expect(fetched.authorizations).toEqual(order.authorizations);
  });
});
