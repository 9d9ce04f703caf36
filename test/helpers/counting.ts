/**
 * Counts what a request costs in round trips: every statement the database runs (through
 * DatabaseHandle.observe) and every ephemeral-store operation (each is one Redis command or one
 * Lua script — the store's contract — so one round trip on Redis).
 */
import type { EphemeralStore } from '../../src/cache/ephemeral-store.js';

export class StoreCounter {
  readonly calls: string[] = [];
  counting = false;

  wrap(store: EphemeralStore): EphemeralStore {
    return new Proxy(store, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (this.counting) this.calls.push(String(key));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }
}
