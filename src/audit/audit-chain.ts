/**
 * The audit trail's chain. Each event's link covers its own content and the previous event's
 * link, so editing, deleting or reordering a stored row breaks every link after it; `gatehouse
 * audit verify` recomputes the chain. Content is serialised canonically (sorted keys) so the link
 * does not depend on how the database returns jsonb.
 *
 * Links are keyed (docs/security.md): HMAC-SHA256 under a key derived from SECRETS_KEY, so someone who can
 * write the database but lacks the key cannot rewrite events and recompute the chain after them.
 * Each event has its own HMAC key, derived from the chain key and the event id: the database
 * computes the link while it appends (the previous link is known only there, under the head's row
 * lock), and what it is handed for that is this one event's key, never the chain key.
 *
 * Version 1 links (before the upgrade) were plain SHA-256. They still verify, but only up to the
 * boundary recorded by migration 0004, whose seal (an HMAC of its position and last link) only the
 * key can produce: rewriting the old events breaks the first keyed link after them, and passing
 * keyed events off as old ones breaks the seal.
 *
 * Changing SECRETS_KEY changes the chain key. Until `gatehouse secrets rekey` runs (the old key in
 * SECRETS_KEY_PREVIOUS) a keyed link verifies under either key. Re-keying ends an era at the newest
 * event: the era's chain keys are kept sealed under the new SECRETS_KEY (derived keys only, and
 * re-sealed at each later re-keying), and the boundary is sealed with both the old and the new
 * key, so moving it or swapping an era's keys is detected. Events after it are linked under the
 * new key only.
 */
import { createHash, createHmac } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.js';

export const GENESIS_HASH = '0'.repeat(64);

/** link versions stored with each event */
export const LINK_SHA256 = 1;
export const LINK_HMAC = 2;

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
 * The canonical content of an event split around its previous link: the content is
 * `before + prev + after`, so the database can complete it while it appends the event under the
 * chain head's lock (the previous link is hex: nothing in it needs escaping).
 */
export function chainHashParts(e: ChainedContent): { before: string; after: string } {
  // the keys in canonicalJson's (sorted) order; "prev" sits between "ip" and "type"
  const before =
    `{"actor_id":${canonicalJson(e.actorId)},"created_at":${canonicalJson(e.createdAt.toISOString())},` +
    `"data":${canonicalJson(e.data)},"id":${canonicalJson(e.id)},"ip":${canonicalJson(e.ip)},"prev":"`;
  const after = `","type":${canonicalJson(e.type)},"user_agent":${canonicalJson(e.userAgent)},"user_id":${canonicalJson(e.userId)}}`;
  return { before, after };
}

function canonicalContent(prevHash: string, e: ChainedContent): string {
  return canonicalJson({
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
}

/** a version 1 (plain SHA-256) link, as events before the upgrade were chained */
export function chainHash(prevHash: string, e: ChainedContent): string {
  return createHash('sha256').update(canonicalContent(prevHash, e)).digest('hex');
}

/** the HMAC key of one event */
export function eventKey(chainKey: Buffer, eventId: string): Buffer {
  return createHmac('sha256', chainKey).update(`event:${eventId}`).digest();
}

/** a version 2 (keyed) link */
export function chainLink(chainKey: Buffer, prevHash: string, e: ChainedContent): string {
  return createHmac('sha256', eventKey(chainKey, e.id)).update(canonicalContent(prevHash, e)).digest('hex');
}

/**
 * HMAC(k, m) = SHA256((k ⊕ opad) || SHA256((k ⊕ ipad) || m)) (RFC 2104): the two padded keys, hex,
 * for the database to compute an event's link with its built-in sha256().
 */
export function hmacPads(key: Buffer): { inner: string; outer: string } {
  const block = Buffer.alloc(64);
  key.copy(block);
  return { inner: Buffer.from(block.map((b) => b ^ 0x36)).toString('hex'), outer: Buffer.from(block.map((b) => b ^ 0x5c)).toString('hex') };
}

/** the seal of the boundary between unkeyed (version 1) and keyed links */
export function legacySeal(chainKey: Buffer, seq: string, hash: string): string {
  return createHmac('sha256', chainKey).update(`legacy:${seq}:${hash}`).digest('hex');
}

/** the seal of the boundary where an era of the chain ended (SECRETS_KEY changed) */
export function eraSeal(chainKey: Buffer, seq: string, hash: string): string {
  return createHmac('sha256', chainKey).update(`era:${seq}:${hash}`).digest('hex');
}

/** the keys the chain is verified and re-keyed with */
export interface ChainKeys {
  /** derived from SECRETS_KEY: new links are made with it */
  current: Buffer;
  /** derived from SECRETS_KEY_PREVIOUS (set between a change of SECRETS_KEY and `secrets rekey`) */
  previous: Buffer | null;
  /** seals the chain keys of ended eras under SECRETS_KEY (and opens what SECRETS_KEY_PREVIOUS sealed); null: no era can be read */
  archive: SecretBox | null;
}
