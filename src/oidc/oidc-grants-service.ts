/**
 * The user's view of "Sign in with Gatehouse": the applications they gave consent to, and the
 * withdrawal of that consent, which also revokes every token the application holds for them
 * (its access tokens are refused by userinfo and its refresh tokens by the token endpoint at once,
 * on every instance: they are looked up in the database on each use).
 */
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Db, Executor } from '../db/database-types.js';
import type { RequestContext } from '../request-context.js';
import type { OidcClientsService } from './oidc-clients-service.js';
import { oidcErrors } from './oidc-errors.js';
import type { OidcPayloadsRepository } from './oidc-payloads-repository.js';

export interface OidcGrantView {
  clientId: string;
  clientName: string;
  scopes: string[];
  createdAt: Date;
}

export interface OidcGrantsServiceDeps {
  db: Db;
  payloads: OidcPayloadsRepository;
  clients: OidcClientsService;
  audit: AuditService;
  clock: Clock;
}

export class OidcGrantsService {
  constructor(private readonly d: OidcGrantsServiceDeps) {}

  /** one entry per client (grants of a deleted client are gone with it) */
  async list(userId: string): Promise<OidcGrantView[]> {
    const rows = await this.d.payloads.listGrants(this.d.db, userId, new Date(this.d.clock.now()));
    const byClient = new Map<string, OidcGrantView>();
    for (const { payload } of rows) {
      const clientId = typeof payload.clientId === 'string' ? payload.clientId : null;
      if (!clientId) continue;
      const scope = (payload.openid as { scope?: unknown } | undefined)?.scope;
      const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
      const iat = typeof payload.iat === 'number' ? payload.iat : 0;
      const seen = byClient.get(clientId);
      if (seen) seen.scopes = [...new Set([...seen.scopes, ...scopes])];
      else byClient.set(clientId, { clientId, clientName: '', scopes, createdAt: new Date(iat * 1000) });
    }
    const out: OidcGrantView[] = [];
    for (const grant of byClient.values()) {
      const client = await this.d.clients.find(grant.clientId);
      if (client) out.push({ ...grant, clientName: client.name });
    }
    return out;
  }

  /**
   * Inside the transaction that revokes every session of a user: the tokens applications hold
   * for them go too (refused at once: they are read from the database on each use), and the
   * provider's browser sessions; the consents stay, except when the user is deleted.
   */
  async revokeTokensInTx(tx: Executor, userId: string, reason: string): Promise<void> {
    await this.d.payloads.deleteOfAccount(tx, userId, reason === 'user_deleted');
  }

  /** withdraws the user's consent to a client and revokes that client's tokens for the user; 404 when there is none */
  async revoke(ctx: RequestContext, userId: string, clientId: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      if ((await this.d.payloads.deleteGrants(tx, userId, clientId)) === 0) throw oidcErrors.grantNotFound();
      await this.d.audit.record(tx, ctx, { type: 'oidc.consent.revoked', userId, data: { client_id: clientId } });
    });
  }
}
