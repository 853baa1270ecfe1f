// port.client() rejects malformed options with a ValidationError naming the option, before any
// request, and never echoes key material.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAcmeClientPort, type AcmeAccountOptions } from '../../../src/acme/index.js';
import type { ValidationError } from '../../../src/errors.js';
import { CertflowError } from '../../../src/errors.js';

const ecKey = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const ed25519Key = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const smallRsaKey = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const encryptedKey = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const keyBody = ecKey.split('\n')[1] as string;

const base: AcmeAccountOptions = { directoryUrl: 'https://acme.test/dir', accountKeyPem: ecKey };

const cases: { name: string; options: Partial<AcmeAccountOptions>; field: string }[] = [
  {
    name: 'directory URL that is no URL',
    options: { directoryUrl: 'acme.test/dir' },
    field: 'directoryUrl',
  },
  {
    name: 'directory URL over ftp',
    options: { directoryUrl: 'ftp://acme.test/dir' },
    field: 'directoryUrl',
  },
  { name: 'account URL that is no URL', options: { accountUrl: 'account 1' }, field: 'accountUrl' },
  {
    name: 'a truncated key',
    options: { accountKeyPem: ecKey.slice(0, 80) },
    field: 'accountKeyPem',
  },
  {
    name: 'a public key',
    options: { accountKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
    field: 'accountKeyPem',
  },
  { name: 'an encrypted key', options: { accountKeyPem: encryptedKey }, field: 'accountKeyPem' },
  { name: 'an Ed25519 key', options: { accountKeyPem: ed25519Key }, field: 'accountKeyPem' },
  { name: 'a 1024-bit RSA key', options: { accountKeyPem: smallRsaKey }, field: 'accountKeyPem' },
  {
    name: 'caBundle without a certificate',
    options: { caBundlePem: 'not a certificate' },
    field: 'caBundlePem',
  },
  {
    name: 'caBundle with a broken certificate',
    options: { caBundlePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' },
    field: 'caBundlePem',
  },
  {
    name: 'caBundle together with skipTLSVerify',
    options: { caBundlePem: 'x', skipTLSVerify: true },
    field: 'skipTLSVerify',
  },
  { name: 'an e-mail without @', options: { email: 'admin.example.com' }, field: 'email' },
  {
    name: 'an EAB without key id',
    options: { externalAccountBinding: { keyId: ' ', hmacKeyBase64Url: 'c2VjcmV0' } },
    field: 'externalAccountBinding.keyId',
  },
  {
    name: 'an EAB key that is not base64url',
    options: { externalAccountBinding: { keyId: 'kid-1', hmacKeyBase64Url: 'not base64!' } },
    field: 'externalAccountBinding.hmacKeyBase64Url',
  },
  { name: 'a zero timeout', options: { requestTimeoutMs: 0 }, field: 'requestTimeoutMs' },
  { name: 'a fractional timeout', options: { requestTimeoutMs: 1.5 }, field: 'requestTimeoutMs' },
  {
    name: 'a User-Agent with a newline',
    options: { userAgent: 'a\r\nX-Injected: 1' },
    field: 'userAgent',
  },
];

describe('createAcmeClientPort().client() option validation', () => {
  const port = createAcmeClientPort();

  it.each(cases)('rejects $name', ({ options, field }) => {
    let caught: unknown;
    try {
      port.client({ ...base, ...options } as AcmeAccountOptions);
    } catch (err) {
      caught = err;
    }
    expect(CertflowError.is(caught, 'ERR_VALIDATION')).toBe(true);
    expect((caught as ValidationError).field).toBe(field);
    expect((caught as Error).message).not.toContain(keyBody);
    expect((caught as Error).message).not.toContain('c2VjcmV0');
  });

  it('accepts a complete, valid set of options', () => {
    expect(() =>
      port.client({
        ...base,
        accountUrl: 'https://acme.test/acct/1',
        email: 'admin@example.com',
        externalAccountBinding: { keyId: 'kid-1', hmacKeyBase64Url: 'c2VjcmV0LWtleS1fLQ' },
        requestTimeoutMs: 5_000,
        userAgent: 'my-service/2.0',
      }),
    ).not.toThrow();
  });
});
