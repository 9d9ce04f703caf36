/**
 * A small in-process cache with a hard lifetime per entry. Gatehouse keeps what it verifies
 * (sessions, users, role permissions) here for at most one second (docs/security.md), counted from the
 * start of the read that produced it: every change is also
 * broadcast (InvalidationBus) and evicts at once, and the lifetime bounds staleness even if a
 * broadcast is lost. Concurrent misses for one key share a single load.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #loading = new Map<string, Promise<V>>();
  #generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** the value while it is fresh, else undefined (no load): lets a hot path skip a promise */
  peek(key: string): V | undefined {
    const hit = this.#entries.get(key);
    return hit && hit.expires > this.now() ? hit.value : undefined;
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const generation = this.#generation;
    // the value is as of when the read started: its second counts from then (a slow read must not
    // stretch how long a change stays unseen)
    const startedAt = this.now();
    const promise = load().then(
      (value) => {
        this.#loading.delete(key);
        // an invalidation that arrived while loading makes this value suspect: don't keep it
        if (generation === this.#generation) {
          if (this.#entries.size >= this.maxEntries) this.#evictExpired();
          this.#entries.set(key, { value, expires: startedAt + this.ttlMs });
        }
        return value;
      },
      (error: unknown) => {
        this.#loading.delete(key);
        throw error;
      },
    );
    this.#loading.set(key, promise);
    return promise;
  }

  delete(key: string): void {
    this.#generation++;
    this.#entries.delete(key);
    this.#loading.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#loading.clear();
  }

  #evictExpired(): void {
    const now = this.now();
    for (const [k, e] of this.#entries) if (e.expires <= now) this.#entries.delete(k);
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
  }
}
