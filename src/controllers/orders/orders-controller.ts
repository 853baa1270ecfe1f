import type { AcmeClient, AcmeOrderSnapshot } from '../../acme/index.js';
import { pemDecode } from '../../crypto/index.js';
import { getCondition } from '../../domain/conditions.js';
import { parseResourceKey, resourceKey } from '../../domain/keys.js';
import { selectSolver } from '../../domain/solver-selection.js';
import type {
  ACMEAuthorization,
  ACMEState,
  Challenge,
  ClusterIssuer,
  Issuer,
  Order,
  OrderStatus,
} from '../../domain/types.js';
import { AcmeError, CertflowError } from '../../errors.js';
import { freezeSnapshot } from '../../events.js';
import { isTerminalPhase, pollDelay } from '../../machine/index.js';
import {
  errorMessage,
  exponentialBackoff,
  findIssuer,
  rfc3339,
  shortHash,
  type Controller,
  type ControllerContext,
} from '../context.js';

/** The Challenge name for one authorization of an order. */
export function challengeNameFor(order: Order, authorizationUrl: string): string {
  return `${order.metadata.name}-${shortHash(authorizationUrl)}`;
}

function isFinished(order: Order): boolean {
  const state = order.status?.state;
  return (
    (state === 'valid' && order.status?.certificate !== undefined) ||
    state === 'invalid' ||
    state === 'errored' ||
    state === 'expired'
  );
}

/**
 * The looks at one ACME order the server is still working on: `pending` with its authorizations
 * valid, `processing`, or `valid` without a certificate URL yet.
 */
interface OrderPoll {
  /** The ACME order URL, so that a new order under the same name starts afresh. */
  url: string;
  /** The state the looks saw; a new state starts a new series. */
  state: ACMEState;
  /** Looks made in that state, the finalize answer included. */
  looks: number;
  /** Clock time before which the order is not looked at again. */
  dueAt: number;
}

/**
 * The orders controller: creates the ACME order, one Challenge per authorization that is not
 * already valid (solver chosen by the issuer's selectors), finalizes when ready and downloads the
 * chain. Every ACME call is preceded by a Store write of what is known so far.
 *
 * @remarks
 * An order the server is still working on is looked at again soon the first time
 * (`firstPollDelayMs`: after the finalize, or when it is still `pending` once its authorizations
 * are valid), then every `pollIntervalMs`, never before the server's `Retry-After`. Reconciles
 * that come earlier (the order's own writes, its Challenges changing) wait for that time too.
 */
export function createOrdersController(ctx: ControllerContext): Controller {
  const { resources } = ctx;
  const failures = new Map<string, number>();
  // In memory only: after a restart the first look is early again, which costs one request.
  const polls = new Map<string, OrderPoll>();

  /** Records a look that found the order still in the works; returns the wait until the next. */
  function nextLook(key: string, snapshot: AcmeOrderSnapshot): number {
    const previous = polls.get(key);
    const looks =
      previous?.url === snapshot.url && previous.state === snapshot.status ? previous.looks : 0;
    const delay = pollDelay(looks, ctx.options.challengePolicy, snapshot.retryAfterMs);
    polls.set(key, {
      url: snapshot.url,
      state: snapshot.status,
      looks: looks + 1,
      dueAt: ctx.clock.now() + delay,
    });
    return delay;
  }

  async function writeStatus(order: Order, status: OrderStatus): Promise<Order> {
    const next = await resources.updateIfChanged(order, { ...order, status });
    const from = order.status?.state;
    const to = next.status?.state;
    if (to !== undefined && to !== from) {
      ctx.emit('order:transition', { order: freezeSnapshot(next), from, to });
    }
    return next;
  }

  async function ensureChallenges(
    order: Order,
    issuer: Issuer | ClusterIssuer,
    client: AcmeClient,
    authorizations: readonly ACMEAuthorization[],
  ): Promise<Challenge[] | string> {
    const solvers = issuer.spec.acme?.solvers ?? [];
    const owned: Challenge[] = [];
    for (const authz of authorizations) {
      if (authz.initialState === 'valid') continue;
      const name = challengeNameFor(order, authz.url);
      const existing = await resources.get('Challenge', order.metadata.namespace, name);
      if (existing !== undefined) {
        owned.push(existing);
        continue;
      }
      const dnsName = authz.identifier ?? '';
      const wildcard = authz.wildcard === true;
      const picked = selectSolver(solvers, {
        dnsName: wildcard ? `*.${dnsName}` : dnsName,
        wildcard,
        labels: order.metadata.labels ?? {},
      });
      const wireType = picked?.type.toLowerCase();
      const offered = authz.challenges?.find((c) => c.type === wireType);
      if (picked === undefined || offered === undefined) {
        return `Failed to determine a valid solver configuration for the set of domains on the Order: no configured challenge solvers can be used for this challenge (${wildcard ? '*.' : ''}${dnsName})`;
      }
      const key =
        picked.type === 'DNS-01'
          ? await client.dns01Value(offered.token)
          : await client.keyAuthorization(offered.token);
      const challenge: Challenge = {
        apiVersion: 'acme.cert-manager.io/v1',
        kind: 'Challenge',
        metadata: {
          name,
          ...(order.metadata.namespace === undefined
            ? {}
            : { namespace: order.metadata.namespace }),
          ...(order.metadata.labels === undefined ? {} : { labels: { ...order.metadata.labels } }),
          ownerReferences: [
            {
              apiVersion: 'acme.cert-manager.io/v1',
              kind: 'Order',
              name: order.metadata.name,
              uid: order.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          url: offered.url,
          authorizationURL: authz.url,
          dnsName,
          wildcard,
          type: picked.type,
          token: offered.token,
          key,
          solver: structuredClone(picked.solver),
          issuerRef: { ...order.spec.issuerRef },
        },
        status: { phase: 'Queued', processing: false, presented: false },
      };
      try {
        owned.push(await resources.create(challenge));
      } catch (err) {
        if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
        const raced = await resources.get('Challenge', order.metadata.namespace, name);
        if (raced !== undefined) owned.push(raced);
      }
    }
    return owned;
  }

  async function step(
    key: string,
    order: Order,
    issuer: Issuer | ClusterIssuer,
    client: AcmeClient,
    created?: AcmeOrderSnapshot,
  ): Promise<number | undefined> {
    const status = order.status ?? {};
    if (status.url === undefined) {
      const identifiers = [
        ...(order.spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
        ...(order.spec.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ];
      // The one call whose result cannot be stored before it is made: a process killed before
      // the URL below is written orders once more, and the lost order expires on the server.
      const answer = await client.createOrder(identifiers);
      const written = await writeStatus(order, {
        ...status,
        url: answer.url,
        finalizeURL: answer.finalizeUrl,
        state: answer.status,
      });
      // Carries on with the answer, which lists the authorizations: fetching the order again
      // would only repeat it.
      return step(key, written, issuer, client, answer);
    }
    if (status.authorizations === undefined) {
      const snapshot = created ?? (await client.getOrder(status.url));
      const authorizations: ACMEAuthorization[] = [];
      for (const url of snapshot.authorizations) {
        const authz = await client.getAuthorization(url);
        authorizations.push({
          url,
          identifier: authz.identifier.value,
          wildcard: authz.wildcard,
          initialState: authz.status,
          challenges: authz.challenges.map((c) => ({ url: c.url, token: c.token, type: c.type })),
        });
      }
      await writeStatus(order, {
        ...status,
        state: snapshot.status,
        finalizeURL: snapshot.finalizeUrl,
        authorizations,
      });
      return 0;
    }

    if (status.state === 'pending') {
      const challenges = await ensureChallenges(order, issuer, client, status.authorizations);
      if (typeof challenges === 'string') {
        await writeStatus(order, {
          ...status,
          state: 'errored',
          reason: challenges,
          failureTime: rfc3339(ctx.clock.now()),
        });
        return undefined;
      }
      const failed = challenges.find(
        (c) => isTerminalPhase(c.status?.phase) && c.status?.phase !== 'Valid',
      );
      if (failed !== undefined) {
        const acmeOrder = await client.getOrder(status.url);
        await writeStatus(order, {
          ...status,
          state: acmeOrder.status === 'invalid' ? 'invalid' : 'errored',
          reason: `Failed to finalize Order: challenge for ${failed.spec.wildcard === true ? '*.' : ''}${failed.spec.dnsName} ended ${failed.status?.phase ?? ''}: ${failed.status?.reason ?? ''}`,
          failureTime: rfc3339(ctx.clock.now()),
        });
        return undefined;
      }
      if (!challenges.every((c) => c.status?.phase === 'Valid')) return undefined;
    }

    const poll = polls.get(key);
    if (poll?.url === status.url) {
      const wait = poll.dueAt - ctx.clock.now();
      if (wait > 0) return wait;
    }
    const acmeOrder = await client.getOrder(status.url);
    switch (acmeOrder.status) {
      case 'pending':
        // Authorizations are valid here but the server has not moved the order yet.
        await writeStatus(order, { ...status, state: 'pending' });
        return nextLook(key, acmeOrder);
      case 'ready': {
        // Stored before the finalize: a process killed after it finalizes again, which the port
        // answers with the order's state, so the step is safe to repeat.
        const ready = await writeStatus(order, { ...status, state: 'ready' });
        const csrDer = pemDecode(Buffer.from(order.spec.request, 'base64').toString('utf8'));
        const finalized = await client.finalizeOrder(
          status.finalizeURL ?? acmeOrder.finalizeUrl,
          status.url,
          csrDer,
        );
        await writeStatus(ready, { ...status, state: finalized.status });
        // The finalize answer is the first look at the order in its new state.
        return finalized.status === 'processing' ? nextLook(key, finalized) : 0;
      }
      case 'processing':
        await writeStatus(order, { ...status, state: 'processing' });
        return nextLook(key, acmeOrder);
      case 'valid': {
        if (acmeOrder.certificateUrl === undefined) return nextLook(key, acmeOrder);
        const chain = await client.downloadCertificate(
          acmeOrder.certificateUrl,
          issuer.spec.acme?.preferredChain,
        );
        await writeStatus(order, {
          ...status,
          state: 'valid',
          certificate: Buffer.from(chain).toString('base64'),
        });
        polls.delete(key);
        return undefined;
      }
      default: {
        const problem = acmeOrder.error;
        await writeStatus(order, {
          ...status,
          state: acmeOrder.status,
          reason:
            problem === undefined
              ? `Order is ${acmeOrder.status}`
              : `${problem.type}: ${problem.detail ?? ''}`,
          failureTime: rfc3339(ctx.clock.now()),
        });
        polls.delete(key);
        return undefined;
      }
    }
  }

  async function reconcile(key: string): Promise<number | undefined> {
    const ref = parseResourceKey(key);
    const order = await resources.get('Order', ref.namespace, ref.name);
    if (
      order === undefined ||
      order.metadata.deletionTimestamp !== undefined ||
      isFinished(order)
    ) {
      polls.delete(key);
      return undefined;
    }
    const issuer = await findIssuer(ctx, order.metadata.namespace, order.spec.issuerRef);
    if (
      issuer === undefined ||
      getCondition(issuer.status?.conditions, 'Ready')?.status !== 'True'
    ) {
      const kind = order.spec.issuerRef.kind === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer';
      ctx.waitForIssuer(
        resourceKey(
          kind,
          kind === 'Issuer' ? order.metadata.namespace : undefined,
          order.spec.issuerRef.name,
        ),
        'Order',
        key,
      );
      return undefined;
    }
    try {
      const client = await ctx.acmeClient(issuer);
      const delay = await step(key, order, issuer, client);
      failures.delete(key);
      return delay;
    } catch (err) {
      if (CertflowError.is(err, 'ERR_CONFLICT')) return 0;
      const n = (failures.get(key) ?? 0) + 1;
      failures.set(key, n);
      const transient = !(err instanceof AcmeError) || err.transient;
      if (!transient) {
        const current = await resources.get('Order', ref.namespace, ref.name);
        if (current !== undefined) {
          await writeStatus(current, {
            ...current.status,
            state: 'errored',
            reason: errorMessage(err),
            failureTime: rfc3339(ctx.clock.now()),
          });
        }
        failures.delete(key);
        return undefined;
      }
      ctx.logger.warn('order step failed, retrying', { order: key, error: errorMessage(err) });
      if (!ctx.signal.aborted) {
        ctx.emit('error', {
          error: err instanceof Error ? err : new Error(String(err)),
          controller: 'orders',
          key,
        });
      }
      const retryAfter = err instanceof AcmeError ? (err.retryAfterMs ?? 0) : 0;
      return Math.max(
        retryAfter,
        exponentialBackoff(n, ctx.options.retryBaseMs, ctx.options.retryMaxMs),
      );
    }
  }

  return { name: 'orders', kind: 'Order', concurrency: 8, reconcile };
}
