import { randomUUID } from 'node:crypto';
import type { Clock } from '../cache/ephemeral-store.js';
import type { Db, Executor } from '../db/database-types.js';
import { chainHash, GENESIS_HASH } from './audit-chain.js';
import type { AuditListQuery, AuditRepository, AuditRow } from './audit-repository.js';

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
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

/** who did it and from where: passed from the edge (route, CLI) down to the service */
export interface RequestContext {
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export const systemContext: RequestContext = { actorId: null, ip: null, userAgent: null };

export interface AuditEventInput {
  type: AuditType;
  userId: string | null;
  data?: Record<string, unknown>;
}

export type VerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; brokenAt: { seq: string; id: string; reason: string } };

export class AuditService {
  constructor(
    private readonly db: Db,
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends an event inside the caller's transaction (the change and its record commit together).
   * The chain lock is held until that transaction ends.
   */
  async record(tx: Executor, ctx: RequestContext, event: AuditEventInput): Promise<void> {
    const prevHash = (await this.repo.lockChainHead(tx)) ?? GENESIS_HASH;
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
    await this.repo.insert(tx, { ...content, prevHash, hash: chainHash(prevHash, content) });
  }

  /** an event that stands alone (a failed sign-in): its own short transaction */
  async recordAlone(ctx: RequestContext, event: AuditEventInput): Promise<void> {
    await this.db.transaction().execute((tx) => this.record(tx, ctx, event));
  }

  list(query: AuditListQuery): Promise<AuditRow[]> {
    return this.repo.list(this.db, query);
  }

  /** walks the chain in order; reports the first row whose links or content do not match */
  async verify(): Promise<VerifyResult> {
    let prev = GENESIS_HASH;
    let after: string | null = null;
    let checked = 0;
    for (;;) {
      const page = await this.repo.pageBySeq(this.db, after, 1000);
      for (const row of page) {
        if (row.prevHash !== prev) {
          return { ok: false, checked, brokenAt: { seq: row.seq, id: row.id, reason: 'prev_hash does not match the previous event (a row was removed, inserted or reordered)' } };
        }
        if (chainHash(prev, row) !== row.hash) {
          return { ok: false, checked, brokenAt: { seq: row.seq, id: row.id, reason: 'content does not match its hash (the row was edited)' } };
        }
        prev = row.hash;
        checked++;
      }
      if (page.length < 1000) return { ok: true, checked };
      after = page[page.length - 1]!.seq;
    }
  }
}
