// Malformed arguments to the client's steps reject with a ValidationError naming the argument,
// before any request (the directory URL here has no server behind it).
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAcmeClientPort, type AcmeClient } from '../../../src/acme/index.js';
import { CertflowError, type ValidationError } from '../../../src/errors.js';

const client: AcmeClient = createAcmeClientPort().client({
  directoryUrl: 'https://127.0.0.1:1/dir',
  accountKeyPem: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  requestTimeoutMs: 1_000,
});

const cases: { name: string; call: () => Promise<unknown>; field: string }[] = [
  {
    name: 'createOrder with no identifiers',
    call: () => client.createOrder([]),
    field: 'identifiers',
  },
  {
    name: 'createOrder with an unknown identifier type',
    call: () => client.createOrder([{ type: 'email' as 'dns', value: 'a@b.test' }]),
    field: 'identifiers[0].type',
  },
  {
    name: 'createOrder with an empty name',
    call: () =>
      client.createOrder([
        { type: 'dns', value: 'a.test' },
        { type: 'dns', value: '' },
      ]),
    field: 'identifiers[1].value',
  },
  {
    name: 'createOrder with a bad notAfter',
    call: () => client.createOrder([{ type: 'dns', value: 'a.test' }], { notAfter: 'next week' }),
    field: 'notAfter',
  },
  { name: 'getOrder with no URL', call: () => client.getOrder('order-1'), field: 'url' },
  { name: 'getAuthorization with no URL', call: () => client.getAuthorization(''), field: 'url' },
  { name: 'getChallenge with no URL', call: () => client.getChallenge('/chal/1'), field: 'url' },
  { name: 'acceptChallenge with no URL', call: () => client.acceptChallenge('x'), field: 'url' },
  {
    name: 'keyAuthorization with a token holding a dot',
    call: () => client.keyAuthorization('a.b'),
    field: 'token',
  },
  { name: 'dns01Value with an empty token', call: () => client.dns01Value(''), field: 'token' },
  {
    name: 'finalizeOrder with an empty CSR',
    call: () =>
      client.finalizeOrder('https://acme.test/fin', 'https://acme.test/order', new Uint8Array()),
    field: 'csrDer',
  },
  {
    name: 'finalizeOrder with a bad order URL',
    call: () => client.finalizeOrder('https://acme.test/fin', 'order', new Uint8Array([48])),
    field: 'orderUrl',
  },
  {
    name: 'downloadCertificate with no URL',
    call: () => client.downloadCertificate('cert'),
    field: 'certificateUrl',
  },
];

describe('step arguments', () => {
  it.each(cases)('$name', async ({ call, field }) => {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CertflowError.is(err, 'ERR_VALIDATION')).toBe(true);
    expect((err as ValidationError).field).toBe(field);
  });
});
