/**
 * The password and the token lifecycle: register, password sign-in, refresh, logout, logout-all,
 * password change and account deletion. Finishing a sign-in is not written here: the password step
 * checks the password and hands the user to the sign-in core (src/sign-in), which every way in
 * shares — account rules, the second step, the session, `amr`, `login.succeeded`.
 *
 * - rate limits first (429 beats 423), then the core's lockout per typed identifier — counted
 *   whether or not an account has it — then the password;
 * - unknown users, wrong passwords and password-less accounts all answer 401 invalid_credentials
 *   after the same amount of hashing work;
 * - `account_disabled` and `email_not_verified` only after a correct password (no enumeration: the
 *   core applies them to a user who proved who they are);
 * - hashes from imports (bcrypt, weaker argon2) are upgraded after a successful login;
 * - a user with a second factor gets, for the right password, an `mfa_token` and the methods they
 *   can finish with, and nothing else.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { Config } from '../config/load-config.js';
import { afterCommit } from '../db/after-commit.js';
import type { Db } from '../db/database-types.js';
import { commonErrors } from '../errors.js';
import type { EmailService } from '../email-ownership/email-service.js';
import type { AccessClaims, KeyService } from '../keys/key-service.js';
import { readerData, type MailService } from '../mail/mail-service.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import { normalizePassword, type PasswordPolicy } from '../passwords/password-policy.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import type { RolesService } from '../roles/roles-service.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import { signInErrors } from '../sign-in/sign-in-errors.js';
import { signInMethods, type SecondFactorMethod } from '../sign-in/sign-in-methods.js';
import type { SignInService, TokenGrant } from '../sign-in/sign-in-service.js';
import { normalizeLogin, passwordUserInputs } from '../users/user-fields.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { authErrors } from './auth-errors.js';

export type { TokenGrant } from '../sign-in/sign-in-service.js';

/** the password step's answer for a user with MFA: nothing is issued until the second step */
export interface SecondStepRequired {
  mfaToken: string;
  methods: SecondFactorMethod[];
}

/** the settings sign-in and the token lifecycle read */
export type AuthSettings = Pick<
  Config,
  | 'registration'
  | 'requireEmailVerification'
  | 'defaultRole'
  | 'rateLimitLoginIp'
  | 'rateLimitLoginId'
  | 'rateLimitRegisterIp'
  | 'rateLimitRefreshIp'
  | 'rateLimitApiIp'
>;

export interface AuthServiceDeps {
  db: Db;
  settings: AuthSettings;
  signIn: SignInService;
  audit: AuditService;
  users: UsersService;
  sessions: SessionsService;
  roles: RolesService;
  keys: KeyService;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  limiter: RateLimiter;
  /** the user's second factors, named in the second step's answer */
  mfa: Pick<MfaService, 'methodsFor'>;
  /** verification codes at registration (absent: none sent) */
  email?: EmailService;
  /** security notices (absent: none sent) */
  mail?: MailService;
}

export class AuthService {
  constructor(private readonly d: AuthServiceDeps) {}

  /** true while the password-hashing queue is full (a sign-in now would get 503 server_busy) */
  get hashQueueFull(): boolean {
    return this.d.hasher.saturated;
  }

  /** docs/api.md puts this 403 before validation: the route calls it before the body is looked at */
  assertRegistrationOpen(): void {
    if (this.d.settings.registration === 'closed') throw authErrors.registrationClosed();
  }

  async register(
    ctx: RequestContext,
    input: { email?: string | null; password: string; username?: string | null; name?: string | null },
  ): Promise<{ grant: TokenGrant | null; user: UserRecord }> {
    this.assertRegistrationOpen();
    await this.d.limiter.hit('register-ip', ctx.ip ?? 'unknown', this.d.settings.rateLimitRegisterIp);
    const prepared = await this.d.users.prepareAccount({ ...input, roles: [this.d.settings.defaultRole] }, ctx);
    const withSession = !this.d.settings.requireEmailVerification;
    // the account's webhook deliveries go to this process's worker once the transaction commits
    const { userId, session } = await afterCommit((after) =>
      this.d.db.transaction().execute(async (tx) => {
        const id = await this.d.users.insertAccount(tx, { ...ctx, actorId: null }, prepared, false, 'register', after);
        await this.d.email?.issueVerification(tx, { id, email: prepared.email, locale: null }, ctx);
        const s = withSession ? await this.d.sessions.create(tx, { userId: id, ip: ctx.ip, userAgent: ctx.userAgent, amr: ['pwd'] }) : null;
        return { userId: id, session: s };
      }),
    );
    const user = await this.d.users.get(userId);
    return { user, grant: session ? await this.d.signIn.grant(user, session) : null };
  }

  async login(ctx: RequestContext, input: { login: string; password: string }): Promise<TokenGrant | SecondStepRequired> {
    const identifier = normalizeLogin(input.login);
    const ip = ctx.ip ?? 'unknown';
    // the API-wide limit (this route's hook leaves it to us), the sign-in limits and the lockout
    // state, in one round trip; 429 comes before 423
    const lockState = await this.d.limiter.hitAllAndRead(
      [
        { name: 'api-ip', key: ip, limit: this.d.settings.rateLimitApiIp },
        { name: 'login-ip', key: ip, limit: this.d.settings.rateLimitLoginIp },
        { name: 'login-id', key: identifier, limit: this.d.settings.rateLimitLoginId },
      ],
      this.d.signIn.lockout.key(identifier),
    );

    // a full hash queue refuses now, before spending a user lookup on a login that would be
    // refused anyway (keeps a sign-in storm from crowding out other requests)
    if (this.hashQueueFull) throw commonErrors.serverBusy(1);

    const user = await this.d.users.findByLogin(identifier);
    const lockout = this.d.signIn.lockout;
    // a locked identifier is refused before any hashing
    const locked = lockout.refusal(lockState);
    if (locked) return this.d.signIn.refuse(ctx, { attempt: signInMethods.password, reason: 'locked', userId: user?.id ?? null }, locked);

    const password = normalizePassword(input.password);
    let ok = false;
    if (user?.passwordHash) ok = await this.d.hasher.verify(user.passwordHash, password);
    else await this.d.hasher.verifyDummy(password);

    if (!user || !ok) {
      // counted and audited at once: neither waits for the other
      const [lockedNow] = await Promise.all([
        lockout.recordFailure(identifier),
        this.d.signIn.recordFailure(ctx, { attempt: signInMethods.password, reason: !user ? 'unknown_login' : user.passwordHash ? 'wrong_password' : 'no_password', userId: user?.id ?? null }),
      ]);
      throw lockedNow ?? signInErrors.invalidCredentials();
    }
    const lockedMeanwhile = await lockout.settle(identifier);
    if (lockedMeanwhile) return this.d.signIn.refuse(ctx, { attempt: signInMethods.password, reason: 'locked', userId: user.id }, lockedMeanwhile);

    // the account rules before the upgrade (a refused account keeps its hash as it is)
    await this.d.signIn.assertAccountRules(ctx, user, signInMethods.password);
    if (user.passwordHash && this.d.hasher.needsRehash(user.passwordHash)) {
      const upgraded = await this.d.hasher.hash(password);
      await this.d.users.upgradePasswordHash(user.id, user.passwordHash, upgraded);
    }
    const outcome = await this.d.signIn.complete(ctx, user, { method: signInMethods.password, amr: ['pwd'] });
    if (outcome.kind === 'signed_in') return outcome.grant;
    return { mfaToken: outcome.mfaToken, methods: await this.d.mfa.methodsFor(user.id) };
  }

  async refresh(ctx: RequestContext, refreshToken: string): Promise<TokenGrant> {
    await this.d.limiter.hit('refresh-ip', ctx.ip ?? 'unknown', this.d.settings.rateLimitRefreshIp);
    const session = await this.d.sessions.refresh(ctx, refreshToken);
    const user = await this.d.users.findById(this.d.db, session.userId);
    if (!user || user.disabled) throw signInErrors.accountDisabled();
    return this.d.signIn.grant(user, session);
  }

  /** logout by access token (its session) or by refresh token (cookie); unknown tokens are fine */
  async logout(ctx: RequestContext, by: { principal: Principal | null; refreshToken: string | null }): Promise<void> {
    if (by.principal) {
      const { userId, sessionId } = by.principal;
      // already revoked or expired meanwhile: logging out of it again is not an error
      await this.d.sessions.revoke({ ...ctx, actorId: userId }, userId, sessionId, 'logout');
    } else if (by.refreshToken) {
      await this.d.sessions.logoutByRefreshToken(ctx, by.refreshToken);
    }
  }

  async logoutAll(ctx: RequestContext, principal: Principal): Promise<void> {
    await this.d.sessions.revokeAll({ ...ctx, actorId: principal.userId }, principal.userId, 'logout');
  }

  /**
   * Changes the password: revokes every session of the user (this one too) and starts a fresh one,
   * so every other device must sign in again. A password-less account sets its first password
   * this way, from a fresh session only (docs/api.md).
   */
  async changePassword(ctx: RequestContext, principal: Principal, input: { currentPassword?: string; newPassword: string }): Promise<TokenGrant> {
    const user = await this.d.signIn.reauthenticate(ctx, principal, { password: input.currentPassword, field: 'current_password', what: 'set a password' });
    const password = await this.d.policy.check(input.newPassword, passwordUserInputs(user), ctx);
    const hash = await this.d.hasher.hash(password);
    const { revoked, session } = await this.d.db.transaction().execute(async (tx) => {
      await this.d.users.setPasswordHash(tx, user.id, hash);
      const ids = await this.d.sessions.revokeAllInTx(tx, user.id, 'password_changed');
      // the fresh session continues this one: it keeps how the user signed in
      const s = await this.d.sessions.create(tx, { userId: user.id, ip: ctx.ip, userAgent: ctx.userAgent, amr: principal.token.amr ?? ['pwd'] });
      await this.d.audit.record(tx, ctx, { type: 'password.changed', userId: user.id, data: { sessions_revoked: ids.length } });
      if (user.email && this.d.mail) await this.d.mail.enqueue(tx, { template: 'password_changed', to: user.email, userId: user.id, data: { ...this.d.sessions.noticeOrigin(ctx), ...readerData(ctx, user) } });
      return { revoked: ids, session: s };
    });
    await this.d.sessions.announceRevoked(revoked);
    return this.d.signIn.grant(await this.d.users.get(user.id), session);
  }

  /**
   * Deletes the caller's own account after re-authentication: the password, or for a
   * password-less account a session younger than ten minutes (a fresh sign-in).
   */
  async deleteAccount(ctx: RequestContext, principal: Principal, password: string | undefined): Promise<void> {
    const user = await this.d.signIn.reauthenticate(ctx, principal, { password, field: 'password', what: 'delete this account' });
    await this.d.users.delete({ ...ctx, actorId: user.id }, user.id, 'self');
  }

  /** authenticate from this second's caches alone; undefined when something has to be read */
  authenticateCached(accessToken: string): Principal | null | undefined {
    const claims = this.d.keys.verifyCached(accessToken);
    if (claims === undefined) return undefined;
    if (claims === null) return null;
    const live = this.d.sessions.isLiveCached(claims.sid, claims.sub);
    const user = this.d.users.peekCached(claims.sub);
    if (live === undefined || user === undefined) return undefined;
    if (!live || !user || user.disabled) return null;
    const permissions = this.d.roles.cachedPermissionsFor(user.roles);
    if (permissions === undefined) return undefined;
    return this.#principal(claims, user, permissions);
  }

  /**
   * The caller behind an access token, or null (401): signature, issuer, audience and expiry,
   * then the session must be live and the user enabled. Checked on every request; sessions, users
   * and role permissions come from one-second caches evicted on change on every instance.
   */
  async authenticate(accessToken: string): Promise<Principal | null> {
    // every request asks: when this second's caches know the answer, no promise is waited on
    const claims = this.d.keys.verifyCached(accessToken) ?? (await this.d.keys.verify(accessToken));
    if (!claims) return null;
    let live = this.d.sessions.isLiveCached(claims.sid, claims.sub);
    let user = this.d.users.peekCached(claims.sub);
    if (live === undefined || user === undefined) [live, user] = await Promise.all([this.d.sessions.isLive(claims.sid, claims.sub), this.d.users.getCached(claims.sub)]);
    if (!live || !user || user.disabled) return null;
    const permissions = this.d.roles.cachedPermissionsFor(user.roles) ?? (await this.d.roles.permissionsFor(user.roles));
    return this.#principal(claims, user, permissions);
  }

  #principal(claims: AccessClaims, user: UserRecord, permissions: ReadonlySet<string>): Principal {
    return { userId: user.id, sessionId: claims.sid, roles: user.roles, permissions, token: { jti: claims.jti, iat: claims.iat, exp: claims.exp, ...(claims.amr ? { amr: claims.amr } : {}) } };
  }
}

/** true when the password step asks for a second factor instead of issuing tokens */
export function isSecondStep(outcome: TokenGrant | SecondStepRequired): outcome is SecondStepRequired {
  return (outcome as SecondStepRequired).mfaToken !== undefined;
}
