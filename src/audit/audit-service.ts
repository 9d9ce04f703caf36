/**
 * The audit trail (docs/security.md): append-only events, each recorded in the transaction of the change it
 * describes, chained with keyed links (audit-chain.ts) that `verify` recomputes.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db, Executor } from '../db/database-types.js';
import { afterCommit, type AfterCommit } from '../db/after-commit.js';
import type { StatementPart } from '../db/statement-template.js';
import { readPage, type Page, type PageRequest } from '../db/keyset.js';
import type { RequestContext } from '../request-context.js';
import { type ChainedContent, chainHash, chainHashParts, chainLink, eraSeal, eventKey, GENESIS_HASH, hmacPads, legacySeal, LINK_HMAC, LINK_SHA256, type ChainKeys } from './audit-chain.js';
import type { AuditFilters, AuditRepository, AuditRow, ChainEra } from './audit-repository.js';

export const AUDIT_TYPES = [
  'login.succeeded',
  'login.failed',
  'logout',
  'refresh.reused',
  'password.changed',
  'password.reset',
  'email.verified',
  'email.changed',
  'identity.linked',
  'identity.unlinked',
  'session.revoked',
  'user.created',
  'user.updated',
  'user.deleted',
  'role.created',
  'role.updated',
  'role.deleted',
  'product.created',
  'product.updated',
  'product.deleted',
  'mfa.enabled',
  'mfa.disabled',
  'mfa.recovery_codes_generated',
  'mfa.recovery_code_used',
  'passkey.added',
  'passkey.removed',
  'mfa.reset',
  'permission.created',
  'permission.deleted',
  'oauth_provider.created',
  'oauth_provider.updated',
  'oauth_provider.deleted',
  'key.rotated',
  'key.revoked',
  'secrets.rekeyed',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'oidc.client.created',
  'oidc.client.updated',
  'oidc.client.deleted',
  'oidc.client.secret_rotated',
  'oidc.consent.granted',
  'oidc.consent.revoked',
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

export interface AuditEventInput {
  type: AuditType;
  userId: string | null;
  data?: Record<string, unknown>;
}

/** an event as it was recorded */
export type RecordedEvent = ChainedContent;

/** an event as the admin API (and a webhook body) shows it: one shape, built here */
export interface AuditEventView {
  id: string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: Record<string, unknown>;
  created_at: string;
}

export function auditEventView(e: ChainedContent): AuditEventView {
  return { id: e.id, type: e.type, user_id: e.userId, actor_id: e.actorId, ip: e.ip, user_agent: e.userAgent, data: e.data, created_at: e.createdAt.toISOString() };
}

/**
 * Who else hears of every event, in the event's own statement: webhooks queue their deliveries as
 * part of the audit append (so a delivery exists exactly when its event does, with no extra round
 * trip). Synchronous: it returns the writes to add to the statement (none: null) and reads nothing.
 */
export interface EventFanOut {
  /** `after`: the writer settles it when its transaction ends (absent: it does not say when it commits) */
  deliveries(event: RecordedEvent, after?: AfterCommit): StatementPart | null;
}

export type VerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; brokenAt: { seq: string; id: string; reason: string } };

/** the outcome of a walk along the chain, and what re-keying needs to know */
interface Walk {
  result: VerifyResult;
  /** keyed links after the last era that verify only under SECRETS_KEY_PREVIOUS */
  underPrevious: number;
  last: AuditRow | null;
}

export class AuditService {
  readonly #keys: ChainKeys;

  /**
   * `keys`: the chain's HMAC keys, derived from SECRETS_KEY (and SECRETS_KEY_PREVIOUS) — see
   * auditChainKeys in services.ts; a lone key is the current one, with no previous key and no era.
   */
  constructor(
    private readonly db: Db,
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
    keys: Buffer | ChainKeys,
    /**
     * told of an event once it is committed, never before: a listener (metrics) must not count a
     * change that is then rolled back. `recordAlone` tells it after its statement; an event recorded
     * in a caller's transaction is told by that caller, through `announce`, after the commit.
     */
    private readonly onCommitted?: (event: AuditEventInput) => void,
    /** webhooks: deliveries queued in the event's statement */
    private readonly fanOut?: EventFanOut,
  ) {
    this.#keys = Buffer.isBuffer(keys) ? { current: keys, previous: null, archive: null } : keys;
  }

  /**
   * Appends an event inside the caller's transaction (the change and its record commit together).
   * The chain head stays locked until that transaction ends. `writes` are another feature's writes
   * (CTEs, db/statement-template.ts) that go into the event's own statement: event and writes then
   * commit as one statement, in one round trip (a sign-in's session).
   * Listeners hear nothing yet: the caller announces the event once its transaction committed.
   * A caller that passes `after` (db/after-commit.ts: settled by its transaction's boundary) lets the
   * fan-out act after the commit: webhooks then hand the event's deliveries to this process's
   * worker without a claim.
   */
  async record(tx: Executor, ctx: RequestContext, event: AuditEventInput, writes: readonly StatementPart[] = [], after?: AfterCommit): Promise<void> {
    const content: ChainedContent = {
      id: randomUUID(),
      type: event.type,
      userId: event.userId,
      actorId: ctx.actorId,
      ip: ctx.ip,
      userAgent: ctx.userAgent ? ctx.userAgent.slice(0, 512) : null,
      data: event.data ?? {},
      createdAt: new Date(this.clock.now()),
    };
    const deliveries = this.fanOut?.deliveries(content, after);
    await this.repo.append(tx, content, chainHashParts(content), hmacPads(eventKey(this.#keys.current, content.id)), deliveries ? [...writes, deliveries] : writes);
  }

  /** an event that stands alone (a failed sign-in): one statement, atomic by itself, then announced */
  async recordAlone(ctx: RequestContext, event: AuditEventInput): Promise<void> {
    await afterCommit((after) => this.record(this.db, ctx, event, [], after));
    this.announce(event);
  }

  /** tells the listeners of an event whose transaction has committed */
  announce(event: AuditEventInput): void {
    this.onCommitted?.(event);
  }

  /** newest first, one page at a time */
  list(filters: AuditFilters, page: PageRequest): Promise<Page<AuditRow>> {
    return readPage(page, (after, limit) => this.repo.list(this.db, { ...filters, limit, after }));
  }

  /**
   * Walks the chain in order, in one snapshot; reports the first row whose links or content do
   * not match, a sealed boundary (the upgrade to keyed links, the end of a SECRETS_KEY era) that
   * does not hold, or a chain whose last event is not the recorded head (the newest events
   * removed). Every keyed link fails alike when SECRETS_KEY is not the key the chain was written with.
   */
  async verify(): Promise<VerifyResult> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => (await this.#walk(tx)).result);
  }

  /**
   * After SECRETS_KEY was changed (the old one in SECRETS_KEY_PREVIOUS): ends the chain's era at
   * the newest event, if any link of it was made under the old key, and re-seals what the old key
   * sealed (earlier eras' keys, the pre-upgrade boundary) under the new one — so the chain
   * verifies without the old key. The chain is verified first, under a lock that holds every
   * append back: a broken chain is not re-sealed (it throws). Records `secrets.rekeyed` with
   * `data` when anything changed, here or (a non-zero count in `data`) in the caller's features.
   * Returns whether the chain itself changed.
   */
  async rekeyChain(ctx: RequestContext, data: Record<string, number>): Promise<{ chainRekeyed: boolean }> {
    const { current, previous, archive } = this.#keys;
    return this.db.transaction().execute(async (tx) => {
      await this.repo.lockHead(tx);
      const walk = await this.#walk(tx);
      if (!walk.result.ok) throw new Error(`the audit chain does not verify (seq=${walk.result.brokenAt.seq}: ${walk.result.brokenAt.reason}); nothing was re-keyed`);
      let changed = false;
      for (const era of await this.repo.eras(tx)) {
        const resealed = archive?.reseal(era.keysEnc) ?? null;
        if (resealed !== null) {
          await this.repo.replaceEraKeys(tx, era.uptoSeq, resealed);
          changed = true;
        }
      }
      const head = await this.repo.head(tx);
      if (BigInt(head.legacySeq) > 0n && !sameHex(head.legacySeal, legacySeal(current, head.legacySeq, head.legacyHash))) {
        await this.repo.replaceLegacySeal(tx, legacySeal(current, head.legacySeq, head.legacyHash));
        changed = true;
      }
      if (walk.underPrevious > 0 && previous && walk.last) {
        if (!archive) throw new Error('no key to seal the ended era with');
        const { seq, hash } = walk.last;
        await this.repo.insertEra(tx, {
          uptoSeq: seq,
          keysEnc: archive.seal(JSON.stringify([current.toString('hex'), previous.toString('hex')])),
          seal: eraSeal(current, seq, hash),
          sealPrevious: eraSeal(previous, seq, hash),
        });
        changed = true;
      }
      if (changed || Object.values(data).some((n) => n > 0)) await this.record(tx, ctx, { type: 'secrets.rekeyed', userId: null, data: { ...data, audit_chain: changed } });
      return { chainRekeyed: changed };
    });
  }

  async #walk(tx: Executor): Promise<Walk> {
    const { current, previous, archive } = this.#keys;
    const live = previous ? [current, previous] : [current];
    const head = await this.repo.head(tx);
    const fail = (checked: number, seq: string, id: string, reason: string, last: AuditRow | null = null): Walk => ({
      result: { ok: false, checked, brokenAt: { seq, id, reason } },
      underPrevious: 0,
      last,
    });
    const legacy = BigInt(head.legacySeq);
    if (legacy > 0n && !live.some((key) => sameHex(head.legacySeal, legacySeal(key, head.legacySeq, head.legacyHash)))) {
      return fail(0, head.legacySeq, '-', 'the seal of the chain before the upgrade to keyed links does not match (the boundary was changed, or SECRETS_KEY is not the key it was sealed with)');
    }
    // the ended eras, each with the chain keys its links were made with
    const eras: { upto: bigint; era: ChainEra; keys: Buffer[] }[] = [];
    for (const era of await this.repo.eras(tx)) {
      let keys: Buffer[];
      try {
        if (!archive) throw new Error('no archive key');
        keys = (JSON.parse(archive.open(era.keysEnc)) as string[]).map((k) => Buffer.from(k, 'hex'));
      } catch {
        return fail(0, era.uptoSeq, '-', 'the keys of the chain before this re-keying do not open under SECRETS_KEY (it is not the key they were sealed with, or the row was changed)');
      }
      eras.push({ upto: BigInt(era.uptoSeq), era, keys });
    }
    let era = 0;
    let prev = GENESIS_HASH;
    let last: AuditRow | null = null;
    let checked = 0;
    let underPrevious = 0;
    for (;;) {
      const page = await this.repo.pageBySeq(tx, last?.seq ?? null, 1000);
      for (const row of page) {
        if (row.prevHash !== prev) {
          return fail(checked, row.seq, row.id, 'prev_hash does not match the previous event (a row was removed, inserted or reordered)', last);
        }
        const seq = BigInt(row.seq);
        if (era < eras.length && eras[era]!.upto < seq) return fail(checked, eras[era]!.era.uptoSeq, '-', 'a re-keying boundary names an event that is not in the chain', last);
        const keys = era < eras.length ? eras[era]!.keys : live;
        if (row.link === LINK_SHA256) {
          if (seq > legacy) return fail(checked, row.seq, row.id, 'an unkeyed link after the upgrade to keyed links (the row was rewritten without the key)', last);
          if (chainHash(prev, row) !== row.hash) return fail(checked, row.seq, row.id, 'content does not match its hash (the row was edited)', last);
        } else if (row.link === LINK_HMAC) {
          const matched = keys.findIndex((key) => sameHex(row.hash, chainLink(key, prev, row)));
          if (matched < 0) {
            return fail(checked, row.seq, row.id, 'content does not match its keyed link (the row was edited, or SECRETS_KEY is not the key the chain was written with)', last);
          }
          if (era === eras.length && matched > 0) underPrevious++;
        } else return fail(checked, row.seq, row.id, `unknown link version ${row.link}`, last);
        if (seq === legacy && row.hash !== head.legacyHash) return fail(checked, row.seq, row.id, 'the last event before the upgrade is not the one sealed', last);
        if (era < eras.length && seq === eras[era]!.upto) {
          const ended = eras[era]!;
          const next = era + 1 < eras.length ? eras[era + 1]!.keys : live;
          const sealedByNext = next.some((key) => sameHex(ended.era.seal, eraSeal(key, row.seq, row.hash)));
          const sealedByOwn = ended.keys.some((key) => sameHex(ended.era.sealPrevious, eraSeal(key, row.seq, row.hash)));
          if (!sealedByNext || !sealedByOwn) return fail(checked, row.seq, row.id, 'the seal of a re-keying boundary does not match (the boundary was moved, or the event was changed)', last);
          era++;
        }
        prev = row.hash;
        last = row;
        checked++;
      }
      if (page.length < 1000) break;
    }
    if (era < eras.length) return fail(checked, eras[era]!.era.uptoSeq, '-', 'a re-keying boundary names an event that is not in the chain (the newest events were removed)', last);
    if (head.hash !== prev) {
      return fail(checked, last?.seq ?? '0', last?.id ?? '-', 'the chain ends before the recorded head (the newest events were removed)', last);
    }
    return { result: { ok: true, checked }, underPrevious, last };
  }
}

function sameHex(a: string | null, b: string): boolean {
  return a !== null && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export type { AuditRow } from './audit-repository.js';
