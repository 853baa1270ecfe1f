/**
 * A DNS-01 solver for tests that publishes through pebble-challtestsrv.
 *
 * @packageDocumentation
 */

import { createDns01Solver } from '../solvers/dns01.js';
import { queryTxt } from '../solvers/dns-query.js';
import type { Solver } from '../solvers/types.js';
import type { ChallTestSrv } from './pebble.js';

/**
 * Creates a DNS-01 solver whose records live in `srv`, checked on `srv`'s DNS server.
 *
 * @remarks
 * challtestsrv's API adds a TXT value or clears them all, so this solver reads the current
 * values from DNS first: presenting twice publishes once, and cleaning up puts back the values
 * of other challenges for the same name (a wildcard and its apex). Meant for one test at a time
 * per name, not for concurrent writers.
 *
 * @example
 * ```ts
 * const pebble = await startPebble();
 * const engine = createEngine({
 *   store,
 *   solvers: { challtestsrv: createChallTestSrvDns01Solver(pebble.challtestsrv) },
 * });
 * ```
 */
export function createChallTestSrvDns01Solver(srv: ChallTestSrv): Solver {
  const nameservers = [srv.dnsAddress];
  const current = async (fqdn: string, signal: AbortSignal): Promise<string[]> => {
    const answer = await queryTxt(fqdn, nameservers, signal);
    return answer.ok ? answer.values : [];
  };
  return createDns01Solver({
    nameservers,
    async setRecord(fqdn, value, ctx) {
      if (!(await current(fqdn, ctx.signal)).includes(value)) await srv.setTxt(fqdn, value);
    },
    async removeRecord(fqdn, value, ctx) {
      const values = await current(fqdn, ctx.signal);
      if (!values.includes(value)) return;
      await srv.clearTxt(fqdn);
      for (const other of new Set(values)) if (other !== value) await srv.setTxt(fqdn, other);
    },
  });
}
