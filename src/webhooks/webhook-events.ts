/**
 * Which events an endpoint hears: a non-empty list of audit types, `<prefix>.*` where the prefix
 * is a known type's part before a dot (`login.*`, `oidc.client.*`), or `*`.
 */
import { AUDIT_TYPES } from '../audit/audit-service.js';

const TYPES = new Set<string>(AUDIT_TYPES);
const PREFIXES = new Set<string>(
  AUDIT_TYPES.flatMap((t) => {
    const parts = t.split('.');
    return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);

/** the index of each filter that names nothing, with why */
export function invalidFilters(events: readonly string[]): { index: number; message: string }[] {
  return events.flatMap((e, index) => {
    if (e === '*' || TYPES.has(e)) return [];
    if (e.endsWith('.*') && PREFIXES.has(e.slice(0, -2))) return [];
    return [{ index, message: 'is not an event type, a "<prefix>.*" of known types, or "*"' }];
  });
}

export function matches(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}
