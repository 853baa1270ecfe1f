/**
 * The Solver port: how certflow makes an ACME challenge's key visible to the CA.
 *
 * @packageDocumentation
 */

import type { ACMEChallengeType, Challenge } from '../domain/types.js';
import type { Logger } from '../logger.js';

/** What a solver receives with every call. */
export interface SolverContext {
  /**
   * Aborted when the engine stops or the step times out. A solver MUST stop waiting and reject
   * (with `signal.reason`) soon after it is aborted, and SHOULD check it before doing anything.
   */
  signal: AbortSignal;
  /**
   * The issuer's `dns01.webhook.config` for this challenge, as written in the manifest; a solver
   * SHOULD validate it before use.
   */
  config?: unknown;
  /** Where to log. Fields MUST NOT contain private key material. */
  logger?: Logger;
}

/** The outcome of a self-check. */
export interface SelfCheckResult {
  /** Whether the key is visible the way the ACME server will look for it. */
  ok: boolean;
  /** When not ok: what was seen instead, in words a user can act on. */
  reason?: string;
}

/**
 * Solves challenges of some types by publishing `spec.key` where the ACME server looks for it.
 *
 * @remarks
 * A solver receives the Challenge resource as cert-manager's solvers do: `spec.type`,
 * `spec.dnsName` (without `*.`), `spec.wildcard`, `spec.token`, and `spec.key`, the value to
 * publish (HTTP-01: the key authorization at `/.well-known/acme-challenge/<token>`; DNS-01: the
 * TXT value at `_acme-challenge.<dnsName>`).
 *
 * The engine calls `present`, then `wait` and `selfCheck` (again after an interval while the
 * self-check fails), then tells the CA to validate, and runs `cleanUp` once the challenge reaches
 * a terminal state, even if `present` never ran or failed. A process may die between any two
 * calls and resume from the Store, so every method MUST be safe to call again.
 *
 * Errors: throw a `SolverError` with `transient: false` for failures a retry cannot fix (bad
 * configuration); anything else is retried with backoff.
 *
 * `solverContract` in `certflow/testing` checks a solver against this contract.
 */
export interface Solver {
  /** The challenge types this solver handles. MUST NOT be empty. */
  readonly types: readonly ACMEChallengeType[];
  /**
   * Publishes `challenge.spec.key`. MUST return quickly (start the change, do not wait for it to
   * propagate: that belongs in `wait`) and MUST be idempotent: presenting the same challenge
   * twice publishes it once.
   */
  present(challenge: Challenge, ctx: SolverContext): Promise<void>;
  /**
   * Removes what `present` published. MUST NOT assume `present` ran or succeeded, MUST succeed
   * when there is nothing to remove, and MUST be idempotent. SHOULD remove only this challenge's
   * value, leaving others published for the same name.
   */
  cleanUp(challenge: Challenge, ctx: SolverContext): Promise<void>;
  /**
   * Waits, if needed, until a presented value has propagated (DNS). Slow waiting goes here, not
   * in `present`. SHOULD return (not throw) when it gives up, so that `selfCheck` can say why.
   */
  wait?(challenge: Challenge, ctx: SolverContext): Promise<void>;
  /**
   * Checks, from here, that the value is visible the way the ACME server will look for it, so a
   * misconfiguration does not cost a failed validation. SHOULD report what it saw in `reason`
   * rather than throw; MUST reject when `ctx.signal` is aborted.
   */
  selfCheck?(challenge: Challenge, ctx: SolverContext): Promise<SelfCheckResult>;
}
