/**
 * The states of the challenge state machine.
 *
 * @packageDocumentation
 */
import type { Challenge, ChallengePhase } from '../domain/types.js';
import { ValidationError } from '../errors.js';

/**
 * Every challenge phase, in the order a challenge normally moves through them: the five working
 * phases, then the four terminal ones.
 */
export const challengePhases: readonly ChallengePhase[] = Object.freeze([
  'Queued',
  'Scheduled',
  'Presenting',
  'SelfCheck',
  'Accepted',
  'Valid',
  'Invalid',
  'Errored',
  'Expired',
] as const);

/**
 * The phases a challenge never leaves. Entering one owes exactly one clean-up of the solver.
 */
export const terminalChallengePhases: readonly ChallengePhase[] = Object.freeze([
  'Valid',
  'Invalid',
  'Errored',
  'Expired',
] as const);

const knownPhases: ReadonlySet<string> = new Set(challengePhases);
const terminalPhases: ReadonlySet<string> = new Set(terminalChallengePhases);

/**
 * Whether `phase` is terminal (`Valid`, `Invalid`, `Errored` or `Expired`).
 *
 * @remarks `undefined` is the phase of a challenge nobody has touched yet, `Queued`: not terminal.
 */
export function isTerminalPhase(phase: ChallengePhase | undefined): boolean {
  return phase !== undefined && terminalPhases.has(phase);
}

/**
 * The machine phase of a challenge: `status.phase`, or `Queued` when it has none.
 *
 * @remarks A phase this version does not know means the record is corrupt or was written by a
 * newer certflow; acting on a guess could present or accept twice, so it is rejected.
 *
 * @param field - the path named in the error, for callers that hold many challenges
 * @throws ValidationError when `status.phase` is not one of {@link challengePhases}
 */
export function challengePhase(challenge: Challenge, field = 'status.phase'): ChallengePhase {
  const phase = challenge.status?.phase;
  if (phase === undefined) return 'Queued';
  if (!knownPhases.has(phase)) {
    throw new ValidationError(field, `unknown challenge phase ${JSON.stringify(phase)}`);
  }
  return phase;
}
