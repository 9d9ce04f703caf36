/**
 * The sessions' wiring. Sessions offer one port to the features above them: `alsoOnRevokeAll`,
 * where a feature that keeps credentials going with "every session" registers their revocation
 * (sign-out everywhere, a password change or reset, disabling or deleting the user, in the same
 * transaction). The OpenID Connect wiring (src/oidc/oidc-wiring.ts) registers its tokens there.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import type { MailService } from '../mail/mail-service.js';
import type { Secrets } from '../security/secrets-wiring.js';
import { noGeoIp, openGeoIp } from './geoip.js';
import { SessionsRepository } from './sessions-repository.js';
import { SessionsService } from './sessions-service.js';

export interface SessionsWiring {
  db: Db;
  audit: AuditService;
  bus: InvalidationBus;
  clock: Clock;
  secrets: Secrets;
  mail: MailService;
  config: Pick<Config, 'refreshTokenTtl' | 'sessionMaxAge' | 'refreshReuseGrace' | 'geoipDb'>;
}

export function wireSessions({ db, audit, bus, clock, secrets, mail, config }: SessionsWiring): SessionsService {
  return new SessionsService({
    db,
    repo: new SessionsRepository(),
    audit,
    bus,
    box: secrets.box('refresh-tokens'),
    clock,
    refreshTokenTtl: config.refreshTokenTtl,
    sessionMaxAge: config.sessionMaxAge,
    reuseGraceSeconds: config.refreshReuseGrace,
    geoip: config.geoipDb ? openGeoIp(config.geoipDb) : noGeoIp,
    mail,
  });
}
