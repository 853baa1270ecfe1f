/**
 * The challenge state machine and the challenge scheduler: pure functions and the transition
 * table as data.
 *
 * @packageDocumentation
 */
export {
  challengePhase,
  challengePhases,
  isTerminalPhase,
  terminalChallengePhases,
} from './challenge-phases.js';
export {
  backoffDelay,
  defaultChallengePolicy,
  pollDelay,
  resolveChallengePolicy,
  type ChallengePolicy,
} from './challenge-policy.js';
export {
  challengeEventTypes,
  type ChallengeEffect,
  type ChallengeEffectType,
  type ChallengeEvent,
  type ChallengeEventType,
} from './challenge-events.js';
export { challengeTransitions } from './challenge-transitions.js';
export {
  challengeEffects,
  transitionChallenge,
  type ChallengeMachineContext,
  type ChallengeTransition,
} from './challenge-machine.js';
export {
  defaultMaxConcurrentChallenges,
  isChallengeInFlight,
  pickChallengesToSchedule,
  type ChallengeSchedulingOptions,
} from './scheduler.js';
