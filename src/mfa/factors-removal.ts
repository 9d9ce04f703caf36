/**
 * Second factors as one of the password reset's "other ways in" (src/email-ownership/other-ways-in.ts):
 * TOTP (a pending set-up too), every passkey and the recovery codes removed in the reset's
 * transaction, `users.mfa_enabled` cleared with them (the caller announces the user's change
 * after commit). Audited as passkey.removed per passkey and one mfa.disabled (method "all"),
 * each with the reason; no separate notices (the reset's own notice lists what went).
 */
import type { AuditService } from '../audit/audit-service.js';
import type { Executor } from '../db/database-types.js';
import type { OtherWaysIn, RemovedWayIn } from '../email-ownership/other-ways-in.js';
import type { RequestContext } from '../request-context.js';
import type { UsersService } from '../users/users-service.js';
import type { MfaRepository } from './mfa-repository.js';

export class SecondFactorsRemoval implements OtherWaysIn {
  constructor(
    private readonly repo: MfaRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async removeAllInTx(tx: Executor, ctx: RequestContext, userId: string, reason: string): Promise<RemovedWayIn[]> {
    const had = await this.repo.summary(tx, userId);
    const passkeys = await this.repo.listPasskeys(tx, userId);
    await this.repo.deleteAll(tx, userId);
    await this.users.setMfaEnabled(tx, userId, false);
    const removed: RemovedWayIn[] = [];
    if (had.totp) removed.push({ kind: 'totp', name: 'authenticator app (TOTP)' });
    for (const passkey of passkeys) {
      removed.push({ kind: 'passkey', name: passkey.name });
      await this.audit.record(tx, ctx, { type: 'passkey.removed', userId, data: { passkey_id: passkey.id, reason } });
    }
    if (had.recoveryCodesLeft > 0) removed.push({ kind: 'recovery_codes', name: String(had.recoveryCodesLeft) });
    if (had.totp || passkeys.length > 0 || had.recoveryCodesLeft > 0) {
      await this.audit.record(tx, ctx, { type: 'mfa.disabled', userId, data: { method: 'all', reason, totp: had.totp, passkeys: passkeys.length, recovery_codes: had.recoveryCodesLeft } });
    }
    return removed;
  }
}
