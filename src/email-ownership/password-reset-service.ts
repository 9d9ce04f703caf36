/**
 * Password reset (docs/api.md, docs/security.md) by emailed code (the API) or one-click link (the
 * pages), checked here once for both; the codes themselves are emailed-codes.ts's.
 *
 * - A request does not tell whether an address has an account: always 202, and for an unknown
 *   (or disabled) address the same work as for an account — a code made and hashed, a code looked
 *   up, the message written and taken back, a commit that reaches the disk (MailService.rehearse,
 *   as sign-in by email does) — with no mail. The confirmation answers an unknown address like a
 *   wrong code.
 * - The code (or link) is checked before the new password is rated or hashed: a wrong one costs
 *   neither. A wrong code is counted (and committed) before the 400; RATE_LIMIT_CODE_ID bounds the
 *   entries per address, RATE_LIMIT_RESET_IP / RESET_ID the requests.
 * - A reset proves the address. When the account's address had never been verified, whoever
 *   registered it may not own it (pre-registration hijacking): the reset removes every other way
 *   in the registrant set up — linked identities, TOTP, passkeys, recovery codes (their owners'
 *   OtherWaysIn, other-ways-in.ts, handed in by the composition) — as well as every
 *   session, in its transaction, marks the address verified, and its notice lists what was
 *   removed. A verified account keeps its factors.
 * - A reset voids every pending code and link of the account (whatever their purpose), so nothing
 *   sent to the address before still works.
 */
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db, Executor } from '../db/database-types.js';
import { readerData, type MailService } from '../mail/mail-service.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { PasswordPolicy } from '../passwords/password-policy.js';
import type { RequestContext } from '../request-context.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import { normalizeEmail, passwordUserInputs } from '../users/user-fields.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { looksLikeLinkToken, type CodeHasher } from './email-codes.js';
import type { CodeRecord, EmailCodesRepository } from './email-codes-repository.js';
import { emailErrors } from './email-errors.js';
import type { EmailService, LinkOutcome } from './email-service.js';
import { EmailedCodes } from './emailed-codes.js';
import type { OtherWaysIn, RemovedWayIn } from './other-ways-in.js';

export type PasswordResetSettings = Pick<Config, 'rateLimitResetIp' | 'rateLimitResetId' | 'rateLimitCodeId'>;

export interface PasswordResetServiceDeps {
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
  settings: PasswordResetSettings;
  /** the verification's own step: a reset of an unverified account marks its address verified */
  verification: Pick<EmailService, 'markVerifiedInTx'>;
  /**
   * the owners of the other ways into an account (identities, second factors), for the reset of an
   * unverified account: features above this one, handed in by the composition (other-ways-in.ts)
   */
  otherWaysIn: readonly OtherWaysIn[];
}

/** why a reset removed the registrant's ways in (the audit events' data.reason) */
export const UNVERIFIED_RESET = 'unverified_reset';

/** what a reset did, for after its commit */
interface ResetDone {
  revoked: string[];
}

export class PasswordResetService {
  readonly #codes: EmailedCodes;

  constructor(private readonly d: PasswordResetServiceDeps) {
    this.#codes = new EmailedCodes(d);
  }

  /** POST /password-reset: 202 whatever happens; a code and link only to an existing, enabled account */
  async request(ctx: RequestContext, emailInput: string): Promise<void> {
    const email = normalizeEmail(emailInput);
    await this.d.limiter.hit('reset-ip', ctx.ip ?? 'unknown', this.d.settings.rateLimitResetIp);
    await this.d.limiter.hit('reset-id', email, this.d.settings.rateLimitResetId);
    const user = await this.d.users.findByEmail(email);
    // no account: the same work, taken back, and no mail
    const to = user && !user.disabled ? { id: user.id, email } : null;
    await this.#codes.sendOrRehearse(to, 'password_reset', (fresh) => ({ code: fresh.code, link: this.d.mail.link('/reset-password', { token: fresh.link }), ...readerData(ctx, user) }));
  }

  /** POST /password-reset/confirm: a new password by emailed code; every session ends */
  async confirmByCode(ctx: RequestContext, input: { email: string; code: string; newPassword: string }): Promise<void> {
    const email = normalizeEmail(input.email);
    await this.d.limiter.hit('code-id', `reset:${email}`, this.d.settings.rateLimitCodeId);
    const user = await this.d.users.findByEmail(email);
    if (!user || user.disabled) {
      // the same kind of work as a wrong code (a transaction locking a code), then the same answer
      await this.d.db.transaction().execute((tx) => this.d.codes.lockFor(tx, randomUUID(), 'password_reset'));
      throw emailErrors.invalidCode();
    }
    // the code first: a wrong one is answered without rating or hashing the new password
    const checked = await this.#codes.check(user.id, 'password_reset', input.code);
    const passwordHash = await this.#newPasswordHash(ctx, user, input.newPassword);
    const done = await this.#codes.spend(user.id, 'password_reset', checked, async (tx, record) => (await this.#resetInTx(tx, ctx, user.id, record, passwordHash, 'code')) ?? emailErrors.invalidCode());
    await this.#afterReset(user.id, done.revoked);
  }

  /** the reset page's link: a new password by one-click token (the pages issue calls this) */
  async confirmByLink(ctx: RequestContext, input: { token: string; newPassword: string }): Promise<LinkOutcome> {
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
      await this.d.verification.markVerifiedInTx(tx, actor, user.id, 'password_reset');
    }
    await this.d.codes.deleteAllFor(tx, user.id);
    const revoked = await this.d.sessions.revokeAllInTx(tx, user.id, 'password_reset');
    await this.d.audit.record(tx, actor, {
      type: 'password.reset',
      userId: user.id,
      data: { via, sessions_revoked: revoked.length, ...(user.emailVerified ? {} : { email_was_verified: false, ways_in_removed: removed.map((w) => w.kind) }) },
    });
    const origin = { ...this.d.sessions.noticeOrigin(ctx), ...readerData(ctx, user) };
    // what was removed as kinds and names: the mail puts them into words of its language
    if (removed.length > 0) await this.#codes.send(tx, user.id, user.email, 'password_reset_ways_in_removed', { ...origin, removed: removed.map((w) => ({ kind: w.kind, name: w.name })) });
    else await this.#codes.send(tx, user.id, user.email, 'password_reset_done', { ...origin });
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
}

/** thrown inside a link's transaction to roll it back when the reset refuses */
class LinkRefused extends Error {}
