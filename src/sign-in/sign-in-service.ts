/**
 * One way to finish a sign-in. Every method — password, the second step, a passkey, a social
 * provider, a code or link sent by email (and whatever comes next: our OpenID Connect provider's login) —
 * establishes who the user is in its own way and then calls `complete(ctx, user, { method, amr })`.
 * Only here are the rules after a right credential written, once:
 *
 * - the account rules: a disabled account is refused (`account_disabled`), and so is an unverified
 *   email while verification is required (`email_not_verified`); both audited as `login.failed`;
 * - a user with a second factor never gets tokens from a first factor (password, social, email): the answer
 *   is an `mfa_token` for the second step (second-step.ts: 300 s, 5 tries, spent once, 20 wrong codes
 *   per account and day lock the step for an hour and mail the user), and nothing is recorded yet;
 * - otherwise the session opens with its `amr` (RFC 8176), `login.succeeded` and the new-device
 *   notice in one statement, and the access token is signed for it.
 *
 * Also here, because every sign-in method and every sensitive change shares them: the lockout per
 * typed identifier (lockout.ts) and re-authentication — the password, counted towards the lockout,
 * or for an account without one a session younger than ten minutes, the one freshness rule that the
 * sensitive admin actions use too.
 *
 * Listeners (metrics) hear each outcome as a typed value (sign-in-methods.ts), after it is
 * committed; nobody parses audit rows back into methods.
 *
 * Invariants: a session for a sign-in is opened here and nowhere else (registration and a password
 * change open theirs inside their own transactions); no method reaches a session without the
 * account rules; a first factor of a user with MFA never yields tokens; every refusal after a right
 * credential is audited once (a SignInRefused is already audited: whoever maps it to another error
 * must not record it again).
 */
import type { AuditService } from '../audit/audit-service.js';
import type { EphemeralStore } from '../cache/ephemeral-store.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import { commonErrors, DomainError } from '../errors.js';
import type { KeyService } from '../keys/key-service.js';
import { readerData, type MailService } from '../mail/mail-service.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import { normalizePassword } from '../passwords/password-policy.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import type { RolesService } from '../roles/roles-service.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { IssuedSession, SessionsService } from '../sessions/sessions-service.js';
import { normalizeEmail, normalizeLogin } from '../users/user-fields.js';
import { usersErrors } from '../users/users-errors.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { Lockout } from './lockout.js';
import { SecondSteps, unknownSecondStep, type PendingSecondStep } from './second-step.js';
import { signInErrors } from './sign-in-errors.js';
import { auditMethod, isFirstFactor, secondStepAmr, signInMethods, type Attempt, type FailureReason, type SecondFactorMethod, type SignInEvent, type SignInMethod } from './sign-in-methods.js';

export type { PendingSecondStep } from './second-step.js';

/** a session this young counts as a fresh sign-in (re-authentication without a password, sensitive admin actions) */
const FRESH_SESSION_MS = 10 * 60 * 1000;

/** the permission whose grant is a sensitive admin action */
const ADMIN_PERMISSION = 'users:admin';

export type SignInSettings = Pick<Config, 'requireEmailVerification' | 'accessTokenTtl' | 'lockoutThreshold' | 'lockoutSeconds' | 'rateLimitCodeId'>;

export interface SignInServiceDeps {
  db: Db;
  settings: SignInSettings;
  users: UsersService;
  roles: RolesService;
  sessions: SessionsService;
  keys: KeyService;
  audit: AuditService;
  hasher: PasswordHasher;
  limiter: RateLimiter;
  store: EphemeralStore;
  clock: Clock;
  /** the second step's lock notice (absent: none sent) */
  mail?: MailService;
  /** told every outcome once it is committed (metrics) */
  onEvent?: (event: SignInEvent) => void;
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

/** how `complete` ends: tokens, or (a first factor of a user with MFA) the second step's token */
export type SignInOutcome = { kind: 'signed_in'; grant: TokenGrant } | { kind: 'second_step'; mfaToken: string };

/** a refusal the core has already audited (a feature that maps it to its own error must not audit it again) */
export class SignInRefused extends DomainError {
  constructor(
    readonly reason: FailureReason,
    error: DomainError,
  ) {
    super(error.code, error.title, { ...(error.detail !== undefined ? { detail: error.detail } : {}), headers: error.headers });
    this.name = 'SignInRefused';
  }
}

/** a failed attempt, as the core records it */
export interface Failure {
  attempt: Attempt;
  reason: FailureReason;
  /** the account it was about (null: an unknown login) */
  userId: string | null;
  /** who acted (a re-authenticating or linking user); null for a sign-in */
  actorId?: string | null;
  /** extra audit data (no secrets); a feature's own finer `reason` here replaces the typed one in the row */
  data?: Record<string, unknown>;
}

export class SignInService {
  /** the lockout per typed identifier (the password step reads it with its rate limits) */
  readonly lockout: Lockout;
  readonly #secondSteps: SecondSteps;

  constructor(private readonly d: SignInServiceDeps) {
    this.lockout = new Lockout(d.store, d.settings);
    this.#secondSteps = new SecondSteps(d.store, d.clock);
  }

  // ---- the end of every sign-in -----------------------------------------------------------

  /**
   * `user` proved who they are with `method`; `amr` is what that proof adds (`["pwd"]`,
   * `["hwk", "user"]`, none for a social provider, the first factor's plus the second's and "mfa"
   * after the second step). Applies the account rules, then asks for the second step or opens the
   * session.
   */
  async complete(ctx: RequestContext, user: UserRecord, { method, amr }: { method: SignInMethod; amr: readonly string[] }): Promise<SignInOutcome> {
    await this.assertAccountRules(ctx, user, method);
    // read with the user's row: a user without MFA costs nothing more here
    if (user.mfaEnabled && isFirstFactor(method)) return { kind: 'second_step', mfaToken: await this.#secondSteps.begin(user.id, [...amr]) };
    const session = await this.d.sessions.open(
      { ...ctx, actorId: user.id },
      { userId: user.id, ip: ctx.ip, userAgent: ctx.userAgent, amr: [...amr] },
      (sessionId) => ({ type: 'login.succeeded', userId: user.id, data: { session_id: sessionId, method: auditMethod(method, amr) } }),
      { unseenDeviceNoticeTo: user },
    );
    // the language the owner signs in with is the one their mail from others is written in; a
    // statement only when it changed (docs/architecture.md, "Languages")
    await this.d.users.rememberLocale(user, ctx.locale);
    // one statement: committed by now
    this.d.onEvent?.({ attempt: method, outcome: 'success' });
    return { kind: 'signed_in', grant: await this.grant(user, session) };
  }

  /**
   * The account rules alone (`complete` applies them first): a method that has work to do once the
   * credential is right and before the sign-in completes (the password's hash upgrade) asks first.
   */
  async assertAccountRules(ctx: RequestContext, user: UserRecord, method: SignInMethod): Promise<void> {
    if (user.disabled) await this.refuse(ctx, { attempt: method, reason: 'account_disabled', userId: user.id }, signInErrors.accountDisabled());
    if (this.d.settings.requireEmailVerification && !user.emailVerified) {
      await this.refuse(ctx, { attempt: method, reason: 'email_not_verified', userId: user.id }, signInErrors.emailNotVerified());
    }
  }

  /** records a failed attempt (`login.failed`), then tells the listeners */
  async recordFailure(ctx: RequestContext, failure: Failure): Promise<void> {
    const data: Record<string, unknown> = { reason: failure.reason, ...failureMethod(failure.attempt), ...failure.data };
    await this.d.audit.recordAlone({ ...ctx, actorId: failure.actorId ?? null }, { type: 'login.failed', userId: failure.userId, data });
    this.d.onEvent?.({ attempt: failure.attempt, outcome: 'failure', reason: failure.reason });
  }

  /** records the failure and throws `error` (as a SignInRefused: already audited) */
  async refuse(ctx: RequestContext, failure: Failure, error: DomainError): Promise<never> {
    await this.recordFailure(ctx, failure);
    throw new SignInRefused(failure.reason, error);
  }

  /** the access token for a session, with what the grant hands back */
  async grant(user: UserRecord, session: IssuedSession): Promise<TokenGrant> {
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

  // ---- methods that finish here without a first factor of their own -----------------------

  /**
   * A passwordless sign-in: the MFA feature verified a passkey with user verification, owned by
   * `userId` — a whole sign-in on its own (amr `["hwk", "user"]`, no second step).
   */
  async signInWithPasskey(ctx: RequestContext, userId: string): Promise<TokenGrant> {
    const user = await this.d.users.findById(this.d.db, userId);
    if (!user) return this.refusePasskey(ctx, userId);
    return signedIn(await this.complete(ctx, user, { method: signInMethods.passkey, amr: ['hwk', 'user'] }));
  }

  /** a passkey that did not verify (unknown credential, bad signature, spent challenge): audited, 401 */
  refusePasskey(ctx: RequestContext, userId: string | null): Promise<never> {
    return this.refuse(ctx, { attempt: signInMethods.passkey, reason: 'passkey', userId }, signInErrors.invalidCredentials());
  }

  // ---- the second step --------------------------------------------------------------------

  /** the second step an mfa_token stands for: 401 when unknown, spent or expired; 429 once void */
  readSecondStep(mfaToken: string): Promise<PendingSecondStep> {
    return this.#secondSteps.read(mfaToken);
  }

  /**
   * The second step: `verify` checks the factor (the MFA feature: TOTP, recovery code or passkey)
   * and names it, or answers null for a wrong one. A locked account's step is refused first (429,
   * whatever the code). RATE_LIMIT_CODE_ID counts per account; each token allows 5 checks
   * (reserved before checking, so parallel guesses get no more), after which it is void (429). A
   * wrong code is audited as `login.failed` (reason `mfa`), counted towards the account's
   * 20-a-day lock (not towards the password lockout). Success spends the token and completes.
   */
  async finishSecondStep(ctx: RequestContext, mfaToken: string, verify: (userId: string) => Promise<SecondFactorMethod | null>): Promise<TokenGrant> {
    const pending = await this.#secondSteps.read(mfaToken);
    const locked = await this.#secondSteps.accountLock(pending.userId);
    if (locked) return this.refuse(ctx, { attempt: signInMethods.wrongSecondFactor, reason: 'mfa_locked', userId: pending.userId }, locked);
    await this.d.limiter.hit('code-id', pending.userId, this.d.settings.rateLimitCodeId);
    await this.#secondSteps.countTry(mfaToken);
    const factor = await verify(pending.userId);
    if (!factor) {
      const [, counted] = await Promise.all([
        this.recordFailure(ctx, { attempt: signInMethods.wrongSecondFactor, reason: 'mfa', userId: pending.userId }),
        this.#secondSteps.recordWrongCode(pending.userId),
      ]);
      if (counted.first) await this.#noticeSecondStepLocked(ctx, pending.userId);
      throw signInErrors.invalidCode();
    }
    await this.#secondSteps.spend(mfaToken);
    const user = await this.d.users.findById(this.d.db, pending.userId);
    if (!user) throw unknownSecondStep();
    // a first factor that is not a password (a social sign-in) contributes no amr value; one that
    // shares the second factor's value (an emailed code and a TOTP: otp) names it once
    return signedIn(await this.complete(ctx, user, { method: signInMethods.secondStep(factor), amr: secondStepAmr(pending.amr, factor) }));
  }

  /** the user hears once that their second step was locked (queued in the outbox) */
  async #noticeSecondStepLocked(ctx: RequestContext, userId: string): Promise<void> {
    if (!this.d.mail) return;
    const user = await this.d.users.findById(this.d.db, userId);
    if (!user?.email) return;
    await this.d.mail.enqueue(this.d.db, { template: 'second_step_locked', to: user.email, userId, data: { ...this.d.sessions.noticeOrigin(ctx), ...readerData(ctx, user) } });
  }

  // ---- re-authentication and fresh sessions -----------------------------------------------

  /**
   * Proof that the caller is the account's owner, not only a holder of its access token (a stolen
   * token must not turn into a takeover), before a sensitive change: its current password when it
   * has one — a wrong one counts towards the account's lockout like a failed sign-in and is audited
   * as login.failed (reason `reauthentication`); a locked account is refused with 423 — else a
   * session younger than ten minutes. `field` names the password field in a 400; `what` completes
   * "Sign in again to …". Returns the account (read unless `user` is given).
   */
  async reauthenticate(ctx: RequestContext, principal: Principal, input: { password: string | undefined; what: string; field?: string; user?: UserRecord }): Promise<UserRecord> {
    const user = input.user ?? (await this.d.users.get(principal.userId));
    if (!user.passwordHash) {
      await this.requireFreshSession(principal, input.what);
      return user;
    }
    // required while the account has a password: missing is invalid input (400), wrong is 403
    if (input.password === undefined) throw commonErrors.validation([{ field: input.field ?? 'password', message: 'is required' }]);
    const identifier = normalizeLogin(user.email ?? user.username ?? user.id);
    const locked = await this.lockout.check(identifier);
    if (locked) throw locked;
    if (!(await this.d.hasher.verify(user.passwordHash, normalizePassword(input.password)))) {
      const lockedNow = await this.lockout.recordFailure(identifier);
      await this.recordFailure(ctx, { attempt: signInMethods.reauthentication, reason: 'reauthentication', userId: user.id, actorId: user.id });
      throw lockedNow ?? usersErrors.invalidPassword();
    }
    const lockedMeanwhile = await this.lockout.settle(identifier);
    if (lockedMeanwhile) throw lockedMeanwhile;
    return user;
  }

  /** the one freshness rule: the caller's session began less than ten minutes ago, else 403 forbidden */
  async requireFreshSession(principal: Principal, what: string): Promise<void> {
    if (!(await this.isFreshSession(principal.sessionId))) throw signInErrors.reauthenticationRequired(what);
  }

  /** the one freshness rule: a session signed in less than ten minutes ago (linking a provider asks it too) */
  async isFreshSession(sessionId: string): Promise<boolean> {
    const session = await this.d.sessions.find(sessionId);
    return session !== null && this.d.clock.now() - session.createdAt.getTime() <= FRESH_SESSION_MS;
  }

  /**
   * Admin actions that could hand over an account or the console — setting another user's password,
   * resetting their second factors, granting a role that holds users:admin, giving the account a new
   * email address (it takes over password resets) — need the admin's session to be fresh. A change
   * of none of these (or of a user that does not exist: 404 follows) passes; so does an address the
   * user has already, however it is spelled.
   */
  async requireFreshForAdminChange(principal: Principal, userId: string, change: { password?: boolean; roles?: readonly string[]; mfaReset?: boolean; email?: string }): Promise<void> {
    if (change.password) return this.requireFreshSession(principal, "set another user's password");
    if (change.mfaReset) return this.requireFreshSession(principal, "reset a user's second factors");
    if (change.roles && (await this.#grantsAdmin(userId, change.roles))) return this.requireFreshSession(principal, `grant ${ADMIN_PERMISSION}`);
    if (change.email !== undefined && (await this.#changesEmail(userId, change.email))) return this.requireFreshSession(principal, "change a user's email address");
  }

  /** a malformed address is the 400 the change itself would answer */
  async #changesEmail(userId: string, email: string): Promise<boolean> {
    const user = await this.d.users.findById(this.d.db, userId);
    return user !== null && normalizeEmail(email) !== user.email;
  }

  async #grantsAdmin(userId: string, roles: readonly string[]): Promise<boolean> {
    const user = await this.d.users.findById(this.d.db, userId);
    if (!user) return false;
    const added = roles.filter((r) => !user.roles.includes(r));
    return added.length > 0 && (await this.d.roles.permissionsFor(added)).has(ADMIN_PERMISSION);
  }
}

/** `login.failed`'s `data.method`, for the methods whose failures name it (social, email) */
function failureMethod(attempt: Attempt): { method?: string } {
  if (attempt.kind === 'social') return { method: `oauth:${attempt.provider}` };
  if (attempt.kind === 'email') return { method: 'email' };
  return {};
}

/** a method that is not a first factor always ends signed in */
function signedIn(outcome: SignInOutcome): TokenGrant {
  if (outcome.kind !== 'signed_in') throw new Error('a complete sign-in asked for a second step');
  return outcome.grant;
}
