/**
 * A TLS-terminating proxy between certflow and Pebble that injects faults by rule: HTTP 500 and
 * 503, 429 with `Retry-After`, dropped connections and responses slower than the client waits.
 *
 * certflow trusts the proxy's own certificate (an Issuer's `caBundle`); the proxy trusts Pebble's.
 * Pebble's absolute URLs (directory, `Location`, `Link`, bodies) are rewritten to the proxy's
 * origin, so every later request comes back through the proxy.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as https from 'node:https';
import type * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The fault a proxy injects. */
export type FaultKind = 'none' | 'http500' | 'http503' | 'http429' | 'drop' | 'slow';

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Pebble's origin, such as `https://127.0.0.1:14000`. */
  upstreamOrigin: string;
  /** The PEM Pebble's listener certificate chains to. */
  upstreamCaPem: string;
  /** What to inject. */
  fault: FaultKind;
  /** The share of requests that get the fault, 0 to 1. */
  rate: number;
  /** Seed of the choice of requests, so a failing run can be replayed. @defaultValue 1 */
  seed?: number;
  /** `Retry-After` of a 429, in seconds. @defaultValue 1 */
  retryAfterSeconds?: number;
  /** How long a slow response is held back, in milliseconds. @defaultValue 1_500 */
  slowMs?: number;
  /**
   * A request to a URL that the client started this long after a 429 for it was sent (judged by
   * when its connection was opened or last freed), yet that arrives before its `Retry-After`, is a
   * violation; one started earlier was already on its way when the 429 left.
   *
   * @defaultValue 20
   */
  graceMs?: number;
}

/** A request that came before the time a 429 gave for its URL. */
export interface RetryAfterViolation {
  url: string;
  /** Milliseconds after the 429 was sent. */
  afterMs: number;
  /** The wait the 429 asked for, in milliseconds. */
  retryAfterMs: number;
}

/** What the proxy saw and did. */
export interface FaultProxyStats {
  /** Requests received. */
  requests: number;
  /** Faults injected, by variant (`http500:before`, `drop:after`, ...). */
  injected: Record<string, number>;
  /** Pebble answers passed on, by status. */
  upstreamStatus: Record<number, number>;
  /** `badNonce` rejections Pebble sent. */
  badNonce: number;
  /** Absolute Pebble URLs rewritten to the proxy's origin. */
  rewrites: number;
  /** Requests to a URL held back by a 429, by how long after the 429 they came. */
  retryAfterViolations: RetryAfterViolation[];
  /** Requests to URLs with a past 429 that came after its `Retry-After`: the holds observed. */
  retriesAfterHold: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `https://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The ACME directory through the proxy. */
  readonly directoryUrl: string;
  /** The proxy's certificate (PEM): what certflow must trust. */
  readonly caBundlePem: string;
  /** Base64 of {@link FaultProxy.caBundlePem}, for an Issuer's `spec.acme.caBundle`. */
  readonly caBundle: string;
  readonly stats: FaultProxyStats;
  /** Total faults injected. */
  injectedTotal(): number;
  stop(): Promise<void>;
}

/** A small seeded PRNG (mulberry32): the same seed picks the same requests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Starts a proxy on a free loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
  let key: string;
  let cert: string;
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=certflow fault proxy',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    key = await readFile(path.join(dir, 'key.pem'), 'utf8');
    cert = await readFile(path.join(dir, 'cert.pem'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const random = seededRandom(options.seed ?? 1);
  const retryAfterMs = (options.retryAfterSeconds ?? 1) * 1000;
  const slowMs = options.slowMs ?? 1_500;
  const graceMs = options.graceMs ?? 20;
  const upstream = new URL(options.upstreamOrigin);
  const agent = new https.Agent({ keepAlive: true, ca: options.upstreamCaPem });
  const stats: FaultProxyStats = {
    requests: 0,
    injected: {},
    upstreamStatus: {},
    badNonce: 0,
    rewrites: 0,
    retryAfterViolations: [],
    retriesAfterHold: 0,
  };
  /** URL → when its last 429 was sent and how long it asked to wait. */
  const holds = new Map<string, { sentAt: number; waitMs: number }>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  const count = (variant: string): void => {
    stats.injected[variant] = (stats.injected[variant] ?? 0) + 1;
  };
  const later = (fn: () => void, ms: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const rewrite = (text: string): string => {
    const parts = text.split(upstream.origin);
    stats.rewrites += parts.length - 1;
    return parts.join(origin);
  };

  const forward = (req: http.IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers['connection'];
      // As a reverse proxy does, unsigned requests name the upstream: Pebble then answers with
      // its own absolute URLs, which are rewritten. A signed POST keeps the proxy's Host, since
      // Pebble checks the JWS `url` against the Host it was asked for.
      if (req.method !== 'POST') headers['host'] = upstream.host;
      const out = https.request(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 502,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const relay = (answer: Upstream): { headers: http.OutgoingHttpHeaders; body: Buffer } => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || name === 'content-length' || name === 'connection') continue;
      if (name === 'transfer-encoding' || name === 'keep-alive') continue;
      headers[name] = Array.isArray(value) ? value.map(rewrite) : rewrite(value);
    }
    const type = String(answer.headers['content-type'] ?? '');
    const body = /json|pem|text/i.test(type)
      ? Buffer.from(rewrite(answer.body.toString('utf8')), 'utf8')
      : answer.body;
    headers['content-length'] = body.length;
    return { headers, body };
  };

  const problem = (
    res: http.ServerResponse,
    status: number,
    type: string,
    extra: http.OutgoingHttpHeaders = {},
  ): void => {
    const body = JSON.stringify({
      type: `urn:ietf:params:acme:error:${type}`,
      detail: `injected by the fault proxy (${status})`,
      status,
    });
    res.writeHead(status, {
      'content-type': 'application/problem+json',
      'content-length': Buffer.byteLength(body),
      ...extra,
    });
    res.end(body);
  };

  /** Per client port: when the client could last have started a request on that connection. */
  const socketFreeAt = new Map<number, number>();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    stats.requests += 1;
    const url = req.url ?? '/';
    const arrived = Date.now();
    const port = req.socket.remotePort ?? 0;
    // HTTP/1.1 without pipelining: the client started this request no earlier than the end of the
    // previous answer on this connection, or than the connection itself. Started before the 429
    // left, it was on its way already, however late it arrives on a loaded machine.
    const startedNoEarlierThan = socketFreeAt.get(port) ?? arrived;
    const hold = holds.get(url);
    if (hold !== undefined) {
      const afterMs = arrived - hold.sentAt;
      if (afterMs < hold.waitMs) {
        if (startedNoEarlierThan - hold.sentAt > graceMs)
          stats.retryAfterViolations.push({ url, afterMs, retryAfterMs: hold.waitMs });
      } else {
        stats.retriesAfterHold += 1;
        holds.delete(url);
      }
    }

    const faulty = options.fault !== 'none' && random() < options.rate;
    const coin = random();
    const send = (answer: Upstream): void => {
      const { headers, body: out } = relay(answer);
      res.writeHead(answer.status, headers);
      res.end(out);
    };
    const passOn = async (): Promise<Upstream> => {
      const answer = await forward(req, body);
      stats.upstreamStatus[answer.status] = (stats.upstreamStatus[answer.status] ?? 0) + 1;
      if (answer.status === 400 && answer.body.toString('utf8').includes('badNonce'))
        stats.badNonce += 1;
      return answer;
    };

    if (!faulty) {
      send(await passOn());
      return;
    }
    switch (options.fault) {
      case 'http500':
      case 'http503': {
        const status = options.fault === 'http500' ? 500 : 503;
        // Half the time the server did the work and only the answer is lost.
        if (coin < 0.5) {
          count(`${options.fault}:before`);
        } else {
          count(`${options.fault}:after`);
          await passOn();
        }
        problem(res, status, 'serverInternal');
        return;
      }
      case 'http429': {
        count('http429');
        holds.set(url, { sentAt: Date.now(), waitMs: retryAfterMs });
        problem(res, 429, 'rateLimited', { 'retry-after': String(retryAfterMs / 1000) });
        return;
      }
      case 'drop': {
        if (coin < 1 / 3) {
          count('drop:before');
          req.socket.destroy();
        } else if (coin < 2 / 3) {
          count('drop:after');
          await passOn();
          req.socket.destroy();
        } else {
          count('drop:mid-body');
          const answer = await passOn();
          const { headers, body: out } = relay(answer);
          res.writeHead(answer.status, headers);
          res.write(out.subarray(0, Math.floor(out.length / 2)));
          later(() => req.socket.destroy(), 10);
        }
        return;
      }
      case 'slow': {
        if (coin < 0.5) {
          count('slow:before');
          later(() => {
            if (!req.socket.destroyed) void passOn().then(send, () => req.socket.destroy());
          }, slowMs);
        } else {
          count('slow:after');
          const answer = await passOn();
          later(() => {
            if (!req.socket.destroyed) send(answer);
          }, slowMs);
        }
        return;
      }
      default:
        send(await passOn());
    }
  };

  const server = https.createServer({ key, cert, keepAliveTimeout: 5_000 }, (req, res) => {
    const port = req.socket.remotePort ?? 0;
    res.on('finish', () => socketFreeAt.set(port, Date.now()));
    handle(req, res).catch(() => {
      if (!res.headersSent) problem(res, 502, 'serverInternal');
      else req.socket.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    const port = socket.remotePort ?? 0;
    socketFreeAt.set(port, Date.now());
    socket.on('close', () => {
      sockets.delete(socket);
      socketFreeAt.delete(port);
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    directoryUrl: `${origin}/dir`,
    caBundlePem: cert,
    caBundle: Buffer.from(cert, 'utf8').toString('base64'),
    stats,
    injectedTotal: () => Object.values(stats.injected).reduce((a, b) => a + b, 0),
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
