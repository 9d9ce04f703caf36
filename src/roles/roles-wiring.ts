/**
 * The roles' wiring: the service, with the products module's roles seeded when PRODUCTS=on, and
 * the start's check that DEFAULT_ROLE names a role.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import { PermissionsRepository } from './permissions-repository.js';
import { RolesRepository } from './roles-repository.js';
import { RolesService } from './roles-service.js';

export interface RolesWiring {
  db: Db;
  audit: AuditService;
  bus: InvalidationBus;
  clock: Clock;
  config: Pick<Config, 'defaultRole' | 'products'>;
}

export async function wireRoles({ db, audit, bus, clock, config }: RolesWiring): Promise<RolesService> {
  const roles = new RolesService({ db, roles: new RolesRepository(), permissions: new PermissionsRepository(), audit, bus, clock, defaultRole: config.defaultRole, products: config.products === 'on' });
  await roles.seedModuleRoles();
  return roles;
}

/** every sign-up would fail on a role nobody asked for: refuses the start instead, naming the setting */
export async function requireDefaultRole(roles: RolesService, config: Pick<Config, 'defaultRole' | 'products'>): Promise<void> {
  if ((await roles.unknownRoles([config.defaultRole])).length === 0) return;
  const seeded = config.products === 'on' ? 'admin, user, seller, buyer' : 'admin, user; seller and buyer with PRODUCTS=on';
  throw new Error(`DEFAULT_ROLE=${config.defaultRole} names no role. Use an existing role (seeded: ${seeded}), or create it through the admin API first and then set DEFAULT_ROLE.`);
}
