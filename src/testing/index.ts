/**
 * certflow/testing: what a host needs to test its own use of certflow, and to prove its own Store
 * or Solver adapters: the contract suites, a fake clock, and helpers that start Pebble (the ACME
 * test CA) and pebble-challtestsrv on loopback.
 *
 * @packageDocumentation
 */
export { createFakeClock, FAKE_CLOCK_START, type FakeClock } from './fake-clock.js';
export {
  storeContract,
  type StoreContractCase,
  type StoreContractFixture,
} from './store-contract.js';
export {
  createTestChallenge,
  solverContract,
  type SolverContractCase,
  type SolverContractFactory,
  type SolverContractSubject,
  type TestChallengeOptions,
} from './solver-contract.js';
export {
  findFreePort,
  startChallTestSrv,
  startPebble,
  type ChallTestSrv,
  type PebbleOptions,
  type PebbleServer,
} from './pebble.js';
export { createChallTestSrvDns01Solver } from './challtestsrv-solver.js';
