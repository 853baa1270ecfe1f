import { getCondition } from '../../domain/conditions.js';
import { parseResourceKey, resourceKey } from '../../domain/keys.js';
import type { Challenge, ChallengePhase } from '../../domain/types.js';
import { AcmeError, CertflowError, SolverError } from '../../errors.js';
import { freezeSnapshot } from '../../events.js';
import {
  challengeEffects,
  isTerminalPhase,
  transitionChallenge,
  type ChallengeEffect,
  type ChallengeEvent,
} from '../../machine/index.js';
import type { Solver } from '../../solvers/index.js';
import { errorMessage, findIssuer, type Controller, type ControllerContext } from '../context.js';

/** The solver registered for a challenge's solver entry, with its webhook config. */
export function solverFor(
  solvers: Readonly<Record<string, Solver>>,
  challenge: Challenge,
): { solver: Solver; config?: unknown } | { error: string } {
  const entry = challenge.spec.solver;
  let name: string;
  let config: unknown;
  if (entry.dns01?.webhook !== undefined) {
    name = entry.dns01.webhook.solverName;
    config = entry.dns01.webhook.config;
  } else if (entry.dns01?.rfc2136 !== undefined) {
    name = 'rfc2136';
  } else if (entry.http01 !== undefined) {
    name = 'http01';
  } else {
    return { error: 'the challenge has no solver configuration' };
  }
  const solver = solvers[name];
  if (solver === undefined)
    return { error: `no solver named "${name}" is registered with the engine` };
  if (!solver.types.includes(challenge.spec.type)) {
    return { error: `solver "${name}" does not solve ${challenge.spec.type} challenges` };
  }
  return config === undefined ? { solver } : { solver, config };
}

/** An event after which the authorization is polled, with the server's `Retry-After` if any. */
function pollEvent(
  type: 'acceptSent' | 'authorizationPending',
  retryAfterMs: number | undefined,
): ChallengeEvent {
  return retryAfterMs === undefined ? { type } : { type, retryAfterMs };
}

/**
 * The challenges controller: runs the effects the challenge state machine asks for (sync, present,
 * self-check, accept, poll, clean up) and feeds their results back as events. Each new state is
 * written to the Store before the next effect starts.
 */
export function createChallengesController(
  ctx: ControllerContext,
  index: Map<string, Challenge>,
): Controller {
  const { resources } = ctx;

  /**
   * Whether the self-check of `challenge` has nothing to do: its solver neither waits nor checks,
   * so the check passes at once and leaves nothing outside the Store to record a state before.
   */
  function nothingToCheck(challenge: Challenge): boolean {
    const picked = solverFor(ctx.solvers, challenge);
    return (
      'solver' in picked &&
      picked.solver.wait === undefined &&
      picked.solver.selfCheck === undefined
    );
  }

  async function apply(challenge: Challenge, event: ChallengeEvent): Promise<Challenge> {
    const context = { now: ctx.clock.now(), policy: ctx.options.challengePolicy };
    const steps: { from: ChallengePhase; to: ChallengePhase; event: ChallengeEvent['type'] }[] = [];
    let next = challenge;
    for (let e: ChallengeEvent | undefined = event; e !== undefined;) {
      const from = next.status?.phase ?? 'Queued';
      next = transitionChallenge(next, e, context).next;
      steps.push({ from, to: next.status?.phase ?? 'Queued', event: e.type });
      // A self-check with nothing to check passes in the same write that records the
      // presentation: the machine still walks SelfCheck (and says so in its events), but no
      // side effect comes between the two states, so storing the first alone would buy nothing.
      e =
        next.status?.phase === 'SelfCheck' && nothingToCheck(next)
          ? { type: 'selfCheckPassed' }
          : undefined;
    }
    const written = await resources.update(next);
    for (const step of steps) {
      if (step.from === step.to) continue;
      ctx.emit('challenge:transition', {
        challenge: freezeSnapshot(written),
        from: step.from,
        to: step.to,
        event: step.event,
      });
      if (isTerminalPhase(step.to)) ctx.kickScheduler();
    }
    return written;
  }

  /** A step that failed and will be retried: logged and evented, never silent. */
  function reportRetry(challenge: Challenge, effect: ChallengeEffect, err: unknown): void {
    const key = resourceKey('Challenge', challenge.metadata.namespace, challenge.metadata.name);
    ctx.logger.warn('challenge step failed, retrying', {
      challenge: key,
      step: effect.type,
      error: errorMessage(err),
    });
    if (ctx.signal.aborted) return;
    ctx.emit('error', {
      error: err instanceof Error ? err : new Error(String(err)),
      controller: 'challenges',
      key,
    });
  }

  async function runEffect(
    challenge: Challenge,
    effect: ChallengeEffect,
    signal: AbortSignal,
  ): Promise<ChallengeEvent> {
    const picked = solverFor(ctx.solvers, challenge);
    if (effect.type === 'cleanUp') {
      if ('error' in picked) return { type: 'cleanedUp' };
      try {
        await picked.solver.cleanUp(challenge, {
          signal,
          config: picked.config,
          logger: ctx.logger,
        });
        return { type: 'cleanedUp' };
      } catch (err) {
        reportRetry(challenge, effect, err);
        return { type: 'cleanUpFailed', reason: errorMessage(err) };
      }
    }
    if ('error' in picked && (effect.type === 'present' || effect.type === 'selfCheck')) {
      return { type: 'failed', reason: picked.error };
    }
    try {
      switch (effect.type) {
        case 'present': {
          const { solver, config } = picked as { solver: Solver; config?: unknown };
          await solver.present(challenge, { signal, config, logger: ctx.logger });
          return { type: 'presented' };
        }
        case 'selfCheck': {
          const { solver, config } = picked as { solver: Solver; config?: unknown };
          const solverCtx = { signal, config, logger: ctx.logger };
          if (solver.wait !== undefined) await solver.wait(challenge, solverCtx);
          if (solver.selfCheck === undefined) return { type: 'selfCheckPassed' };
          const result = await solver.selfCheck(challenge, solverCtx);
          return result.ok
            ? { type: 'selfCheckPassed' }
            : { type: 'selfCheckFailed', reason: result.reason ?? 'self check failed' };
        }
        default:
          return await acmeStep(challenge, effect);
      }
    } catch (err) {
      if (err instanceof AcmeError && !err.transient)
        return { type: 'failed', reason: err.message };
      if (err instanceof SolverError && !err.transient)
        return { type: 'failed', reason: err.message };
      // A challenge the solver rejects as malformed will not get better by retrying.
      if (CertflowError.is(err, 'ERR_VALIDATION')) return { type: 'failed', reason: err.message };
      reportRetry(challenge, effect, err);
      return {
        type: 'transientError',
        reason: errorMessage(err),
        ...(err instanceof AcmeError && err.retryAfterMs !== undefined
          ? { retryAfterMs: err.retryAfterMs }
          : {}),
      };
    }
  }

  async function acmeStep(challenge: Challenge, effect: ChallengeEffect): Promise<ChallengeEvent> {
    const issuer = await findIssuer(ctx, challenge.metadata.namespace, challenge.spec.issuerRef);
    if (
      issuer === undefined ||
      getCondition(issuer.status?.conditions, 'Ready')?.status !== 'True'
    ) {
      return { type: 'transientError', reason: 'the issuer is not ready' };
    }
    const client = await ctx.acmeClient(issuer);
    switch (effect.type) {
      case 'sync': {
        const authz = await client.getAuthorization(challenge.spec.authorizationURL);
        if (authz.status === 'valid') return { type: 'synced', state: 'valid' };
        const current = authz.challenges.find((c) => c.url === challenge.spec.url);
        return { type: 'synced', state: current?.status ?? authz.status };
      }
      case 'accept': {
        const accepted = await client.acceptChallenge(challenge.spec.url);
        return pollEvent('acceptSent', accepted.retryAfterMs);
      }
      case 'pollAuthorization': {
        const authz = await client.getAuthorization(challenge.spec.authorizationURL);
        if (authz.status === 'valid') return { type: 'authorizationValid' };
        if (authz.status === 'pending') {
          return pollEvent('authorizationPending', authz.retryAfterMs);
        }
        const current = authz.challenges.find((c) => c.url === challenge.spec.url);
        const problem = current?.error;
        return {
          type: 'authorizationInvalid',
          reason:
            problem === undefined
              ? `Authorization for ${challenge.spec.dnsName} is ${authz.status}`
              : `Authorization for ${challenge.spec.dnsName} failed: ${problem.type}: ${problem.detail ?? ''}`,
        };
      }
      default:
        throw new CertflowError('ERR_ENGINE', `unexpected effect ${effect.type}`);
    }
  }

  async function reconcile(key: string): Promise<number | undefined> {
    const ref = parseResourceKey(key);
    let challenge = await resources.get('Challenge', ref.namespace, ref.name);
    if (challenge === undefined) {
      index.delete(key);
      return undefined;
    }
    index.set(key, challenge);
    if (challenge.metadata.deletionTimestamp !== undefined) return finishDeletion(challenge);
    const phase = challenge.status?.phase ?? 'Queued';
    if (phase === 'Queued') {
      ctx.kickScheduler();
      return undefined;
    }
    const now = ctx.clock.now();
    if (!isTerminalPhase(phase)) {
      const deadline = challenge.status?.deadline;
      const owner = challenge.metadata.ownerReferences?.find((o) => o.kind === 'Order');
      const order =
        owner === undefined
          ? undefined
          : await resources.get('Order', challenge.metadata.namespace, owner.name);
      if (order === undefined || order.metadata.uid !== owner?.uid) {
        challenge = await apply(challenge, { type: 'orderGone' });
        return 0;
      }
      if (deadline !== undefined && now >= Date.parse(deadline)) {
        challenge = await apply(challenge, { type: 'timeout' });
        return 0;
      }
    }
    const [effect] = challengeEffects(challenge);
    if (effect === undefined) return undefined;
    const due = challenge.status?.nextAttemptAt;
    if (due !== undefined && Date.parse(due) > now) return Date.parse(due) - now;
    const event = await runEffect(challenge, effect, ctx.signal);
    try {
      await apply(challenge, event);
    } catch (err) {
      if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
      // Written by someone else meanwhile: reconcile again from what is stored.
      if (effect.type === 'present') await cleanUpIfDeleted(key, challenge);
      return 0;
    }
    return 0;
  }

  /**
   * A deletion the garbage collector began, which a killed process may not have finished: what
   * the solver may have published is cleaned up and the challenge removed, as a finalizer would.
   * Running alongside the collector is harmless: clean-up is idempotent, removal a
   * compare-and-set.
   */
  async function finishDeletion(challenge: Challenge): Promise<number | undefined> {
    const phase = challenge.status?.phase ?? 'Queued';
    const mayBePresented =
      challenge.status?.cleanedUp !== true && phase !== 'Queued' && phase !== 'Scheduled';
    const picked = solverFor(ctx.solvers, challenge);
    if (mayBePresented && 'solver' in picked) {
      try {
        await picked.solver.cleanUp(challenge, {
          signal: ctx.signal,
          config: picked.config,
          logger: ctx.logger,
        });
      } catch (err) {
        throw new SolverError(
          `clean-up of deleted challenge ${challenge.metadata.name} failed: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
    try {
      await resources.remove(challenge);
    } catch (err) {
      if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
      return 0;
    }
    return undefined;
  }

  /**
   * A challenge deleted while its solver was publishing: the collector's clean-up may have run
   * before the publication landed, and nothing else will ever clean it up.
   */
  async function cleanUpIfDeleted(key: string, challenge: Challenge): Promise<void> {
    const current = await resources.getByKey<Challenge>(key);
    if (current !== undefined && current.metadata.deletionTimestamp === undefined) return;
    const event = await runEffect(challenge, { type: 'cleanUp' }, ctx.signal);
    if (event.type === 'cleanUpFailed') {
      ctx.logger.error('could not clean up a challenge deleted while it was presented', {
        challenge: key,
        error: event.reason,
      });
    }
  }

  return { name: 'challenges', kind: 'Challenge', concurrency: 16, reconcile };
}
