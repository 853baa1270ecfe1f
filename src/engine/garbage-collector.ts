import { solverFor } from '../controllers/challenges/challenges-controller.js';
import type { ControllerContext } from '../controllers/context.js';
import type { Resource } from '../domain/types.js';
import { keyOf } from './resources.js';

/** The kinds that can be owned by another resource, in the order they are collected. */
const ownedKinds = ['CertificateRequest', 'Order', 'Challenge', 'Secret'] as const;

/**
 * Deletes `resource` and, depth first, everything it owns (through owner references), as
 * Kubernetes' garbage collector does with foreground deletion. A presented Challenge is cleaned up
 * through its solver before it is removed, so no token or TXT record outlives it.
 */
export async function deleteWithDependents(
  ctx: Pick<ControllerContext, 'resources' | 'solvers' | 'signal' | 'logger'>,
  resource: Resource,
): Promise<void> {
  const uid = resource.metadata.uid;
  if (uid !== undefined) {
    for (const kind of ownedKinds) {
      const owned = (await ctx.resources.list(kind, resource.metadata.namespace)).filter((r) =>
        r.metadata.ownerReferences?.some((o) => o.uid === uid),
      );
      for (const child of owned) await deleteWithDependents(ctx, child);
    }
  }
  if (resource.kind === 'Challenge' && resource.status?.presented === true) {
    const picked = solverFor(ctx.solvers, resource);
    if ('solver' in picked) {
      await picked.solver.cleanUp(resource, {
        signal: ctx.signal,
        config: picked.config,
        logger: ctx.logger,
      });
    }
  }
  const current = await ctx.resources.getByKey<Resource>(keyOf(resource));
  if (current !== undefined) await ctx.resources.remove(current);
}
