import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { ConflictError } from '../errors.js';
import { isNamespaced, resourceKey, resourcePrefix } from '../domain/keys.js';
import type { Resource, ResourceKind, ResourceOf } from '../domain/types.js';
import type { Store, StoreRecord } from '../stores/types.js';

/** Where a resource lives: kind, namespace (undefined for cluster-scoped kinds) and name. */
export interface ObjectRef {
  kind: ResourceKind;
  namespace: string | undefined;
  name: string;
}

/** The Store key of a resource. */
export function keyOf(resource: Resource): string {
  return resourceKey(resource.kind, resource.metadata.namespace, resource.metadata.name);
}

/**
 * The resource of `record`, with its version. A shallow copy is enough: the Store contract makes
 * every read return a value of the reader's own, and certflow never mutates a resource it read
 * (it derives new ones with spreads), so only the top level and `metadata` are new objects here.
 */
function withVersion<T extends Resource>(record: StoreRecord<T>): T {
  const value = record.value;
  return { ...value, metadata: { ...value.metadata, resourceVersion: record.version } };
}

/** A shallow copy of `resource` with a new `metadata` that has no `resourceVersion`. */
function forStore<T extends Resource>(resource: T): T {
  const { resourceVersion: _ignored, ...metadata } = resource.metadata;
  return { ...resource, metadata } as T;
}

/**
 * Typed resource access over the Store. `metadata.resourceVersion` is the Store version, and every
 * update is a compare-and-set on it: a concurrent writer makes the update throw ConflictError.
 */
export class Resources {
  /**
   * Called after each write made through this instance, for stores without `watch` (a store with
   * `watch` reports the same writes itself).
   */
  onWrite: ((key: string) => void) | undefined;

  constructor(
    readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async get<K extends ResourceKind>(
    kind: K,
    namespace: string | undefined,
    name: string,
  ): Promise<ResourceOf<K> | undefined> {
    const ns = isNamespaced(kind) ? (namespace ?? 'default') : undefined;
    const record = await this.store.get<ResourceOf<K>>(resourceKey(kind, ns, name));
    return record === undefined ? undefined : withVersion(record);
  }

  async getByKey<T extends Resource>(key: string): Promise<T | undefined> {
    const record = await this.store.get<T>(key);
    return record === undefined ? undefined : withVersion(record);
  }

  async list<K extends ResourceKind>(kind: K, namespace?: string): Promise<ResourceOf<K>[]> {
    const records = await this.store.list<ResourceOf<K>>(resourcePrefix(kind, namespace));
    return records.map(withVersion);
  }

  /** Creates `resource`; throws ConflictError when it already exists. */
  async create<T extends Resource>(resource: T): Promise<T> {
    const now = new Date(this.clock.now()).toISOString();
    // The caller's object is left as it is: the defaults go into a new top level and metadata.
    const created = forStore(resource);
    const { metadata } = created;
    metadata.uid ??= randomUUID();
    metadata.creationTimestamp ??= now;
    metadata.generation ??= 1;
    if (isNamespaced(created.kind)) metadata.namespace ??= 'default';
    const key = keyOf(created);
    const version = await this.store.put(key, created, { ifVersion: null });
    this.onWrite?.(key);
    return { ...created, metadata: { ...metadata, resourceVersion: version } };
  }

  /** Writes `resource` if it is still at `metadata.resourceVersion`. */
  async update<T extends Resource>(resource: T): Promise<T> {
    const expected = resource.metadata.resourceVersion;
    if (expected === undefined) throw new ConflictError(keyOf(resource), null, null);
    const stored = forStore(resource);
    const key = keyOf(stored);
    const version = await this.store.put(key, stored, { ifVersion: expected });
    this.onWrite?.(key);
    return { ...resource, metadata: { ...resource.metadata, resourceVersion: version } };
  }

  /** Writes `next` only when it differs from `current` (status written once, only when changed). */
  async updateIfChanged<T extends Resource>(current: T, next: T): Promise<T> {
    if (JSON.stringify(current) === JSON.stringify(next)) return current;
    return this.update(next);
  }

  /** Deletes `resource` if it is still at its version; returns whether it existed. */
  async remove(resource: Resource): Promise<boolean> {
    const version = resource.metadata.resourceVersion;
    const key = keyOf(resource);
    const existed = await this.store.delete(
      key,
      version === undefined ? {} : { ifVersion: version },
    );
    if (existed) this.onWrite?.(key);
    return existed;
  }
}
