/**
 * Where each resource lives in the Store: `resources/<Kind>/<namespace>/<name>`.
 *
 * @packageDocumentation
 */
import { StoreKeyError } from '../errors.js';
import type { ResourceKind } from './types.js';

/** The first segment of every resource key. */
const ROOT = 'resources';

/**
 * The namespace segment of cluster-scoped resources. It cannot collide with a real namespace:
 * namespaces are DNS-1123 labels, which have no underscore.
 */
export const CLUSTER_SCOPE_SEGMENT = '_cluster';

/** Every kind certflow stores, with its apiVersion. */
export const resourceKinds: Readonly<Record<ResourceKind, { readonly apiVersion: string }>> = {
  Issuer: { apiVersion: 'cert-manager.io/v1' },
  ClusterIssuer: { apiVersion: 'cert-manager.io/v1' },
  Certificate: { apiVersion: 'cert-manager.io/v1' },
  CertificateRequest: { apiVersion: 'cert-manager.io/v1' },
  Order: { apiVersion: 'acme.cert-manager.io/v1' },
  Challenge: { apiVersion: 'acme.cert-manager.io/v1' },
  Secret: { apiVersion: 'v1' },
};

/** Whether `kind` is one of certflow's resource kinds. */
export function isResourceKind(kind: unknown): kind is ResourceKind {
  return typeof kind === 'string' && Object.hasOwn(resourceKinds, kind);
}

/**
 * Whether objects of `kind` live in a namespace.
 *
 * @remarks Every kind but `ClusterIssuer` is namespaced.
 */
export function isNamespaced(kind: ResourceKind): boolean {
  return kind !== 'ClusterIssuer';
}

function checkSegment(key: string, what: string, value: string): void {
  if (value === '' || value === '.' || value === '..' || value.includes('/')) {
    throw new StoreKeyError(key, `the ${what} ${JSON.stringify(value)} cannot be a key segment`);
  }
}

function scopeSegment(kind: ResourceKind, namespace: string | undefined): string {
  // An unset namespace means the default one, as for kubectl.
  return isNamespaced(kind) ? (namespace ?? 'default') : CLUSTER_SCOPE_SEGMENT;
}

/**
 * The Store key of a resource.
 *
 * @remarks
 * `resources/<Kind>/<namespace>/<name>`; a namespaced kind without a namespace is in `default`.
 * Cluster-scoped kinds (`ClusterIssuer`) ignore `namespace` and use the `_cluster` segment.
 *
 * @throws StoreKeyError when the name or namespace is empty, `.`, `..` or holds a `/`.
 *
 * @example
 * ```ts
 * resourceKey('Certificate', 'default', 'web'); // 'resources/Certificate/default/web'
 * resourceKey('ClusterIssuer', undefined, 'le'); // 'resources/ClusterIssuer/_cluster/le'
 * ```
 */
export function resourceKey(
  kind: ResourceKind,
  namespace: string | undefined,
  name: string,
): string {
  const scope = scopeSegment(kind, namespace);
  // join() makes one flat string. A template literal would make a rope of five heap objects that
  // keeps its parts alive; an engine keeps a few keys per Certificate for as long as it runs.
  const key = [ROOT, kind, scope, name].join('/');
  checkSegment(key, 'namespace', scope);
  checkSegment(key, 'name', name);
  return key;
}

/**
 * The Store prefix that lists resources of `kind`: in one namespace when `namespace` is given,
 * in all of them otherwise.
 *
 * @remarks Cluster-scoped kinds ignore `namespace`. The prefix ends with `/`, so `Issuer` does
 * not match `IssuerX` and namespace `a` does not match `ab`.
 *
 * @throws StoreKeyError when `namespace` is empty, `.`, `..` or holds a `/`.
 */
export function resourcePrefix(kind: ResourceKind, namespace?: string): string {
  if (!isNamespaced(kind)) return `${ROOT}/${kind}/${CLUSTER_SCOPE_SEGMENT}/`;
  if (namespace === undefined) return `${ROOT}/${kind}/`;
  const prefix = `${ROOT}/${kind}/${namespace}/`;
  checkSegment(prefix, 'namespace', namespace);
  return prefix;
}

/** The parts of a resource key. */
export interface ResourceKeyParts {
  /** The resource kind. */
  kind: ResourceKind;
  /** The namespace; `undefined` for cluster-scoped kinds. */
  namespace: string | undefined;
  /** The object name. */
  name: string;
}

/**
 * Splits a key made by {@link resourceKey} back into kind, namespace and name.
 *
 * @throws StoreKeyError when `key` is not a resource key.
 */
export function parseResourceKey(key: string): ResourceKeyParts {
  const parts = key.split('/');
  if (parts.length !== 4 || parts[0] !== ROOT) {
    throw new StoreKeyError(key, `a resource key has the form ${ROOT}/<Kind>/<namespace>/<name>`);
  }
  const [, kind, scope = '', name = ''] = parts;
  if (!isResourceKind(kind)) {
    throw new StoreKeyError(key, `unknown resource kind ${JSON.stringify(kind)}`);
  }
  checkSegment(key, 'name', name);
  checkSegment(key, 'namespace', scope);
  if (isNamespaced(kind) === (scope === CLUSTER_SCOPE_SEGMENT)) {
    throw new StoreKeyError(
      key,
      isNamespaced(kind)
        ? `${kind} is namespaced and cannot be in ${CLUSTER_SCOPE_SEGMENT}`
        : `${kind} is cluster-scoped and must be in ${CLUSTER_SCOPE_SEGMENT}`,
    );
  }
  return { kind, namespace: isNamespaced(kind) ? scope : undefined, name };
}
