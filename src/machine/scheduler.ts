/**
 * The challenge scheduler: which `Queued` challenges may start now.
 *
 * @packageDocumentation
 */
import type { Challenge } from '../domain/types.js';
import { ValidationError } from '../errors.js';
import { challengePhase, isTerminalPhase } from './challenge-phases.js';

/**
 * How many challenges may be in flight at once when the engine is not told otherwise.
 *
 * @defaultValue 60 (as cert-manager)
 */
export const defaultMaxConcurrentChallenges = 60;

/** Options of {@link pickChallengesToSchedule}. */
export interface ChallengeSchedulingOptions {
  /**
   * The most challenges in flight (scheduled but not yet terminal) at once.
   *
   * @defaultValue {@link defaultMaxConcurrentChallenges} in the engine
   */
  maxConcurrentChallenges: number;
}

/**
 * Picks the `Queued` challenges to move to `Scheduled` now, oldest first.
 *
 * @remarks
 * In flight are the challenges past `Queued` whose clean-up has not run yet: a terminal challenge
 * stays in flight until `status.cleanedUp` is true (see {@link isChallengeInFlight}), because a
 * record removed after the next challenge for the same name had presented its own would take that
 * one with it (a DNS provider may clear every TXT value of the name). Candidates are the `Queued` ones
 * not being deleted, ordered by `metadata.creationTimestamp` (one without comes last), then name,
 * then namespace. A candidate is picked while fewer than `maxConcurrentChallenges` are in flight or
 * picked, unless a challenge for the same (`spec.dnsName`, `spec.type`) is in flight or already
 * picked: two solvers publishing for one name at once would overwrite each other's record or
 * token. As in cert-manager, the wildcard flag does not separate names, since `*.example.com` and
 * `example.com` are both validated at `example.com`. Names compare without case, a leading `*.`
 * or a trailing dot. The skipped duplicates stay `Queued` for a later round.
 *
 * Pure: the input is not changed; the picked challenges are returned as they are, for the caller
 * to feed `{ type: 'schedule' }`.
 *
 * @throws ValidationError when `maxConcurrentChallenges` is not a positive integer or a challenge
 * has an unknown `status.phase`
 *
 * @example
 * ```ts
 * for (const challenge of pickChallengesToSchedule(challenges, { maxConcurrentChallenges: 60 })) {
 *   const { next } = transitionChallenge(challenge, { type: 'schedule' }, { now: clock.now() });
 *   await save(next);
 * }
 * ```
 */
export function pickChallengesToSchedule(
  challenges: readonly Challenge[],
  options: ChallengeSchedulingOptions,
): Challenge[] {
  const max = options.maxConcurrentChallenges;
  if (!Number.isInteger(max) || max < 1) {
    throw new ValidationError('maxConcurrentChallenges', 'must be a positive integer');
  }
  const busy = new Set<string>();
  let inFlight = 0;
  const candidates: { challenge: Challenge; createdAt: number }[] = [];
  challenges.forEach((challenge, i) => {
    const phase = challengePhase(challenge, `challenges[${i}].status.phase`);
    if (phase === 'Queued') {
      if (challenge.metadata.deletionTimestamp === undefined) {
        candidates.push({ challenge, createdAt: creationTime(challenge) });
      }
    } else if (isChallengeInFlight(challenge)) {
      inFlight += 1;
      busy.add(solvingKey(challenge));
    }
  });
  if (inFlight >= max || candidates.length === 0) return [];

  candidates.sort(oldestFirst);
  const picked: Challenge[] = [];
  for (const { challenge } of candidates) {
    if (inFlight >= max) break;
    const key = solvingKey(challenge);
    if (busy.has(key)) continue;
    busy.add(key);
    picked.push(challenge);
    inFlight += 1;
  }
  return picked;
}

/**
 * Whether a challenge holds one of the scheduler's slots: it was scheduled and is not both
 * terminal and cleaned up (as cert-manager keeps `status.processing` until its clean-up ran).
 */
export function isChallengeInFlight(challenge: Challenge): boolean {
  const phase = challengePhase(challenge);
  if (phase === 'Queued') return false;
  return !isTerminalPhase(phase) || challenge.status?.cleanedUp !== true;
}

/** The name and type two challenges must not be solved for at once. */
function solvingKey(challenge: Challenge): string {
  const name = challenge.spec.dnsName.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  return `${challenge.spec.type} ${name}`;
}

/** Milliseconds of `metadata.creationTimestamp`; an absent or unreadable one sorts last. */
export function creationTime(challenge: Challenge): number {
  const stamp = challenge.metadata.creationTimestamp;
  const ms = stamp === undefined ? Number.NaN : Date.parse(stamp);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/**
 * The scheduler's order: creation time ({@link creationTime}), then name, then namespace. The
 * engine keeps its Queued challenges in this order too.
 */
export function oldestFirst(
  a: { challenge: Challenge; createdAt: number },
  b: { challenge: Challenge; createdAt: number },
): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return (
    compare(a.challenge.metadata.name, b.challenge.metadata.name) ||
    compare(a.challenge.metadata.namespace ?? '', b.challenge.metadata.namespace ?? '')
  );
}

/** Code-unit order, the same on every machine (unlike `localeCompare`). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
