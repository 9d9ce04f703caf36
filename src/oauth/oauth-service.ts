/**
 * Social sign-in (SPEC §7): the authorize → callback flow, linking rules and the user's identities.
 *
 * - The flow's secrets (state, PKCE verifier, OIDC nonce), where to land afterwards and, when
 *   linking, who asked, travel in one cookie sealed with AES-GCM (a key derived from SECRETS_KEY
 *   for this purpose only), scoped to the provider's callback path, living ten minutes (its expiry
 *   is inside the seal too, checked against our clock). Nothing is stored until the flow succeeds,
 *   so a failed or abandoned flow leaves nothing behind, and any instance can finish any flow.
 * - Linking: an identity (provider, subject) signs into its user. A new identity whose provider
 *   vouches for its email (verified), equal to a user's verified email, is linked to that user;
 *   otherwise a new password-less user is created. An unverified email never links (and never
 *   takes an address an account already has: that sign-in is refused with email_taken).
 * - The identity's uniqueness is the database's (provider, subject) key: concurrent first sign-ins
 *   with one identity race to insert it, the loser's transaction rolls back (its new user with it)
 *   and retries, finding the winner's link. One user, whoever wins.
 * - An account keeps one way in: unlinking its last identity when it has no password is refused.
 */
import { randomUUID } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { AuditService } from '../audit/audit-service.js';
import type { AuthService, TokenGrant } from '../auth/auth-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db, Executor } from '../db/database-types.js';
import { DomainError } from '../errors.js';
import { safeRedirectPath } from '../http/redirect-target.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import type { SecretBox } from '../security/secret-box.js';
import { normalizeEmail } from '../users/user-fields.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { IdentityTaken, type IdentitiesRepository, type IdentityRecord } from './identities-repository.js';
import { oauthErrors, OAuthFailure } from './oauth-errors.js';
import { ProviderClient, type ProviderProfile } from './provider-client.js';
import type { ProvidersService, ResolvedProvider } from './providers-service.js';

export const FLOW_TTL_SECONDS = 600;
const DEFAULT_LANDING = '/dashboard';
const ATTEMPTS = 3;

export type OAuthSettings = Pick<Config, 'publicUrl' | 'publicOrigin' | 'production' | 'registration' | 'requireEmailVerification' | 'defaultRole'>;

export interface OAuthServiceDeps {
  db: Db;
  settings: OAuthSettings;
  repo: IdentitiesRepository;
  providers: ProvidersService;
  users: UsersService;
  auth: AuthService;
  audit: AuditService;
  /** seals the flow cookie */
  box: SecretBox;
  clock: Clock;
}

/** what the flow cookie carries (sealed) */
interface FlowState {
  /** provider id */
  p: string;
  /** state, PKCE verifier, nonce */
  s: string;
  v: string;
  n: string | null;
  /** landing path (same-origin, checked) */
  r: string | null;
  /** linking: the signed-in user who asked */
  l: string | null;
  /** expiry, ms */
  e: number;
}

export interface StartedFlow {
  /** the provider's authorization URL */
  location: string;
  /** the sealed flow, for the cookie */
  flow: string;
  /** the cookie's path: the provider's callback */
  cookiePath: string;
  maxAgeSeconds: number;
}

export type FinishedFlow =
  | { kind: 'signed_in'; grant: TokenGrant; redirectTo: string }
  | { kind: 'linked'; redirectTo: string }
  /** the account has a second factor: the provider was the first step (SPEC §12), the second follows */
  | { kind: 'second_step'; mfaToken: string; methods: string[]; redirectTo: string };

function normalizedEmail(email: string | null): string | null {
  if (!email) return null;
  try {
    return normalizeEmail(email);
  } catch {
    return null;
  }
}

export class OAuthService {
  readonly #client: ProviderClient;

  constructor(private readonly d: OAuthServiceDeps) {
    this.#client = new ProviderClient({ production: d.settings.production, clock: d.clock });
  }

  callbackPath(providerId: string): string {
    return `/api/v1/auth/oauth/${encodeURIComponent(providerId)}/callback`;
  }

  /** GET /oauth/{provider}/authorize: where to send the browser, and the sealed flow for the cookie */
  async start(providerId: string, input: { redirectTo?: string | undefined; linkUserId: string | null }): Promise<StartedFlow> {
    const provider = await this.#provider(providerId);
    const flow: FlowState = {
      p: provider.id,
      s: oauth.generateRandomState(),
      v: oauth.generateRandomCodeVerifier(),
      n: provider.kind === 'oidc' ? oauth.generateRandomNonce() : null,
      r: safeRedirectPath(input.redirectTo, this.d.settings.publicOrigin),
      l: input.linkUserId,
      e: this.d.clock.now() + FLOW_TTL_SECONDS * 1000,
    };
    const url = await this.#client.authorizationUrl(provider, this.#redirectUri(provider.id), { state: flow.s, codeVerifier: flow.v, nonce: flow.n });
    return { location: url.href, flow: this.d.box.seal(JSON.stringify(flow)), cookiePath: this.callbackPath(provider.id), maxAgeSeconds: FLOW_TTL_SECONDS };
  }

  /**
   * GET /oauth/{provider}/callback: checks the flow, completes it with the provider, then signs in
   * (or links). A failure is audited (login.failed) and thrown as an OAuthFailure; nothing is
   * created. An unknown or disabled provider is a plain 404.
   */
  async finish(ctx: RequestContext, providerId: string, params: URLSearchParams, sealedFlow: string | null): Promise<FinishedFlow> {
    const provider = await this.#provider(providerId);
    const method = `oauth:${provider.id}`;
    let flow: FlowState | null = null;
    try {
      flow = this.#openFlow(provider.id, sealedFlow);
      const profile = await this.#client.complete(provider, this.#redirectUri(provider.id), params, { state: flow.s, codeVerifier: flow.v, nonce: flow.n });
      const redirectTo = flow.r ?? DEFAULT_LANDING;
      if (flow.l) {
        await this.#link(ctx, provider, profile, flow.l);
        return { kind: 'linked', redirectTo };
      }
      const user = await this.#userFor(ctx, provider, profile);
      if (user.disabled) throw oauthErrors.accountDisabled();
      if (this.d.settings.requireEmailVerification && !user.emailVerified) throw oauthErrors.emailNotVerified();
      // social sign-in never skips a second factor: the provider's answer is the first step only
      // (it adds no amr value: a completed sign-in carries the second factor's and "mfa")
      if (user.mfaEnabled) {
        const step = await this.d.auth.beginSecondStep(user, []);
        return { kind: 'second_step', mfaToken: step.mfaToken, methods: step.methods, redirectTo };
      }
      return { kind: 'signed_in', grant: await this.d.auth.signInAs(ctx, user, method), redirectTo };
    } catch (error) {
      if (error instanceof OAuthFailure) {
        await this.d.audit.recordAlone({ ...ctx, actorId: flow?.l ?? null }, { type: 'login.failed', userId: flow?.l ?? null, data: { reason: error.reason, method, ...(flow?.l ? { mode: 'link' } : {}) } });
      }
      throw error;
    }
  }

  /** GET /identities */
  listIdentities(userId: string): Promise<IdentityRecord[]> {
    return this.d.repo.listByUser(this.d.db, userId);
  }
  /**
   * `users import`: identities linked in bulk, in the caller's transaction (the import has checked
   * that none belongs to another account; one linked already is left as it is)
   */
  async linkImported(tx: Executor, identities: { userId: string; provider: string; subject: string }[], at: Date): Promise<void> {
    await this.d.repo.insertMany(tx, identities.map((i) => ({ id: randomUUID(), userId: i.userId, provider: i.provider, subject: i.subject, email: null, emailVerified: false, createdAt: at })));
  }


  /** DELETE /identities/{id}: never the account's last way in (409 last_login_method) */
  async unlink(ctx: RequestContext, principal: Principal, identityId: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      const identities = await this.d.repo.lockByUser(tx, principal.userId);
      const target = identities.find((i) => i.id === identityId);
      if (!target) throw oauthErrors.identityNotFound();
      const user = await this.d.users.findById(tx, principal.userId);
      if (!user) throw oauthErrors.identityNotFound();
      if (!user.passwordHash && identities.length <= 1) throw oauthErrors.lastLoginMethod();
      await this.d.repo.delete(tx, target.id);
      await this.d.audit.record(tx, { ...ctx, actorId: principal.userId }, { type: 'identity.unlinked', userId: principal.userId, data: { identity_id: target.id, provider: target.provider } });
    });
  }

  async #provider(id: string): Promise<ResolvedProvider> {
    const provider = await this.d.providers.resolve(id);
    if (!provider) throw oauthErrors.unknownProvider();
    return provider;
  }

  #redirectUri(providerId: string): string {
    return `${this.d.settings.publicUrl}${this.callbackPath(providerId)}`;
  }

  #openFlow(providerId: string, sealed: string | null): FlowState {
    if (!sealed) throw oauthErrors.invalidState();
    let flow: FlowState;
    try {
      flow = JSON.parse(this.d.box.open(sealed)) as FlowState;
    } catch {
      throw oauthErrors.invalidState();
    }
    if (flow.p !== providerId) throw oauthErrors.invalidState();
    if (!(flow.e > this.d.clock.now())) throw oauthErrors.flowExpired();
    return flow;
  }

  /** link mode: the identity joins the signed-in user's account (already theirs: nothing to do) */
  async #link(ctx: RequestContext, provider: ResolvedProvider, profile: ProviderProfile, userId: string): Promise<void> {
    await this.#retrying(() =>
      this.d.db.transaction().execute(async (tx) => {
        const existing = await this.d.repo.find(tx, provider.id, profile.subject);
        if (existing) {
          if (existing.userId !== userId) throw oauthErrors.identityInUse();
          return;
        }
        // the account was deleted since the flow started
        if (!(await this.d.users.findById(tx, userId))) throw oauthErrors.invalidState();
        await this.#insertIdentity(tx, { ...ctx, actorId: userId }, provider, profile, userId, 'link');
      }),
    );
  }

  /** sign-in mode: the identity's user, a user linked by verified email, or a new password-less user */
  async #userFor(ctx: RequestContext, provider: ResolvedProvider, profile: ProviderProfile): Promise<UserRecord> {
    const email = normalizedEmail(profile.email);
    const verified = email !== null && profile.emailVerified;
    return this.#retrying(() =>
      this.d.db.transaction().execute(async (tx) => {
        const existing = await this.d.repo.find(tx, provider.id, profile.subject);
        if (existing) {
          const user = await this.d.users.findById(tx, existing.userId);
          if (!user) throw oauthErrors.providerError();
          return user;
        }
        const holder = email ? await this.d.users.findByEmail(email, tx) : null;
        if (holder && verified && holder.emailVerified) {
          await this.#insertIdentity(tx, { ...ctx, actorId: holder.id }, provider, profile, holder.id, 'verified_email');
          return holder;
        }
        // an address an account has, not verified on both sides: never linked, never taken over
        if (holder) throw oauthErrors.emailTaken();
        if (this.d.settings.registration === 'closed') throw oauthErrors.registrationClosed();
        if (this.d.settings.requireEmailVerification && !verified) throw oauthErrors.emailNotVerified();
        const id = await this.d.users.insertAccount(
          tx,
          { ...ctx, actorId: null },
          { email, username: null, name: profile.name ? profile.name.slice(0, 100) : null, passwordHash: null, roles: [this.d.settings.defaultRole] },
          verified,
          'oauth',
        );
        await this.#insertIdentity(tx, { ...ctx, actorId: id }, provider, profile, id, 'sign_up');
        const user = await this.d.users.findById(tx, id);
        if (!user) throw new Error('the user just created is gone');
        return user;
      }),
    );
  }

  async #insertIdentity(tx: Executor, ctx: RequestContext, provider: ResolvedProvider, profile: ProviderProfile, userId: string, via: 'link' | 'verified_email' | 'sign_up'): Promise<void> {
    const identity: IdentityRecord = {
      id: randomUUID(),
      userId,
      provider: provider.id,
      subject: profile.subject,
      email: normalizedEmail(profile.email),
      emailVerified: profile.emailVerified,
      createdAt: new Date(this.d.clock.now()),
    };
    await this.d.repo.insert(tx, identity);
    await this.d.audit.record(tx, ctx, { type: 'identity.linked', userId, data: { identity_id: identity.id, provider: provider.id, via } });
  }

  /** a lost race for the identity or the email (another sign-in committed first): read again */
  async #retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const raced = error instanceof IdentityTaken || (error instanceof DomainError && !(error instanceof OAuthFailure) && error.code === 'email_taken');
        if (!raced || attempt >= ATTEMPTS) throw raced ? oauthErrors.identityInUse() : error;
      }
    }
  }
}

/** record types callers outside this feature read (routes, pages): the service is the feature's surface */
export type { IdentityRecord } from './identities-repository.js';
