/**
 * Email ownership's wiring: verification and email change (EmailService) and the password reset
 * (PasswordResetService), over one table of emailed codes under a key of their own. Two ports:
 * - it offers `pendingEmailCodes()` to users, a feature below it (disabling an account voids its
 *   codes), which the composition hands to the users' wiring;
 * - it takes `otherWaysIn` from mfa and social, features above it (the reset of an unverified
 *   account removes the ways in they own: other-ways-in.ts), which the composition builds with
 *   their wiring's `…WayIn` functions and hands in here.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database-types.js';
import type { MailService } from '../mail/mail-service.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { PasswordPolicy } from '../passwords/password-policy.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { Secrets } from '../security/secrets-wiring.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import type { PendingCodes, UsersService } from '../users/users-service.js';
import { CodeHasher } from './email-codes.js';
import { EmailCodesRepository } from './email-codes-repository.js';
import { EmailService, type EmailSettings } from './email-service.js';
import type { OtherWaysIn } from './other-ways-in.js';
import { PasswordResetService, type PasswordResetSettings } from './password-reset-service.js';

/** voids every code and link emailed to a user, in the caller's transaction (the users' PendingCodes port) */
export function pendingEmailCodes(): PendingCodes {
  const codes = new EmailCodesRepository();
  return { voidAllInTx: (tx, userId) => codes.deleteAllFor(tx, userId) };
}

export interface EmailOwnershipWiring {
  db: Db;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  mail: MailService;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  limiter: RateLimiter;
  clock: Clock;
  secrets: Secrets;
  config: EmailSettings & PasswordResetSettings;
  /** proof that the caller owns the account (an email change) */
  signIn: Pick<SignInService, 'reauthenticate'>;
  /** the owners of the other ways into an account (identities, second factors), features above this one */
  otherWaysIn: readonly OtherWaysIn[];
}

export function wireEmailOwnership(w: EmailOwnershipWiring): { email: EmailService; passwordReset: PasswordResetService } {
  const codes = { db: w.db, codes: new EmailCodesRepository(), codeHasher: new CodeHasher(w.secrets.key('email-codes')), mail: w.mail, clock: w.clock };
  const email = new EmailService({ ...codes, users: w.users, sessions: w.sessions, audit: w.audit, limiter: w.limiter, settings: w.config, signIn: w.signIn });
  const passwordReset = new PasswordResetService({
    ...codes,
    users: w.users,
    sessions: w.sessions,
    audit: w.audit,
    hasher: w.hasher,
    policy: w.policy,
    limiter: w.limiter,
    settings: w.config,
    verification: email,
    otherWaysIn: w.otherWaysIn,
  });
  return { email, passwordReset };
}
