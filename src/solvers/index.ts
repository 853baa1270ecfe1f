/**
 * Solvers: the Solver port and the built-in HTTP-01 and DNS-01 solvers.
 *
 * @packageDocumentation
 */

export type { SelfCheckResult, Solver, SolverContext } from './types.js';
export {
  createHttp01Solver,
  type Http01Handler,
  type Http01SelfCheckOptions,
  type Http01Solver,
  type Http01SolverOptions,
} from './http01.js';
export {
  computeDns01Value,
  createDns01Solver,
  dns01RecordName,
  type Dns01SolverOptions,
} from './dns01.js';
