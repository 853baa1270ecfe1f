/**
 * The ACME port and its acme-client adapter: the only place certflow speaks RFC 8555.
 *
 * @remarks
 * Controllers depend on {@link AcmePort} and {@link AcmeClient} only, never on acme-client, so
 * tests can swap the port and acme-client specifics stay inside this folder.
 *
 * @packageDocumentation
 */

export { createAcmeClientPort, type AcmeClientPortOptions } from './acme-client-port.js';
export { acmeProblemTypes, classifyAcmeError, type ClassifyOptions } from './classify.js';
export { defaultRequestTimeoutMs, defaultUserAgent } from './account-options.js';
export type {
  AcmeAccountOptions,
  AcmeAuthorizationSnapshot,
  AcmeChallengeSnapshot,
  AcmeClient,
  AcmeIdentifier,
  AcmeOrderSnapshot,
  AcmePort,
  AcmeProblem,
} from './types.js';
