/**
 * What a start has begun and must end — threads, timers, subscriptions, connections — stopped in
 * the reverse order of their start: by close(), and when the start fails half-way (a start that
 * throws leaves nothing running behind it). The composition (src/services.ts) makes one and hands
 * it to each feature's wiring that starts something; the wiring adds the stop as soon as the thing
 * has begun, so a later failure, in the same wiring or another, stops it too.
 */
export class Started {
  readonly #stops: (() => unknown)[] = [];

  /** `stop` ends something that has just begun */
  add(stop: () => unknown): void {
    this.#stops.push(stop);
  }

  /** stops everything, each even when an earlier one failed; the first failure is thrown at the end */
  async stopAll(): Promise<void> {
    let first: unknown = null;
    for (const stop of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        first ??= error;
      }
    }
    if (first) throw first;
  }
}
