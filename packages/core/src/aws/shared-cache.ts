// A cache of reads shared by concurrent callers: the first caller's request is kept as a Promise, so callers that
// miss together wait for that one request instead of each sending their own; a failed request is dropped at once,
// so the next caller tries again. Entries live `ttlMs` from when they were requested.

export class SharedCache<V> {
  readonly #entries = new Map<string, { value: Promise<V>; at: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(ttlMs: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** True when `key` has a fresh value or a request in flight. */
  has(key: string): boolean {
    const cached = this.#entries.get(key);
    return cached !== undefined && this.#now() - cached.at < this.#ttlMs;
  }

  /** The cached (or in-flight) value of `key`, else `load()`'s, kept for the next callers. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const at = this.#now();
    const cached = this.#entries.get(key);
    if (cached && at - cached.at < this.#ttlMs) return cached.value;
    const value = load();
    const entry = { value, at };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }
}
