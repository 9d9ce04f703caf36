/**
 * Sign-in with upstream providers: the provider registry (PROVIDERS from the config, the rest from
 * the admin API, client secrets sealed) and the sign-in flow, sharing one client that talks to the
 * providers. It offers one port to email-ownership, a feature below it: `linkedIdentitiesWayIn`,
 * the removal of every linked identity by the reset of an unverified account (other-ways-in.ts).
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import type { OtherWaysIn } from '../email-ownership/other-ways-in.js';
import type { MailService } from '../mail/mail-service.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { Secrets } from '../security/secrets-wiring.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import type { UsersService } from '../users/users-service.js';
import { IdentitiesRepository } from './identities-repository.js';
import { LinkedIdentitiesRemoval } from './identities-removal.js';
import { ProviderClient } from './provider-client.js';
import { ProvidersRepository } from './providers-repository.js';
import { ProvidersService } from './providers-service.js';
import { OAuthService, type OAuthSettings } from './social-service.js';

/** the linked identities as one of the other ways into an account (for email-ownership's password reset) */
export function linkedIdentitiesWayIn({ audit }: { audit: AuditService }): OtherWaysIn {
  return new LinkedIdentitiesRemoval(new IdentitiesRepository(), audit);
}

export interface SocialWiring {
  db: Db;
  users: UsersService;
  signIn: SignInService;
  mfa: Pick<MfaService, 'methodsFor'>;
  audit: AuditService;
  roles: RolesService;
  sessions: SessionsService;
  mail: MailService;
  bus: InvalidationBus;
  clock: Clock;
  secrets: Secrets;
  config: OAuthSettings & Pick<Config, 'oauthProviders'>;
}

export function wireSocial({ db, users, signIn, mfa, audit, roles, sessions, mail, bus, clock, secrets, config }: SocialWiring): { oauthProviders: ProvidersService; oauth: OAuthService } {
  const client = new ProviderClient({ production: config.production, clock });
  const oauthProviders = new ProvidersService({
    db,
    repo: new ProvidersRepository(),
    box: secrets.box('oauth-client-secrets'),
    bus,
    clock,
    envProviders: config.oauthProviders,
    production: config.production,
    audit,
    client,
  });
  const oauth = new OAuthService({
    db,
    settings: config,
    repo: new IdentitiesRepository(),
    providers: oauthProviders,
    users,
    signIn,
    mfa,
    audit,
    roles,
    sessions,
    mail,
    client,
    box: secrets.box('oauth-flow'),
    clock,
  });
  return { oauthProviders, oauth };
}
