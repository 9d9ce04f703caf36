import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Executor, UsersTable } from '../db/database-types.js';
import { inChunks } from '../db/batches.js';
import { StatementTemplate } from '../db/statement-template.js';
import { olderThan, type KeysetPosition } from '../db/keyset.js';

export interface UserRecord {
  id: string;
  /** null for an account identified by its username only (ACCOUNT_EMAIL=optional) */
  email: string | null;
  username: string | null;
  name: string | null;
  avatarUrl: string | null;
  passwordHash: string | null;
  emailVerified: boolean;
  disabled: boolean;
  /** a second sign-in step follows the password (TOTP on or a passkey registered; docs/security.md) */
  mfaEnabled: boolean;
  /** the owner's language, for mail someone else causes (docs/architecture.md, "Languages"); null: not known */
  locale: string | null;
  roles: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  id: string;
  email: string | null;
  username: string | null;
  name: string | null;
  passwordHash: string | null;
  emailVerified: boolean;
  /** the language of the request that created the account when its owner did (null: not known) */
  locale?: string | null;
  roles: string[];
  createdAt: Date;
}

export interface UserPatch {
  email?: string;
  username?: string | null;
  name?: string | null;
  avatarUrl?: string | null;
  passwordHash?: string | null;
  emailVerified?: boolean;
  disabled?: boolean;
}

export interface UserFilters {
  /** case-insensitive substring of email, username or name */
  q: string | null;
  /** users holding this role */
  role: string | null;
}

export interface UserListQuery extends UserFilters {
  limit: number;
  after: KeysetPosition | null;
}

/** unique-constraint violations, told apart so the service can answer email_taken/username_taken */
export class UniqueViolation extends Error {
  constructor(readonly field: 'email' | 'username') {
    super(`${field} already taken`);
  }
}

function selectUsers(db: Executor) {
  return db
    .selectFrom('users')
    .selectAll('users')
    .select(sql<string[]>`array(select ur.role_name from user_roles ur where ur.user_id = users.id order by ur.role_name)`.as('roles'));
}

const byLogin = new StatementTemplate(1, (db: Executor, login: string) =>
  selectUsers(db)
    .where((eb) => eb.or([eb('users.email', '=', login), eb('users.username', '=', login)]))
    .orderBy(sql`users.email = ${login}`, 'desc'),
);

function toRecord(row: Selectable<UsersTable> & { roles: string[] }): UserRecord {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    name: row.name,
    avatarUrl: row.avatar_url,
    passwordHash: row.password_hash,
    emailVerified: row.email_verified,
    disabled: row.disabled,
    mfaEnabled: row.mfa_enabled,
    locale: row.locale,
    roles: row.roles ?? [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function translateUnique(error: unknown): never {
  const e = error as { code?: string; constraint?: string; detail?: string; message?: string };
  if (e?.code === '23505') {
    const where = `${e.constraint ?? ''} ${e.detail ?? ''} ${e.message ?? ''}`;
    throw new UniqueViolation(where.includes('username') ? 'username' : 'email');
  }
  throw error;
}

export class UsersRepository {
  async findById(db: Executor, id: string): Promise<UserRecord | null> {
    const row = await selectUsers(db).where('users.id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** the accounts with these ids (unknown ids are left out), in one statement */
  async findByIds(db: Executor, ids: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    return (await selectUsers(db).where('users.id', 'in', [...ids]).execute()).map(toRecord);
  }

  async findByEmail(db: Executor, email: string): Promise<UserRecord | null> {
    const row = await selectUsers(db).where('users.email', '=', email).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** a login identifier matches an email or a username (every password sign-in: built and compiled once) */
  async findByLogin(db: Executor, login: string): Promise<UserRecord | null> {
    const row = await byLogin.executeTakeFirst(db, login);
    return row ? toRecord(row) : null;
  }

  async lockById(tx: Executor, id: string): Promise<UserRecord | null> {
    await tx.selectFrom('users').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
    return this.findById(tx, id);
  }

  async insert(tx: Executor, user: NewUser): Promise<void> {
    try {
      await tx
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          username: user.username,
          name: user.name,
          avatar_url: null,
          password_hash: user.passwordHash,
          email_verified: user.emailVerified,
          disabled: false,
          locale: user.locale ?? null,
          created_at: user.createdAt,
          updated_at: user.createdAt,
        })
        .execute();
    } catch (error) {
      translateUnique(error);
    }
    await this.setRoles(tx, user.id, user.roles);
  }

  async update(tx: Executor, id: string, patch: UserPatch, at: Date): Promise<void> {
    const set: Record<string, unknown> = { updated_at: at };
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.username !== undefined) set.username = patch.username;
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.avatarUrl !== undefined) set.avatar_url = patch.avatarUrl;
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.emailVerified !== undefined) set.email_verified = patch.emailVerified;
    if (patch.disabled !== undefined) set.disabled = patch.disabled;
    try {
      await tx.updateTable('users').set(set).where('id', '=', id).execute();
    } catch (error) {
      translateUnique(error);
    }
  }

  /**
   * Many accounts in one statement (`users import`): an account whose email or username exists
   * already is left as it is (ON CONFLICT DO NOTHING, which is also the existence check: an index
   * probe per row, where a lookup by a list of 1,000 emails was planned as a scan of the whole
   * table); their roles in parts (db/batches.ts). Returns the ids actually inserted.
   */
  async insertMany(tx: Executor, users: Omit<NewUser, 'createdAt'>[], at: Date): Promise<Set<string>> {
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
    const roles = users.filter((u) => ids.has(u.id)).flatMap((u) => [...new Set(u.roles)].map((role_name) => ({ user_id: u.id, role_name })));
    for (const part of inChunks(roles)) await tx.insertInto('user_roles').values(part).onConflict((oc) => oc.doNothing()).execute();
    return ids;
  }

  /**
   * Stores the owner's language unless it is stored already (one statement, which writes nothing
   * when it is); `updated_at` stays: the account did not change, its reader's habit did.
   */
  async setLocale(db: Executor, id: string, locale: string): Promise<void> {
    await db.updateTable('users').set({ locale }).where('id', '=', id).where(sql<boolean>`locale is distinct from ${locale}`).execute();
  }

  async setMfaEnabled(tx: Executor, id: string, enabled: boolean): Promise<void> {
    await tx.updateTable('users').set({ mfa_enabled: enabled }).where('id', '=', id).execute();
  }

  async setRoles(tx: Executor, id: string, roles: string[]): Promise<void> {
    await tx.deleteFrom('user_roles').where('user_id', '=', id).execute();
    if (roles.length > 0) {
      await tx
        .insertInto('user_roles')
        .values([...new Set(roles)].map((role_name) => ({ user_id: id, role_name })))
        .execute();
    }
  }

  async delete(tx: Executor, id: string): Promise<boolean> {
    const result = await tx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** stores a rehash unless the hash changed meanwhile (a password change won the race) */
  async replacePasswordHash(db: Executor, id: string, oldHash: string, newHash: string): Promise<void> {
    await db.updateTable('users').set({ password_hash: newHash }).where('id', '=', id).where('password_hash', '=', oldHash).execute();
  }

  async list(db: Executor, query: UserListQuery): Promise<UserRecord[]> {
    let q = selectUsers(db);
    if (query.q) {
      const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([
          eb('users.email', 'like', pattern),
          eb('users.username', 'like', pattern),
          eb(sql`lower(users.name)`, 'like', pattern),
        ]),
      );
    }
    if (query.role) {
      const role = query.role;
      q = q.where((eb) =>
        eb.exists(eb.selectFrom('user_roles as r').select('r.user_id').whereRef('r.user_id', '=', 'users.id').where('r.role_name', '=', role)),
      );
    }
    if (query.after) q = q.where(olderThan('users.created_at', 'users.id', query.after));
    const rows = await q.orderBy('users.created_at', 'desc').orderBy('users.id', 'desc').limit(query.limit).execute();
    return rows.map(toRecord);
  }
}
