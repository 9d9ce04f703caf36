/**
 * A wait as a person reads it ("Try again in 15 minutes"): whole minutes from one minute up,
 * seconds below. Rounded up, so the text never promises an earlier time than the Retry-After
 * header it accompanies.
 */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} ${s === 1 ? 'second' : 'seconds'}`;
  const m = Math.ceil(s / 60);
  return `${m} ${m === 1 ? 'minute' : 'minutes'}`;
}
