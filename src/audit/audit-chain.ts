/**
 * The audit trail's hash chain. Each event's hash covers its own content and the previous event's
 * hash, so editing, deleting or reordering a stored row breaks every link after it; `gatehouse
 * audit verify` recomputes the chain. Content is serialised canonically (sorted keys) so the hash
 * does not depend on how the database returns jsonb.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedContent {
  id: string;
  type: string;
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The canonical content of an event split around its previous hash: `chainHash(prev, e)` is the
 * SHA-256 of `before + prev + after`, so the database can compute it while it appends the event
 * under the chain head's lock (the previous hash is hex: nothing in it needs escaping).
 */
export function chainHashParts(e: ChainedContent): { before: string; after: string } {
  // the keys in canonicalJson's (sorted) order; "prev" sits between "ip" and "type"
  const before =
    `{"actor_id":${canonicalJson(e.actorId)},"created_at":${canonicalJson(e.createdAt.toISOString())},` +
    `"data":${canonicalJson(e.data)},"id":${canonicalJson(e.id)},"ip":${canonicalJson(e.ip)},"prev":"`;
  const after = `","type":${canonicalJson(e.type)},"user_agent":${canonicalJson(e.userAgent)},"user_id":${canonicalJson(e.userId)}}`;
  return { before, after };
}

/** the reference definition, used to verify stored events */
export function chainHash(prevHash: string, e: ChainedContent): string {
  const content = canonicalJson({
    prev: prevHash,
    id: e.id,
    type: e.type,
    user_id: e.userId,
    actor_id: e.actorId,
    ip: e.ip,
    user_agent: e.userAgent,
    data: e.data,
    created_at: e.createdAt.toISOString(),
  });
  return createHash('sha256').update(content).digest('hex');
}
