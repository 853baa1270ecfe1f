/**
 * The watch machinery shared by the built-in stores.
 *
 * @packageDocumentation
 */
import type { Logger } from '../logger.js';
import { assertStorePrefix } from './keys.js';
import { parseValue } from './json-value.js';
import type { StoreChange, Unwatch } from './types.js';

interface Subscription {
  readonly prefix: string;
  readonly listener: (change: StoreChange) => void;
}

/**
 * `change` with a `value` parsed from `json` on its first read, then kept: a watcher that never
 * looks at values (certflow's engine reads only those of Challenges) never pays for parsing them.
 */
function withLazyValue(change: StoreChange, json: string): StoreChange {
  let parsed: { value: unknown } | undefined;
  return Object.defineProperty(change, 'value', {
    enumerable: true,
    get: () => (parsed ??= { value: parseValue(json) }).value,
  });
}

/**
 * Delivers Store changes to watchers, asynchronously and in write order.
 *
 * @remarks
 * Each change is queued as one microtask when it is emitted, so a listener never runs inside the
 * write call and changes reach every watcher in the order the writes happened. A watcher receives the changes emitted after it subscribed and
 * before it unsubscribed. Each watcher gets its own copy of the value, parsed when first read. A listener that throws is
 * logged and otherwise ignored: watching is notification, it never changes what the store does.
 */
export class ChangeFeed {
  readonly #subscriptions = new Set<Subscription>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds a watcher; see {@link Store.watch}. */
  subscribe(prefix: string, listener: (change: StoreChange) => void): Unwatch {
    assertStorePrefix(prefix);
    const subscription: Subscription = { prefix, listener };
    this.#subscriptions.add(subscription);
    return () => {
      this.#subscriptions.delete(subscription);
    };
  }

  /** Queues the delivery of a put (`json` is the serialised value) or a delete. */
  emit(type: 'put' | 'delete', key: string, version: string, json?: string): void {
    if (this.#subscriptions.size === 0) return;
    const targets = [...this.#subscriptions].filter((s) => key.startsWith(s.prefix));
    if (targets.length === 0) return;
    queueMicrotask(() => {
      for (const subscription of targets) {
        if (!this.#subscriptions.has(subscription)) continue;
        const change: StoreChange =
          json === undefined ? { type, key, version } : withLazyValue({ type, key, version }, json);
        try {
          subscription.listener(change);
        } catch (err) {
          this.#logger.warn('store watch listener threw', {
            key,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    });
  }

  /** Drops every watcher. */
  clear(): void {
    this.#subscriptions.clear();
  }
}
