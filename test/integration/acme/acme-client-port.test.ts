import { createHash, createPublicKey } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort, type AcmeClient } from '../../../src/acme/index.js';
import type { AcmeError } from '../../../src/errors.js';
import { CertflowError } from '../../../src/errors.js';
import { startPebble, type PebbleServer } from '../../../src/testing/pebble.js';
import {
  newAccountKeyPem,
  opensslCsrDer,
  opensslVerify,
  pollUntil,
  step,
  tempDir,
  uniqueName,
} from './steps.js';

/** Every request the port made: method, URL and status, from its debug log. */
const requests: { method: string; url: string; status: number }[] = [];
const port = createAcmeClientPort({
  logger: {
    debug: (message, fields) => {
      if (message === 'ACME request') requests.push(fields as (typeof requests)[number]);
    },
    info: () => {},
    warn: () => {},
    error: () => {},
  },
});
let pebble: PebbleServer;
let dir: string;

beforeAll(async () => {
  pebble = await startPebble();
  dir = await tempDir();
});

afterAll(async () => {
  await pebble?.stop();
  if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
});

function clientFor(accountKeyPem: string, extra: { accountUrl?: string } = {}): AcmeClient {
  return port.client({
    directoryUrl: pebble.directoryUrl,
    accountKeyPem,
    caBundlePem: pebble.caBundlePem,
    ...extra,
  });
}

async function registeredClient(): Promise<AcmeClient> {
  const client = clientFor(newAccountKeyPem());
  await step(() => client.registerAccount());
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<AcmeError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(CertflowError.is(err, 'ERR_ACME')).toBe(true);
  return err as AcmeError;
}

describe('TLS to the ACME server', () => {
  it('trusts Pebble with caBundlePem', async () => {
    const client = clientFor(newAccountKeyPem());
    const { accountUrl } = await step(() => client.registerAccount());
    expect(accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
  });

  it('refuses Pebble without caBundlePem (even after a trusting client ran), terminally, saying why', async () => {
    await step(() => clientFor(newAccountKeyPem()).registerAccount());
    const client = port.client({
      directoryUrl: pebble.directoryUrl,
      accountKeyPem: newAccountKeyPem(),
    });
    const err = await rejection(client.registerAccount());
    expect(err.transient).toBe(false);
    expect(err.message).toMatch(/TLS certificate is not trusted/);
    expect(err.message).toMatch(/caBundle/);
    expect(err.message).toContain(pebble.directoryUrl);
  });

  it('skips verification only when skipTLSVerify is set', async () => {
    const client = port.client({
      directoryUrl: pebble.directoryUrl,
      accountKeyPem: newAccountKeyPem(),
      skipTLSVerify: true,
    });
    const { accountUrl } = await step(() => client.registerAccount());
    expect(accountUrl).toMatch(/^https:\/\//);
  });
});

describe('registerAccount', () => {
  it('returns the same account URL when repeated, and for another client with the same key', async () => {
    const key = newAccountKeyPem();
    const client = clientFor(key);
    const first = await step(() => client.registerAccount());
    const second = await step(() => client.registerAccount());
    const third = await step(() => clientFor(key).registerAccount());
    expect(second.accountUrl).toBe(first.accountUrl);
    expect(third.accountUrl).toBe(first.accountUrl);
  });

  it('gives different keys different accounts', async () => {
    const a = await step(() => clientFor(newAccountKeyPem()).registerAccount());
    const b = await step(() => clientFor(newAccountKeyPem()).registerAccount());
    expect(a.accountUrl).not.toBe(b.accountUrl);
  });

  it('keeps the contact e-mail up to date, updating only when it changed', async () => {
    const key = newAccountKeyPem();
    const withEmail = (email: string): AcmeClient =>
      port.client({
        directoryUrl: pebble.directoryUrl,
        accountKeyPem: key,
        caBundlePem: pebble.caBundlePem,
        email,
      });
    const updatesTo = (accountUrl: string, from: number): number =>
      requests
        .slice(from)
        .filter((r) => r.method === 'POST' && r.url === accountUrl && r.status === 200).length;

    let from = requests.length;
    const { accountUrl } = await step(() => withEmail('first@certflow.test').registerAccount());
    expect(updatesTo(accountUrl, from)).toBe(0);

    from = requests.length;
    await step(() => withEmail('second@certflow.test').registerAccount());
    expect(updatesTo(accountUrl, from)).toBe(1);

    from = requests.length;
    const again = await step(() => withEmail('second@certflow.test').registerAccount());
    expect(again.accountUrl).toBe(accountUrl);
    expect(updatesTo(accountUrl, from)).toBe(0);
  });

  it('finds the account by key when a client is made without accountUrl', async () => {
    const key = newAccountKeyPem();
    await step(() => clientFor(key).registerAccount());
    const order = await step(() =>
      clientFor(key).createOrder([{ type: 'dns', value: uniqueName('lookup') }]),
    );
    expect(order.status).toBe('pending');
  });

  it('does not create an account as a side effect of another step', async () => {
    const err = await rejection(
      step(() =>
        clientFor(newAccountKeyPem()).createOrder([{ type: 'dns', value: uniqueName('none') }]),
      ),
    );
    expect(err.transient).toBe(false);
    expect(err.problemType).toBe('urn:ietf:params:acme:error:accountDoesNotExist');
  });
});

describe('nonces', () => {
  it('come from earlier answers: one newNonce for a run of steps', async () => {
    const from = requests.length;
    const client = clientFor(newAccountKeyPem());
    await step(() => client.registerAccount());
    const order = await step(() =>
      client.createOrder([{ type: 'dns', value: uniqueName('nonce') }]),
    );
    await step(() => client.getOrder(order.url));
    await step(() => client.getAuthorization(order.authorizations[0] as string));
    const made = requests.slice(from);
    expect(made.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(5);
    // One newNonce, asked with GET (RFC 8555 §7.2), never with HEAD: see the connection pool test.
    expect(made.filter((r) => r.url.endsWith('/nonce-plz'))).toHaveLength(1);
    expect(made.filter((r) => r.method === 'HEAD')).toHaveLength(0);
  });
});

describe('keyAuthorization and dns01Value', () => {
  it('are token.thumbprint and its SHA-256, per RFC 8555 §8.1 and §8.4', async () => {
    const key = newAccountKeyPem();
    const jwk = createPublicKey(key).export({ format: 'jwk' });
    const thumbprint = createHash('sha256')
      .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
      .digest('base64url');
    const client = clientFor(key);
    const keyAuthorization = await client.keyAuthorization('abc_DEF-123');
    expect(keyAuthorization).toBe(`abc_DEF-123.${thumbprint}`);
    expect(await client.dns01Value('abc_DEF-123')).toBe(
      createHash('sha256').update(keyAuthorization).digest('base64url'),
    );
  });
});

describe('a DNS-01 issuance, one step at a time', () => {
  it('issues a certificate that verifies against the Pebble root', async () => {
    const client = await registeredClient();
    const name = uniqueName('dns01');

    const order = await step(() => client.createOrder([{ type: 'dns', value: name }]));
    expect(order).toMatchObject({ status: 'pending' });
    expect(order.authorizations).toHaveLength(1);
    const authzUrl = order.authorizations[0] as string;

    const authz = await step(() => client.getAuthorization(authzUrl));
    expect(authz).toMatchObject({
      url: authzUrl,
      status: 'pending',
      identifier: { type: 'dns', value: name },
      wildcard: false,
    });
    const challenge = authz.challenges.find((c) => c.type === 'dns-01');
    expect(challenge).toBeDefined();
    if (challenge === undefined) return;
    expect(challenge.status).toBe('pending');

    const value = await client.dns01Value(challenge.token);
    await pebble.challtestsrv.setTxt(`_acme-challenge.${name}.`, value);

    const accepted = await step(() => client.acceptChallenge(challenge.url));
    expect(accepted.url).toBe(challenge.url);
    expect(['pending', 'processing', 'valid']).toContain(accepted.status);

    const validAuthz = await pollUntil(
      () => client.getAuthorization(authzUrl),
      (a) => a.status !== 'pending',
    );
    expect(validAuthz.status).toBe('valid');
    // Accepting again (a controller repeating the step after a crash) reports the current state.
    const again = await step(() => client.acceptChallenge(challenge.url));
    expect(again.status).toBe('valid');
    const fetched = await step(() => client.getChallenge(challenge.url));
    expect(fetched).toMatchObject({ url: challenge.url, type: 'dns-01', status: 'valid' });
    expect(fetched.validated).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const ready = await pollUntil(
      () => client.getOrder(order.url),
      (o) => o.status === 'ready',
    );
    expect(ready.finalizeUrl).toBe(order.finalizeUrl);

    const csr = await opensslCsrDer(dir, name);
    const finalized = await step(() => client.finalizeOrder(order.finalizeUrl, order.url, csr));
    expect(finalized.url).toBe(order.url);
    expect(['processing', 'valid']).toContain(finalized.status);
    // Finalizing again is refused by the server; the port reports the order instead.
    const refinalized = await step(() => client.finalizeOrder(order.finalizeUrl, order.url, csr));
    expect(['processing', 'valid']).toContain(refinalized.status);
    expect(
      requests.some((r) => r.url === order.finalizeUrl && r.status === 403),
      'the second finalize was refused by the server',
    ).toBe(true);

    const valid = await pollUntil(
      () => client.getOrder(order.url),
      (o) => o.status === 'valid',
    );
    expect(valid.certificateUrl).toMatch(/^https:\/\//);

    const chain = await step(() => client.downloadCertificate(valid.certificateUrl as string));
    const certificates = chain.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(certificates.length).toBeGreaterThanOrEqual(2);
    const verified = await opensslVerify(dir, chain, await pebble.rootCertificatePem());
    expect(verified).toMatch(/: OK/);
    await pebble.challtestsrv.clearTxt(`_acme-challenge.${name}.`);
  });
});

describe('an invalid challenge', () => {
  it('leaves the authorization invalid with the problem Pebble found', async () => {
    const client = await registeredClient();
    const name = uniqueName('wrong-txt');
    const order = await step(() => client.createOrder([{ type: 'dns', value: name }]));
    const authzUrl = order.authorizations[0] as string;
    const authz = await step(() => client.getAuthorization(authzUrl));
    const challenge = authz.challenges.find((c) => c.type === 'dns-01');
    if (challenge === undefined) throw new Error('no dns-01 challenge');

    await pebble.challtestsrv.setTxt(
      `_acme-challenge.${name}.`,
      'not-the-key-authorization-digest',
    );
    await step(() => client.acceptChallenge(challenge.url));
    const done = await pollUntil(
      () => client.getAuthorization(authzUrl),
      (a) => a.status !== 'pending',
    );
    await pebble.challtestsrv.clearTxt(`_acme-challenge.${name}.`);

    expect(done.status).toBe('invalid');
    const failed = done.challenges.find((c) => c.url === challenge.url);
    expect(failed?.status).toBe('invalid');
    expect(failed?.error?.type).toMatch(/^urn:ietf:params:acme:error:/);
    expect(failed?.error?.detail).toBeTruthy();

    const invalidOrder = await step(() => client.getOrder(order.url));
    expect(invalidOrder.status).toBe('invalid');
  });
});

describe('problems the server reports', () => {
  it('are terminal and carry the problem type, the status and the detail', async () => {
    const client = await registeredClient();
    const err = await rejection(
      step(() => client.createOrder([{ type: 'dns', value: 'bad_name..certflow.test' }])),
    );
    expect(err.transient).toBe(false);
    expect(err.status).toBe(400);
    expect(err.problemType).toMatch(/^urn:ietf:params:acme:error:(rejectedIdentifier|malformed)$/);
    expect(err.message).toContain(err.problemType as string);
    expect(err.message).toContain('HTTP 400');
    expect(err.message).not.toMatch(/PRIVATE KEY|"protected"|"signature"/);
  });

  it('reports an unknown order URL as terminal 404', async () => {
    const client = await registeredClient();
    const order = await step(() => client.createOrder([{ type: 'dns', value: uniqueName('404') }]));
    const err = await rejection(step(() => client.getOrder(`${order.url}-missing`)));
    expect(err.transient).toBe(false);
    expect(err.status).toBe(404);
  });
});
