/**
 * The OpenID Connect provider's wiring ("Sign in with Gatehouse"): the client registry, the grants
 * a user gave, and the provider (the library, mounted) signing with the signing keys and reading
 * the Gatehouse page session. Sign-out everywhere ends the tokens given to clients too: this
 * wiring registers their revocation with the sessions' `alsoOnRevokeAll` port, in the same
 * transaction as the sessions'.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { AuthService } from '../auth/auth-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import type { KeyService } from '../keys/key-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { Secrets } from '../security/secrets-wiring.js';
import type { SessionsService } from '../sessions/sessions-service.js';
import type { UsersService } from '../users/users-service.js';
import { OidcClientsRepository } from './oidc-clients-repository.js';
import { OidcClientsService } from './oidc-clients-service.js';
import { OidcGrantsService } from './oidc-grants-service.js';
import { OidcPayloadsRepository } from './oidc-payloads-repository.js';
import { OidcProviderHost, type OidcPages, type OidcProviderSettings } from './oidc-provider.js';

export interface OidcWiring {
  db: Db;
  keys: KeyService;
  users: UsersService;
  roles: RolesService;
  auth: AuthService;
  sessions: SessionsService;
  audit: AuditService;
  clock: Clock;
  /** client changes evict every instance's client cache (disable and rotation hold within a second) */
  bus: InvalidationBus;
  secrets: Secrets;
  config: OidcProviderSettings & Pick<Config, 'production'>;
  /** the name of the pages' session cookie, which the provider reads to know who is signed in */
  pageCookie: string;
  /** told of each success of the token endpoint, by grant type (metrics) */
  onTokenIssued: (grantType: string) => void;
  /** the library's error page, rendered by the pages (the brand's look, the reader's language) */
  pages: OidcPages;
}

export function wireOidc({ db, keys, users, roles, auth, sessions, audit, clock, bus, secrets, config, pageCookie, onTokenIssued, pages }: OidcWiring): {
  oidcClients: OidcClientsService;
  oidcGrants: OidcGrantsService;
  oidcProvider: OidcProviderHost;
} {
  const oidcClients = new OidcClientsService({
    db,
    repo: new OidcClientsRepository(),
    box: secrets.box('oidc-client-secrets'),
    audit,
    clock,
    bus,
    permissionCatalogue: () => roles.catalogue(),
    production: config.production,
  });
  const payloads = new OidcPayloadsRepository();
  const oidcGrants = new OidcGrantsService({ db, payloads, clients: oidcClients, audit, clock });
  sessions.alsoOnRevokeAll((tx, userId, reason) => oidcGrants.revokeTokensInTx(tx, userId, reason));
  const oidcProvider = new OidcProviderHost({
    db,
    payloads,
    clients: oidcClients,
    keys,
    users,
    clock,
    cookieKey: secrets.key('oidc-cookies'),
    pageSession: {
      cookie: pageCookie,
      userOf: async (token) => (await auth.authenticate(token))?.userId ?? null,
      signInOf: async (token) => {
        const principal = await auth.authenticate(token);
        const session = principal ? await sessions.find(principal.sessionId) : null;
        if (!principal || !session) return null;
        return { userId: principal.userId, signedInAt: Math.floor(session.createdAt.getTime() / 1000), ...(principal.token.amr ? { amr: principal.token.amr } : {}) };
      },
      end: async (token, ctx) => {
        const principal = await auth.authenticate(token);
        if (principal) await sessions.revoke({ ...ctx, actorId: principal.userId }, principal.userId, principal.sessionId, 'logout');
      },
    },
    onTokenIssued,
    pages,
    settings: config,
  });
  return { oidcClients, oidcGrants, oidcProvider };
}
