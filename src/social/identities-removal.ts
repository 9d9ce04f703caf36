/**
 * Linked identities as one of the password reset's "other ways in" (src/email-ownership/other-ways-in.ts):
 * every identity of the user unlinked in the reset's transaction, each audited as
 * identity.unlinked with the reason.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { Executor } from '../db/database-types.js';
import type { OtherWaysIn, RemovedWayIn } from '../email-ownership/other-ways-in.js';
import type { RequestContext } from '../request-context.js';
import type { IdentitiesRepository } from './identities-repository.js';

export class LinkedIdentitiesRemoval implements OtherWaysIn {
  constructor(
    private readonly repo: IdentitiesRepository,
    private readonly audit: AuditService,
  ) {}

  async removeAllInTx(tx: Executor, ctx: RequestContext, userId: string, reason: string): Promise<RemovedWayIn[]> {
    const removed = await this.repo.deleteAllOfUser(tx, userId);
    for (const identity of removed) {
      await this.audit.record(tx, ctx, { type: 'identity.unlinked', userId, data: { identity_id: identity.id, provider: identity.provider, reason } });
    }
    return removed.map((identity) => ({ kind: 'identity', name: identity.provider }));
  }
}
