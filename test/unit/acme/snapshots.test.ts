// Reading RFC 8555 objects into snapshots: what the controllers get, and terminal errors for
// answers missing what they rely on.
import { describe, expect, it } from 'vitest';
import { CertflowError, type AcmeError } from '../../../src/errors.js';
import {
  toAuthorizationSnapshot,
  toChallengeSnapshot,
  toOrderSnapshot,
} from '../../../src/acme/wire.js';

const ORDER_URL = 'https://acme.test/order/1';
const AUTHZ_URL = 'https://acme.test/authz/1';

describe('toOrderSnapshot', () => {
  it('reads an order with an error and a certificate URL', () => {
    expect(
      toOrderSnapshot(
        {
          status: 'invalid',
          expires: '2031-01-01T00:00:00Z',
          identifiers: [{ type: 'dns', value: 'a.test' }],
          authorizations: [AUTHZ_URL],
          finalize: 'https://acme.test/order/1/finalize',
          certificate: 'https://acme.test/cert/1',
          error: { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'nope', status: 403 },
        },
        ORDER_URL,
      ),
    ).toEqual({
      url: ORDER_URL,
      status: 'invalid',
      expires: '2031-01-01T00:00:00Z',
      authorizations: [AUTHZ_URL],
      finalizeUrl: 'https://acme.test/order/1/finalize',
      certificateUrl: 'https://acme.test/cert/1',
      error: { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'nope', status: 403 },
    });
  });
});

describe('toAuthorizationSnapshot', () => {
  it('reads a wildcard authorization and its challenges', () => {
    const snapshot = toAuthorizationSnapshot(
      {
        status: 'pending',
        identifier: { type: 'dns', value: 'a.test' },
        wildcard: true,
        challenges: [
          { url: 'https://acme.test/chal/1', type: 'dns-01', status: 'pending', token: 'tok' },
        ],
      },
      AUTHZ_URL,
    );
    expect(snapshot).toEqual({
      url: AUTHZ_URL,
      status: 'pending',
      identifier: { type: 'dns', value: 'a.test' },
      wildcard: true,
      challenges: [
        { url: 'https://acme.test/chal/1', type: 'dns-01', status: 'pending', token: 'tok' },
      ],
    });
  });
});

describe('malformed answers', () => {
  it.each([
    {
      name: 'an order that is not an object',
      read: () => toOrderSnapshot('<html>', ORDER_URL),
      reason: /not a JSON object/,
    },
    {
      name: 'an order without finalize',
      read: () => toOrderSnapshot({ status: 'pending', authorizations: [] }, ORDER_URL),
      reason: /finalize is missing/,
    },
    {
      name: 'an order with bad authorizations',
      read: () =>
        toOrderSnapshot({ status: 'pending', authorizations: [1], finalize: 'f' }, ORDER_URL),
      reason: /authorizations/,
    },
    {
      name: 'an authorization without identifier',
      read: () => toAuthorizationSnapshot({ status: 'pending', challenges: [] }, AUTHZ_URL),
      reason: /identifier is missing/,
    },
    {
      name: 'a challenge without status',
      read: () => toChallengeSnapshot({ url: 'u', type: 'dns-01' }, 'https://acme.test/chal/1'),
      reason: /status is missing/,
    },
  ])('$name is a terminal AcmeError', ({ read, reason }) => {
    let caught: unknown;
    try {
      read();
    } catch (err) {
      caught = err;
    }
    expect(CertflowError.is(caught, 'ERR_ACME')).toBe(true);
    expect((caught as AcmeError).transient).toBe(false);
    expect((caught as Error).message).toMatch(reason);
  });
});
