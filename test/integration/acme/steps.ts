// Helpers for driving the ACME port step by step against Pebble, the way the controllers do:
// every transient AcmeError is retried, polling is done by the caller.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { AcmeClient, AcmeOrderSnapshot } from '../../../src/acme/index.js';
import type { AcmeError } from '../../../src/errors.js';
import { CertflowError } from '../../../src/errors.js';
import type { PebbleServer } from '../../../src/testing/pebble.js';

const run = promisify(execFile);

/** A fresh ECDSA P-256 account key as PKCS#8 PEM. */
export function newAccountKeyPem(): string {
  return generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/** A DNS name no other test (nor Pebble's authorization reuse) has seen. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}.certflow.test`;
}

/** Runs one step, retrying transient AcmeErrors (Pebble rejects 5% of nonces) as a controller would. */
export async function step<T>(call: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const transient = CertflowError.is(err, 'ERR_ACME') && (err as AcmeError).transient;
      if (!transient || attempt >= attempts) throw err;
      await delay(50);
    }
  }
}

/** Calls `call` (as a step) until `done` holds for its result. */
export async function pollUntil<T>(
  call: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await step(call);
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`still not done after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    }
    await delay(100);
  }
}

/** A temp dir for openssl files; remove it with `fs.rm`. */
export function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'certflow-'));
}

/** A DER CSR for `dnsName` made by the openssl CLI, with a fresh P-256 key. */
export async function opensslCsrDer(dir: string, dnsName: string): Promise<Uint8Array> {
  const csrFile = path.join(dir, `${dnsName}.csr.der`);
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    path.join(dir, `${dnsName}.key.pem`),
    '-subj',
    `/CN=${dnsName}`,
    '-addext',
    `subjectAltName=DNS:${dnsName}`,
    '-outform',
    'DER',
    '-out',
    csrFile,
  ]);
  return new Uint8Array(await fs.readFile(csrFile));
}

/**
 * `openssl verify` of a PEM chain (leaf first) against `rootPem`. Resolves with openssl's output,
 * rejects when verification fails.
 */
export async function opensslVerify(
  dir: string,
  chainPem: string,
  rootPem: string,
): Promise<string> {
  const blocks =
    chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g) ?? [];
  const [leaf, ...rest] = blocks;
  if (leaf === undefined) throw new Error('no certificate in the chain');
  const tag = randomBytes(4).toString('hex');
  const files = {
    root: path.join(dir, `root-${tag}.pem`),
    untrusted: path.join(dir, `untrusted-${tag}.pem`),
    leaf: path.join(dir, `leaf-${tag}.pem`),
  };
  await fs.writeFile(files.root, rootPem);
  await fs.writeFile(files.untrusted, rest.join(''));
  await fs.writeFile(files.leaf, leaf);
  const args = ['verify', '-CAfile', files.root];
  if (rest.length > 0) args.push('-untrusted', files.untrusted);
  args.push(files.leaf);
  const { stdout } = await run('openssl', args);
  return stdout;
}

/**
 * Takes `dnsName` through a whole DNS-01 issuance with single port calls, returning the chain.
 */
export async function issueWithDns01(
  client: AcmeClient,
  pebble: PebbleServer,
  dir: string,
  dnsName: string,
  preferredChain?: string,
): Promise<{ chain: string; order: AcmeOrderSnapshot }> {
  const order = await step(() => client.createOrder([{ type: 'dns', value: dnsName }]));
  const [authzUrl] = order.authorizations;
  if (authzUrl === undefined) throw new Error('order without authorizations');
  const authz = await step(() => client.getAuthorization(authzUrl));
  const challenge = authz.challenges.find((c) => c.type === 'dns-01');
  if (challenge === undefined) throw new Error('no dns-01 challenge offered');
  const value = await client.dns01Value(challenge.token);
  await pebble.challtestsrv.setTxt(`_acme-challenge.${dnsName}.`, value);
  try {
    await step(() => client.acceptChallenge(challenge.url));
    await pollUntil(
      () => client.getAuthorization(authzUrl),
      (a) => a.status !== 'pending',
    ).then((a) => {
      if (a.status !== 'valid') throw new Error(`authorization ${a.status}: ${JSON.stringify(a)}`);
    });
  } finally {
    await pebble.challtestsrv.clearTxt(`_acme-challenge.${dnsName}.`);
  }
  await pollUntil(
    () => client.getOrder(order.url),
    (o) => o.status === 'ready',
  );
  const csr = await opensslCsrDer(dir, dnsName);
  await step(() => client.finalizeOrder(order.finalizeUrl, order.url, csr));
  const finished = await pollUntil(
    () => client.getOrder(order.url),
    (o) => o.status === 'valid' || o.status === 'invalid',
  );
  if (finished.certificateUrl === undefined) throw new Error(`order ${finished.status}`);
  const certificateUrl = finished.certificateUrl;
  const chain = await step(() => client.downloadCertificate(certificateUrl, preferredChain));
  return { chain, order: finished };
}
