import { solverFor } from '../controllers/challenges/challenges-controller.js';
import { rfc3339, type ControllerContext } from '../controllers/context.js';
import type { Challenge, Resource, ResourceKind } from '../domain/types.js';
import { CertflowError } from '../errors.js';
import { keyOf } from './resources.js';

/**
 * What each kind can own, in the order it is collected: only these are listed when it goes, so
 * that deleting one request does not read every Secret.
 */
const ownedKinds: Partial<Record<ResourceKind, readonly ResourceKind[]>> = {
  Certificate: ['CertificateRequest', 'Secret'],
  CertificateRequest: ['Order'],
  Order: ['Challenge'],
};

type GarbageCollectorContext = Pick<
  ControllerContext,
  'resources' | 'solvers' | 'signal' | 'logger' | 'clock'
>;

/** Runs `step` on the current version of `key` again after a write conflict. */
async function onCurrent<T>(
  ctx: GarbageCollectorContext,
  key: string,
  step: (current: Resource) => Promise<T>,
): Promise<T | undefined> {
  for (;;) {
    const current = await ctx.resources.getByKey<Resource>(key);
    if (current === undefined) return undefined;
    try {
      return await step(current);
    } catch (err) {
      if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
    }
  }
}

/** Whether the challenge's solver may have published something that is not cleaned up yet. */
function mayBePresented(challenge: Challenge): boolean {
  const status = challenge.status;
  if (status?.cleanedUp === true) return false;
  // Presenting is written before the solver's present() runs, presented only after it returns.
  return status?.presented === true || status?.phase === 'Presenting';
}

/**
 * Deletes `resource` and, depth first, everything it owns (through owner references), as
 * Kubernetes' garbage collector does with foreground deletion.
 *
 * @remarks
 * The resource is first marked with `metadata.deletionTimestamp`, so that its controller stops
 * working on it (and, for a Certificate, stops making new requests) while its dependents go. A
 * Challenge whose solver may have published its key is cleaned up through the solver before it
 * is removed, so no token or TXT record outlives it.
 */
export async function deleteWithDependents(
  ctx: GarbageCollectorContext,
  resource: Resource,
): Promise<void> {
  const key = keyOf(resource);
  if (resource.kind === 'Secret') {
    // Nothing reconciles or is owned by a Secret: no mark is needed to stop work on it first.
    await onCurrent(ctx, key, (current) => ctx.resources.remove(current));
    return;
  }
  const marked = await onCurrent(ctx, key, async (current) =>
    current.metadata.deletionTimestamp !== undefined
      ? current
      : ctx.resources.update({
          ...current,
          metadata: { ...current.metadata, deletionTimestamp: rfc3339(ctx.clock.now()) },
        }),
  );
  if (marked === undefined) return;
  const uid = marked.metadata.uid;
  if (uid !== undefined) {
    for (const kind of ownedKinds[marked.kind] ?? []) {
      const owned = (await ctx.resources.list(kind, marked.metadata.namespace)).filter((r) =>
        r.metadata.ownerReferences?.some((o) => o.uid === uid),
      );
      for (const child of owned) await deleteWithDependents(ctx, child);
    }
  }
  if (marked.kind === 'Challenge' && mayBePresented(marked)) {
    const picked = solverFor(ctx.solvers, marked);
    if ('solver' in picked) {
      await picked.solver.cleanUp(marked, {
        signal: ctx.signal,
        config: picked.config,
        logger: ctx.logger,
      });
    }
  }
  await onCurrent(ctx, key, (current) => ctx.resources.remove(current));
}
