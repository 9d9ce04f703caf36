/**
 * The one query of `gatehouse users import` of its own: which of a batch's identities are linked
 * already, and to whom. It writes nothing: the accounts, their roles and identities are written by
 * their owners' batch inserts (UsersService.importMany, OAuthService.linkImported), one multi-row
 * statement per table and batch.
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
}
