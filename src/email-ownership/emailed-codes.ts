/**
 * The life of an emailed code, one copy for every flow that sends one (verification, email change,
 * password reset, sign-in by email): issued with its message in one transaction, checked in a
 * transaction that locks it (a wrong entry counted and committed before the refusal is answered),
 * spent once.
 *
 * A flow that must not tell whether an address has an account (the password reset, sign-in by
 * email) sends through `sendOrRehearse`: for no account the same statements run — a code made and
 * hashed, a code looked up, a message written and taken back (MailService.rehearse), a commit that
 * reaches the disk — and nothing is kept or sent, so the answer takes as long either way.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db, Executor } from '../db/database-types.js';
import type { DomainError } from '../errors.js';
import type { MailService } from '../mail/mail-service.js';
import type { TemplateName } from '../mail/mail-templates.js';
import { CODE_LIFETIME_S, MAX_WRONG_TRIES, type CodeHasher, type FreshCode } from './email-codes.js';
import type { CodePurpose, CodeRecord, EmailCodesRepository } from './email-codes-repository.js';
import { emailErrors } from './email-errors.js';

export interface EmailedCodesDeps {
  db: Db;
  codes: EmailCodesRepository;
  codeHasher: CodeHasher;
  mail: MailService;
  clock: Clock;
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** a reserved address (RFC 6761 `.invalid`): the recipient of the stand-in message, never sent */
export const UNDELIVERABLE = 'nobody@gatehouse.invalid';

export class EmailedCodes {
  constructor(private readonly d: EmailedCodesDeps) {}

  /** a new code (and link) for `purpose`, replacing the user's earlier one, inside the caller's transaction */
  async issue(tx: Executor, userId: string, purpose: CodePurpose, email: string): Promise<FreshCode> {
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

  /** queues a message about `userId` inside the caller's transaction */
  async send(tx: Executor, userId: string, to: string, template: TemplateName, data: Record<string, unknown>): Promise<void> {
    await this.d.mail.enqueue(tx, { template, to, userId, data });
  }

  /**
   * A code of `purpose` and its message (template `purpose`, data from `data`) to `to`, replacing
   * its earlier one, in one transaction. For null (no account, or one that may not have it) the
   * same statements run — a code made and hashed, a code looked up, the message written and taken
   * back, a commit — and nothing is kept or sent.
   */
  async sendOrRehearse(to: { id: string; email: string } | null, purpose: CodePurpose & TemplateName, data: (fresh: FreshCode) => Record<string, unknown>): Promise<void> {
    if (!to) {
      const standInId = randomUUID();
      const fresh = this.d.codeHasher.fresh(standInId, purpose);
      await this.d.db.transaction().execute(async (tx) => {
        await this.d.codes.lockFor(tx, standInId, purpose);
        await this.d.mail.rehearse(tx, { template: purpose, to: UNDELIVERABLE, userId: null, data: data(fresh) });
      });
      return;
    }
    await this.d.db.transaction().execute(async (tx) => {
      const fresh = await this.issue(tx, to.id, purpose, to.email);
      await this.send(tx, to.id, to.email, purpose, data(fresh));
    });
  }

  /**
   * Checks a code without spending it (for work too costly to do under the code's lock, such as
   * rating and hashing a password): a wrong code's try is committed and the error thrown.
   */
  async check(userId: string, purpose: CodePurpose, entered: string): Promise<CodeRecord> {
    const checked = await this.d.db.transaction().execute(async (tx): Promise<Checked<CodeRecord>> => {
      const record = await this.d.codes.lockFor(tx, userId, purpose);
      const refused = await this.#refusal(tx, userId, purpose, entered, record);
      return refused || !record ? { ok: false, error: refused ?? emailErrors.invalidCode() } : { ok: true, value: record };
    });
    if (!checked.ok) throw checked.error;
    return checked.value;
  }

  /**
   * Spends a code `check` accepted, if it is still that code (not replaced, spent or expired
   * meanwhile), running `use` in the same transaction; `use` may refuse (returning an error) or
   * throw, and then the code stays as it was.
   */
  async spend<T>(userId: string, purpose: CodePurpose, checked: CodeRecord, use: (tx: Executor, record: CodeRecord) => Promise<DomainError | T>): Promise<T> {
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

  /**
   * Checks a code in a transaction that locks it, then runs `use` in the same transaction (the
   * code is deleted: single use). A wrong code's try is committed before the error is thrown;
   * `use` may refuse (returning an error) or throw, and then the code stays as it was.
   */
  async use<T>(userId: string, purpose: CodePurpose, entered: string, use: (tx: Executor, record: CodeRecord) => Promise<DomainError | T | null>): Promise<T | null> {
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
}
