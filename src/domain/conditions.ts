/**
 * Status conditions, kept as cert-manager keeps them.
 *
 * @packageDocumentation
 */
import type { Condition } from './types.js';

/**
 * The condition of type `type`, if any.
 *
 * @example
 * ```ts
 * const ready = getCondition(certificate.status?.conditions, 'Ready');
 * if (ready?.status === 'True') console.log('issued');
 * ```
 */
export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/**
 * Sets a condition and returns a new array; the input is never changed.
 *
 * @remarks
 * As cert-manager's `SetCertificateCondition`: a condition of the same type is replaced in
 * place, a new one is appended. `lastTransitionTime` is `now` when the status changes (or the
 * condition is new) and kept from the existing condition when the status stays the same, so it
 * records when the status last flipped, not when it was last written. Any
 * `lastTransitionTime` on `condition` is ignored. `observedGeneration` is `generation` when
 * given, otherwise the one on `condition`, if any.
 *
 * @param conditions - The current conditions (may be undefined).
 * @param condition - The condition to set: `type`, `status` and usually `reason` and `message`.
 * @param now - The current time, from the injected clock.
 * @param generation - The `metadata.generation` the condition was computed from.
 *
 * @example
 * ```ts
 * status.conditions = setCondition(
 *   status.conditions,
 *   { type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date' },
 *   new Date(clock.now()),
 *   certificate.metadata.generation,
 * );
 * ```
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  condition: Condition,
  now: Date,
  generation?: number,
): Condition[] {
  const list = conditions ?? [];
  const index = list.findIndex((existing) => existing.type === condition.type);
  const existing = index === -1 ? undefined : list[index];
  const lastTransitionTime =
    existing !== undefined &&
    existing.status === condition.status &&
    existing.lastTransitionTime !== undefined
      ? existing.lastTransitionTime
      : formatTime(now);
  const { lastTransitionTime: _ignored, observedGeneration, ...rest } = condition;
  const observed = generation ?? observedGeneration;
  const next: Condition = {
    ...rest,
    lastTransitionTime,
    ...(observed === undefined ? {} : { observedGeneration: observed }),
  };
  if (index === -1) return [...list, next];
  return list.map((current, i) => (i === index ? next : current));
}

// Kubernetes metav1.Time serialises to whole seconds (RFC 3339, no fraction); so does certflow,
// so that a condition written and read back compares equal.
function formatTime(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}
