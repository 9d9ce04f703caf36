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
