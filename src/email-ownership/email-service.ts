/**
 * Email ownership and recovery (docs/api.md, docs/operations.md): verification, password reset and email change, by
 * emailed code (the API) or one-click link (the pages), checked here once for both.
 *
 * - Every code and its email are written in one transaction (the outbox: mail-service.ts), and
 *   every change made by a code commits with its audit event and its notice.
 * - A code is checked in a transaction that locks it: a wrong entry is counted (and committed)
 *   before the 400 is answered, so parallel guesses cannot exceed the five tries; RATE_LIMIT_CODE_ID
 *   bounds entries per account, sends too.
 * - Password reset does not tell whether an address has an account: always 202, the same work
 *   (a code is made and hashed, a transaction runs) and no mail for an unknown address; the
 *   confirmation answers an unknown address like a wrong code. The code (or link) is checked
 *   before the new password is rated or hashed: a wrong one costs neither.
 * - A reset proves the address. When the account's address had never been verified, whoever
 *   registered it may not own it (pre-registration hijacking): the reset removes every other way
 *   in the registrant set up — linked identities, TOTP, passkeys, recovery codes (their owners'
 *   OtherWaysIn, other-ways-in.ts) — as well as every session, in its transaction, marks the
 *   address verified, and its notice lists what was removed. A verified account keeps its factors.
 * - A reset and an email change void every pending code and link of the account (reset,
 *   verification, email change, sign-in by email: whatever purpose), so nothing sent to an
 *   address the account no longer has still works.
 * - Sign-in by email (the rules are the email-login feature's): a code and a link for one
 *   sign-in, sent only to a verified address; either spends both (one row), a wrong code counts
 *   towards the five tries that void both, and a link is refused once its code is void. An unknown
 *   address costs the same kind of work (a message written and taken back) and sends nothing.
 * - An email change proves the new address (code sent there) and the owner (password; for a
 *   password-less account a code sent to the current address). The unique index decides a race
 *   for the same address: the loser gets 409 email_taken. The old address is told.
 */
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db, Executor } from '../db/database-types.js';
import { commonErrors, type DomainError } from '../errors.js';
import type { MailService } from '../mail/mail-service.js';
import type { TemplateName } from '../mail/mail-templates.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { PasswordPolicy } from '../passwords/password-policy.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import { normalizeEmail, passwordUserInputs } from '../users/user-fields.js';
import { usersErrors } from '../users/users-errors.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { CODE_LIFETIME_S, looksLikeLinkToken, MAX_WRONG_TRIES, type CodeHasher } from './email-codes.js';
import type { CodePurpose, CodeRecord, EmailCodesRepository } from './email-codes-repository.js';
import { emailErrors } from './email-errors.js';
import type { OtherWaysIn, RemovedWayIn } from './other-ways-in.js';

export type EmailSettings = Pick<Config, 'rateLimitResetIp' | 'rateLimitResetId' | 'rateLimitCodeId'>;

export interface EmailServiceDeps {
  db: Db;
  codes: EmailCodesRepository;
  codeHasher: CodeHasher;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  mail: MailService;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  limiter: RateLimiter;
  clock: Clock;
  settings: EmailSettings;
  /** proof that the caller owns the account (a wrong password counts towards the lockout) */
  signIn: Pick<SignInService, 'reauthenticate'>;
  /** the owners of the other ways into an account (identities, second factors), for the reset of an unverified account */
  otherWaysIn: readonly OtherWaysIn[];
}

/** why a reset removed the registrant's ways in (the audit events' data.reason) */
export const UNVERIFIED_RESET = 'unverified_reset';

/** what a reset did, for after its commit */
interface ResetDone {
  revoked: string[];
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** the pages' answer to a one-click link */
export type LinkOutcome = 'verified' | 'invalid' | 'expired';

/** a sign-in link: the account it signs in, or why it does not */
export type SignInLink = { user: UserRecord } | 'invalid' | 'expired';

export class EmailService {
  constructor(private readonly d: EmailServiceDeps) {}

  /**
   * Queues the verification code and link of a new (or changed) address inside the caller's
   * transaction (registration, a request). Accounts without an email get nothing.
   */
  async issueVerification(tx: Executor, user: { id: string; email: string | null }): Promise<void> {
    if (!user.email) return;
    const fresh = await this.#issue(tx, user.id, 'verify_email', user.email);
    await this.#send(tx, user.id, user.email, 'verify_email', { code: fresh.code, link: this.d.mail.link('/verify-email', { token: fresh.link }) });
  }

  /** POST /email/verify/request: a new code and link (nothing when verified or without an email) */
  async requestVerification(ctx: RequestContext, principal: Principal): Promise<void> {
    await this.d.limiter.hit('code-send', principal.userId, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.get(principal.userId);
    if (user.emailVerified || !user.email) return;
    await this.d.db.transaction().execute((tx) => this.issueVerification(tx, user));
  }

  /**
   * The admin console's "resend verification": a new code and link to the user's address, under
   * the same per-account send limit as the user's own request. An account already verified, or
   * without an email, is a 400 naming `email`: there is nothing to send.
   */
  async requestVerificationFor(ctx: RequestContext, userId: string): Promise<void> {
    const user = await this.d.users.get(userId);
    if (!user.email || user.emailVerified) throw commonErrors.validation([{ field: 'email', message: user.email ? 'is verified already' : 'is not set' }]);
    await this.d.limiter.hit('code-send', user.id, this.d.settings.rateLimitCodeId);
    await this.d.db.transaction().execute((tx) => this.issueVerification(tx, user));
  }

  /** POST /email/verify: the code of the account's current address */
  async verifyByCode(ctx: RequestContext, principal: Principal, code: string): Promise<UserRecord> {
    await this.d.limiter.hit('code-id', principal.userId, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.get(principal.userId);
    if (user.emailVerified) return user;
    await this.#useCode(user.id, 'verify_email', code, async (tx, record) => {
      // a code sent to an address the account no longer has proves nothing about the current one
      if (!user.email || record.email !== user.email) return emailErrors.invalidCode();
      await this.#markVerified(tx, ctx, user.id, 'code');
      return null;
    });
    await this.d.users.announceChanged(user.id);
    return this.d.users.get(user.id);
  }

  /** GET /verify-email?token=: the one-click link */
  async verifyByLink(ctx: RequestContext, token: string): Promise<LinkOutcome> {
    if (!looksLikeLinkToken(token)) return 'invalid';
    const hash = this.d.codeHasher.linkHash(token);
    const outcome = await this.d.db.transaction().execute(async (tx): Promise<{ result: LinkOutcome; userId?: string }> => {
      const record = await this.d.codes.lockByLink(tx, hash);
      if (!record || record.purpose !== 'verify_email') return { result: 'invalid' };
      if (record.expiresAt.getTime() <= this.d.clock.now()) return { result: 'expired' };
      const user = await this.d.users.lockById(tx, record.userId);
      if (!user || user.email !== record.email) return { result: 'invalid' };
      await this.d.codes.delete(tx, record.id);
      if (!user.emailVerified) await this.#markVerified(tx, { ...ctx, actorId: user.id }, user.id, 'link');
      return { result: 'verified', userId: user.id };
    });
    if (outcome.userId) await this.d.users.announceChanged(outcome.userId);
    return outcome.result;
  }

  /** POST /password-reset: 202 whatever happens; a code and link only to an existing, enabled account */
  async requestPasswordReset(ctx: RequestContext, emailInput: string): Promise<void> {
    const email = normalizeEmail(emailInput);
    await this.d.limiter.hit('reset-ip', ctx.ip ?? 'unknown', this.d.settings.rateLimitResetIp);
    await this.d.limiter.hit('reset-id', email, this.d.settings.rateLimitResetId);
    const user = await this.d.users.findByEmail(email);
    if (!user || user.disabled) {
      // the same kind of work as for an account (a code made and hashed, a transaction), no mail
      const dummyId = randomUUID();
      this.d.codeHasher.fresh(dummyId, 'password_reset');
      await this.d.db.transaction().execute((tx) => this.d.codes.lockFor(tx, dummyId, 'password_reset'));
      return;
    }
    await this.d.db.transaction().execute(async (tx) => {
      const fresh = await this.#issue(tx, user.id, 'password_reset', email);
      await this.#send(tx, user.id, email, 'password_reset', { code: fresh.code, link: this.d.mail.link('/reset-password', { token: fresh.link }) });
    });
  }

  /** POST /password-reset/confirm: a new password by emailed code; every session ends */
  async confirmPasswordReset(ctx: RequestContext, input: { email: string; code: string; newPassword: string }): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.d.limiter.hit('code-id', `reset:${email}`, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.findByEmail(email);
    if (!user || user.disabled) {
      // the same kind of work as a wrong code (a transaction locking a code), then the same answer
      await this.d.db.transaction().execute((tx) => this.d.codes.lockFor(tx, randomUUID(), 'password_reset'));
      throw emailErrors.invalidCode();
    }
    // the code first: a wrong one is answered without rating or hashing the new password
    const checked = await this.#checkCode(user.id, 'password_reset', input.code);
    const passwordHash = await this.#newPasswordHash(ctx, user, input.newPassword);
    const done = await this.#spendCode(user.id, 'password_reset', checked, async (tx, record) => (await this.#resetInTx(tx, ctx, user.id, record, passwordHash, 'code')) ?? emailErrors.invalidCode());
    await this.#afterReset(user.id, done.revoked);
  }

  /** the reset page's link: a new password by one-click token (the pages issue calls this) */
  async confirmPasswordResetByLink(ctx: RequestContext, input: { token: string; newPassword: string }): Promise<LinkOutcome> {
    if (!looksLikeLinkToken(input.token)) return 'invalid';
    const hash = this.d.codeHasher.linkHash(input.token);
    // the link first: an invalid or expired one is answered without rating or hashing the new password
    const found = await this.d.db.transaction().execute((tx) => this.d.codes.lockByLink(tx, hash));
    if (!found || found.purpose !== 'password_reset') return 'invalid';
    if (found.expiresAt.getTime() <= this.d.clock.now()) return 'expired';
    const user = await this.d.users.findById(this.d.db, found.userId);
    if (!user || user.disabled) return 'invalid';
    const passwordHash = await this.#newPasswordHash(ctx, user, input.newPassword);
    const outcome = await this.d.db
      .transaction()
      .execute(async (tx): Promise<{ result: LinkOutcome; done: ResetDone | null }> => {
        const record = await this.d.codes.lockByLink(tx, hash);
        if (!record || record.id !== found.id) return { result: 'invalid', done: null };
        if (record.expiresAt.getTime() <= this.d.clock.now()) return { result: 'expired', done: null };
        await this.d.codes.delete(tx, record.id);
        const done = await this.#resetInTx(tx, ctx, user.id, record, passwordHash, 'link');
        if (!done) throw new LinkRefused();
        return { result: 'verified', done };
      })
      .catch((error: unknown) => {
        // refused inside the transaction: rolled back, the link stays as it was
        if (error instanceof LinkRefused) return { result: 'invalid' as const, done: null };
        throw error;
      });
    if (outcome.done) await this.#afterReset(user.id, outcome.done.revoked);
    return outcome.result;
  }

  // ---- sign-in by email -------------------------------------------------------------------

  /**
   * A sign-in code and one-click link to `user`'s address, replacing (voiding) any earlier pair,
   * queued in one transaction. For null (no account, or one that may not sign in this way) the same
   * kind of work is done — a code made and hashed, a message written and taken back, a commit — and
   * nothing is kept or sent, so the answer takes as long either way.
   */
  async sendSignInCode(user: { id: string; email: string } | null): Promise<void> {
    if (!user) {
      // the work of an account's request — a code looked up, a message written, a commit that
      // reaches the disk — with the message taken back before the commit: nothing is sent
      const dummyId = randomUUID();
      const fresh = this.d.codeHasher.fresh(dummyId, 'email_login');
      await this.d.db.transaction().execute(async (tx) => {
        await this.d.codes.lockFor(tx, dummyId, 'email_login');
        await this.d.mail.rehearse(tx, { template: 'email_login', to: UNDELIVERABLE, userId: null, data: { code: fresh.code, link: this.d.mail.link('/login/email', { token: fresh.link }) } });
      });
      return;
    }
    await this.d.db.transaction().execute(async (tx) => {
      const fresh = await this.#issue(tx, user.id, 'email_login', user.email);
      await this.#send(tx, user.id, user.email, 'email_login', { code: fresh.code, link: this.d.mail.link('/login/email', { token: fresh.link }) });
    });
  }

  /**
   * Spends `user`'s sign-in code, and its link with it, when `entered` is right and the code went to
   * the address the account has now; a wrong entry is counted (the fifth voids the pair), an expired
   * code refused. No account (null): the same kind of work, then a wrong code's answer.
   */
  async spendSignInCode(user: { id: string; email: string | null } | null, entered: string): Promise<void> {
    if (!user) {
      // a wrong code's statements: the code looked up, the try counted (against no row)
      const dummyId = randomUUID();
      await this.d.db.transaction().execute(async (tx) => {
        await this.d.codes.lockFor(tx, dummyId, 'email_login');
        await this.d.codes.recordWrongTry(tx, dummyId);
      });
      throw emailErrors.invalidCode();
    }
    await this.#useCode(user.id, 'email_login', entered, async (_tx, record) => (record.email !== null && record.email === user.email ? null : emailErrors.invalidCode()));
  }

  /** what a sign-in link is worth now, spending nothing (the page a mail scanner may open) */
  peekSignInLink(token: string): Promise<SignInLink> {
    return this.#signInLink(token, false);
  }

  /** spends a sign-in link, and its code with it: the account it signs in, or why not */
  spendSignInLink(token: string): Promise<SignInLink> {
    return this.#signInLink(token, true);
  }

  async #signInLink(token: string, spend: boolean): Promise<SignInLink> {
    if (!looksLikeLinkToken(token)) return 'invalid';
    const hash = this.d.codeHasher.linkHash(token);
    return this.d.db.transaction().execute(async (tx): Promise<SignInLink> => {
      const record = await this.d.codes.lockByLink(tx, hash);
      // five wrong codes void the link sent with them
      if (!record || record.purpose !== 'email_login' || record.attempts >= MAX_WRONG_TRIES) return 'invalid';
      if (record.expiresAt.getTime() <= this.d.clock.now()) return 'expired';
      const user = await this.d.users.findById(tx, record.userId);
      if (!user || user.disabled || !user.email || user.email !== record.email) return 'invalid';
      if (spend) await this.d.codes.delete(tx, record.id);
      return { user };
    });
  }

  /** POST /email/change/request-code: a code to the current address (password-less accounts prove it) */
  async requestCurrentEmailCode(ctx: RequestContext, principal: Principal): Promise<void> {
    await this.d.limiter.hit('code-send', principal.userId, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.get(principal.userId);
    if (!user.email) throw commonErrors.validation([{ field: 'email', message: 'the account has no address to send a code to' }], 'The account has no email address.');
    const email = user.email;
    await this.d.db.transaction().execute(async (tx) => {
      const fresh = await this.#issue(tx, user.id, 'email_change_current', email);
      await this.#send(tx, user.id, email, 'email_change_current', { code: fresh.code });
    });
  }

  /** POST /email/change: proves the owner, then sends a code to the new address */
  async requestEmailChange(ctx: RequestContext, principal: Principal, input: { newEmail: string; password?: string; currentEmailCode?: string }): Promise<void> {
    await this.d.limiter.hit('code-send', principal.userId, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.get(principal.userId);
    const newEmail = normalizeEmail(input.newEmail, 'new_email');
    if (newEmail === user.email) throw commonErrors.validation([{ field: 'new_email', message: 'is already the address of this account' }]);
    if (!user.passwordHash && user.email) {
      // a password-less account proves it controls its current address
      if (input.currentEmailCode === undefined) throw commonErrors.validation([{ field: 'current_email_code', message: 'is required (POST /email/change/request-code sends it)' }]);
      await this.d.limiter.hit('code-id', principal.userId, this.d.settings.rateLimitCodeId);
      await this.#useCode(user.id, 'email_change_current', input.currentEmailCode, async (tx, record) => (record.email === user.email ? null : emailErrors.invalidCode()));
    } else {
      await this.d.signIn.reauthenticate(ctx, principal, { user, password: input.password, field: 'password', what: 'change the email address' });
    }
    // fail fast on a taken address (the change itself re-checks atomically)
    if (await this.d.users.findByEmail(newEmail)) throw usersErrors.emailTaken();
    await this.d.db.transaction().execute(async (tx) => {
      const fresh = await this.#issue(tx, user.id, 'email_change', newEmail);
      await this.#send(tx, user.id, newEmail, 'email_change', { code: fresh.code, new_email: newEmail });
    });
  }

  /** POST /email/change/confirm: the code sent to the new address; the old address is told */
  async confirmEmailChange(ctx: RequestContext, principal: Principal, code: string): Promise<UserRecord> {
    await this.d.limiter.hit('code-id', principal.userId, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.get(principal.userId);
    await this.#useCode(user.id, 'email_change', code, async (tx, record) => {
      const newEmail = record.email;
      if (!newEmail) return emailErrors.invalidCode();
      const current = await this.d.users.lockById(tx, user.id);
      if (!current) return emailErrors.invalidCode();
      await this.d.users.changeEmail(tx, user.id, newEmail);
      // every code and link still pending went to the old address (reset, verification, sign-in
      // by email…): none of them may act on the account now
      await this.d.codes.deleteAllFor(tx, user.id);
      await this.d.audit.record(tx, { ...ctx, actorId: user.id }, {
        type: 'email.changed',
        userId: user.id,
        data: { had_email: current.email !== null, old_domain: current.email?.split('@')[1] ?? null, new_domain: newEmail.split('@')[1] ?? null },
      });
      if (current.email) await this.#send(tx, user.id, current.email, 'email_changed', { ...this.d.sessions.noticeOrigin(ctx), new_email: newEmail });
      return null;
    });
    await this.d.users.announceChanged(user.id);
    return this.d.users.get(user.id);
  }

  /**
   * The reset itself, in the transaction that spent its code: the new password; for an address
   * never verified, every other way in removed and the address marked verified; every pending
   * code voided, every session revoked, the audit event and the notice. Null (nothing done) when
   * the code proves an address the account no longer has, or the account is gone or disabled.
   */
  async #resetInTx(tx: Executor, ctx: RequestContext, userId: string, record: CodeRecord, passwordHash: string, via: 'code' | 'link'): Promise<ResetDone | null> {
    const user = await this.d.users.lockById(tx, userId);
    if (!user || user.disabled || !user.email || record.email !== user.email) return null;
    const actor = { ...ctx, actorId: user.id };
    await this.d.users.setPasswordHash(tx, user.id, passwordHash);
    const removed: RemovedWayIn[] = [];
    if (!user.emailVerified) {
      // the reset proved the address: its owner now holds the account, and nothing the
      // registrant set up (who may not be the owner) stays a way in
      for (const owner of this.d.otherWaysIn) removed.push(...(await owner.removeAllInTx(tx, actor, user.id, UNVERIFIED_RESET)));
      await this.#markVerified(tx, actor, user.id, 'password_reset');
    }
    await this.d.codes.deleteAllFor(tx, user.id);
    const revoked = await this.d.sessions.revokeAllInTx(tx, user.id, 'password_reset');
    await this.d.audit.record(tx, actor, {
      type: 'password.reset',
      userId: user.id,
      data: { via, sessions_revoked: revoked.length, ...(user.emailVerified ? {} : { email_was_verified: false, ways_in_removed: removed.map((w) => w.kind) }) },
    });
    const origin = this.d.sessions.noticeOrigin(ctx);
    if (removed.length > 0) await this.#send(tx, user.id, user.email, 'password_reset_ways_in_removed', { ...origin, removed: describeRemoved(removed) });
    else await this.#send(tx, user.id, user.email, 'password_reset_done', { ...origin });
    return { revoked };
  }

  /** the new password, judged against the account's own words and hashed (off the event loop) */
  async #newPasswordHash(ctx: RequestContext, user: UserRecord, rawPassword: string): Promise<string> {
    const password = await this.d.policy.check(rawPassword, passwordUserInputs(user), ctx);
    return this.d.hasher.hash(password);
  }

  async #afterReset(userId: string, revoked: readonly string[]): Promise<void> {
    await this.d.users.announceChanged(userId);
    await this.d.sessions.announceRevoked(revoked);
  }

  async #markVerified(tx: Executor, ctx: RequestContext, userId: string, via: 'code' | 'link' | 'password_reset'): Promise<void> {
    await this.d.users.markEmailVerified(tx, userId);
    await this.d.audit.record(tx, { ...ctx, actorId: ctx.actorId ?? userId }, { type: 'email.verified', userId, data: { via } });
  }

  async #issue(tx: Executor, userId: string, purpose: CodePurpose, email: string) {
    const fresh = this.d.codeHasher.fresh(userId, purpose);
    const now = this.d.clock.now();
    await this.d.codes.replace(tx, {
      id: randomUUID(),
      userId,
      purpose,
      codeHash: fresh.codeHash,
      // codes only for the change flows: their links would have no page to go to
      linkHash: purpose === 'verify_email' || purpose === 'password_reset' || purpose === 'email_login' ? fresh.linkHash : null,
      email,
      createdAt: new Date(now),
      expiresAt: new Date(now + CODE_LIFETIME_S[purpose] * 1000),
    });
    return fresh;
  }

  async #send(tx: Executor, userId: string, to: string, template: TemplateName, data: Record<string, unknown>): Promise<void> {
    await this.d.mail.enqueue(tx, { template, to, userId, data });
  }

  /**
   * Checks a code without spending it (for work too costly to do under the code's lock, such as
   * rating and hashing a password): a wrong code's try is committed and the error thrown.
   */
  async #checkCode(userId: string, purpose: CodePurpose, entered: string): Promise<CodeRecord> {
    const checked = await this.d.db.transaction().execute(async (tx): Promise<Checked<CodeRecord>> => {
      const record = await this.d.codes.lockFor(tx, userId, purpose);
      const refused = await this.#refusal(tx, userId, purpose, entered, record);
      return refused || !record ? { ok: false, error: refused ?? emailErrors.invalidCode() } : { ok: true, value: record };
    });
    if (!checked.ok) throw checked.error;
    return checked.value;
  }

  /**
   * Spends a code #checkCode accepted, if it is still that code (not replaced, spent or expired
   * meanwhile), running `use` in the same transaction; `use` may refuse (returning an error) or
   * throw, and then the code stays as it was.
   */
  async #spendCode<T>(userId: string, purpose: CodePurpose, checked: CodeRecord, use: (tx: Executor, record: CodeRecord) => Promise<DomainError | T>): Promise<T> {
    return this.d.db.transaction().execute(async (tx) => {
      const record = await this.d.codes.lockFor(tx, userId, purpose);
      if (!record || record.id !== checked.id || record.codeHash !== checked.codeHash) throw emailErrors.invalidCode();
      if (record.expiresAt.getTime() <= this.d.clock.now()) throw emailErrors.codeExpired();
      await this.d.codes.delete(tx, record.id);
      const result = await use(tx, record);
      if (result instanceof Error) throw result;
      return result;
    });
  }

  /** why `entered` does not open the (locked) `record`, or null; a wrong entry is counted */
  async #refusal(tx: Executor, userId: string, purpose: CodePurpose, entered: string, record: CodeRecord | null): Promise<DomainError | null> {
    if (!record) return emailErrors.invalidCode();
    if (record.attempts >= MAX_WRONG_TRIES) return emailErrors.tooManyAttempts();
    if (!this.d.codeHasher.matches(userId, purpose, entered, record.codeHash)) {
      await this.d.codes.recordWrongTry(tx, record.id);
      return emailErrors.invalidCode();
    }
    if (record.expiresAt.getTime() <= this.d.clock.now()) return emailErrors.codeExpired();
    return null;
  }

  /**
   * Checks a code in a transaction that locks it, then runs `use` in the same transaction (the
   * code is deleted: single use). A wrong code's try is committed before the error is thrown;
   * `use` may refuse (returning an error) or throw, and then the code stays as it was.
   */
  async #useCode<T>(userId: string, purpose: CodePurpose, entered: string, use: (tx: Executor, record: CodeRecord) => Promise<DomainError | T | null>): Promise<T | null> {
    const checked = await this.d.db.transaction().execute(async (tx): Promise<Checked<T | null>> => {
      const record = await this.d.codes.lockFor(tx, userId, purpose);
      const refused = await this.#refusal(tx, userId, purpose, entered, record);
      if (refused || !record) return { ok: false, error: refused ?? emailErrors.invalidCode() };
      await this.d.codes.delete(tx, record.id);
      const result = await use(tx, record);
      if (result instanceof Error) throw result;
      return { ok: true, value: result };
    });
    if (!checked.ok) throw checked.error;
    return checked.value;
  }
}

/** thrown inside a link's transaction to roll it back when the reset refuses */
class LinkRefused extends Error {}

/** a reserved address (RFC 6761 `.invalid`): the recipient of the stand-in message, never sent */
const UNDELIVERABLE = 'nobody@gatehouse.invalid';

/** the notice's list of what a reset removed, one line each */
function describeRemoved(removed: readonly RemovedWayIn[]): string {
  return removed
    .map((w) => {
      switch (w.kind) {
        case 'identity':
          return `- sign-in with ${w.name} (a linked account)`;
        case 'totp':
          return '- two-step sign-in with an authenticator app (TOTP)';
        case 'passkey':
          return `- the passkey "${w.name}"`;
        case 'recovery_codes':
          return `- the recovery codes (${w.name} left)`;
      }
    })
    .join('\n');
}
