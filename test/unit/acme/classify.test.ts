// classifyAcmeError over the error shapes acme-client 5.4 and its stack really throw, built the
// way they build them, plus certflow's own transport shapes.
import { describe, expect, it } from 'vitest';
import { classifyAcmeError } from '../../../src/acme/index.js';
import { AcmeError, CertflowError } from '../../../src/errors.js';

const ACME = 'urn:ietf:params:acme:error:';
const JWS_BODY = '{"protected":"eyJhbGciOiJFUzI1NiJ9","payload":"","signature":"c2lnbmF0dXJl"}';

/** A Node system error as libuv reports it (`errno`, `code`, `syscall`). */
function systemError(message: string, code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect', ...extra });
}

/** A TLS verification error as Node's TLS socket reports it: `code` is the OpenSSL reason. */
function tlsError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** An AxiosError as axios builds it: the request config (with the signed JWS) comes along. */
function axiosError(
  message: string,
  code: string,
  response?: { status: number; headers: Record<string, string>; data: unknown },
  cause?: Error,
): Error {
  return Object.assign(new Error(message), {
    name: 'AxiosError',
    isAxiosError: true,
    code,
    config: { url: 'https://acme.test/new-order', method: 'post', data: JWS_BODY },
    request: {},
    ...(response === undefined ? {} : { response }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** acme-client's `AcmeApi.apiRequest`: `new Error(util.formatResponseError(resp))`. */
function formatResponseError(data: Record<string, unknown>): Error {
  const detail = typeof data['detail'] === 'string' ? data['detail'] : JSON.stringify(data);
  return new Error(detail.replace(/\n/g, ''));
}

/** acme-client 5.4's axios interceptor after its retries of a network failure. */
function lostNetworkError(): Error {
  const response = undefined as unknown as { config: unknown };
  try {
    return response.config as Error;
  } catch (err) {
    return err as Error;
  }
}

function problemResponse(
  status: number,
  type: string | undefined,
  detail: string,
  headers: Record<string, string> = {},
): { status: number; headers: Record<string, string>; data: unknown } {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    data: { ...(type === undefined ? {} : { type: `${ACME}${type}` }), detail, status },
  };
}

interface Case {
  name: string;
  error: unknown;
  now?: number;
  transient: boolean;
  status?: number;
  problemType?: string;
  retryAfterMs?: number;
  message: RegExp;
}

const cases: Case[] = [
  // Below HTTP: Node system errors, possibly wrapped by axios.
  {
    name: 'ECONNREFUSED',
    error: systemError('connect ECONNREFUSED 127.0.0.1:14000', 'ECONNREFUSED', { port: 14000 }),
    transient: true,
    message: /could not reach the ACME server: connect ECONNREFUSED/,
  },
  {
    name: 'ECONNRESET (socket hang up)',
    error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    transient: true,
    message: /socket hang up/,
  },
  {
    name: 'ETIMEDOUT',
    error: systemError('connect ETIMEDOUT 10.0.0.1:443', 'ETIMEDOUT'),
    transient: true,
    message: /ETIMEDOUT/,
  },
  {
    name: 'EAI_AGAIN (DNS lookup)',
    error: systemError('getaddrinfo EAI_AGAIN acme.test', 'EAI_AGAIN', { syscall: 'getaddrinfo' }),
    transient: true,
    message: /EAI_AGAIN/,
  },
  {
    name: 'axios timeout (ECONNABORTED)',
    error: axiosError('timeout of 30000ms exceeded', 'ECONNABORTED'),
    transient: true,
    message: /timeout of 30000ms exceeded/,
  },
  {
    name: 'axios network error wrapping ECONNRESET',
    error: axiosError(
      'read ECONNRESET',
      'ECONNRESET',
      undefined,
      systemError('read ECONNRESET', 'ECONNRESET', { syscall: 'read' }),
    ),
    transient: true,
    message: /read ECONNRESET/,
  },
  {
    name: "acme-client 5.4's TypeError for a network failure it retried",
    error: lostNetworkError(),
    transient: true,
    message: /could not reach the ACME server/,
  },
  {
    name: 'untrusted server certificate',
    error: tlsError('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
    transient: false,
    message: /TLS certificate is not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE.*caBundle/,
  },
  {
    name: 'self-signed server certificate',
    error: tlsError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
    transient: false,
    message: /TLS certificate is not trusted/,
  },
  {
    name: 'certificate for another name',
    error: tlsError(
      "Hostname/IP does not match certificate's altnames: Host: acme.test. is not in the cert's altnames: DNS:other.test",
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ),
    transient: false,
    message: /TLS certificate is not trusted: ERR_TLS_CERT_ALTNAME_INVALID/,
  },
  {
    name: 'expired server certificate',
    error: tlsError('certificate has expired', 'CERT_HAS_EXPIRED'),
    transient: false,
    message: /CERT_HAS_EXPIRED/,
  },

  // HTTP answers carried in a `response` (axios errors, and what certflow's transport sees).
  {
    name: 'badNonce',
    error: axiosError(
      'Request failed with status code 400',
      'ERR_BAD_REQUEST',
      problemResponse(400, 'badNonce', 'JWS has an invalid anti-replay nonce: "abc"'),
    ),
    transient: true,
    status: 400,
    problemType: `${ACME}badNonce`,
    message: /HTTP 400 urn:ietf:params:acme:error:badNonce: JWS has an invalid anti-replay nonce/,
  },
  {
    name: 'rateLimited 429 with Retry-After seconds',
    error: axiosError(
      'Request failed with status code 429',
      'ERR_BAD_REQUEST',
      problemResponse(429, 'rateLimited', 'too many certificates already issued', {
        'retry-after': '3600',
      }),
    ),
    transient: true,
    status: 429,
    problemType: `${ACME}rateLimited`,
    retryAfterMs: 3_600_000,
    message: /rateLimited: too many certificates already issued/,
  },
  {
    name: 'Retry-After as an HTTP date, relative to the Date header',
    error: {
      response: problemResponse(429, 'rateLimited', 'slow down', {
        date: 'Wed, 01 Jan 2031 00:00:00 GMT',
        'retry-after': 'Wed, 01 Jan 2031 00:01:30 GMT',
      }),
    },
    transient: true,
    status: 429,
    problemType: `${ACME}rateLimited`,
    retryAfterMs: 90_000,
    message: /HTTP 429/,
  },
  {
    name: 'Retry-After as an HTTP date, relative to options.now',
    error: {
      response: problemResponse(503, undefined, 'maintenance', {
        'retry-after': 'Wed, 01 Jan 2031 00:00:10 GMT',
      }),
    },
    now: Date.UTC(2031, 0, 1, 0, 0, 0),
    transient: true,
    status: 503,
    problemType: 'about:blank',
    retryAfterMs: 10_000,
    message: /HTTP 503/,
  },
  {
    name: 'rateLimited under a non-429 status',
    error: { response: problemResponse(403, 'rateLimited', 'account creation limit') },
    transient: true,
    status: 403,
    problemType: `${ACME}rateLimited`,
    message: /rateLimited/,
  },
  {
    name: '500 serverInternal',
    error: { response: problemResponse(500, 'serverInternal', 'database unavailable') },
    transient: true,
    status: 500,
    problemType: `${ACME}serverInternal`,
    message: /HTTP 500 .*serverInternal: database unavailable/,
  },
  {
    name: '502 from a proxy without a problem document',
    error: axiosError('Request failed with status code 502', 'ERR_BAD_RESPONSE', {
      status: 502,
      headers: { 'content-type': 'text/html' },
      data: '<html>Bad Gateway</html>',
    }),
    transient: true,
    status: 502,
    message: /^ACME server answered HTTP 502$/,
  },
  {
    name: '408 request timeout',
    error: { response: { status: 408, headers: {}, data: '' } },
    transient: true,
    status: 408,
    message: /HTTP 408/,
  },
  {
    name: 'malformed',
    error: {
      response: problemResponse(400, 'malformed', 'Order includes different type\nof identifier'),
    },
    transient: false,
    status: 400,
    problemType: `${ACME}malformed`,
    message: /malformed: Order includes different type of identifier/,
  },
  {
    name: 'unauthorized',
    error: {
      response: problemResponse(
        403,
        'unauthorized',
        'Account is not valid, has status "deactivated"',
      ),
    },
    transient: false,
    status: 403,
    problemType: `${ACME}unauthorized`,
    message: /HTTP 403 urn:ietf:params:acme:error:unauthorized: Account is not valid/,
  },
  {
    name: 'rejectedIdentifier with subproblems',
    error: {
      response: {
        status: 400,
        headers: {},
        data: {
          type: `${ACME}rejectedIdentifier`,
          detail: 'Error creating new order',
          subproblems: [
            {
              type: `${ACME}rejectedIdentifier`,
              detail: 'Policy forbids issuing for name',
              identifier: { type: 'dns', value: 'bad.example' },
            },
          ],
        },
      },
    },
    transient: false,
    status: 400,
    problemType: `${ACME}rejectedIdentifier`,
    message:
      /Error creating new order \[bad\.example: urn:ietf:params:acme:error:rejectedIdentifier Policy forbids/,
  },
  {
    name: '404 without a body',
    error: { response: { status: 404, headers: {}, data: undefined } },
    transient: false,
    status: 404,
    message: /HTTP 404/,
  },

  // acme-client's own plain Errors.
  {
    name: "acme-client's directory error for a 503",
    error: new Error('Attempting to read ACME directory returned error 503: https://acme.test/dir'),
    transient: true,
    status: 503,
    message: /returned error 503/,
  },
  {
    name: "acme-client's directory error for a 404",
    error: new Error('Attempting to read ACME directory returned error 404: https://acme.test/dir'),
    transient: false,
    status: 404,
    message: /returned error 404/,
  },
  {
    name: "acme-client's apiRequest error (only the detail survives)",
    error: formatResponseError({ type: `${ACME}unauthorized`, detail: 'No such authorization' }),
    transient: false,
    message: /^ACME request failed: No such authorization$/,
  },
  {
    name: 'missing directory resource',
    error: new Error('Unable to locate API resource URL in ACME directory: "newOrder"'),
    transient: false,
    message: /Unable to locate API resource URL/,
  },
  {
    name: 'no nonce from the provider',
    error: new Error('Failed to get nonce from ACME provider'),
    transient: false,
    message: /Failed to get nonce/,
  },
  {
    name: 'a thrown string',
    error: 'something odd',
    transient: false,
    message: /something odd/,
  },
];

describe('classifyAcmeError', () => {
  it.each(cases)('$name', (c) => {
    const err = classifyAcmeError(c.error, c.now === undefined ? {} : { now: c.now });
    expect(CertflowError.is(err, 'ERR_ACME')).toBe(true);
    expect({
      transient: err.transient,
      status: err.status,
      problemType: err.problemType,
      retryAfterMs: err.retryAfterMs,
    }).toEqual({
      transient: c.transient,
      status: c.status,
      problemType: c.problemType,
      retryAfterMs: c.retryAfterMs,
    });
    expect(err.message).toMatch(c.message);
    expect(err.message).not.toContain('eyJhbGciOiJFUzI1NiJ9');
  });

  it('returns an AcmeError unchanged', () => {
    const original = new AcmeError('already classified', { transient: true, status: 503 });
    expect(classifyAcmeError(original)).toBe(original);
  });

  it('never keeps an axios error (whose config holds the JWS) as the cause', () => {
    const err = classifyAcmeError(
      axiosError('Request failed with status code 400', 'ERR_BAD_REQUEST', {
        status: 400,
        headers: {},
        data: { type: `${ACME}malformed`, detail: 'bad' },
      }),
    );
    expect(err.cause).toBeUndefined();
    const timeout = classifyAcmeError(axiosError('timeout of 10ms exceeded', 'ECONNABORTED'));
    expect(timeout.cause).toBeUndefined();
    const socket = systemError('read ECONNRESET', 'ECONNRESET');
    const wrapped = classifyAcmeError(
      axiosError('read ECONNRESET', 'ECONNRESET', undefined, socket),
    );
    expect(wrapped.cause).toBe(socket);
  });

  it('keeps a Node network error as the cause', () => {
    const cause = systemError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    expect(classifyAcmeError(cause).cause).toBe(cause);
  });
});
