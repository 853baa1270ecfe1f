/**
 * The domain: cert-manager's resource types and the pure functions on them.
 *
 * @packageDocumentation
 */
export type * from './types.js';
export { getCondition, setCondition } from './conditions.js';
export { certificateDefaults, withCertificateDefaults } from './defaults.js';
export type { CertificateSpecWithDefaults, ResolvedPrivateKey } from './defaults.js';
export { formatGoDuration, parseGoDuration } from './duration.js';
export {
  isNamespaced,
  isResourceKind,
  parseResourceKey,
  resourceKey,
  resourceKinds,
  resourcePrefix,
} from './keys.js';
export type { ResourceKeyParts } from './keys.js';
export { normaliseDnsName } from './names.js';
export type { DnsNameOptions } from './names.js';
export { parseManifests } from './parse.js';
export { renewalTime } from './renewal.js';
export type { RenewalTimeInput } from './renewal.js';
export { selectSolver } from './solver-selection.js';
export type { SelectedSolver, SolverTarget } from './solver-selection.js';
export { validateResource } from './validation.js';
