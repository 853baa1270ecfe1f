// A Store that forwards to another and counts the operations by kind of resource, to report how
// many Store reads and writes one certificate costs.

/** The resource kind of a key `resources/<Kind>/...`, or the key's first segment. */
function kindOf(key) {
  const [root, kind] = key.split('/');
  return root === 'resources' && kind !== undefined && kind !== '' ? kind : root;
}

/** Wraps `store`; `counts()` returns `{ get: { Certificate: n, ... }, put: {...}, ... }`. */
export function countingStore(store) {
  let counts = {};
  const bump = (op, key) => {
    const byKind = (counts[op] ??= {});
    const kind = kindOf(key);
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  };
  const wrapped = {
    get(key) {
      bump('get', key);
      return store.get(key);
    },
    list(prefix) {
      bump('list', prefix);
      return store.list(prefix);
    },
    put(key, value, options) {
      bump('put', key);
      return store.put(key, value, options);
    },
    delete(key, options) {
      bump('delete', key);
      return store.delete(key, options);
    },
  };
  // The engine routes changes through `watch` when a store has one: keep it only if the inner does.
  if (typeof store.watch === 'function') wrapped.watch = (prefix, fn) => store.watch(prefix, fn);
  if (typeof store.close === 'function') wrapped.close = () => store.close();
  return {
    store: wrapped,
    counts: () => structuredClone(counts),
    reset() {
      counts = {};
    },
  };
}

/** The sum of one operation's counts over every kind. */
export function totalOf(counts, op) {
  return Object.values(counts[op] ?? {}).reduce((a, b) => a + b, 0);
}
