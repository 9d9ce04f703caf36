/**
 * Password sign-in and the token lifecycle: register, login, refresh, logout, logout-all and
 * password change. Rules that matter for security live here, in one place for API, pages and CLI:
 *
 * - rate limits first (429 beats 423), then lockout per typed identifier — counted whether or not
 *   an account has it — then the password;
 * - unknown users, wrong passwords and password-less accounts all answer 401 invalid_credentials
 *   after the same amount of hashing work;
 * - `account_disabled` and `email_not_verified` only after a correct password (no enumeration);
 * - hashes from imports (bcrypt, weaker argon2) are upgraded after a successful login;
 * - a user with a second factor (SPEC §12) gets, for the right password, an `mfa_token` and
 *   nothing else: the second step (`completeSecondStep`, with the factor checked by the MFA
 *   feature) opens the session; the token's state is second-step.ts's.
 *   Every way in ends in the same `#openSession`, which records `login.succeeded` and the `amr`.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { EphemeralStore } from '../cache/ephemeral-store.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import { commonErrors, type DomainError } from '../errors.js';
import type { EmailService } from '../email/email-service.js';
import type { AccessClaims, KeyService } from '../keys/key-service.js';
import type { MailService } from '../mail/mail-service.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import { normalizePassword, type PasswordPolicy } from '../passwords/password-policy.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import type { RolesService } from '../roles/roles-service.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { IssuedSession, SessionsService } from '../sessions/sessions-service.js';
import { normalizeLogin } from '../users/user-fields.js';
import { usersErrors } from '../users/users-errors.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { authErrors } from './auth-errors.js';
import { Lockout } from './lockout.js';
import { SecondSteps, unknownSecondStep, type MfaMethod, type PendingSecondStep, type SecondFactor } from './second-step.js';

export type { MfaMethod, PendingSecondStep, SecondFactor } from './second-step.js';

const FRESH_SESSION_MS = 10 * 60 * 1000;

/** what sign-in asks the MFA feature (wired in services.ts: that feature sits above this one) */
export interface SecondFactorMethods {
  methodsFor(userId: string): Promise<MfaMethod[]>;
}

/** the password step's answer for a user with MFA: nothing is issued until the second step */
export interface SecondStepRequired {
  mfaToken: string;
  methods: MfaMethod[];
}

/** the settings sign-in and the token lifecycle read */
export type AuthSettings = Pick<
  Config,
  | 'registration'
  | 'requireEmailVerification'
  | 'defaultRole'
  | 'accessTokenTtl'
  | 'lockoutThreshold'
  | 'lockoutSeconds'
  | 'rateLimitLoginIp'
  | 'rateLimitLoginId'
  | 'rateLimitRegisterIp'
  | 'rateLimitRefreshIp'
  | 'rateLimitApiIp'
  | 'rateLimitCodeId'
>;

export interface AuthServiceDeps {
  db: Db;
  settings: AuthSettings;
  users: UsersService;
  sessions: SessionsService;
  roles: RolesService;
  keys: KeyService;
  audit: AuditService;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  limiter: RateLimiter;
  store: EphemeralStore;
  clock: Clock;
  /** verification codes at registration (absent: none sent) */
  email?: EmailService;
  /** security notices (absent: none sent) */
  mail?: MailService;
  /** the user's second factors (MFA feature); without it, no sign-in asks for a second step */
  secondFactors?: SecondFactorMethods;
}

/** what a successful sign-in, registration, refresh or password change hands back */
export interface TokenGrant {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
  /** when refreshExpiresAt was computed (ms), so the cookie's Max-Age is the full remaining lifetime */
  refreshIssuedAt: number;
  sessionId: string;
  user: UserRecord;
}

export class AuthService {
  readonly #lockout: Lockout;
  readonly #secondSteps: SecondSteps;

  constructor(private readonly d: AuthServiceDeps) {
    this.#lockout = new Lockout(d.store, d.settings);
    this.#secondSteps = new SecondSteps(d.store, d.clock);
  }

  /** true while the password-hashing queue is full (a sign-in now would get 503 server_busy) */
  get hashQueueFull(): boolean {
    return this.d.hasher.saturated;
  }

  /** SPEC §2 puts this 403 before validation: the route calls it before the body is looked at */
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
    const { userId, session } = await this.d.db.transaction().execute(async (tx) => {
      const id = await this.d.users.insertAccount(tx, { ...ctx, actorId: null }, prepared, false, 'register');
      await this.d.email?.issueVerification(tx, { id, email: prepared.email });
      const s = withSession ? await this.d.sessions.create(tx, { userId: id, ip: ctx.ip, userAgent: ctx.userAgent, amr: ['pwd'] }) : null;
      return { userId: id, session: s };
    });
    const user = await this.d.users.get(userId);
    return { user, grant: session ? await this.#grant(user, session) : null };
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
      this.#lockout.key(identifier),
    );

    // a full hash queue refuses now, before spending a user lookup on a login that would be
    // refused anyway (keeps a sign-in storm from crowding out other requests)
    if (this.hashQueueFull) throw commonErrors.serverBusy(1);

    const user = await this.d.users.findByLogin(identifier);
    const refuse = (reason: string, error: DomainError) => this.#refuseLogin(ctx, user, reason, error);
    // a locked identifier is refused before any hashing
    const locked = this.#lockout.refusal(lockState);
    if (locked) return refuse('locked', locked);

    const password = normalizePassword(input.password);
    let ok = false;
    if (user?.passwordHash) ok = await this.d.hasher.verify(user.passwordHash, password);
    else await this.d.hasher.verifyDummy(password);

    if (!user || !ok) {
      // counted and audited at once: neither waits for the other
      const [lockedNow] = await Promise.all([
        this.#lockout.recordFailure(identifier),
        this.d.audit.recordAlone({ ...ctx, actorId: null }, {
          type: 'login.failed',
          userId: user?.id ?? null,
          data: { reason: !user ? 'unknown_login' : user.passwordHash ? 'wrong_password' : 'no_password' },
        }),
      ]);
      throw lockedNow ?? authErrors.invalidCredentials();
    }
    const lockedMeanwhile = await this.#lockout.settle(identifier);
    if (lockedMeanwhile) return refuse('locked', lockedMeanwhile);
    if (user.disabled) return refuse('account_disabled', authErrors.accountDisabled());
    if (this.d.settings.requireEmailVerification && !user.emailVerified) return refuse('email_not_verified', authErrors.emailNotVerified());

    if (user.passwordHash && this.d.hasher.needsRehash(user.passwordHash)) {
      const upgraded = await this.d.hasher.hash(password);
      await this.d.users.upgradePasswordHash(user.id, user.passwordHash, upgraded);
    }
    // read with the user's row: a user without MFA costs nothing more here
    if (user.mfaEnabled && this.d.secondFactors) return this.beginSecondStep(user, ['pwd']);
    return this.#openSession(ctx, user, ['pwd'], 'password');
  }

  /**
   * The first factor was right and the user has MFA: a single-use `mfa_token` for the second step,
   * and the methods the user can finish it with. Nothing else is issued or recorded yet.
   */
  async beginSecondStep(user: UserRecord, firstFactor: string[]): Promise<SecondStepRequired> {
    const methods = await this.d.secondFactors!.methodsFor(user.id);
    return { mfaToken: await this.#secondSteps.begin(user.id, firstFactor), methods };
  }

  /** the second step an mfa_token stands for: 401 when unknown, spent or expired; 429 once void */
  readSecondStep(mfaToken: string): Promise<PendingSecondStep> {
    return this.#secondSteps.read(mfaToken);
  }

  /**
   * The second step: `verify` checks the factor (the MFA feature: TOTP, recovery code or passkey)
   * and names it, or answers null for a wrong one. RATE_LIMIT_CODE_ID counts per account; each
   * token allows 5 checks (reserved before checking, so parallel guesses get no more), after which
   * it is void (429). A wrong code is audited as `login.failed` (reason `mfa`) and does not count
   * towards the password lockout. Success spends the token and opens the session.
   */
  async completeSecondStep(ctx: RequestContext, mfaToken: string, verify: (userId: string) => Promise<SecondFactor | null>): Promise<TokenGrant> {
    const pending = await this.#secondSteps.read(mfaToken);
    await this.d.limiter.hit('code-id', pending.userId, this.d.settings.rateLimitCodeId);
    await this.#secondSteps.countTry(mfaToken);
    const factor = await verify(pending.userId);
    if (!factor) {
      await this.d.audit.recordAlone({ ...ctx, actorId: null }, { type: 'login.failed', userId: pending.userId, data: { reason: 'mfa' } });
      throw authErrors.invalidCode();
    }
    await this.#secondSteps.spend(mfaToken);
    const user = await this.d.users.findById(this.d.db, pending.userId);
    if (!user) throw unknownSecondStep();
    if (user.disabled) return this.#refuseLogin(ctx, user, 'account_disabled', authErrors.accountDisabled());
    // a first factor that is not a password (a social sign-in, later) contributes no amr value
    return this.#openSession(ctx, user, [...pending.amr, factor, 'mfa'], [...pending.amr, factor].join('+'));
  }

  /**
   * A passwordless sign-in: the MFA feature verified a passkey with user verification, which is
   * a complete sign-in on its own (amr `["hwk", "user"]`). The account rules after a correct
   * credential are the password's: disabled, unverified email.
   */
  async signInWithPasskey(ctx: RequestContext, userId: string): Promise<TokenGrant> {
    const user = await this.d.users.findById(this.d.db, userId);
    if (!user) throw authErrors.invalidCredentials();
    if (user.disabled) return this.#refuseLogin(ctx, user, 'account_disabled', authErrors.accountDisabled());
    if (this.d.settings.requireEmailVerification && !user.emailVerified) return this.#refuseLogin(ctx, user, 'email_not_verified', authErrors.emailNotVerified());
    return this.#openSession(ctx, user, ['hwk', 'user'], 'passkey');
  }

  /** a failed passwordless sign-in (unknown credential, bad signature, spent challenge): audited, 401 */
  async refusePasskeySignIn(ctx: RequestContext, userId: string | null): Promise<never> {
    await this.d.audit.recordAlone({ ...ctx, actorId: null }, { type: 'login.failed', userId, data: { reason: 'passkey' } });
    throw authErrors.invalidCredentials();
  }

  /** the end of every successful sign-in: the session, with `login.succeeded` in the same statement */
  async #openSession(ctx: RequestContext, user: UserRecord, amr: string[], method: string): Promise<TokenGrant> {
    const session = await this.d.sessions.open({ ...ctx, actorId: user.id }, { userId: user.id, ip: ctx.ip, userAgent: ctx.userAgent, amr }, (sessionId) => ({
      type: 'login.succeeded',
      userId: user.id,
      data: { session_id: sessionId, method },
    }), { unseenDeviceNoticeTo: user.email });
    return this.#grant(user, session);
  }

  /**
   * Opens a session for a user whose identity another feature has established (social sign-in:
   * `method` such as `oauth:github`), audited as login.succeeded like a password sign-in. The
   * provider's sign-in is not an RFC 8176 method: its sessions carry no amr.
   */
  async signInAs(ctx: RequestContext, user: UserRecord, method: string): Promise<TokenGrant> {
    return this.#openSession(ctx, user, [], method);
  }

  /** a sign-in refused for a reason other than the password (locked, disabled, unverified) is audited too */
  async #refuseLogin(ctx: RequestContext, user: UserRecord | null, reason: string, error: DomainError): Promise<never> {
    await this.d.audit.recordAlone({ ...ctx, actorId: null }, { type: 'login.failed', userId: user?.id ?? null, data: { reason } });
    throw error;
  }

  async refresh(ctx: RequestContext, refreshToken: string): Promise<TokenGrant> {
    await this.d.limiter.hit('refresh-ip', ctx.ip ?? 'unknown', this.d.settings.rateLimitRefreshIp);
    const session = await this.d.sessions.refresh(ctx, refreshToken);
    const user = await this.d.users.findById(this.d.db, session.userId);
    if (!user || user.disabled) throw authErrors.accountDisabled();
    return this.#grant(user, session);
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
   * this way, from a fresh session only (SPEC §4).
   */
  async changePassword(ctx: RequestContext, principal: Principal, input: { currentPassword?: string; newPassword: string }): Promise<TokenGrant> {
    const user = await this.d.users.get(principal.userId);
    await this.reauthenticateUser(ctx, principal, user, { password: input.currentPassword, field: 'current_password', what: 'set a password' });
    const password = await this.d.policy.check(input.newPassword, [user.email, user.username, user.name], ctx);
    const hash = await this.d.hasher.hash(password);
    const { revoked, session } = await this.d.db.transaction().execute(async (tx) => {
      await this.d.users.setPasswordHash(tx, user.id, hash);
      const ids = await this.d.sessions.revokeAllInTx(tx, user.id, 'password_changed');
      // the fresh session continues this one: it keeps how the user signed in
      const s = await this.d.sessions.create(tx, { userId: user.id, ip: ctx.ip, userAgent: ctx.userAgent, amr: principal.token.amr ?? ['pwd'] });
      await this.d.audit.record(tx, ctx, { type: 'password.changed', userId: user.id, data: { sessions_revoked: ids.length } });
      if (user.email && this.d.mail) await this.d.mail.enqueue(tx, { template: 'password_changed', to: user.email, userId: user.id, data: { ...this.d.sessions.noticeOrigin(ctx) } });
      return { revoked: ids, session: s };
    });
    await this.d.sessions.announceRevoked(revoked);
    return this.#grant(await this.d.users.get(user.id), session);
  }

  /**
   * Deletes the caller's own account after re-authentication: the password, or for a
   * password-less account a session younger than ten minutes (a fresh sign-in).
   */
  async deleteAccount(ctx: RequestContext, principal: Principal, password: string | undefined): Promise<void> {
    const user = await this.d.users.get(principal.userId);
    await this.reauthenticateUser(ctx, principal, user, { password, field: 'password', what: 'delete this account' });
    await this.d.users.delete({ ...ctx, actorId: user.id }, user.id, 'self');
  }

  /**
   * Re-authentication for a sensitive change made by another feature (sign-in factors): see
   * #reauthenticate. `field` names the password field in a 400; `what` completes "Sign in again to …".
   */
  async reauthenticate(ctx: RequestContext, principal: Principal, password: string | undefined, field = 'password', what = 'change how you sign in'): Promise<UserRecord> {
    const user = await this.d.users.get(principal.userId);
    await this.reauthenticateUser(ctx, principal, user, { password, field, what });
    return user;
  }

  /**
   * Proof that the caller is the account's owner, not only a holder of its access token (a stolen
   * token must not turn into a takeover): its current password when it has one — a wrong one
   * counts towards the account's lockout like a failed sign-in and is audited as login.failed
   * (SPEC §8), and a locked account is refused with 423 — else a session younger than ten minutes.
   */
  async reauthenticateUser(ctx: RequestContext, principal: Principal, user: UserRecord, input: { password: string | undefined; field: string; what: string }): Promise<void> {
    if (!user.passwordHash) {
      const session = await this.d.sessions.find(principal.sessionId);
      if (!session || this.d.clock.now() - session.createdAt.getTime() > FRESH_SESSION_MS) throw authErrors.reauthenticationRequired(input.what);
      return;
    }
    // required while the account has a password: missing is invalid input (400), wrong is 403
    if (input.password === undefined) throw commonErrors.validation([{ field: input.field, message: 'is required' }]);
    const identifier = normalizeLogin(user.email ?? user.username ?? user.id);
    const locked = await this.#lockout.check(identifier);
    if (locked) throw locked;
    if (!(await this.d.hasher.verify(user.passwordHash, normalizePassword(input.password)))) {
      const lockedNow = await this.#lockout.recordFailure(identifier);
      await this.d.audit.recordAlone({ ...ctx, actorId: user.id }, { type: 'login.failed', userId: user.id, data: { reason: 'reauthentication' } });
      throw lockedNow ?? usersErrors.invalidPassword();
    }
    const lockedMeanwhile = await this.#lockout.settle(identifier);
    if (lockedMeanwhile) throw lockedMeanwhile;
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

  async #grant(user: UserRecord, session: IssuedSession): Promise<TokenGrant> {
    const { token } = await this.d.keys.sign({ sub: user.id, sid: session.sessionId, roles: user.roles, amr: session.amr });
    return {
      accessToken: token,
      expiresIn: this.d.settings.accessTokenTtl,
      refreshToken: session.refreshToken,
      refreshExpiresAt: session.expiresAt,
      refreshIssuedAt: session.issuedAt,
      sessionId: session.sessionId,
      user,
    };
  }
}

/** true when the password step asks for a second factor instead of issuing tokens */
export function isSecondStep(outcome: TokenGrant | SecondStepRequired): outcome is SecondStepRequired {
  return (outcome as SecondStepRequired).mfaToken !== undefined;
}
