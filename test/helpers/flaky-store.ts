/** A Store that fails chosen operations a number of times, then works: a store having trouble. */
import { StoreError } from '../../src/errors.js';
import type { Store } from '../../src/stores/types.js';

/** One kind of failure: the first `times` matching calls throw a StoreError. */
export interface StoreFault {
  op: 'get' | 'list' | 'put' | 'delete';
  match(key: string, value?: unknown): boolean;
  times: number;
  /** How many calls failed so far. */
  failed?: number;
}

/** Wraps `inner` so that the calls `faults` match throw, each fault its number of times. */
export function createFlakyStore(inner: Store, faults: StoreFault[]): Store {
  const trip = (op: StoreFault['op'], key: string, value?: unknown): void => {
    for (const fault of faults) {
      if (fault.op !== op || (fault.failed ?? 0) >= fault.times || !fault.match(key, value))
        continue;
      fault.failed = (fault.failed ?? 0) + 1;
      throw new StoreError(`injected ${op} failure on ${key}`);
    }
  };
  return {
    async get(key) {
      trip('get', key);
      return inner.get(key);
    },
    async list(prefix) {
      trip('list', prefix);
      return inner.list(prefix);
    },
    async put(key, value, options) {
      trip('put', key, value);
      return inner.put(key, value, options);
    },
    async delete(key, options) {
      trip('delete', key);
      return inner.delete(key, options);
    },
    watch: (prefix, listener) => inner.watch!(prefix, listener),
  };
}
