/**
 * Bulk writes for `gatehouse users import`: one multi-row statement per table and batch, inside
 * the caller's transaction. Accounts whose email or username exists already are left as they are
 * (ON CONFLICT DO NOTHING): the statement returns the ids it did insert.
 * It writes users, user_roles and identities (the oauth feature's table) directly: going through
 * those features' per-row methods would cost a round trip per row.
 */
import type { Executor } from '../db/database-types.js';

export interface ImportedUser {
  id: string;
  email: string;
  username: string | null;
  name: string | null;
  passwordHash: string | null;
  emailVerified: boolean;
  roles: string[];
  identities: { provider: string; subject: string }[];
}

/** rows per statement for the link tables (PostgreSQL binds at most 65,535 parameters per statement) */
const LINK_ROWS = 5000;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += LINK_ROWS) out.push(rows.slice(i, i + LINK_ROWS));
  return out;
}

export class UserImportRepository {
  /** the emails and usernames among these that an account has already */
  async existing(db: Executor, emails: string[], usernames: string[]): Promise<{ emails: Set<string>; usernames: Set<string> }> {
    if (emails.length === 0 && usernames.length === 0) return { emails: new Set(), usernames: new Set() };
    const rows = await db
      .selectFrom('users')
      .select(['email', 'username'])
      .where((eb) => {
        const ors = [];
        if (emails.length > 0) ors.push(eb('email', 'in', emails));
        if (usernames.length > 0) ors.push(eb('username', 'in', usernames));
        return eb.or(ors);
      })
      .execute();
    return {
      emails: new Set(rows.map((r) => r.email).filter((e): e is string => e !== null)),
      usernames: new Set(rows.map((r) => r.username).filter((u): u is string => u !== null)),
    };
  }

  /** the (provider, subject) pairs among these linked to an account already, as `provider\nsubject` */
  async linkedIdentities(db: Executor, pairs: { provider: string; subject: string }[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = await db
      .selectFrom('identities')
      .select(['provider', 'subject'])
      .where((eb) => eb(eb.refTuple('provider', 'subject'), 'in', pairs.map((p) => eb.tuple(p.provider, p.subject))))
      .execute();
    return new Set(rows.map((r) => `${r.provider}\n${r.subject}`));
  }

  /** inserts the accounts, their roles and identities; returns the ids actually inserted */
  async insertBatch(tx: Executor, users: ImportedUser[], at: Date, newId: () => string): Promise<Set<string>> {
    if (users.length === 0) return new Set();
    const inserted = await tx
      .insertInto('users')
      .values(
        users.map((u) => ({
          id: u.id,
          email: u.email,
          username: u.username,
          name: u.name,
          avatar_url: null,
          password_hash: u.passwordHash,
          email_verified: u.emailVerified,
          disabled: false,
          created_at: at,
          updated_at: at,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    const ids = new Set(inserted.map((r) => r.id));
    const mine = users.filter((u) => ids.has(u.id));
    const roles = mine.flatMap((u) => u.roles.map((role_name) => ({ user_id: u.id, role_name })));
    for (const part of chunks(roles)) await tx.insertInto('user_roles').values(part).onConflict((oc) => oc.doNothing()).execute();
    const identities = mine.flatMap((u) =>
      u.identities.map((i) => ({ id: newId(), user_id: u.id, provider: i.provider, subject: i.subject, email: null, email_verified: false, created_at: at })),
    );
    for (const part of chunks(identities)) await tx.insertInto('identities').values(part).onConflict((oc) => oc.doNothing()).execute();
    return ids;
  }
}
