/**
 * The second factors' wiring: TOTP (secrets sealed under a key of their own), recovery codes,
 * passkeys (the relying party is PUBLIC_URL's host; MFA_ISSUER or that host names it). It offers
 * one port to email-ownership, a feature below it: `secondFactorsWayIn`, the removal of every
 * second factor by the reset of an unverified account (other-ways-in.ts).
 */
import type { AuditService } from '../audit/audit-service.js';
import type { EphemeralStore } from '../cache/ephemeral-store.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import type { OtherWaysIn } from '../email-ownership/other-ways-in.js';
import type { MailService } from '../mail/mail-service.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import type { Secrets } from '../security/secrets-wiring.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import type { UsersService } from '../users/users-service.js';
import { SecondFactorsRemoval } from './factors-removal.js';
import { MfaRepository } from './mfa-repository.js';
import { MfaService } from './mfa-service.js';
import { RecoveryCodeHasher } from './recovery-codes.js';
import { RelyingParty, WebAuthnChallenges } from './webauthn.js';

/** the second factors as one of the other ways into an account (for email-ownership's password reset) */
export function secondFactorsWayIn({ users, audit }: { users: UsersService; audit: AuditService }): OtherWaysIn {
  return new SecondFactorsRemoval(new MfaRepository(), users, audit);
}

export interface MfaWiring {
  db: Db;
  users: UsersService;
  signIn: SignInService;
  audit: AuditService;
  limiter: RateLimiter;
  store: EphemeralStore;
  clock: Clock;
  secrets: Secrets;
  mail: MailService;
  sessions: SessionsService;
  config: Pick<Config, 'publicUrl' | 'publicOrigin' | 'mfaIssuer' | 'rateLimitCodeId' | 'rateLimitLoginIp'>;
}

export function wireMfa({ db, users, signIn, audit, limiter, store, clock, secrets, mail, sessions, config }: MfaWiring): MfaService {
  const publicHost = new URL(config.publicUrl).hostname;
  const issuer = config.mfaIssuer ?? publicHost;
  return new MfaService({
    db,
    repo: new MfaRepository(),
    users,
    signIn,
    audit,
    limiter,
    clock,
    box: secrets.box('totp-secrets'),
    codeHasher: new RecoveryCodeHasher(secrets.key('recovery-codes')),
    rp: new RelyingParty({ rpId: publicHost, origin: config.publicOrigin, name: issuer }),
    challenges: new WebAuthnChallenges(store, clock),
    mail,
    sessions,
    settings: { rateLimitCodeId: config.rateLimitCodeId, rateLimitLoginIp: config.rateLimitLoginIp, issuer },
  });
}
