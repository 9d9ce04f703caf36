/**
 * The signing keys' wiring: the key service, loaded (its reload timer stopped at close). The
 * access token's `permissions` claim comes from the roles, a feature above this one: handed in
 * as `permissionsFor`.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import type { Started } from '../lifecycle.js';
import type { Secrets } from '../security/secrets-wiring.js';
import { KeyService } from './key-service.js';
import { SigningKeysRepository } from './signing-keys-repository.js';

export interface KeysWiring {
  db: Db;
  audit: AuditService;
  bus: InvalidationBus;
  clock: Clock;
  secrets: Secrets;
  config: Pick<Config, 'jwtAlg' | 'publicUrl' | 'tokenAudience' | 'accessTokenTtl'>;
  /** the access token's `permissions` claim: what the user's roles grant */
  permissionsFor: (roles: readonly string[]) => Promise<ReadonlySet<string>>;
  started: Started;
  warn(message: string): void;
}

export async function wireKeys({ db, audit, bus, clock, secrets, config, permissionsFor, started, warn }: KeysWiring): Promise<KeyService> {
  if (config.accessTokenTtl < 60) warn(`ACCESS_TOKEN_TTL=${config.accessTokenTtl}: access tokens live under a minute; meant for tests of refresh logic, not production`);
  const keys = new KeyService({
    db,
    repo: new SigningKeysRepository(),
    box: secrets.box('signing-keys'),
    audit,
    alg: config.jwtAlg,
    issuer: config.publicUrl,
    audience: config.tokenAudience,
    accessTokenTtl: config.accessTokenTtl,
    clock,
    bus,
    permissionsFor,
  });
  await keys.init();
  started.add(() => keys.close());
  return keys;
}
