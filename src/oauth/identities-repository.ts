import type { Selectable } from 'kysely';
import type { Executor, IdentitiesTable } from '../db/database-types.js';

export interface IdentityRecord {
  id: string;
  userId: string;
  provider: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  createdAt: Date;
}

/** (provider, subject) is linked already: the caller re-reads and decides */
export class IdentityTaken extends Error {
  constructor() {
    super('identity already linked');
  }
}

function toRecord(r: Selectable<IdentitiesTable>): IdentityRecord {
  return { id: r.id, userId: r.user_id, provider: r.provider, subject: r.subject, email: r.email, emailVerified: r.email_verified, createdAt: r.created_at };
}

export class IdentitiesRepository {
  async find(db: Executor, provider: string, subject: string): Promise<IdentityRecord | null> {
    const row = await db.selectFrom('identities').selectAll().where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async listByUser(db: Executor, userId: string): Promise<IdentityRecord[]> {
    return (await db.selectFrom('identities').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute()).map(toRecord);
  }

  /** the user's identities, locked: two unlinks of one account run one after the other */
  async lockByUser(tx: Executor, userId: string): Promise<IdentityRecord[]> {
    return (await tx.selectFrom('identities').selectAll().where('user_id', '=', userId).orderBy('id').forUpdate().execute()).map(toRecord);
  }

  async insert(tx: Executor, identity: IdentityRecord): Promise<void> {
    try {
      await tx
        .insertInto('identities')
        .values({
          id: identity.id,
          user_id: identity.userId,
          provider: identity.provider,
          subject: identity.subject,
          email: identity.email,
          email_verified: identity.emailVerified,
          created_at: identity.createdAt,
        })
        .execute();
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === '23505') throw new IdentityTaken();
      throw error;
    }
  }

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.deleteFrom('identities').where('id', '=', id).execute();
  }

  /** every identity of the user, deleted; the ones that were */
  async deleteAllOfUser(tx: Executor, userId: string): Promise<IdentityRecord[]> {
    return (await tx.deleteFrom('identities').where('user_id', '=', userId).returningAll().execute()).map(toRecord).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
}
