/**
 * The library's storage (its "adapter" per model) on Gatehouse's database: every model in
 * `oidc_payloads` (so any instance finishes a flow another started; expired rows swept as new ones
 * are written), except clients, which are the registry (oidc-clients-service.ts: cached at most a
 * second, evicted everywhere on a change; unknown or disabled = no such client). A code's
 * redemption is read and written in as few statements as the library's call order allows
 * (docs/architecture.md, "Redeeming an authorization code").
 */
import type { Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database-types.js';
import type { OidcClientsService } from './oidc-clients-service.js';
import { oidcErrors, Provider } from './oidc-provider-library.js';
import type { OidcPayloadRow, OidcPayloadsRepository } from './oidc-payloads-repository.js';

const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 1000;

/**
 * One redemption of an authorization code at the token endpoint, as the adapter sees it (#27;
 * docs/architecture.md, "Redeeming an authorization code"). The library reads the code, its grant and
 * its provider session one after the other, then uses the code up and stores the tokens it buys:
 * here the three reads are one statement, and the code's use is written in the statement that
 * stores the access token. Kept per request (keyed by the library's request context), so nothing
 * read ahead is ever seen by another request.
 */
interface Redemption {
  /** `Grant:<id>` and `Session:<uid>`: the row read with the code (null: there was none); each handed out once */
  readAhead: Map<string, OidcPayloadRow | null>;
  /** the code read, and the grant it names */
  code: { id: string; grantId: string | null };
  /** the library has used the code up, not yet written (written with the first token stored, else when the request ends) */
  consumed: boolean;
}

export class OidcAdapters {
  #lastSweep = 0;
  readonly #redemptions = new WeakMap<object, Redemption>();

  constructor(private readonly d: { db: Db; payloads: OidcPayloadsRepository; clients: OidcClientsService; clock: Clock }) {}

  /** the library's storage for `model` (`alg`: the ID token's signing algorithm, a client's metadata) */
  for(model: string, alg: string): Adapter {
    if (model === 'Client') return this.#clientAdapter(alg);
    const { db, payloads, clock } = this.d;
    const now = () => new Date(clock.now());
    const unwrap = (row: OidcPayloadRow | null): AdapterPayload | undefined => (row ? ({ ...row.payload, ...(row.consumed ? { consumed: true } : {}) } as AdapterPayload) : undefined);
    const redemption = (): Redemption | undefined => {
      const ctx = Provider.ctx;
      return ctx ? this.#redemptions.get(ctx) : undefined;
    };
    /** the row the code's statement read for `key` in this request, once; undefined: none read ahead */
    const readAhead = (key: string): { row: OidcPayloadRow | null } | undefined => {
      const ahead = redemption()?.readAhead;
      if (!ahead?.has(key)) return undefined;
      const row = ahead.get(key) ?? null;
      ahead.delete(key);
      return { row };
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        const expiresAt = expiresIn ? new Date(clock.now() + expiresIn * 1000) : null;
        const pending = model === 'AccessToken' || model === 'RefreshToken' ? redemption() : undefined;
        if (pending?.consumed) {
          const { code } = pending;
          pending.consumed = false;
          // the code is used up in the statement that stores its first token; when another
          // redemption used it up first (on any instance), nothing is stored and this one is a replay
          if (!(await payloads.consumeCodeAndUpsert(db, code.id, now(), model, id, payload as Record<string, unknown>, expiresAt))) {
            await this.#revokeReplayed(code.grantId);
            throw new oidcErrors.InvalidGrant('authorization code already consumed');
          }
        } else {
          await payloads.upsert(db, model, id, payload as Record<string, unknown>, expiresAt);
        }
        this.#sweepNow();
      },
      find: async (id) => {
        if (model === 'AuthorizationCode') return this.#findCode(id);
        const ahead = model === 'Grant' ? readAhead(`Grant:${id}`) : undefined;
        return unwrap(ahead ? ahead.row : await payloads.find(db, model, 'id', id, now()));
      },
      findByUid: async (uid) => {
        const ahead = model === 'Session' ? readAhead(`Session:${uid}`) : undefined;
        return unwrap(ahead ? ahead.row : await payloads.find(db, model, 'uid', uid, now()));
      },
      findByUserCode: async (userCode) => unwrap(await payloads.find(db, model, 'user_code', userCode, now())),
      consume: async (id) => {
        const pending = model === 'AuthorizationCode' ? redemption() : undefined;
        if (pending?.code.id === id) pending.consumed = true;
        else await payloads.consume(db, model, id, now());
      },
      destroy: async (id) => payloads.destroy(db, model, id),
      revokeByGrantId: async (grantId) => payloads.destroyGrant(db, grantId),
    };
  }

  /**
   * The token endpoint's read of a code: the code, its grant and (when the code ends with it) its
   * provider session in one statement; the library's reads of that grant and session in this
   * request get these rows instead of reading again. Only the token endpoint reads codes.
   */
  async #findCode(id: string): Promise<AdapterPayload | undefined> {
    const found = await this.d.payloads.findCode(this.d.db, id, new Date(this.d.clock.now()));
    if (!found) return undefined;
    const code = found.code.payload;
    const grantId = typeof code.grantId === 'string' ? code.grantId : null;
    const ctx = Provider.ctx;
    if (ctx) {
      const readAhead = new Map<string, OidcPayloadRow | null>();
      if (grantId !== null) readAhead.set(`Grant:${grantId}`, found.grant);
      if (code.expiresWithSession === true && typeof code.sessionUid === 'string') readAhead.set(`Session:${code.sessionUid}`, found.session);
      this.#redemptions.set(ctx, { readAhead, code: { id, grantId }, consumed: false });
    }
    return { ...code, ...(found.code.consumed ? { consumed: true } : {}) } as AdapterPayload;
  }

  /** a code used up twice: what it bought goes (the consent stays: revokeGrantPolicy), as the library does for a replay */
  async #revokeReplayed(grantId: string | null): Promise<void> {
    if (grantId !== null) await this.d.payloads.destroyGrant(this.d.db, grantId);
  }

  /** the end of a token request: a code used up but stored with no token is written used up now */
  async settleRedemption(ctx: { status: number; body: unknown }): Promise<void> {
    const pending = this.#redemptions.get(ctx);
    if (!pending) return;
    this.#redemptions.delete(ctx);
    if (!pending.consumed) return;
    const { code } = pending;
    pending.consumed = false;
    if (await this.d.payloads.claimCode(this.d.db, code.id, new Date(this.d.clock.now()))) return;
    // another redemption used it up first; tokens answered without being stored (none are in this
    // configuration: every token a code buys is stored) must not stand
    if (ctx.status < 400) {
      await this.#revokeReplayed(code.grantId);
      ctx.status = 400;
      ctx.body = { error: 'invalid_grant', error_description: 'authorization code already consumed' };
    }
  }

  /** the registry, as the library's Client model: unknown or disabled = no such client */
  #clientAdapter(alg: string): Adapter {
    const readOnly = async () => {
      throw new Error('OpenID Connect clients are managed through the admin API');
    };
    return {
      find: async (clientId) => {
        const client = await this.d.clients.resolve(clientId);
        if (!client) return undefined;
        const metadata: ClientMetadata & { permissions: string[] } = {
          client_id: client.clientId,
          client_name: client.name,
          ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
          token_endpoint_auth_method: client.type === 'confidential' ? 'client_secret_basic' : 'none',
          redirect_uris: client.redirectUris,
          post_logout_redirect_uris: client.postLogoutRedirectUris,
          grant_types: client.grantTypes,
          response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
          scope: client.scopes.join(' '),
          id_token_signed_response_alg: alg as never,
          // the ID token always says when the user signed in
          require_auth_time: true,
          permissions: client.permissions,
        };
        return metadata as AdapterPayload;
      },
      upsert: readOnly,
      findByUid: async () => undefined,
      findByUserCode: async () => undefined,
      consume: readOnly,
      destroy: readOnly,
      revokeByGrantId: readOnly,
    };
  }

  /** deletes expired rows, at most once a minute per instance, off the request's path */
  #sweepNow(): void {
    const at = this.d.clock.now();
    if (at - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = at;
    void this.d.payloads.sweep(this.d.db, new Date(at), SWEEP_BATCH).catch(() => {});
  }
}
