/**
 * Email ownership (docs/api.md, docs/operations.md): verification and email change, by emailed code
 * (the API) or one-click link (the pages), checked here once for both; the codes' own life (issued
 * with their mail, checked under a lock, spent once) is emailed-codes.ts's, the password reset
 * password-reset-service.ts's.
 *
 * - Every code and its email are written in one transaction (the outbox: mail-service.ts), and
 *   every change made by a code commits with its audit event and its notice.
 * - A code is checked in a transaction that locks it: a wrong entry is counted (and committed)
 *   before the 400 is answered, so parallel guesses cannot exceed the five tries; RATE_LIMIT_CODE_ID
 *   bounds entries per account, sends too.
 * - An email change (and a password reset) voids every pending code and link of the account
 *   (reset, verification, email change, sign-in by email: whatever purpose), so nothing sent to an
 *   address the account no longer has still works.
 * - Sign-in by email (the rules are the email-login feature's): a code and a link for one
 *   sign-in, sent only to a verified address; either spends both (one row), a wrong code counts
 *   towards the five tries that void both, and a link is refused once its code is void. An unknown
 *   address costs the same work (a message written and taken back) and sends nothing.
 * - An email change proves the new address (code sent there) and the owner (password; for a
 *   password-less account a code sent to the current address). The unique index decides a race
 *   for the same address: the loser gets 409 email_taken. The old address is told.
 */
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db, Executor } from '../db/database-types.js';
import { commonErrors } from '../errors.js';
import { readerData, type MailService } from '../mail/mail-service.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import { normalizeEmail } from '../users/user-fields.js';
import { usersErrors } from '../users/users-errors.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { looksLikeLinkToken, MAX_WRONG_TRIES, type CodeHasher } from './email-codes.js';
import type { EmailCodesRepository } from './email-codes-repository.js';
import { emailErrors } from './email-errors.js';
import { EmailedCodes } from './emailed-codes.js';

export type EmailSettings = Pick<Config, 'rateLimitCodeId'>;

export interface EmailServiceDeps {
  db: Db;
  codes: EmailCodesRepository;
  codeHasher: CodeHasher;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  mail: MailService;
  limiter: RateLimiter;
  clock: Clock;
  settings: EmailSettings;
  /** proof that the caller owns the account (a wrong password counts towards the lockout) */
  signIn: Pick<SignInService, 'reauthenticate'>;
}

/** the pages' answer to a one-click link */
export type LinkOutcome = 'verified' | 'invalid' | 'expired';

/** a sign-in link: the account it signs in, or why it does not */
export type SignInLink = { user: UserRecord } | 'invalid' | 'expired';

export class EmailService {
  readonly #codes: EmailedCodes;

  constructor(private readonly d: EmailServiceDeps) {
    this.#codes = new EmailedCodes(d);
  }

  /**
   * Queues the verification code and link of a new (or changed) address inside the caller's
   * transaction (registration, a request). Accounts without an email get nothing.
   */
  async issueVerification(tx: Executor, user: { id: string; email: string | null; locale: string | null }, ctx?: RequestContext): Promise<void> {
    if (!user.email) return;
    const fresh = await this.#codes.issue(tx, user.id, 'verify_email', user.email);
    await this.#codes.send(tx, user.id, user.email, 'verify_email', { code: fresh.code, link: this.d.mail.link('/verify-email', { token: fresh.link }), ...readerData(ctx, user) });
  }

  /** POST /email/verify/request: a new code and link (nothing when verified or without an email) */
  async requestVerification(ctx: RequestContext, principal: Principal): Promise<void> {
    await this.d.limiter.hit('code-send', principal.userId, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.get(principal.userId);
    if (user.emailVerified || !user.email) return;
    await this.d.db.transaction().execute((tx) => this.issueVerification(tx, user, ctx));
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
    await this.#codes.use(user.id, 'verify_email', code, async (tx, record) => {
      // a code sent to an address the account no longer has proves nothing about the current one
      if (!user.email || record.email !== user.email) return emailErrors.invalidCode();
      await this.markVerifiedInTx(tx, ctx, user.id, 'code');
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
      if (!user.emailVerified) await this.markVerifiedInTx(tx, { ...ctx, actorId: user.id }, user.id, 'link');
      return { result: 'verified', userId: user.id };
    });
    if (outcome.userId) await this.d.users.announceChanged(outcome.userId);
    return outcome.result;
  }

  // ---- sign-in by email -------------------------------------------------------------------

  /**
   * A sign-in code and one-click link to `user`'s address, replacing (voiding) any earlier pair,
   * queued in one transaction. For null (no account, or one that may not sign in this way) the same
   * kind of work is done — a code made and hashed, a message written and taken back, a commit — and
   * nothing is kept or sent, so the answer takes as long either way.
   */
  async sendSignInCode(user: { id: string; email: string; locale: string | null } | null, ctx?: RequestContext): Promise<void> {
    await this.#codes.sendOrRehearse(user, 'email_login', (fresh) => ({ code: fresh.code, link: this.d.mail.link('/login/email', { token: fresh.link }), ...readerData(ctx, user) }));
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
    await this.#codes.use(user.id, 'email_login', entered, async (_tx, record) => (record.email !== null && record.email === user.email ? null : emailErrors.invalidCode()));
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
      const fresh = await this.#codes.issue(tx, user.id, 'email_change_current', email);
      await this.#codes.send(tx, user.id, email, 'email_change_current', { code: fresh.code, ...readerData(ctx, user) });
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
      await this.#codes.use(user.id, 'email_change_current', input.currentEmailCode, async (tx, record) => (record.email === user.email ? null : emailErrors.invalidCode()));
    } else {
      await this.d.signIn.reauthenticate(ctx, principal, { user, password: input.password, field: 'password', what: 'change the email address' });
    }
    // fail fast on a taken address (the change itself re-checks atomically)
    if (await this.d.users.findByEmail(newEmail)) throw usersErrors.emailTaken();
    await this.d.db.transaction().execute(async (tx) => {
      const fresh = await this.#codes.issue(tx, user.id, 'email_change', newEmail);
      await this.#codes.send(tx, user.id, newEmail, 'email_change', { code: fresh.code, new_email: newEmail, ...readerData(ctx, user) });
    });
  }

  /** POST /email/change/confirm: the code sent to the new address; the old address is told */
  async confirmEmailChange(ctx: RequestContext, principal: Principal, code: string): Promise<UserRecord> {
    await this.d.limiter.hit('code-id', principal.userId, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.get(principal.userId);
    await this.#codes.use(user.id, 'email_change', code, async (tx, record) => {
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
      if (current.email) await this.#codes.send(tx, user.id, current.email, 'email_changed', { ...this.d.sessions.noticeOrigin(ctx), new_email: newEmail, ...readerData(ctx, current) });
      return null;
    });
    await this.d.users.announceChanged(user.id);
    return this.d.users.get(user.id);
  }

  /** marks the address verified, audited as email.verified (a verification, or a password reset that proved it) */
  async markVerifiedInTx(tx: Executor, ctx: RequestContext, userId: string, via: 'code' | 'link' | 'password_reset'): Promise<void> {
    await this.d.users.markEmailVerified(tx, userId);
    await this.d.audit.record(tx, { ...ctx, actorId: ctx.actorId ?? userId }, { type: 'email.verified', userId, data: { via } });
  }

}
