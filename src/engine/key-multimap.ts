/**
 * A map from a key to a set of keys that keeps a lone member as the plain string: the engine's
 * indexes (which Certificates watch a Secret, which Secrets a Certificate watches) hold one
 * entry per Certificate, nearly always with one member, and a `Set` for each would be most of
 * what a large engine keeps in memory.
 *
 * @internal
 */
export class KeyMultimap {
  readonly #entries = new Map<string, string | Set<string>>();

  /** Adds `member` to the set of `key`. */
  add(key: string, member: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, member);
    else if (typeof entry !== 'string') entry.add(member);
    else if (entry !== member) this.#entries.set(key, new Set([entry, member]));
  }

  /** Removes `member` from the set of `key`; a set left empty is dropped. */
  delete(key: string, member: string): void {
    const entry = this.#entries.get(key);
    if (entry === member) this.#entries.delete(key);
    else if (typeof entry === 'object' && entry.delete(member)) {
      if (entry.size === 1) this.#entries.set(key, entry.values().next().value as string);
    }
  }

  /** The members of `key`, as a copy: the caller may change the map while it reads them. */
  get(key: string): readonly string[] {
    const entry = this.#entries.get(key);
    if (entry === undefined) return [];
    return typeof entry === 'string' ? [entry] : [...entry];
  }

  /** Drops `key` with all its members, and returns them. */
  take(key: string): readonly string[] {
    const members = this.get(key);
    this.#entries.delete(key);
    return members;
  }

  /** How many keys have members. */
  get size(): number {
    return this.#entries.size;
  }
}
