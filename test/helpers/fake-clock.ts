import type { Clock } from '../../src/clock.js';

/** a clock tests move by hand: expiry, lockout windows and token lifetimes without waiting */
export class FakeClock implements Clock {
  #now: number;
  constructor(start = Date.now()) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
