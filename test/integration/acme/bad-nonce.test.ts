import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort } from '../../../src/acme/index.js';
import type { AcmeError } from '../../../src/errors.js';
import { CertflowError } from '../../../src/errors.js';
import { startPebble, type PebbleServer } from '../../../src/testing/pebble.js';
import { newAccountKeyPem } from './steps.js';

let pebble: PebbleServer;

beforeAll(async () => {
  // Every nonce is rejected: the port's few immediate retries cannot get through.
  pebble = await startPebble({ env: { PEBBLE_WFE_NONCEREJECT: '100' } });
});

afterAll(async () => {
  await pebble?.stop();
});

describe('a server that keeps rejecting nonces', () => {
  it('yields a transient badNonce AcmeError after a few immediate retries', async () => {
    const statuses: number[] = [];
    const port = createAcmeClientPort({
      logger: {
        debug: (message, fields) => {
          if (message === 'ACME request' && fields?.['method'] === 'POST') {
            statuses.push(fields['status'] as number);
          }
        },
        info: () => {},
        warn: () => {},
        error: () => {},
      },
    });
    const client = port.client({
      directoryUrl: pebble.directoryUrl,
      accountKeyPem: newAccountKeyPem(),
      caBundlePem: pebble.caBundlePem,
    });
    const err: unknown = await client.registerAccount().catch((e: unknown) => e);
    expect(CertflowError.is(err, 'ERR_ACME')).toBe(true);
    const acmeError = err as AcmeError;
    expect(acmeError.transient).toBe(true);
    expect(acmeError.problemType).toBe('urn:ietf:params:acme:error:badNonce');
    expect(acmeError.status).toBe(400);
    // One attempt and two retries, each refused.
    expect(statuses).toEqual([400, 400, 400]);
  });
});
