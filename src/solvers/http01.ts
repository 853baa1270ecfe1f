/**
 * The built-in HTTP-01 solver: a token map served by a node:http request handler, with an
 * optional listener of its own.
 *
 * @packageDocumentation
 */

import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Challenge } from '../domain/types.js';
import { SolverError } from '../errors.js';
import { queryAddresses } from './dns-query.js';
import type { SelfCheckResult, Solver, SolverContext } from './types.js';
import { isToken, validateChallenge } from './validate-challenge.js';

const PREFIX = '/.well-known/acme-challenge/';
/** A key authorization is a token, a dot and a thumbprint: far below this. */
const MAX_SELF_CHECK_BODY = 16 * 1024;

/** Options of the HTTP-01 self-check. */
export interface Http01SelfCheckOptions {
  /**
   * Nameservers (`host`, `host:port`) to resolve `spec.dnsName` on.
   *
   * @defaultValue the system resolver (`getaddrinfo`)
   */
  nameservers?: string[];
  /**
   * The port to fetch the token from: where the ACME server will connect.
   *
   * @defaultValue `80`, as every public ACME CA
   */
  port?: number;
  /**
   * How long the whole self-check may take before it reports a failure.
   *
   * @defaultValue `10_000`
   */
  timeoutMs?: number;
}

/** Options of {@link createHttp01Solver}. */
export interface Http01SolverOptions {
  /**
   * When set, `present` starts a listener of the solver's own on this port (`0`: any free one),
   * once, on first use. Without it the host serves {@link Http01Solver.handler} itself or calls
   * {@link Http01Solver.listen}.
   *
   * @defaultValue none
   */
  port?: number;
  /**
   * The address that lazily started listener binds.
   *
   * @remarks
   * Loopback by default, so that merely setting a port never exposes a server to the network
   * by surprise: behind a reverse proxy that forwards `/.well-known/acme-challenge/` this is
   * what you want. To take the CA's connections directly, set `'0.0.0.0'` (or `'::'`).
   *
   * @defaultValue `'127.0.0.1'`
   */
  host?: string;
  /**
   * The self-check: fetch the token the way the CA will and compare the body with the key
   * authorization. `false` turns it off (the solver then has no `selfCheck`).
   *
   * @defaultValue `{}` (system resolver, port 80, 10 s)
   */
  selfCheck?: false | Http01SelfCheckOptions;
}

/** A node:http request handler, also usable as Express or Connect middleware. */
export type Http01Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: unknown) => void,
) => void;

/** The built-in HTTP-01 solver. */
export interface Http01Solver extends Solver {
  /**
   * Answers `GET`/`HEAD /.well-known/acme-challenge/<token>` for a presented token with `200
   * text/plain` and its key authorization; anything else under that path gets 404 (405 for other
   * methods). Other paths go to `next` when given, else get 404.
   */
  readonly handler: Http01Handler;
  /**
   * Starts the solver's own listener serving {@link Http01Solver.handler}; resolves with the
   * bound address. When it already listens, resolves with the current address.
   *
   * @param opts - `host` defaults to the solver's `host` option, `port` to its `port` option,
   * else `0` (any free port).
   */
  listen(opts?: { host?: string; port?: number }): Promise<{ port: number; host: string }>;
  /** Stops the solver's own listener, if any. Tokens stay presented. Idempotent. */
  close(): Promise<void>;
  /** How many tokens are presented now. */
  tokens(): number;
}

/** Parses the path of a request target, ignoring the query and fragment. */
function requestPath(url: string | undefined): string {
  const target = url ?? '/';
  if (target.startsWith('/')) return target.split(/[?#]/, 1)[0] ?? '/';
  try {
    // Absolute-form targets (`GET http://host/path`), as proxies may send.
    return new URL(target).pathname;
  } catch {
    return '';
  }
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  head: boolean,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(head ? undefined : body);
}

/** Shortens what a server sent for a readable self-check reason. */
function excerpt(body: string): string {
  const trimmed = body.trim();
  return JSON.stringify(trimmed.length > 80 ? `${trimmed.slice(0, 80)}...` : trimmed);
}

/** GETs `path` from `address:port` with the `Host` header, as the ACME server will. */
function fetchToken(
  address: string,
  port: number,
  hostHeader: string,
  path: string,
  signal: AbortSignal,
): Promise<{ status: number; body: string; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: address,
        port,
        path,
        method: 'GET',
        headers: { host: hostHeader },
        signal,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > MAX_SELF_CHECK_BODY) res.destroy();
        });
        res.on('close', () =>
          resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Creates the built-in HTTP-01 solver.
 *
 * @remarks
 * `present` adds `spec.token → spec.key` to an in-memory map and `cleanUp` removes it, so the
 * solver serves challenges only from the process that presented them. With several processes
 * behind one load balancer, use a solver backed by shared storage instead.
 *
 * The self-check resolves `spec.dnsName` (A and AAAA), fetches the token from every address and
 * passes when each body, trimmed, equals the key authorization. Redirects are reported, not
 * followed.
 *
 * @example
 * ```ts
 * // Serve from an existing server:
 * const http01 = createHttp01Solver();
 * http.createServer((req, res) => http01.handler(req, res, () => app(req, res))).listen(80);
 *
 * // Or let the solver listen itself, on all interfaces, on first use:
 * const engine = createEngine({
 *   store,
 *   solvers: { http01: createHttp01Solver({ port: 80, host: '0.0.0.0' }) },
 * });
 * ```
 */
export function createHttp01Solver(options: Http01SolverOptions = {}): Http01Solver {
  const keys = new Map<string, string>();
  const defaultHost = options.host ?? '127.0.0.1';
  let server: Server | undefined;
  let listening: Promise<{ port: number; host: string }> | undefined;

  const handler: Http01Handler = (req, res, next) => {
    const path = requestPath(req.url);
    if (!path.startsWith(PREFIX)) {
      if (next !== undefined) next();
      else reply(res, 404, 'not found\n', req.method === 'HEAD');
      return;
    }
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      reply(res, 405, 'method not allowed\n', false, { allow: 'GET, HEAD' });
      return;
    }
    // Exact tokens only: anything outside base64url (dots, slashes, escapes) cannot match.
    const token = path.slice(PREFIX.length);
    const key = isToken(token) ? keys.get(token) : undefined;
    if (key === undefined) reply(res, 404, 'not found\n', head);
    else reply(res, 200, key, head);
  };

  async function listen(
    opts: { host?: string; port?: number } = {},
  ): Promise<{ port: number; host: string }> {
    listening ??= new Promise<{ port: number; host: string }>((resolve, reject) => {
      const created = createServer((req, res) => handler(req, res));
      created.once('error', reject);
      created.listen(opts.port ?? options.port ?? 0, opts.host ?? defaultHost, () => {
        created.off('error', reject);
        server = created;
        const address = created.address() as AddressInfo;
        resolve({ port: address.port, host: address.address });
      });
    }).catch((err: unknown) => {
      listening = undefined;
      throw new SolverError(
        `HTTP-01 solver could not listen on ${opts.host ?? defaultHost}:${String(opts.port ?? options.port ?? 0)}`,
        { cause: err },
      );
    });
    return listening;
  }

  async function close(): Promise<void> {
    const pending = listening;
    listening = undefined;
    await pending?.catch(() => undefined);
    const current = server;
    server = undefined;
    if (current === undefined) return;
    await new Promise<void>((resolve) => {
      current.close(() => resolve());
      // Keep-alive connections would hold close() open until they time out.
      current.closeAllConnections();
    });
  }

  const solver: Http01Solver = {
    types: ['HTTP-01'],
    handler,
    listen,
    close,
    tokens: () => keys.size,

    async present(challenge, ctx) {
      ctx.signal.throwIfAborted();
      validateChallenge(challenge, 'HTTP-01', true);
      keys.set(challenge.spec.token, challenge.spec.key);
      if (options.port !== undefined) await listen();
    },

    // No signal check: removing a map entry cannot block, and skipping it would leave the token
    // served after the engine gave up on the challenge.
    async cleanUp(challenge) {
      // Leave a token re-presented by another challenge with another key alone.
      if (keys.get(challenge.spec.token) === challenge.spec.key) keys.delete(challenge.spec.token);
    },
  };

  if (options.selfCheck !== false) {
    const check = options.selfCheck ?? {};
    solver.selfCheck = (challenge, ctx) => selfCheck(challenge, ctx, check);
  }
  return solver;
}

async function selfCheck(
  challenge: Challenge,
  ctx: SolverContext,
  options: Http01SelfCheckOptions,
): Promise<SelfCheckResult> {
  ctx.signal.throwIfAborted();
  validateChallenge(challenge, 'HTTP-01', true);
  const { dnsName, token, key } = challenge.spec;
  const port = options.port ?? 80;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  const hostHeader = port === 80 ? dnsName : `${dnsName}:${port}`;
  const path = `${PREFIX}${token}`;
  try {
    const addresses = await queryAddresses(dnsName, options.nameservers, signal);
    if (!addresses.ok)
      return { ok: false, reason: `DNS lookup of ${dnsName} failed: ${addresses.code}` };
    const problems: string[] = [];
    for (const address of addresses.values) {
      const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}${path}`;
      try {
        const res = await fetchToken(address, port, hostHeader, path, signal);
        if (res.status === 200 && res.body.trim() === key) continue;
        problems.push(
          res.status >= 300 && res.status < 400
            ? `${url} answered ${res.status} to ${res.location ?? '(no Location)'}, redirects are not followed by the self-check`
            : `${url} answered ${res.status} with ${excerpt(res.body)}, not the key authorization`,
        );
      } catch (err) {
        ctx.signal.throwIfAborted();
        if (signal.aborted) throw err;
        const code = (err as { code?: unknown }).code;
        problems.push(`${url} failed: ${typeof code === 'string' ? code : String(err)}`);
      }
    }
    return problems.length === 0
      ? { ok: true }
      : {
          ok: false,
          reason: `self-check of ${dnsName} (Host ${hostHeader}): ${problems.join('; ')}`,
        };
  } catch (err) {
    ctx.signal.throwIfAborted();
    if (signal.aborted)
      return { ok: false, reason: `self-check of ${dnsName} timed out after ${timeoutMs} ms` };
    throw err;
  }
}
