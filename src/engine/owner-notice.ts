/**
 * Which changes of an owned object are worth a reconcile of its owner.
 *
 * @packageDocumentation
 */
import { getCondition } from '../domain/conditions.js';
import type { Challenge, CertificateRequest, Resource } from '../domain/types.js';

/** Challenge phases in which the owning Order has nothing to do: it waits for a terminal one. */
const WORKING_PHASES: ReadonlySet<string> = new Set([
  'Queued',
  'Scheduled',
  'Presenting',
  'SelfCheck',
  'Accepted',
]);

/**
 * Whether a change that left `child` as it is now should requeue the owners it names.
 *
 * @remarks
 * A Challenge is written about seven times before it ends and a CertificateRequest rewrites its
 * Pending message on every state of its Order; their owners only act on an ending. Each skipped
 * reconcile saves the owner's reads of itself and of its other children (controller-runtime's
 * predicates serve the same purpose). The rule is stateless, so it cannot miss a change that a
 * concurrent read already saw, and it only skips states it knows: a Challenge in a working phase
 * (an Order reconciles on a terminal phase, or to recreate a deleted Challenge), and a
 * CertificateRequest with no Ready condition or a Pending one (a Certificate reconciles on Issued,
 * Failed and Denied). Anything being deleted, and every other kind, always requeues its owners.
 */
export function ownerShouldSee(child: Resource): boolean {
  if (child.metadata.deletionTimestamp !== undefined) return true;
  switch (child.kind) {
    case 'Challenge':
      return !WORKING_PHASES.has((child as Challenge).status?.phase ?? 'Queued');
    case 'CertificateRequest': {
      const ready = getCondition((child as CertificateRequest).status?.conditions, 'Ready');
      return !(ready === undefined || (ready.status === 'False' && ready.reason === 'Pending'));
    }
    default:
      return true;
  }
}
