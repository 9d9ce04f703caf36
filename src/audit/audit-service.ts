/**
 * The audit trail (SPEC §8): append-only events, each recorded in the transaction of the change it
 * describes, chained with keyed links (audit-chain.ts) that `verify` recomputes.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db, StatementStart } from '../db/database-types.js';
import { readPage, type Page, type PageRequest } from '../db/keyset.js';
import type { RequestContext } from '../request-context.js';
import { chainHash, chainHashParts, chainLink, eventKey, GENESIS_HASH, hmacPads, legacySeal, LINK_HMAC, LINK_SHA256 } from './audit-chain.js';
import type { AuditFilters, AuditRepository, AuditRow } from './audit-repository.js';

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

export type VerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; brokenAt: { seq: string; id: string; reason: string } };

export class AuditService {
  /** `chainKey`: the chain's HMAC key, derived from SECRETS_KEY (see auditChainKey in services.ts) */
  constructor(
    private readonly db: Db,
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
    private readonly chainKey: Buffer,
    /** told of every event once it is written (metrics count sign-ins and refresh reuse here) */
    private readonly onRecorded?: (event: AuditEventInput) => void,
  ) {}

  /**
   * Appends an event inside the caller's transaction (the change and its record commit together).
   * The chain head stays locked until that transaction ends. `tx` may also be a statement that
   * carries another write as CTEs (see StatementStart): event and write then commit as one statement.
   */
  async record(tx: StatementStart, ctx: RequestContext, event: AuditEventInput): Promise<void> {
    const content = {
      id: randomUUID(),
      type: event.type,
      userId: event.userId,
      actorId: ctx.actorId,
      ip: ctx.ip,
      userAgent: ctx.userAgent ? ctx.userAgent.slice(0, 512) : null,
      data: event.data ?? {},
      createdAt: new Date(this.clock.now()),
    };
    await this.repo.append(tx, content, chainHashParts(content), hmacPads(eventKey(this.chainKey, content.id)));
    this.onRecorded?.(event);
  }

  /** an event that stands alone (a failed sign-in): one statement, atomic by itself */
  async recordAlone(ctx: RequestContext, event: AuditEventInput): Promise<void> {
    await this.record(this.db, ctx, event);
  }

  /** newest first, one page at a time */
  list(filters: AuditFilters, page: PageRequest): Promise<Page<AuditRow>> {
    return readPage(page, (after, limit) => this.repo.list(this.db, { ...filters, limit, after }));
  }

  /**
   * Walks the chain in order, in one snapshot; reports the first row whose links or content do
   * not match, a sealed pre-upgrade boundary that does not hold, or a chain whose last event is not
   * the recorded head (the newest events removed). Every keyed link fails alike when SECRETS_KEY is
   * not the key the chain was written with.
   */
  async verify(): Promise<VerifyResult> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        const head = await this.repo.head(tx);
        const legacy = BigInt(head.legacySeq);
        if (legacy > 0n && !sameHex(head.legacySeal, legacySeal(this.chainKey, head.legacySeq, head.legacyHash))) {
          return { ok: false as const, checked: 0, brokenAt: { seq: head.legacySeq, id: '-', reason: 'the seal of the chain before the upgrade to keyed links does not match (the boundary was changed, or SECRETS_KEY is not the key it was sealed with)' } };
        }
        let prev = GENESIS_HASH;
        let last: AuditRow | null = null;
        let checked = 0;
        for (;;) {
          const page = await this.repo.pageBySeq(tx, last?.seq ?? null, 1000);
          for (const row of page) {
            if (row.prevHash !== prev) {
              return broken(checked, row, 'prev_hash does not match the previous event (a row was removed, inserted or reordered)');
            }
            const seq = BigInt(row.seq);
            if (row.link === LINK_SHA256) {
              if (seq > legacy) return broken(checked, row, 'an unkeyed link after the upgrade to keyed links (the row was rewritten without the key)');
              if (chainHash(prev, row) !== row.hash) return broken(checked, row, 'content does not match its hash (the row was edited)');
            } else if (row.link === LINK_HMAC) {
              if (!sameHex(row.hash, chainLink(this.chainKey, prev, row))) {
                return broken(checked, row, 'content does not match its keyed link (the row was edited, or SECRETS_KEY is not the key the chain was written with)');
              }
            } else return broken(checked, row, `unknown link version ${row.link}`);
            if (seq === legacy && row.hash !== head.legacyHash) return broken(checked, row, 'the last event before the upgrade is not the one sealed');
            prev = row.hash;
            last = row;
            checked++;
          }
          if (page.length < 1000) break;
        }
        if (head.hash !== prev) {
          return {
            ok: false as const,
            checked,
            brokenAt: { seq: last?.seq ?? '0', id: last?.id ?? '-', reason: 'the chain ends before the recorded head (the newest events were removed)' },
          };
        }
        return { ok: true as const, checked };
      });
  }
}

function sameHex(a: string | null, b: string): boolean {
  return a !== null && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function broken(checked: number, row: AuditRow, reason: string): VerifyResult {
  return { ok: false, checked, brokenAt: { seq: row.seq, id: row.id, reason } };
}
export type { AuditRow } from './audit-repository.js';
