/**
 * Bulk writes for `gatehouse users import`: one multi-row statement per table and batch, inside
 * the caller's transaction. Accounts whose email or username exists already are left as they are
 * (ON CONFLICT DO NOTHING, which is also the existence check: an index probe per row, where a
 * lookup by a list of 1,000 emails was planned as a scan of the whole table): the statement
 * returns the ids it did insert.
 * It writes users, user_roles and identities (the oauth feature's table) directly: going through
 * those features' per-row methods would cost a round trip per row.
 */
import { sql } from 'kysely';
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
  /**
   * The accounts the (provider, subject) pairs among these are linked to, by `provider\nsubject`.
   * A join against a VALUES list: an IN list of row values is planned as one OR branch per pair.
   */
  async linkedIdentities(db: Executor, pairs: { provider: string; subject: string }[]): Promise<Map<string, { email: string | null; username: string | null }>> {
    const owners = new Map<string, { email: string | null; username: string | null }>();
    if (pairs.length === 0) return owners;
    const { rows } = await sql<{ provider: string; subject: string; email: string | null; username: string | null }>`
      select i.provider, i.subject, u.email, u.username
      from identities i
      join (values ${sql.join(pairs.map((p) => sql`(${p.provider}::text, ${p.subject}::text)`))}) as wanted(provider, subject)
        on i.provider = wanted.provider and i.subject = wanted.subject
      join users u on u.id = i.user_id`.execute(db);
    for (const r of rows) owners.set(`${r.provider}\n${r.subject}`, { email: r.email, username: r.username });
    return owners;
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
