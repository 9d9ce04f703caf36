/**
 * Accounts: profile changes, admin management (docs/api.md Admin) and the rules that guard them —
 * unique email/username, known roles, the last active admin. Every change that should end a
 * user's sessions (disable, admin password reset, delete) revokes them in the same transaction
 * and announces it to every instance after commit; disabling also voids every code and link
 * emailed to the user.
 */
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit-service.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { PasswordPolicy } from '../passwords/password-policy.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import { TtlCache } from '../cache/ttl-cache.js';
import type { AfterCommit } from '../db/after-commit.js';
import type { Db, Executor } from '../db/database-types.js';
import { isForeignKeyViolation } from '../db/sql-errors.js';
import { isLocale } from '../i18n/locales.js';
import { commonErrors, DomainError } from '../errors.js';
import { readerData, type MailService } from '../mail/mail-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { SessionRecord } from '../sessions/sessions-service.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import { normalizeEmail, normalizeUsername, passwordUserInputs } from './user-fields.js';
import { usersErrors } from './users-errors.js';
import { UniqueViolation, type NewUser, type UserFilters, type UserPatch, type UserRecord, type UsersRepository } from './users-repository.js';
import { readPage, type Page, type PageRequest } from '../db/keyset.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { RequestContext } from '../request-context.js';

/** an account as `users import` writes it (its hash stored as it came) */
export type ImportedAccount = Omit<NewUser, 'createdAt'>;

export interface UsersServiceDeps {
  db: Db;
  repo: UsersRepository;
  roles: RolesService;
  sessions: SessionsService;
  audit: AuditService;
  bus: InvalidationBus;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  clock: Clock;
  settings: Pick<Config, 'defaultRole' | 'accountEmail'>;
  /** queues the "account deleted" notice (absent: no notice) */
  mail?: MailService;
  /** the codes and links emailed to users (their owner sits above users: the composition hands it in) */
  pendingCodes?: PendingCodes;
}

/** voids every code and link emailed to a user (sign-in, reset, verification…), in the caller's transaction */
export interface PendingCodes {
  voidAllInTx(tx: Executor, userId: string): Promise<void>;
}

export interface NewAccount {
  /** may be missing with ACCOUNT_EMAIL=optional when a username is given */
  email?: string | null;
  password: string | null;
  username?: string | null;
  name?: string | null;
  roles?: string[];
  emailVerified?: boolean;
}

export interface AdminUserPatch {
  name?: string | null;
  /** a new address (normalised here); it counts as unverified unless `emailVerified` says otherwise */
  email?: string;
  roles?: string[];
  disabled?: boolean;
  emailVerified?: boolean;
  password?: string;
}

/** a new account's fields, checked and normalised, its password hashed */
export interface PreparedAccount {
  email: string | null;
  username: string | null;
  name: string | null;
  passwordHash: string | null;
  roles: string[];
}

/** AdminUserPatch keys as the API and the audit trail name them */
const PATCH_FIELD_NAMES: Record<keyof AdminUserPatch, string> = {
  name: 'name',
  email: 'email',
  roles: 'roles',
  disabled: 'disabled',
  emailVerified: 'email_verified',
  password: 'password',
};

function unknownRolesError(roles: readonly string[], unknown: readonly string[]): DomainError {
  return commonErrors.validation(unknown.map((r) => ({ field: `roles.${roles.indexOf(r)}`, message: `unknown role "${r}"` })));
}

/** ensureAdmin's reason when an active admin exists already (nothing to do, nothing to report) */
export const ACTIVE_ADMIN_EXISTS = 'an active admin exists';

export class UsersService {
  readonly #cache: TtlCache<UserRecord | null>;

  constructor(private readonly d: UsersServiceDeps) {
    this.#cache = new TtlCache(1000, 100_000, () => d.clock.now());
    d.bus.on('user', (id) => this.#cache.delete(id));
  }

  /** the user as of at most one second ago (request authentication, /me) */
  getCached(id: string): Promise<UserRecord | null> {
    return this.#cache.get(id, () => this.d.repo.findById(this.d.db, id));
  }

  /** getCached from this second's cache alone; undefined when it has to be read */
  peekCached(id: string): UserRecord | null | undefined {
    return this.#cache.peek(id);
  }

  async get(id: string): Promise<UserRecord> {
    const user = await this.d.repo.findById(this.d.db, id);
    if (!user) throw usersErrors.notFound();
    return user;
  }

  findByLogin(login: string): Promise<UserRecord | null> {
    return this.d.repo.findByLogin(this.d.db, login);
  }

  findById(db: Executor, id: string): Promise<UserRecord | null> {
    return this.d.repo.findById(db, id);
  }

  /** the accounts with these ids, by id, in one lookup (the audit log names actors and subjects) */
  async byIds(ids: Iterable<string>): Promise<Map<string, UserRecord>> {
    const unique = [...new Set(ids)];
    const found = await this.d.repo.findByIds(this.d.db, unique);
    return new Map(found.map((u) => [u.id, u]));
  }


  /**
   * `users import`: accounts with their roles in one statement per table, in the caller's
   * transaction; an account whose email or username exists already is left alone. The ids inserted.
   */
  importMany(tx: Executor, accounts: ImportedAccount[], at: Date): Promise<Set<string>> {
    return this.d.repo.insertMany(tx, accounts, at);
  }

  /** newest first, one page at a time */
  list(filters: UserFilters, page: PageRequest): Promise<Page<UserRecord>> {
    return readPage(page, (after, limit) => this.d.repo.list(this.d.db, { ...filters, limit, after }));
  }

  /**
   * normalises and checks a new account's fields; hashes the password off the event loop (`ctx`:
   * the client whose turn the password's rating takes)
   */
  async prepareAccount(input: NewAccount, ctx: RequestContext | null = null): Promise<PreparedAccount> {
    const username = input.username ? normalizeUsername(input.username) : null;
    // docs/api.md: an email is required, unless ACCOUNT_EMAIL=optional and a username names the account
    if (!input.email && (this.d.settings.accountEmail === 'required' || !username)) throw commonErrors.validation([{ field: 'email', message: 'is required' }]);
    const email = input.email ? normalizeEmail(input.email) : null;
    const roles = input.roles ?? [this.d.settings.defaultRole];
    const unknown = await this.d.roles.unknownRoles(roles);
    if (unknown.length > 0) throw unknownRolesError(roles, unknown);
    const password = input.password === null ? null : await this.d.policy.check(input.password, passwordUserInputs({ email, username, name: input.name ?? null }), ctx);
    // fail fast on a taken email/username before spending a hash (the insert re-checks atomically)
    if (email && (await this.d.repo.findByEmail(this.d.db, email))) throw usersErrors.emailTaken();
    if (username && (await this.d.repo.findByLogin(this.d.db, username))?.username === username) throw usersErrors.usernameTaken();
    const passwordHash = password === null ? null : await this.d.hasher.hash(password);
    return { email, username, name: input.name ?? null, passwordHash, roles };
  }

  /** inserts a prepared account inside the caller's transaction, with its audit event */
  async insertAccount(
    tx: Executor,
    ctx: RequestContext,
    prepared: PreparedAccount,
    emailVerified: boolean,
    via: 'register' | 'admin' | 'cli' | 'bootstrap' | 'oauth',
    /** the transaction's post-commit hooks, if its owner settles them (db/after-commit.ts) */
    after?: AfterCommit,
  ): Promise<string> {
    const id = randomUUID();
    // the request's language is the owner's only when the owner creates the account (not an admin's, not the CLI's)
    const locale = (via === 'register' || via === 'oauth') && isLocale(ctx.locale) ? ctx.locale : null;
    try {
      await this.d.repo.insert(tx, { id, ...prepared, emailVerified, locale, createdAt: new Date(this.d.clock.now()) });
    } catch (error) {
      if (error instanceof UniqueViolation) throw error.field === 'email' ? usersErrors.emailTaken() : usersErrors.usernameTaken();
      throw error;
    }
    await this.d.audit.record(tx, { ...ctx, actorId: ctx.actorId ?? id }, { type: 'user.created', userId: id, data: { via, roles: prepared.roles } }, [], after);
    return id;
  }

  /** admin-created account (works with REGISTRATION=closed) */
  async createByAdmin(ctx: RequestContext, input: NewAccount): Promise<UserRecord> {
    const prepared = await this.prepareAccount(input, ctx);
    const id = await this.d.db
      .transaction()
      .execute((tx) => this.insertAccount(tx, ctx, prepared, input.emailVerified ?? false, 'admin'))
      .catch((error: unknown) => this.#roleGone(error, prepared.roles));
    return this.get(id);
  }

  /** PATCH /me: the user's own profile fields */
  async updateProfile(ctx: RequestContext, userId: string, patch: { name?: string | null; username?: string | null; avatarUrl?: string | null }): Promise<UserRecord> {
    // PATCH {} answers the user as they are, and changes (and records) nothing
    if (Object.values(patch).every((v) => v === undefined)) return this.get(userId);
    const changes: UserPatch = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.avatarUrl !== undefined) changes.avatarUrl = patch.avatarUrl;
    if (patch.username !== undefined) changes.username = patch.username === null ? null : normalizeUsername(patch.username);
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.repo.lockById(tx, userId))) throw usersErrors.notFound();
      await this.#update(tx, userId, changes);
      const fields = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined).map((k) => (k === 'avatarUrl' ? 'avatar_url' : k));
      await this.d.audit.record(tx, ctx, { type: 'user.updated', userId, data: { fields } });
    });
    await this.d.bus.publish('user', userId);
    return this.get(userId);
  }

  /** PATCH /admin/users/{id} */
  async updateByAdmin(ctx: RequestContext, userId: string, patch: AdminUserPatch): Promise<UserRecord> {
    // PATCH {} answers the user as they are, and changes (and records) nothing
    if (Object.values(patch).every((v) => v === undefined)) return this.get(userId);
    if (patch.roles) {
      const unknown = await this.d.roles.unknownRoles(patch.roles);
      if (unknown.length > 0) throw unknownRolesError(patch.roles, unknown);
    }
    const existing = await this.get(userId);
    const email = patch.email === undefined ? undefined : normalizeEmail(patch.email);
    const passwordHash =
      patch.password !== undefined
        ? await this.d.hasher.hash(await this.d.policy.check(patch.password, passwordUserInputs(existing), ctx))
        : undefined;
    const revoked = await this.d.db.transaction().execute(async (tx) => {
      await this.d.roles.lockAdmins(tx);
      const user = await this.d.repo.lockById(tx, userId);
      if (!user) throw usersErrors.notFound();
      // compared with the row as locked: a PATCH naming the address the user already has changes nothing
      const emailChanged = email !== undefined && email !== user.email;
      const changes: UserPatch = {};
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.disabled !== undefined) changes.disabled = patch.disabled;
      // a new address is unverified unless the admin says it is verified
      if (emailChanged) {
        changes.email = email;
        changes.emailVerified = patch.emailVerified ?? false;
      }
      if (patch.emailVerified !== undefined) changes.emailVerified = patch.emailVerified;
      if (passwordHash !== undefined) changes.passwordHash = passwordHash;
      await this.#update(tx, userId, changes);
      if (patch.roles) await this.d.repo.setRoles(tx, userId, patch.roles);
      if (patch.roles || patch.disabled) await this.d.roles.assertAdminRemains(tx, user);
      let revokedIds: string[] | null = null;
      if (patch.disabled === true || passwordHash !== undefined) {
        revokedIds = await this.d.sessions.revokeAllInTx(tx, userId, patch.disabled ? 'user_disabled' : 'password_set_by_admin');
      }
      // a disabled account keeps no code or link that would work again once it is enabled; codes
      // sent to an address the account no longer has go too
      if (patch.disabled === true || emailChanged) await this.d.pendingCodes?.voidAllInTx(tx, userId);
      // the fields the PATCH changed: the address only when it is another one
      const fields = (Object.keys(patch) as (keyof AdminUserPatch)[]).filter((k) => patch[k] !== undefined && k !== 'password' && (k !== 'email' || emailChanged)).map((k) => PATCH_FIELD_NAMES[k]);
      await this.d.audit.record(tx, ctx, {
        type: 'user.updated',
        userId,
        data: {
          fields,
          ...(patch.roles ? { roles: [...new Set(patch.roles)].sort() } : {}),
          ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
          ...(patch.emailVerified !== undefined || emailChanged ? { email_verified: changes.emailVerified ?? patch.emailVerified } : {}),
          ...(emailChanged ? { email_domain: email.split('@')[1] ?? null } : {}),
          ...(passwordHash ? { password_set: true } : {}),
          ...(revokedIds ? { sessions_revoked: revokedIds.length } : {}),
        },
      });
      if (passwordHash !== undefined) await this.d.audit.record(tx, ctx, { type: 'password.changed', userId, data: { by: 'admin' } });
      return revokedIds;
    }).catch((error: unknown) => this.#roleGone(error, patch.roles ?? []));
    await this.d.bus.publish('user', userId);
    await this.d.sessions.announceRevoked(revoked ?? []);
    return this.get(userId);
  }

  /** GET /admin/users/{id}/sessions: the user's live sessions, newest first (404 for an unknown user) */
  async liveSessions(userId: string): Promise<SessionRecord[]> {
    await this.get(userId);
    return this.d.sessions.listLive(userId);
  }

  /** the console's revoke of one session of a user: 404 for an unknown user or a session that is not theirs (or gone) */
  async revokeSession(ctx: RequestContext, userId: string, sessionId: string): Promise<void> {
    await this.get(userId);
    await this.d.sessions.revokeOwn(ctx, userId, sessionId, 'session.revoked');
  }

  /** DELETE /admin/users/{id}/sessions: revokes every session of the user, with one audit event */
  async revokeSessions(ctx: RequestContext, userId: string): Promise<number> {
    const ids = await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.repo.lockById(tx, userId))) throw usersErrors.notFound();
      const revoked = await this.d.sessions.revokeAllInTx(tx, userId, 'revoked_by_admin');
      await this.d.audit.record(tx, ctx, { type: 'session.revoked', userId, data: { all: true, count: revoked.length, by: 'admin' } });
      return revoked;
    });
    await this.d.sessions.announceRevoked(ids);
    return ids.length;
  }

  /** deletes the account; sessions and products go by cascade, audit rows stay */
  async delete(ctx: RequestContext, userId: string, via: 'admin' | 'self'): Promise<void> {
    const sessionIds = await this.d.db.transaction().execute(async (tx) => {
      await this.d.roles.lockAdmins(tx);
      const user = await this.d.repo.lockById(tx, userId);
      if (!user) throw usersErrors.notFound();
      const ids = await this.d.sessions.revokeAllInTx(tx, userId, 'user_deleted');
      await this.d.repo.delete(tx, userId);
      await this.d.roles.assertAdminRemains(tx, user);
      await this.d.audit.record(tx, ctx, { type: 'user.deleted', userId, data: { via, email_domain: user.email?.split('@')[1] ?? null } });
      if (user.email && this.d.mail) await this.d.mail.enqueue(tx, { template: 'account_deleted', to: user.email, userId, data: { ...this.d.sessions.noticeOrigin(ctx), ...readerData(ctx, user) } });
      return ids;
    });
    await this.d.bus.publish('user', userId);
    await this.d.sessions.announceRevoked(sessionIds);
  }

  /**
   * Remembers the language the owner reads Gatehouse in (a sign-in, a switch of language), for
   * mail someone else causes later; writes only when it differs from `user.locale`, so a sign-in
   * in the usual language costs nothing. Not announced on the bus: the cached copy serves
   * authentication, which does not read it, and mail reads the row.
   */
  async rememberLocale(user: Pick<UserRecord, 'id' | 'locale'>, locale: string | undefined): Promise<void> {
    if (isLocale(locale) && locale !== user.locale) await this.d.repo.setLocale(this.d.db, user.id, locale);
  }

  /** the user, locked until the caller's transaction ends (changes to sign-in factors), or null */
  lockForUpdate(tx: Executor, userId: string): Promise<UserRecord | null> {
    return this.d.repo.lockById(tx, userId);
  }

  /** records whether a second sign-in step follows the password, inside the caller's transaction */
  async setMfaEnabled(tx: Executor, userId: string, enabled: boolean): Promise<void> {
    await this.d.repo.setMfaEnabled(tx, userId, enabled);
  }

  /** sets a new password hash (password change/reset) inside the caller's transaction */
  async setPasswordHash(tx: Executor, userId: string, passwordHash: string): Promise<void> {
    await this.d.repo.update(tx, userId, { passwordHash }, new Date(this.d.clock.now()));
  }

  /** the account with this email (normalised here), or null; inside the caller's transaction when given one */
  findByEmail(email: string, db: Executor = this.d.db): Promise<UserRecord | null> {
    return this.d.repo.findByEmail(db, normalizeEmail(email));
  }

  /** locks the account's row until the caller's transaction ends; null when it is gone */
  lockById(tx: Executor, id: string): Promise<UserRecord | null> {
    return this.d.repo.lockById(tx, id);
  }

  /** marks the address verified inside the caller's transaction (announceChanged after commit) */
  async markEmailVerified(tx: Executor, userId: string): Promise<void> {
    await this.d.repo.update(tx, userId, { emailVerified: true }, new Date(this.d.clock.now()));
  }

  /**
   * Sets a new, proven address (verified) inside the caller's transaction; an address another
   * account took meanwhile is 409 email_taken (the unique index decides races).
   */
  async changeEmail(tx: Executor, userId: string, email: string): Promise<void> {
    await this.#update(tx, userId, { email, emailVerified: true });
  }

  /** after commit of a change made through the methods above: every instance drops its cached copy */
  async announceChanged(userId: string): Promise<void> {
    await this.d.bus.publish('user', userId);
  }

  /** stores a rehash of the password at current parameters (after a successful login) */
  async upgradePasswordHash(userId: string, oldHash: string, newHash: string): Promise<void> {
    await this.d.repo.replacePasswordHash(this.d.db, userId, oldHash, newHash);
  }

  async hasActiveAdmin(): Promise<boolean> {
    return (await this.d.roles.countActiveAdmins()) > 0;
  }

  /**
   * Creates an admin unless an active admin exists (start-up with ADMIN_EMAIL/ADMIN_PASSWORD,
   * `gatehouse create-admin`). An existing account with that email is left alone.
   */
  async ensureAdmin(ctx: RequestContext, input: { email: string; password: string; username?: string | null }, via: 'cli' | 'bootstrap'): Promise<{ created: boolean; reason?: string }> {
    // start-up with an admin in place: ADMIN_EMAIL/ADMIN_PASSWORD are not used, so not judged (nor hashed);
    // an existing account with that email is left alone (docs/operations.md), whatever the password says
    if (via === 'bootstrap') {
      if (await this.hasActiveAdmin()) return { created: false, reason: ACTIVE_ADMIN_EXISTS };
      if (await this.d.repo.findByEmail(this.d.db, normalizeEmail(input.email))) {
        // instances starting together: the account may be the admin another one just created
        if (await this.hasActiveAdmin()) return { created: false, reason: ACTIVE_ADMIN_EXISTS };
        return { created: false, reason: 'an account with this email already exists (left alone)' };
      }
    }
    const prepared = await this.prepareAccount({ ...input, roles: ['admin'] }).catch((error: unknown) => {
      if (error instanceof DomainError && (error.code === 'email_taken' || error.code === 'username_taken')) return error;
      throw error;
    });
    if (prepared instanceof DomainError) return { created: false, reason: prepared.detail ?? prepared.code };
    return this.d.db.transaction().execute(async (tx) => {
      await this.d.roles.lockAdmins(tx);
      if (via === 'bootstrap' && (await this.d.roles.countActiveAdmins(tx)) > 0) return { created: false, reason: ACTIVE_ADMIN_EXISTS };
      await this.insertAccount(tx, ctx, prepared, true, via);
      return { created: true };
    });
  }

  async #update(tx: Executor, userId: string, changes: UserPatch): Promise<void> {
    try {
      await this.d.repo.update(tx, userId, changes, new Date(this.d.clock.now()));
    } catch (error) {
      if (error instanceof UniqueViolation) throw error.field === 'email' ? usersErrors.emailTaken() : usersErrors.usernameTaken();
      throw error;
    }
  }

  /**
   * Role names are checked against the cached role map; a role deleted since (on another instance,
   * within its second) reaches the user_roles foreign key instead. Answer as for any unknown role.
   */
  async #roleGone(error: unknown, roles: string[]): Promise<never> {
    if (isForeignKeyViolation(error) && roles.length > 0) {
      const unknown = await this.d.roles.unknownRoles(roles, this.d.db);
      if (unknown.length > 0) throw unknownRolesError(roles, unknown);
    }
    throw error;
  }
}
export type { UserRecord } from './users-repository.js';
