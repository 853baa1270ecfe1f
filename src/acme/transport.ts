/**
 * The HTTP transport of one ACME client: its own TLS trust and keep-alive agent, a deadline per
 * request, no hidden retries, and a pool of the `Replay-Nonce`s the server hands out.
 *
 * @remarks
 * acme-client 5.4 sends every request through one module-wide axios instance whose interceptor
 * retries 5xx, 429 and network failures up to five times with waits of 5 s to 25 s (about a
 * minute and a quarter in all), configured through global defaults, and reports a spent network
 * failure as a TypeError. None of that can be set per client, so the adapter replaces the
 * `request()` of the client's own `HttpClient` with this transport; the shared axios instance is
 * never used nor touched.
 *
 * `Retry-After` on an error answer (429, 503) holds back every later request to that URL until
 * the time given: such a request is refused locally with a transient error that carries the time
 * left, so no caller (several controllers and clients share a URL such as `newNonce`) can reach
 * the server early. The server's wish is honoured at the wire, not left to each caller's backoff.
 *
 * @packageDocumentation
 */

import * as http from 'node:http';
import * as https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { Clock } from '../clock.js';
import { AcmeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { acmeErrorFromNetwork, acmeErrorFromResponse } from './classify.js';

/** An answer, in the shape acme-client's `HttpClient` reads (`status`, `headers`, `data`). */
export interface TransportResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON for JSON media types, else the body text. */
  data: unknown;
  /** Targets of `Link: <…>;rel="alternate"` headers, resolved against the request URL. */
  alternates: string[];
}

/** What acme-client passes to `HttpClient.request()`; only the body is used. */
export interface TransportRequestOptions {
  data?: unknown;
}

/** Settings of {@link createTransport}. */
export interface TransportOptions {
  caBundlePem?: string;
  skipTLSVerify: boolean;
  requestTimeoutMs: number;
  userAgent: string;
  clock: Clock;
  logger: Logger;
  /**
   * The `Retry-After` holds, shared by the transports of one port.
   *
   * @defaultValue holds of this transport's own
   */
  holds?: RetryAfterHolds;
}

/**
 * The URLs an ACME server asked not to be requested again before a time (`Retry-After` on an
 * error answer), shared by every client of one port: the wait is the server's, whichever account
 * asks.
 */
export class RetryAfterHolds {
  /** URL → the time (clock ms) before which no request may be sent to it. */
  readonly #until = new Map<string, number>();

  /** The milliseconds `url` is still held at `now`, or 0. */
  remaining(url: string, now: number): number {
    const until = this.#until.get(url);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.#until.delete(url);
    return 0;
  }

  /** Holds `url` until `until` (a later hold wins). */
  hold(url: string, until: number, now: number): void {
    if (this.#until.size >= MAX_HELD_URLS) {
      for (const [held, at] of this.#until) if (at <= now) this.#until.delete(held);
    }
    // A full map of live holds keeps the ones it has: forgetting a hold only risks a refusal.
    if (this.#until.size < MAX_HELD_URLS || this.#until.has(url)) {
      this.#until.set(url, Math.max(until, this.#until.get(url) ?? 0));
    }
  }
}

/** A per-client HTTP transport. */
export interface Transport {
  /**
   * Sends one request. Resolves with 2xx answers only; rejects with an {@link AcmeError} for any
   * other status (3xx included: ACME needs no redirects) and for network failures.
   */
  request(
    url: string,
    method: string,
    options?: TransportRequestOptions,
  ): Promise<TransportResponse>;
  /** A fresh nonce from an earlier answer, or undefined when none is left. */
  takeNonce(): string | undefined;
}

/** Larger answers are refused: a chain is a few kilobytes, an order a few hundred bytes. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Nonces kept for reuse; the newest is used first, and the oldest dropped, as older ones are
 * likelier to have expired on the server. A burst of answers on up to {@link MAX_SOCKETS}
 * connections hands back that many at once: with room for 8, 100 certificates at concurrency 25
 * asked newNonce 93 times, with 32 about 25 times, with no more `badNonce` rejections.
 */
const MAX_POOLED_NONCES = 32;
/** URLs held back by `Retry-After` at once; past this, the ones whose time has come are dropped. */
const MAX_HELD_URLS = 256;
/**
 * Connections one client keeps open to its ACME server at once. A burst of steps (many
 * certificates at a time) then waits briefly for a kept-alive socket instead of opening, and
 * handshaking, one connection per request; the wait counts against `requestTimeoutMs`.
 */
const MAX_SOCKETS = 16;

/**
 * Creates the transport of one client.
 *
 * @example
 * ```ts
 * const transport = createTransport({ skipTLSVerify: false, requestTimeoutMs: 30_000,
 *   userAgent: 'certflow', clock: systemClock, logger: silentLogger });
 * const directory = await transport.request(directoryUrl, 'get');
 * ```
 */
export function createTransport(options: TransportOptions): Transport {
  const nonces: string[] = [];
  const holds = options.holds ?? new RetryAfterHolds();
  let httpsAgent: https.Agent | undefined;
  let httpAgent: http.Agent | undefined;

  const agentFor = (protocol: string): http.Agent =>
    protocol === 'https:'
      ? (httpsAgent ??= new https.Agent({
          keepAlive: true,
          maxSockets: MAX_SOCKETS,
          rejectUnauthorized: !options.skipTLSVerify,
          // `ca` replaces the default trust store, so the system roots are listed with the bundle.
          // They are parsed once into a secure context for this client: passed as `ca`, every new
          // connection would parse all of them again and every request would key its pool on them.
          ...(options.caBundlePem === undefined
            ? {}
            : {
                secureContext: createSecureContext({
                  ca: [...rootCertificates, options.caBundlePem],
                }),
              }),
        }))
      : (httpAgent ??= new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }));

  const request = (
    url: string,
    method: string,
    requestOptions: TransportRequestOptions = {},
  ): Promise<TransportResponse> => {
    const verb = method.toUpperCase();
    const context = { method: verb, url };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.reject(new AcmeError(`not a URL: ${url}`, { transient: false }));
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      return Promise.reject(
        new AcmeError(`unsupported URL scheme ${target.protocol} in ${url}`, { transient: false }),
      );
    }
    const body =
      requestOptions.data === undefined || requestOptions.data === null
        ? undefined
        : Buffer.from(JSON.stringify(requestOptions.data), 'utf8');
    const headers: http.OutgoingHttpHeaders = { 'user-agent': options.userAgent };
    if (body !== undefined) {
      headers['content-type'] = 'application/jose+json';
      headers['content-length'] = body.length;
    }
    const started = options.clock.now();
    const held = holds.remaining(url, started);
    if (held > 0) {
      return Promise.reject(
        new AcmeError(
          `not sending ${verb} ${url}: the ACME server asked to wait ${held} ms more (Retry-After)`,
          { transient: true, retryAfterMs: held },
        ),
      );
    }

    return new Promise<TransportResponse>((resolve, reject) => {
      let settled = false;
      let failure: 'timeout' | 'too-large' | undefined;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        outcome();
      };
      const fail = (err: Error): void => {
        settle(() => {
          if (failure === 'timeout') {
            reject(
              new AcmeError(
                `ACME request timed out after ${options.requestTimeoutMs} ms (${verb} ${url})`,
                { transient: true },
              ),
            );
          } else if (failure === 'too-large') {
            reject(
              new AcmeError(`ACME answer larger than ${MAX_BODY_BYTES} bytes (${verb} ${url})`, {
                transient: false,
              }),
            );
          } else {
            reject(acmeErrorFromNetwork(err, context));
          }
        });
      };

      const client = target.protocol === 'https:' ? https : http;
      const req = client.request(
        target,
        { method: verb, agent: agentFor(target.protocol), headers },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              failure = 'too-large';
              req.destroy(new Error('answer too large'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', fail);
          res.on('end', () =>
            settle(() => {
              try {
                const response = toResponse(res, Buffer.concat(chunks), target);
                options.logger.debug('ACME request', {
                  method: verb,
                  url,
                  status: response.status,
                  durationMs: options.clock.now() - started,
                });
                // Signed requests answer with a fresh nonce; reusing it saves a HEAD newNonce.
                const nonce = response.headers['replay-nonce'];
                if (verb === 'POST' && nonce !== undefined) keepNonce(nonce);
                if (response.status < 200 || response.status > 299) {
                  const now = options.clock.now();
                  const error = acmeErrorFromResponse(response, { ...context, now });
                  if (error.retryAfterMs !== undefined && error.retryAfterMs > 0) {
                    holds.hold(url, now + error.retryAfterMs, now);
                  }
                  reject(error);
                } else {
                  resolve(response);
                }
              } catch (err) {
                reject(err);
              }
            }),
          );
        },
      );
      const timer = options.clock.setTimer(() => {
        failure = 'timeout';
        req.destroy(new Error('request timed out'));
      }, options.requestTimeoutMs);
      req.on('error', fail);
      req.end(body);
    });
  };

  const keepNonce = (nonce: string): void => {
    nonces.push(nonce);
    if (nonces.length > MAX_POOLED_NONCES) nonces.shift();
  };

  return {
    request,
    // The newest nonce is the least likely to have expired.
    takeNonce: () => nonces.pop(),
  };
}

function toResponse(res: http.IncomingMessage, raw: Buffer, target: URL): TransportResponse {
  const status = res.statusCode ?? 0;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const text = raw.toString('utf8');
  let data: unknown = text;
  if (/json/i.test(headers['content-type'] ?? '') && text !== '') {
    try {
      data = JSON.parse(text) as unknown;
    } catch {
      // An error page in a JSON media type still gets classified by its status.
      if (status >= 200 && status <= 299) {
        throw new AcmeError(`ACME answer is not valid JSON (${target.href})`, { transient: false });
      }
      data = undefined;
    }
  }
  return { status, headers, data, alternates: alternateLinks(res.headersDistinct['link'], target) };
}

/** Reads `Link` header values (each possibly a comma-separated list) for `rel="alternate"`. */
export function alternateLinks(values: readonly string[] | undefined, base: URL): string[] {
  const links: string[] = [];
  for (const value of values ?? []) {
    for (const match of value.matchAll(/<([^>]*)>([^,]*)/g)) {
      const [, ref, params] = match;
      if (ref === undefined || params === undefined) continue;
      const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(params);
      const rel = rels?.[1] ?? rels?.[2] ?? '';
      if (!rel.split(/\s+/).includes('alternate')) continue;
      try {
        links.push(new URL(ref, base).href);
      } catch {
        // An unreadable link is no alternate chain.
      }
    }
  }
  return links;
}
