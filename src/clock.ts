/**
 * Time as Gatehouse reads it: milliseconds since the epoch from an injected clock, so services,
 * caches and the memory store can be moved through time in tests (test/helpers/fake-clock.ts)
 * instead of waiting.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
