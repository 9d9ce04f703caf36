/**
 * The users' wiring. Disabling an account voids the codes and links emailed to it; their owner
 * (email-ownership) sits above users, so the composition hands its PendingCodes port in.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import type { MailService } from '../mail/mail-service.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { PasswordPolicy } from '../passwords/password-policy.js';
import type { RolesService } from '../roles/roles-service.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import { UsersRepository } from './users-repository.js';
import { UsersService, type PendingCodes } from './users-service.js';

export interface UsersWiring {
  db: Db;
  roles: RolesService;
  sessions: SessionsService;
  audit: AuditService;
  bus: InvalidationBus;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  clock: Clock;
  mail: MailService;
  config: Pick<Config, 'defaultRole' | 'accountEmail'>;
  /** voids every code and link emailed to a user (email-ownership's) */
  pendingCodes: PendingCodes;
}

export function wireUsers({ config, ...deps }: UsersWiring): UsersService {
  return new UsersService({ ...deps, repo: new UsersRepository(), settings: config });
}
