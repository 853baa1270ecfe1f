/**
 * DNS queries the self-checks share: on chosen nameservers or the system resolver, cancelled by
 * an AbortSignal.
 *
 * @internal
 * @packageDocumentation
 */

import { Resolver, lookup } from 'node:dns/promises';

/** The outcome of a query: the answers, or the DNS error code (`ENODATA`, `ENOTFOUND`, ...). */
export type DnsAnswer = { ok: true; values: string[] } | { ok: false; code: string };

/** Per-try timeout of one query, so a dead nameserver fails in seconds, not the c-ares default. */
const QUERY_TIMEOUT_MS = 2_000;

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(err);
}

/**
 * Runs `query` on a fresh resolver for `nameservers` (`host`, `host:port` or `[v6]:port`),
 * cancelling it when `signal` aborts, in which case it rejects with the signal's reason.
 */
async function withResolver<T>(
  nameservers: readonly string[] | undefined,
  signal: AbortSignal,
  query: (resolver: Resolver) => Promise<T>,
): Promise<T> {
  signal.throwIfAborted();
  const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 2 });
  if (nameservers !== undefined && nameservers.length > 0) resolver.setServers([...nameservers]);
  const onAbort = (): void => resolver.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await query(resolver);
  } catch (err) {
    signal.throwIfAborted();
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The TXT values of `name` (each record's strings joined), or the DNS error code. */
export async function queryTxt(
  name: string,
  nameservers: readonly string[] | undefined,
  signal: AbortSignal,
): Promise<DnsAnswer> {
  return withResolver(nameservers, signal, async (resolver) => {
    try {
      const records = await resolver.resolveTxt(name);
      return { ok: true, values: records.map((chunks) => chunks.join('')) };
    } catch (err) {
      signal.throwIfAborted();
      return { ok: false, code: errorCode(err) };
    }
  });
}

/**
 * The IPv4 and IPv6 addresses of `name`. With `nameservers`, A and AAAA queries on them;
 * without, the system's `getaddrinfo` (so `/etc/hosts` counts, as it does for a local client).
 */
export async function queryAddresses(
  name: string,
  nameservers: readonly string[] | undefined,
  signal: AbortSignal,
): Promise<DnsAnswer> {
  if (nameservers === undefined || nameservers.length === 0) {
    signal.throwIfAborted();
    try {
      const found = await lookup(name, { all: true, verbatim: true });
      signal.throwIfAborted();
      return { ok: true, values: found.map((entry) => entry.address) };
    } catch (err) {
      signal.throwIfAborted();
      return { ok: false, code: errorCode(err) };
    }
  }
  return withResolver(nameservers, signal, async (resolver) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    signal.throwIfAborted();
    const values = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    if (values.length > 0) return { ok: true, values };
    // Prefer the A error: AAAA is often absent (ENODATA) where A says what went wrong.
    const failed = v4.status === 'rejected' ? v4 : v6.status === 'rejected' ? v6 : undefined;
    return { ok: false, code: failed === undefined ? 'ENODATA' : errorCode(failed.reason) };
  });
}
