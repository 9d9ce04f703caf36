import type { Selectable } from 'kysely';
import type { EmailCodesTable, Executor } from '../db/database-types.js';

export type CodePurpose = 'verify_email' | 'password_reset' | 'email_change' | 'email_change_current' | 'email_login';

export interface CodeRecord {
  id: string;
  userId: string;
  purpose: CodePurpose;
  codeHash: string;
  linkHash: string | null;
  /** the address the code proves (verification: the address it was sent to; change: the new one) */
  email: string | null;
  attempts: number;
  createdAt: Date;
  expiresAt: Date;
}

function toRecord(r: Selectable<EmailCodesTable>): CodeRecord {
  return {
    id: r.id,
    userId: r.user_id,
    purpose: r.purpose as CodePurpose,
    codeHash: r.code_hash,
    linkHash: r.link_hash,
    email: r.new_email,
    attempts: r.attempts,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

export class EmailCodesRepository {
  /** the user's live code for `purpose`, replacing an earlier one (its tries start again) */
  async replace(tx: Executor, c: Omit<CodeRecord, 'attempts'>): Promise<void> {
    await tx
      .insertInto('email_codes')
      .values({
        id: c.id,
        user_id: c.userId,
        purpose: c.purpose,
        code_hash: c.codeHash,
        link_hash: c.linkHash,
        new_email: c.email,
        attempts: 0,
        created_at: c.createdAt,
        expires_at: c.expiresAt,
      })
      .onConflict((oc) =>
        oc.columns(['user_id', 'purpose']).doUpdateSet((eb) => ({
          id: eb.ref('excluded.id'),
          code_hash: eb.ref('excluded.code_hash'),
          link_hash: eb.ref('excluded.link_hash'),
          new_email: eb.ref('excluded.new_email'),
          attempts: 0,
          created_at: eb.ref('excluded.created_at'),
          expires_at: eb.ref('excluded.expires_at'),
        })),
      )
      .execute();
  }

  /** the user's code for `purpose`, locked until the transaction ends */
  async lockFor(tx: Executor, userId: string, purpose: CodePurpose): Promise<CodeRecord | null> {
    const row = await tx.selectFrom('email_codes').selectAll().where('user_id', '=', userId).where('purpose', '=', purpose).forUpdate().executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** the code whose one-click link has this hash, locked until the transaction ends */
  async lockByLink(tx: Executor, linkHash: string): Promise<CodeRecord | null> {
    const row = await tx.selectFrom('email_codes').selectAll().where('link_hash', '=', linkHash).forUpdate().executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async recordWrongTry(tx: Executor, id: string): Promise<void> {
    await tx.updateTable('email_codes').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', id).execute();
  }

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.deleteFrom('email_codes').where('id', '=', id).execute();
  }

  /** voids every pending code and link of the user, whatever its purpose (one added later too) */
  async deleteAllFor(tx: Executor, userId: string): Promise<void> {
    await tx.deleteFrom('email_codes').where('user_id', '=', userId).execute();
  }
}
