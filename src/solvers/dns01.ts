/**
 * DNS-01: a solver built on two callbacks that set and remove a TXT record at a DNS provider,
 * with a propagation wait and self-check on chosen nameservers.
 *
 * @packageDocumentation
 */

import { createHash } from 'node:crypto';
import { sleep, systemClock, type Clock } from '../clock.js';
import type { Challenge } from '../domain/types.js';
import { CertflowError, SolverError, ValidationError } from '../errors.js';
import { queryTxt } from './dns-query.js';
import type { SelfCheckResult, Solver, SolverContext } from './types.js';
import { validateChallenge } from './validate-challenge.js';

/** How often `wait` queries while the record has not propagated. */
const POLL_INTERVAL_MS = 2_000;

/** Options of {@link createDns01Solver}. */
export interface Dns01SolverOptions {
  /**
   * Adds a TXT record `fqdn` (absolute, with a trailing dot) with `value`. MUST keep other values
   * of the same name (a wildcard and its apex publish two at once) and MUST be idempotent.
   */
  setRecord(fqdn: string, value: string, ctx: SolverContext): Promise<void>;
  /**
   * Removes the TXT value `value` of `fqdn`. MUST succeed when it does not exist and SHOULD
   * leave other values of the name alone.
   */
  removeRecord(fqdn: string, value: string, ctx: SolverContext): Promise<void>;
  /**
   * Nameservers (`host`, `host:port`) the self-check and `wait` query; the zone's authoritative
   * servers see a change first.
   *
   * @defaultValue the system resolver
   */
  nameservers?: string[];
  /**
   * How long `wait` polls (every 2 s) for the value to appear before it leaves the verdict to the
   * self-check. With `selfCheck: false`, `wait` sleeps this long instead, if set.
   *
   * @defaultValue `60_000` (with `selfCheck: false`: no wait)
   */
  propagationTimeoutMs?: number;
  /**
   * Whether to query the nameservers for the value before the CA is asked to validate.
   *
   * @defaultValue `true`
   */
  selfCheck?: boolean;
  /**
   * The clock `wait` sleeps and measures its timeout on.
   *
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

/**
 * The absolute name of the TXT record for `dnsName`: `_acme-challenge.<dnsName>.`.
 *
 * @remarks A leading `*.` is stripped (a wildcard is validated at its base name), as is a
 * trailing dot.
 *
 * @example
 * ```ts
 * dns01RecordName('*.example.com'); // '_acme-challenge.example.com.'
 * ```
 */
export function dns01RecordName(dnsName: string): string {
  const base = dnsName.replace(/\.$/, '').replace(/^\*\./, '');
  if (base === '' || /[\s*]/.test(base) || base.startsWith('.') || base.includes('..')) {
    throw new ValidationError('dnsName', `${JSON.stringify(dnsName)} is not a DNS name`);
  }
  return `_acme-challenge.${base}.`;
}

/**
 * The DNS-01 TXT value for a key authorization: base64url (unpadded) of its SHA-256 digest,
 * as RFC 8555 §8.4 defines.
 *
 * @example
 * ```ts
 * const value = computeDns01Value(`${token}.${accountThumbprint}`);
 * ```
 */
export function computeDns01Value(keyAuthorization: string): string {
  return createHash('sha256').update(keyAuthorization, 'utf8').digest('base64url');
}

/** Runs a provider callback, turning its failures into a transient SolverError. */
async function callProvider(what: string, fqdn: string, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (CertflowError.is(err)) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new SolverError(`DNS-01 ${what} of ${fqdn} failed: ${detail}`, { cause: err });
  }
}

/**
 * Creates a DNS-01 solver from a DNS provider's set and remove calls.
 *
 * @remarks
 * `present` calls `setRecord` and returns; `wait` polls the nameservers until the value shows;
 * `selfCheck` passes when `spec.key` is among the TXT values of `_acme-challenge.<dnsName>.`;
 * `cleanUp` calls `removeRecord`. The solver publishes `spec.key` as it is: cert-manager's
 * DNS-01 Challenge already carries the digest (see {@link computeDns01Value}).
 *
 * @example
 * ```ts
 * const dns01 = createDns01Solver({
 *   setRecord: (fqdn, value) => provider.addTxt(fqdn, value),
 *   removeRecord: (fqdn, value) => provider.deleteTxt(fqdn, value),
 *   nameservers: ['ns1.example.net'],
 * });
 * const engine = createEngine({ store, solvers: { 'my-dns': dns01 } });
 * ```
 */
export function createDns01Solver(options: Dns01SolverOptions): Solver {
  const clock = options.clock ?? systemClock;
  const nameservers = options.nameservers;
  const where =
    nameservers === undefined || nameservers.length === 0
      ? 'the system resolver'
      : nameservers.join(', ');

  async function check(challenge: Challenge, ctx: SolverContext): Promise<SelfCheckResult> {
    ctx.signal.throwIfAborted();
    validateChallenge(challenge, 'DNS-01', false);
    const fqdn = dns01RecordName(challenge.spec.dnsName);
    const answer = await queryTxt(fqdn, nameservers, ctx.signal);
    if (!answer.ok) return { ok: false, reason: `TXT ${fqdn} on ${where}: ${answer.code}` };
    if (answer.values.includes(challenge.spec.key)) return { ok: true };
    return {
      ok: false,
      reason: `TXT ${fqdn} on ${where} has ${JSON.stringify(answer.values)}, not the expected value`,
    };
  }

  const solver: Solver = {
    types: ['DNS-01'],

    async present(challenge, ctx) {
      ctx.signal.throwIfAborted();
      validateChallenge(challenge, 'DNS-01', false);
      const fqdn = dns01RecordName(challenge.spec.dnsName);
      await callProvider('setRecord', fqdn, () => options.setRecord(fqdn, challenge.spec.key, ctx));
    },

    async cleanUp(challenge, ctx) {
      ctx.signal.throwIfAborted();
      try {
        validateChallenge(challenge, 'DNS-01', false);
      } catch {
        // Nothing can have been presented for a challenge present would have refused.
        return;
      }
      const fqdn = dns01RecordName(challenge.spec.dnsName);
      await callProvider('removeRecord', fqdn, () =>
        options.removeRecord(fqdn, challenge.spec.key, ctx),
      );
    },
  };

  if (options.selfCheck === false) {
    const fixedWait = options.propagationTimeoutMs;
    if (fixedWait !== undefined && fixedWait > 0) {
      solver.wait = (_challenge, ctx) => sleep(clock, fixedWait, ctx.signal);
    }
    return solver;
  }

  const timeoutMs = options.propagationTimeoutMs ?? 60_000;
  solver.selfCheck = check;
  solver.wait = async (challenge, ctx) => {
    const start = clock.now();
    for (;;) {
      if ((await check(challenge, ctx)).ok) return;
      const left = timeoutMs - (clock.now() - start);
      // Give up quietly: the self-check that follows reports what is visible.
      if (left <= 0) return;
      await sleep(clock, Math.min(POLL_INTERVAL_MS, left), ctx.signal);
    }
  };
  return solver;
}
